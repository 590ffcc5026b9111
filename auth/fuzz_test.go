package auth

import (
	"testing"
	"time"
)

// FuzzParseRule: parsing never panics; an error means no rule; an accepted
// rule round-trips through String; and a rule that passes CheckRule never
// allows a flow whose evidence is all weak.
func FuzzParseRule(f *testing.F) {
	for _, s := range []string{"(ecp & sms) | webauthn | qr", "sms", "strong & sms", "((a|b)&(c|d))|e", "ecp &", "(((", "a|b|c&d&e|f"} {
		f.Add(s)
	}
	now := time.Unix(1e9, 0)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseRule(s)
		if err != nil {
			if e != nil {
				t.Fatalf("error %v with a non-nil rule", err)
			}
			return
		}
		text := e.String()
		again, err := ParseRule(text)
		if err != nil {
			t.Fatalf("String() = %q does not parse: %v", text, err)
		}
		if again.String() != text {
			t.Fatalf("round trip: %q -> %q", text, again.String())
		}
		c, err := compile(e)
		if err != nil {
			return // too large
		}
		if c.check(func(k Kind) bool { return canBeStrong(k, nil) }) != nil {
			return
		}
		fl := &Flow{Subject: "u", ExpiresAt: now.Add(time.Minute)}
		for _, k := range append(c.kinds, KindSMS, KindECP, KindQR) {
			fl.Evidence = append(fl.Evidence, Evidence{Kind: k, Strength: Weak, Subject: "u", Time: now})
		}
		if c.decide(fl, 0, now).Allowed {
			t.Fatalf("%q allowed weak-only evidence", text)
		}
	})
}
