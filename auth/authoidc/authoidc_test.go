package authoidc_test

import (
	"context"
	"errors"
	"maps"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authoidc"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/store/memory"
)

const (
	acrStrong = "urn:strongauth:acr:strong"
	acrKey    = "urn:strongauth:acr:key"
	person    = "880101300123"
)

// attrFactor is a fake factor that also records identity attributes, as
// factors/ecp does from a certificate.
type attrFactor struct {
	*authtest.Factor
	attrs map[string]string
}

func (f *attrFactor) Finish(ctx context.Context, req *auth.FinishRequest) (*auth.Proof, error) {
	p, err := f.Factor.Finish(ctx, req)
	if err != nil {
		return nil, err
	}
	p.Attributes = maps.Clone(f.attrs)
	return p, nil
}

type fixture struct {
	clock  *fakeclock.Clock
	eng    *auth.Engine
	bridge *authoidc.Bridge
}

func newFixture(t testing.TB, cfg authoidc.Config) *fixture {
	t.Helper()
	clock := fakeclock.New(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	st := memory.New(memory.Config{Now: clock.Now})
	t.Cleanup(func() { _ = st.Close() })
	login, err := auth.ParseRule("(ecp & sms) | webauthn")
	require.NoError(t, err)
	key, err := auth.ParseRule("ecp | webauthn")
	require.NoError(t, err)
	ecp := &attrFactor{Factor: &authtest.Factor{K: auth.KindECP, AMR: []string{auth.AMRSmartCard, auth.AMRSoftware}},
		attrs: map[string]string{"iin": person, "bin": "123456789012", "roles": "ceo,sign", "serial": "01"}}
	sms := &attrFactor{Factor: authtest.Weak(auth.KindSMS), attrs: map[string]string{"iin": "999999999999"}}
	eng, err := auth.New(auth.Config{Store: st, Now: clock.Now,
		Factors: []auth.Factor{ecp, sms, authtest.Strong(auth.KindWebAuthn)},
		Policies: []auth.Policy{
			{Action: "login", Rule: login},
			{Action: "login-key", Rule: key},
		}})
	require.NoError(t, err)
	cfg.Engine = eng
	if cfg.Levels == nil {
		cfg.Levels = []authoidc.Level{{ACR: acrStrong, Action: "login"}, {ACR: acrKey, Action: "login-key"}}
	}
	b, err := authoidc.New(cfg)
	require.NoError(t, err)
	return &fixture{clock: clock, eng: eng, bridge: b}
}

// run completes a flow for action with the factors given, a second
// apart, and returns its result.
func (f *fixture) run(t testing.TB, action, subject string, kinds ...auth.Kind) *auth.Result {
	t.Helper()
	ctx := context.Background()
	bind, err := f.eng.NewBinding()
	require.NoError(t, err)
	fl, err := f.eng.Start(ctx, auth.StartRequest{Action: action, Binding: bind, Subject: subject})
	require.NoError(t, err)
	var out *auth.Outcome
	for _, k := range kinds {
		step := auth.StepRequest{FlowID: fl.ID, Binding: bind, Kind: k, Input: authtest.OK(person)}
		_, err := f.eng.Begin(ctx, step)
		require.NoError(t, err)
		out, err = f.eng.Finish(ctx, step)
		require.NoError(t, err)
		f.clock.Advance(time.Second)
	}
	require.NotNil(t, out.Result, "the flow completed")
	return out.Result
}

func plan(t *testing.T, b *authoidc.Bridge, query string) (authoidc.Plan, error) {
	t.Helper()
	v, err := url.ParseQuery(query)
	require.NoError(t, err)
	req, err := authoidc.ParseRequest(v)
	if err != nil {
		return authoidc.Plan{}, err
	}
	return b.Plan(req)
}

func TestNewRefusesBadConfig(t *testing.T) {
	f := newFixture(t, authoidc.Config{})
	for name, cfg := range map[string]authoidc.Config{
		"no engine":      {Levels: []authoidc.Level{{ACR: acrStrong, Action: "login"}}},
		"no levels":      {Engine: f.eng},
		"empty acr":      {Engine: f.eng, Levels: []authoidc.Level{{ACR: "", Action: "login"}}},
		"acr with space": {Engine: f.eng, Levels: []authoidc.Level{{ACR: "a b", Action: "login"}}},
		"duplicate acr":  {Engine: f.eng, Levels: []authoidc.Level{{ACR: acrStrong, Action: "login"}, {ACR: acrStrong, Action: "login-key"}}},
		"unknown action": {Engine: f.eng, Levels: []authoidc.Level{{ACR: acrStrong, Action: "nope"}}},
		"bad default":    {Engine: f.eng, Levels: []authoidc.Level{{ACR: acrStrong, Action: "login"}}, Default: acrKey},
	} {
		_, err := authoidc.New(cfg)
		assert.ErrorIs(t, err, auth.ErrConfig, name)
	}
}

func TestPlanMapsACRRequests(t *testing.T) {
	f := newFixture(t, authoidc.Config{})
	essential := func(values string) string {
		return "claims=" + url.QueryEscape(`{"id_token":{"acr":{"essential":true,"values":[`+values+`]}}}`)
	}
	for _, tc := range []struct {
		name, query, acr string
		essential        bool
	}{
		{"nothing asked: the default level", "", acrStrong, false},
		{"acr_values: first known value", "acr_values=urn:unknown+" + acrKey + "+" + acrStrong, acrKey, false},
		{"acr_values is voluntary: unknown values give the default", "acr_values=urn:unknown", acrStrong, false},
		{"essential claims value", essential(`"urn:unknown","` + acrKey + `"`), acrKey, true},
		{"essential single value", "claims=" + url.QueryEscape(`{"id_token":{"acr":{"essential":true,"value":"`+acrKey+`"}}}`), acrKey, true},
		{"voluntary claims, unknown value", "claims=" + url.QueryEscape(`{"id_token":{"acr":{"values":["urn:unknown"]}}}`), acrStrong, false},
		{"claims win over acr_values", essential(`"`+acrStrong+`"`) + "&acr_values=" + acrKey, acrStrong, true},
		{"acr requested with no value", "claims=" + url.QueryEscape(`{"id_token":{"acr":{"essential":true}}}`), acrStrong, false},
	} {
		p, err := plan(t, f.bridge, tc.query)
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.acr, p.Level.ACR, tc.name)
		assert.Equal(t, tc.essential, p.Essential, tc.name)
	}

	_, err := plan(t, f.bridge, essential(`"urn:unknown","urn:other"`))
	require.ErrorIs(t, err, authoidc.ErrUnmetRequirements, "an essential acr no level gives")
	assert.Equal(t, "unmet_authentication_requirements", auth.Code(err))
	assert.Equal(t, "unmet_authentication_requirements", authoidc.ErrorCode(err))
}

func TestPlanFreshnessAndPrompt(t *testing.T) {
	f := newFixture(t, authoidc.Config{})
	p, err := plan(t, f.bridge, "max_age=300")
	require.NoError(t, err)
	assert.True(t, p.HasMaxAge)
	assert.Equal(t, 5*time.Minute, p.MaxAge)
	assert.False(t, p.Login)

	p, err = plan(t, f.bridge, "max_age=0")
	require.NoError(t, err)
	assert.True(t, p.Login, "max_age=0 is prompt=login")

	p, err = plan(t, f.bridge, "prompt=login+consent")
	require.NoError(t, err)
	assert.True(t, p.Login)

	p, err = plan(t, f.bridge, "prompt=none")
	require.NoError(t, err)
	assert.True(t, p.NoPrompt)

	for _, q := range []string{"prompt=none+login", "max_age=-1", "max_age=abc", "max_age=1e3", "max_age=99999999999",
		"max_age=007", "acr_values=" + url.QueryEscape("a\x01b"), "claims=[1]", "claims=" + url.QueryEscape(`{"id_token":{"acr":{"values":"x"}}}`)} {
		_, err := plan(t, f.bridge, q)
		assert.ErrorIs(t, err, authoidc.ErrInvalidRequest, q)
		assert.Equal(t, "invalid_request", authoidc.ErrorCode(err), q)
	}
}

// login_hint never changes what authentication is asked: not the level,
// not the freshness, not the subject (a plan has none).
func TestLoginHintIsIgnored(t *testing.T) {
	f := newFixture(t, authoidc.Config{})
	for _, q := range []string{"", "acr_values=" + acrKey, "max_age=60", "prompt=login"} {
		without, err := plan(t, f.bridge, q)
		require.NoError(t, err)
		for _, hint := range []string{"+77015550123", person, "sms", "phone:+77015550123", acrKey} {
			with, err := plan(t, f.bridge, q+"&login_hint="+url.QueryEscape(hint))
			require.NoError(t, err)
			assert.Equal(t, without, with, "login_hint %q with %q", hint, q)
		}
	}
	v := url.Values{"login_hint": {string(make([]byte, authoidc.MaxLoginHint+1))}}
	_, err := authoidc.ParseRequest(v)
	assert.ErrorIs(t, err, authoidc.ErrInvalidRequest, "an oversized hint is refused, not truncated")
}

func TestClaimsFromECPAndSMS(t *testing.T) {
	f := newFixture(t, authoidc.Config{})
	p, err := plan(t, f.bridge, "")
	require.NoError(t, err)
	start := f.clock.Now()
	res := f.run(t, "login", "", auth.KindECP, auth.KindSMS)
	c, err := f.bridge.Claims(p, res)
	require.NoError(t, err)
	assert.Equal(t, person, c.Subject)
	assert.Equal(t, acrStrong, c.ACR, "the level's ACR, not the engine's internal name")
	assert.Equal(t, []string{"sc", "swk", "sms", "otp", "mfa"}, c.AMR)
	assert.Equal(t, start, c.AuthTime, "auth_time is the oldest evidence (the ECP signature)")
	assert.Empty(t, c.Identity(), "no personal data by default")
	m := c.Map()
	assert.Equal(t, start.Unix(), m["auth_time"])
	assert.Equal(t, acrStrong, m["acr"])
	assert.NotContains(t, m, "iin")
}

func TestIdentityClaims(t *testing.T) {
	f := newFixture(t, authoidc.Config{IdentityClaims: true})
	p, err := plan(t, f.bridge, "")
	require.NoError(t, err)
	c, err := f.bridge.Claims(p, f.run(t, "login", "", auth.KindECP, auth.KindSMS))
	require.NoError(t, err)
	assert.Equal(t, person, c.IIN, "from the strong factor; the weak factor's attribute is ignored")
	assert.Equal(t, "123456789012", c.BIN)
	assert.Equal(t, []string{"ceo", "sign"}, c.Roles)
	assert.Equal(t, map[string]any{"iin": person, "bin": "123456789012", "ecp_roles": []string{"ceo", "sign"}}, c.Identity())

	// A passkey proves no identity attribute.
	c, err = f.bridge.Claims(p, f.run(t, "login", "", auth.KindWebAuthn))
	require.NoError(t, err)
	assert.Empty(t, c.Identity())
	assert.Equal(t, []string{"hwk", "user"}, c.AMR, "one factor: no mfa")
}

func TestReuseAndStepUp(t *testing.T) {
	f := newFixture(t, authoidc.Config{})
	login := f.run(t, "login", "", auth.KindECP, auth.KindSMS) // auth_time = t0
	results := []*auth.Result{login}

	f.clock.Advance(28 * time.Second) // t0 + 30 s
	p, err := plan(t, f.bridge, "max_age=60")
	require.NoError(t, err)
	got, err := f.bridge.Reuse(p, results)
	require.NoError(t, err)
	assert.Same(t, login, got, "younger than max_age: reused")

	p, err = plan(t, f.bridge, "max_age=20")
	require.NoError(t, err)
	got, err = f.bridge.Reuse(p, results)
	require.NoError(t, err)
	assert.Nil(t, got, "older than max_age: a new flow")
	_, err = f.bridge.Claims(p, login)
	assert.ErrorIs(t, err, authoidc.ErrUnmetRequirements, "and no claims for the stale result")

	p, err = plan(t, f.bridge, "max_age=0")
	require.NoError(t, err)
	got, err = f.bridge.Reuse(p, results)
	require.NoError(t, err)
	assert.Nil(t, got, "max_age=0: always a new flow")
	_, err = f.bridge.Claims(p, login)
	assert.ErrorIs(t, err, authoidc.ErrUnmetRequirements, "a result from before the request never answers max_age=0")
	fresh := f.run(t, "login", person, auth.KindWebAuthn)
	c, err := f.bridge.Claims(p, fresh)
	require.NoError(t, err, "a flow completed after the request does")
	got, err = f.bridge.Reuse(p, []*auth.Result{login, fresh})
	require.NoError(t, err)
	assert.Same(t, fresh, got, "and Reuse finds it among the session's results")
	assert.Equal(t, []string{"hwk", "user"}, c.AMR)

	// The key level: the login result (ECP + SMS) is for another action;
	// a step-up flow for login-key must run.
	p, err = plan(t, f.bridge, "acr_values="+acrKey)
	require.NoError(t, err)
	got, err = f.bridge.Reuse(p, results)
	require.NoError(t, err)
	assert.Nil(t, got)
	_, err = f.bridge.Claims(p, login)
	assert.ErrorIs(t, err, authoidc.ErrUnmetRequirements)
	key := f.run(t, "login-key", person, auth.KindECP)
	c, err = f.bridge.Claims(p, key)
	require.NoError(t, err)
	assert.Equal(t, acrKey, c.ACR)
	assert.Equal(t, []string{"sc", "swk"}, c.AMR)

	// prompt=none: reuse or login_required, never a page.
	p, err = plan(t, f.bridge, "prompt=none&acr_values="+acrKey)
	require.NoError(t, err)
	got, err = f.bridge.Reuse(p, []*auth.Result{login, key})
	require.NoError(t, err)
	assert.Same(t, key, got)
	_, err = f.bridge.Reuse(p, []*auth.Result{login})
	assert.ErrorIs(t, err, authoidc.ErrLoginRequired)
	assert.Equal(t, "login_required", authoidc.ErrorCode(err))
}

// A result the engine would refuse never becomes claims, whatever it says
// about itself.
func TestForgedResultsRefused(t *testing.T) {
	f := newFixture(t, authoidc.Config{IdentityClaims: true})
	p, err := plan(t, f.bridge, "")
	require.NoError(t, err)
	now := f.clock.Now()
	smsOnly := &auth.Result{Subject: person, Action: "login", ACR: "strong-mfa", AMR: []string{"sc", "mfa"}, AuthTime: now,
		Evidence: []auth.Evidence{{Kind: auth.KindSMS, Strength: auth.Weak, Subject: person, Time: now, AMR: []string{"sms"}}}}
	_, err = f.bridge.Claims(p, smsOnly)
	assert.ErrorIs(t, err, authoidc.ErrUnmetRequirements, "SMS alone")
	assert.ErrorIs(t, err, auth.ErrNotAllowed)

	mislabelled := &auth.Result{Subject: person, Action: "login", Evidence: []auth.Evidence{
		{Kind: auth.KindSMS, Strength: auth.Strong, Subject: person, Time: now, AMR: []string{"sms"}}}}
	_, err = f.bridge.Claims(p, mislabelled)
	assert.ErrorIs(t, err, authoidc.ErrUnmetRequirements, "an SMS labelled strong is still refused by the policy")

	otherSubject := &auth.Result{Subject: person, Action: "login", Evidence: []auth.Evidence{
		{Kind: auth.KindWebAuthn, Strength: auth.Strong, Subject: "someone-else", Time: now, AMR: []string{"hwk", "user"}}}}
	_, err = f.bridge.Claims(p, otherSubject)
	assert.ErrorIs(t, err, authoidc.ErrUnmetRequirements, "evidence of another subject")

	// Self-declared AMR and attributes of a passkey result: the claims
	// come from the evidence, and a factor cannot write "mfa".
	pk := &auth.Result{Subject: person, Action: "login", AMR: []string{"sc", "mfa"}, Evidence: []auth.Evidence{
		{Kind: auth.KindWebAuthn, Strength: auth.Strong, Subject: person, Time: now, AMR: []string{"hwk", "user", "mfa"}}}}
	c, err := f.bridge.Claims(p, pk)
	require.NoError(t, err)
	assert.Equal(t, []string{"hwk", "user"}, c.AMR)

	_, err = f.bridge.Claims(p, nil)
	assert.ErrorIs(t, err, authoidc.ErrUnmetRequirements)
	_, err = f.bridge.Claims(p, &auth.Result{Action: "login"})
	assert.ErrorIs(t, err, authoidc.ErrUnmetRequirements, "no subject")
}

func TestConflictingIdentityOmitted(t *testing.T) {
	f := newFixture(t, authoidc.Config{IdentityClaims: true})
	p, err := plan(t, f.bridge, "")
	require.NoError(t, err)
	now := f.clock.Now()
	r := &auth.Result{Subject: person, Action: "login", Evidence: []auth.Evidence{
		{Kind: auth.KindWebAuthn, Strength: auth.Strong, Subject: person, Time: now, AMR: []string{"hwk", "user"}, Attributes: map[string]string{"iin": person}},
		{Kind: auth.KindECP, Strength: auth.Strong, Subject: person, Time: now, AMR: []string{"sc"}, Attributes: map[string]string{"iin": "111111111111", "bin": "123456789012"}},
	}}
	c, err := f.bridge.Claims(p, r)
	require.NoError(t, err)
	assert.Empty(t, c.IIN, "two strong factors disagree: no claim")
	assert.Equal(t, "123456789012", c.BIN)
}

func TestErrorCode(t *testing.T) {
	assert.Equal(t, "", authoidc.ErrorCode(nil))
	assert.Equal(t, "server_error", authoidc.ErrorCode(auth.ErrUnavailable))
	assert.Equal(t, "server_error", authoidc.ErrorCode(errors.New("boom")))
	assert.Equal(t, "access_denied", authoidc.ErrorCode(auth.ErrFraud))
	assert.Equal(t, "unmet_authentication_requirements", authoidc.ErrorCode(errors.Join(errors.New("x"), authoidc.ErrUnmetRequirements)))
}

func TestLevels(t *testing.T) {
	f := newFixture(t, authoidc.Config{Default: acrKey})
	assert.Equal(t, []string{acrStrong, acrKey}, f.bridge.ACRs())
	p, err := plan(t, f.bridge, "")
	require.NoError(t, err)
	assert.Equal(t, acrKey, p.Level.ACR, "Config.Default")
	l, ok := f.bridge.Level(acrStrong)
	assert.True(t, ok)
	assert.Equal(t, "login", l.Action)
	ls := f.bridge.Levels()
	ls[0].Action = "changed"
	l, _ = f.bridge.Level(acrStrong)
	assert.Equal(t, "login", l.Action, "Levels returns a copy")
}
