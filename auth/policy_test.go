package auth

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/internal/testenv"
)

func TestParseRuleRoundTrip(t *testing.T) {
	cases := map[string]string{
		"(ecp & sms) | webauthn | qr":   "(ecp & sms) | webauthn | qr",
		"ecp&sms|webauthn":              "(ecp & sms) | webauthn",
		"  ecp  ":                       "ecp",
		"(ecp | qr) & sms":              "(ecp | qr) & sms",
		"((ecp))":                       "ecp",
		"strong & sms":                  "strong & sms",
		"ecp | (qr | webauthn)":         "ecp | qr | webauthn",
		"ecp & (sms & webauthn)":        "ecp & sms & webauthn",
		"my-bank_app2 & sms | qr":       "(my-bank_app2 & sms) | qr",
		"(ecp | qr) & (sms | webauthn)": "(ecp | qr) & (sms | webauthn)",
	}
	for in, want := range cases {
		e, err := ParseRule(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, e.String(), in)
		again, err := ParseRule(e.String())
		require.NoError(t, err)
		assert.Equal(t, e, again, "Parse(String(e)) must equal e for %q", in)
	}
}

func TestParseRuleSyntaxErrors(t *testing.T) {
	for _, in := range []string{"", "ecp &", "| ecp", "(ecp", "ecp)", "ecp sms", "ECP", "ecp & 9x", "e$p", "()", "ecp ||| qr",
		string(make([]byte, maxRuleText+1)), deep(maxRuleDepth + 1)} {
		_, err := ParseRule(in)
		require.Error(t, err, "%q", in)
		assert.ErrorIs(t, err, ErrPolicySyntax, "%q", in)
	}
	_, err := ParseRule(deep(maxRuleDepth))
	assert.NoError(t, err)
}

func deep(n int) string {
	s := "ecp"
	for range n {
		s = "(" + s + ")"
	}
	return s
}

func TestCheckRuleRefusesWeakAlone(t *testing.T) {
	for _, in := range []string{"sms", "sms | ecp", "sms & sms", "ecp | sms & sms", "(ecp & sms) | sms", "custom", "sms & custom | qr"} {
		e, err := ParseRule(in)
		require.NoError(t, err)
		err = CheckRule(e)
		require.Error(t, err, "%q must be refused", in)
		assert.ErrorIs(t, err, ErrWeakPolicy)
	}
	for _, in := range []string{"(ecp & sms) | qr", "(ecp & sms) | webauthn | qr", "ecp", "strong & sms", "strong", "(ecp | qr) & sms", "sms & (ecp | webauthn)"} {
		e, err := ParseRule(in)
		require.NoError(t, err)
		assert.NoError(t, CheckRule(e), in)
	}
}

func TestCheckRuleNamesTheWeakCombination(t *testing.T) {
	e, err := ParseRule("(ecp & sms) | (sms & custom) | qr")
	require.NoError(t, err)
	err = CheckRule(e)
	require.ErrorIs(t, err, ErrWeakPolicy)
	assert.Contains(t, err.Error(), `"sms & custom"`)
}

func TestNormalForm(t *testing.T) {
	e, err := ParseRule("(ecp | qr) & (sms | ecp)")
	require.NoError(t, err)
	nf, err := NormalForm(e)
	require.NoError(t, err)
	// ecp&sms and qr&ecp are absorbed by ecp.
	assert.Equal(t, [][]string{{"ecp"}, {"qr", "sms"}}, nf)
	e, _ = ParseRule("ecp | ecp & sms | strong & ecp")
	nf, _ = NormalForm(e)
	assert.Equal(t, [][]string{{"ecp"}}, nf)
}

func TestRuleSizeLimit(t *testing.T) {
	// 2^9 = 512 combinations > maxRuleCombos.
	s := ""
	for i := range 9 {
		if i > 0 {
			s += " & "
		}
		s += fmt.Sprintf("(a%d | b%d)", i, i)
	}
	e, err := ParseRule(s)
	require.NoError(t, err)
	_, err = NormalForm(e)
	assert.ErrorIs(t, err, ErrPolicySyntax)
}

func mustCompile(t testing.TB, s string) *compiled {
	e, err := ParseRule(s)
	require.NoError(t, err)
	c, err := compile(e)
	require.NoError(t, err)
	return c
}

func ev(k Kind, s Strength, at time.Time) Evidence {
	return Evidence{Kind: k, Strength: s, Subject: "u1", Time: at}
}

func TestDecide(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	c := mustCompile(t, "(ecp & sms) | webauthn | qr")
	flow := func(es ...Evidence) *Flow {
		return &Flow{Subject: "u1", Evidence: es, ExpiresAt: now.Add(time.Minute)}
	}
	d := c.decide(flow(), 0, now)
	assert.False(t, d.Allowed)
	assert.Equal(t, ReasonMissing|ReasonNoStrong, d.Reasons)
	assert.Equal(t, [][]string{{"webauthn"}, {"qr"}, {"ecp", "sms"}}, d.Alternatives())

	d = c.decide(flow(ev(KindECP, Strong, now)), 0, now)
	assert.False(t, d.Allowed)
	alts := d.Alternatives()
	assert.Equal(t, [][]string{{"sms"}, {"webauthn"}, {"qr"}}, alts)
	// The rows share one backing array, capped: a caller's append to one
	// row does not write into the next.
	_ = append(alts[0], "x")
	assert.Equal(t, [][]string{{"sms"}, {"webauthn"}, {"qr"}}, alts)
	if !testenv.Race {
		assert.LessOrEqual(t, testing.AllocsPerRun(50, func() { _ = d.Alternatives() }), 2.0, "the list and one backing array")
	}

	d = c.decide(flow(ev(KindECP, Strong, now), ev(KindSMS, Weak, now)), 0, now)
	assert.True(t, d.Allowed)
	assert.Zero(t, d.Reasons)
	assert.Nil(t, d.Alternatives())

	// Weak evidence under a strong kind's name does not count as strong.
	d = c.decide(flow(ev(KindECP, Weak, now), ev(KindSMS, Weak, now)), 0, now)
	assert.False(t, d.Allowed)
	d = c.decide(flow(ev(KindQR, Weak, now)), 0, now)
	assert.False(t, d.Allowed)

	// Freshness.
	d = c.decide(flow(ev(KindWebAuthn, Strong, now.Add(-6*time.Minute))), 5*time.Minute, now)
	assert.False(t, d.Allowed)
	assert.NotZero(t, d.Reasons&ReasonStale)
	d = c.decide(flow(ev(KindWebAuthn, Strong, now.Add(-4*time.Minute))), 5*time.Minute, now)
	assert.True(t, d.Allowed)

	// No subject, another subject's evidence, expired, cancelled, completed.
	f := flow(ev(KindQR, Strong, now))
	f.Subject = ""
	d = c.decide(f, 0, now)
	assert.False(t, d.Allowed)
	assert.NotZero(t, d.Reasons&ReasonNoSubject)
	f = flow(Evidence{Kind: KindQR, Strength: Strong, Subject: "u2", Time: now})
	assert.False(t, c.decide(f, 0, now).Allowed)
	f = flow(ev(KindQR, Strong, now))
	assert.False(t, c.decide(f, 0, now.Add(time.Minute)).Allowed)
	f.Cancelled = true
	assert.Equal(t, ReasonCancelled, c.decide(f, 0, now).Reasons)
	f.Cancelled, f.Completed = false, true
	assert.Equal(t, ReasonCompleted, c.decide(f, 0, now).Reasons)
}

func TestDecideStrongAtom(t *testing.T) {
	now := time.Unix(1e9, 0)
	c := mustCompile(t, "strong & sms")
	f := &Flow{Subject: "u1", ExpiresAt: now.Add(time.Minute), Evidence: []Evidence{ev(KindSMS, Weak, now)}}
	d := c.decide(f, 0, now)
	assert.False(t, d.Allowed)
	assert.Equal(t, [][]string{{"strong"}}, d.Alternatives())
	f.Evidence = append(f.Evidence, ev("bank-app", Strong, now))
	assert.True(t, c.decide(f, 0, now).Allowed)
}

// TestDecideNeverAllowsWithoutStrong enumerates every evidence set over the
// kinds of several accepted policies: whenever no evidence is strong, the
// decision must refuse (invariant 1).
func TestDecideNeverAllowsWithoutStrong(t *testing.T) {
	now := time.Unix(1e9, 0)
	kinds := []Kind{KindECP, KindWebAuthn, KindQR, KindSMS, "custom"}
	for _, rule := range []string{"(ecp & sms) | webauthn | qr", "strong & sms", "ecp", "strong", "(ecp | qr) & (sms | custom)"} {
		c := mustCompile(t, rule)
		require.NoError(t, c.check(func(k Kind) bool { return canBeStrong(k, nil) }))
		for set := 0; set < 1<<len(kinds); set++ {
			for strongSet := 0; strongSet < 1<<len(kinds); strongSet++ {
				f := &Flow{Subject: "u1", ExpiresAt: now.Add(time.Minute)}
				anyStrong := false
				for i, k := range kinds {
					if set&(1<<i) == 0 {
						continue
					}
					s := Weak
					if strongSet&(1<<i) != 0 && k != KindSMS {
						s, anyStrong = Strong, true
					}
					f.Evidence = append(f.Evidence, ev(k, s, now))
				}
				d := c.decide(f, 0, now)
				if d.Allowed && !anyStrong {
					t.Fatalf("%q allowed weak-only evidence %+v", rule, f.Evidence)
				}
			}
		}
	}
}

func TestStrengthOf(t *testing.T) {
	assert.Equal(t, Weak, StrengthOf(KindSMS, []string{"sc", "hwk", "user"}), "sms is weak whatever it claims")
	assert.Equal(t, Weak, StrengthOf(KindWebAuthn, []string{"hwk"}), "no user verification")
	assert.Equal(t, Weak, StrengthOf("x", []string{"hwk", "user", "sms"}))
	assert.Equal(t, Weak, StrengthOf("x", []string{"otp"}))
	assert.Equal(t, Weak, StrengthOf("x", nil))
	assert.Equal(t, Strong, StrengthOf(KindECP, []string{"sc", "swk"}))
	assert.Equal(t, Strong, StrengthOf(KindWebAuthn, []string{"swk", "user"}))
	assert.Equal(t, Strong, StrengthOf(KindQR, []string{"mca", "hwk", "user"}))
}

func TestErrorCodesAndMessages(t *testing.T) {
	err := &FactorError{Kind: KindSMS, Op: "finish", Err: Classify(ErrLocked, errors.New("otp: 5 wrong codes"))}
	assert.ErrorIs(t, err, ErrLocked)
	assert.Equal(t, "locked", Code(err))
	assert.Equal(t, "internal", Code(errors.New("boom")))
	assert.Contains(t, ClientMessage(err, "ru-RU,ru;q=0.9"), "Слишком много")
	assert.Contains(t, ClientMessage(err, "kk"), "Тым көп")
	assert.Contains(t, ClientMessage(err, "de, en;q=0.5"), "Too many")
	assert.NotContains(t, ClientMessage(err, "en"), "otp:")
	assert.Equal(t, "kk", Lang("kk-KZ"))
	assert.Equal(t, "en", Lang(""))
	for code := range messages {
		for _, m := range messages[code] {
			assert.NotEmpty(t, m, code)
		}
	}
}

// Code finds a wrapped sentinel's code without allocating (it runs on
// every refusal the HTTP layer answers).
func TestCodeWithoutAllocation(t *testing.T) {
	err := fmt.Errorf("ecp: %w", &FactorError{Kind: KindECP, Op: "finish", Err: fmt.Errorf("%w: bad", ErrReplay)})
	require.Equal(t, "replayed", Code(err))
	require.Equal(t, "internal", Code(errors.New("plain")))
	require.Equal(t, 0.0, testing.AllocsPerRun(100, func() { _ = Code(err) }))
}
