package main

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/ecp/ecptest"
	"github.com/strongauth/strongauth/otp/otptest"
)

// TestSMSAloneNeverSignsIn: SMS is not offered, cannot begin and cannot
// finish before a strong factor; nothing is sent.
func TestSMSAloneNeverSignsIn(t *testing.T) {
	h := newHarness(t, nil)
	c := h.client()
	r := c.start("login")
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	assert.Equal(t, []any{"ecp", "qr", "webauthn"}, r.body["offer"])
	assert.NotContains(t, r.body["offer"], "sms")

	r = c.begin("sms")
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, "factor_not_allowed", r.code())
	r = c.finish("sms", map[string]string{"code": "123456"})
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, "factor_not_begun", r.code())
	r = c.do("POST", "/auth/flows/"+c.flow+"/begin/sms", `{"phone":"+77015550123"}`, nil)
	assert.Equal(t, http.StatusForbidden, r.status, "a phone number in the request changes nothing")
	assert.Zero(t, h.sms.Len(), "typing a phone number sends nothing")

	r = c.do("GET", "/api/me", nil, nil)
	assert.Equal(t, http.StatusUnauthorized, r.status)
}

func TestLoginWithECPAndSMS(t *testing.T) {
	h := newHarness(t, nil)
	c := h.client()
	require.Equal(t, http.StatusCreated, c.start("login").status)
	r := c.ecp(askar)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, false, r.body["allowed"], "ECP alone does not satisfy (ecp & sms)")
	assert.Contains(t, r.body["offer"], "sms", "now, and only now, SMS is offered")
	assert.Empty(t, c.cookie("portal"), "no session yet")

	r = c.begin("sms")
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, "+7 7** *** **23", r.body["data"].(map[string]any)["phone"])
	msg := h.sms.Last()
	require.NotNil(t, msg)
	assert.Equal(t, "+77015550123", msg.To.E164(), "the code goes to the bound phone only")
	assert.Contains(t, msg.Text, "localhost")

	r = c.finish("sms", map[string]string{"code": "000000"})
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "verification_failed", r.code())
	r = c.finish("sms", map[string]string{"code": msg.Code()})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, true, r.body["allowed"])
	assert.Equal(t, "strong-mfa", r.body["acr"])
	require.NotEmpty(t, c.cookie("portal"), "the host's session: %v", r.header)

	r = c.do("GET", "/api/me", nil, nil)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, askar, r.body["subject"])
	login := r.body["results"].(map[string]any)["login"].(map[string]any)
	assert.Equal(t, []any{"ecp", "sms"}, login["factors"])

	// The flow is spent; the code too.
	r = c.finish("sms", map[string]string{"code": msg.Code()})
	assert.Equal(t, http.StatusConflict, r.status)
	assert.Equal(t, "flow_completed", r.code())

	// Log out: the session is gone.
	r = c.post("/api/logout", map[string]any{})
	assert.Equal(t, http.StatusNoContent, r.status)
	assert.Equal(t, http.StatusUnauthorized, c.do("GET", "/api/me", nil, nil).status)
}

func TestECPRefusals(t *testing.T) {
	h := newHarness(t, nil)
	c := h.client()
	c.start("login")
	r := c.ecp(revoked)
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "revoked", r.code(), "the dev PKI revoked this certificate")

	// A replayed CMS: the challenge is spent.
	c.start("login")
	b := c.begin("ecp")
	require.Equal(t, http.StatusOK, b.status)
	cms, err := h.sign(b.body["data"].(map[string]any)["ncalayer"], askar)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, c.finish("ecp", map[string]string{"cms": cms}).status)
	c.start("login")
	require.Equal(t, http.StatusOK, c.begin("ecp").status)
	r = c.finish("ecp", map[string]string{"cms": cms})
	assert.Equal(t, http.StatusUnauthorized, r.status, "a signature over another flow's challenge")
	assert.Equal(t, "verification_failed", r.code())

	// Garbage.
	r = c.finish("ecp", map[string]string{"cms": "-----BEGIN CMS-----\nAAAA\n-----END CMS-----"})
	assert.Contains(t, []int{http.StatusBadRequest, http.StatusConflict, http.StatusUnauthorized}, r.status, r.raw)
}

// TestStepUpForSigning: signing needs a strong factor of the session's
// person from the last five minutes — the login's ECP counts while it is
// that fresh (policy SatisfiedBy), then a step-up is asked for.
func TestStepUpForSigning(t *testing.T) {
	h := newHarness(t, nil)
	c := h.client()
	r := c.post("/api/sign", map[string]string{"document": "no-criminal-record"})
	assert.Equal(t, http.StatusUnauthorized, r.status, "not logged in")

	c.loginECPSMS(askar)
	r = c.post("/api/sign", map[string]string{"document": "no-criminal-record"})
	require.Equal(t, http.StatusOK, r.status, "the login's ECP is from the last five minutes: %s", r.raw)
	assert.Equal(t, []any{"ecp", "sms"}, r.body["confirmed_with"].(map[string]any)["factors"])
	h.clock.Advance(5*time.Minute + time.Second)
	r = c.post("/api/sign", map[string]string{"document": "no-criminal-record"})
	assert.Equal(t, http.StatusUnauthorized, r.status, "the login is older than five minutes")
	assert.Equal(t, "step_up_required", r.code())
	assert.Equal(t, []any{[]any{"strong"}}, r.body["alternatives"])

	// Someone else's key cannot step up this session.
	r = c.start("sign-document")
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	assert.Equal(t, true, r.body["subject_known"])
	assert.Equal(t, []any{"ecp", "qr", "webauthn"}, r.body["offer"], "no sms for a step-up")
	r = c.ecp(aigerim)
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "subject_mismatch", r.code())

	r = c.ecp(askar)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, true, r.body["allowed"])
	r = c.post("/api/sign", map[string]string{"document": "no-criminal-record"})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, askar, r.body["iin"])
	assert.Equal(t, []any{"ecp"}, r.body["confirmed_with"].(map[string]any)["factors"])

	h.clock.Advance(4 * time.Minute)
	assert.Equal(t, http.StatusOK, c.post("/api/sign", map[string]string{"document": "address-change"}).status, "still fresh")
	h.clock.Advance(time.Minute + time.Second)
	r = c.post("/api/sign", map[string]string{"document": "address-change"})
	assert.Equal(t, http.StatusUnauthorized, r.status, "five minutes passed")
	assert.Equal(t, "step_up_required", r.code())

	r = c.post("/api/sign", map[string]string{"document": "no-such-document"})
	assert.Equal(t, http.StatusUnauthorized, r.status, "the step-up check comes first")
}

func TestStepUpNeedsASession(t *testing.T) {
	h := newHarness(t, nil)
	c := h.client()
	r := c.start("sign-document")
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, "subject_unknown", r.code())
}

// TestPasskeyEnrolmentGate: adding a passkey needs a fresh strong factor;
// after five minutes it asks for one (action add-passkey).
func TestPasskeyEnrolmentGate(t *testing.T) {
	h := newHarness(t, nil)
	c := h.client()
	r := c.post("/api/passkeys/begin", map[string]any{})
	assert.Equal(t, http.StatusUnauthorized, r.status)

	c.loginECPSMS(askar)
	r = c.post("/api/passkeys/begin", map[string]any{})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.NotEmpty(t, r.body["id"])
	pk := r.body["options"].(map[string]any)["publicKey"].(map[string]any)
	assert.Equal(t, "localhost", pk["rp"].(map[string]any)["id"])
	assert.Equal(t, "8801******23", pk["user"].(map[string]any)["name"])

	h.clock.Advance(5*time.Minute + time.Second)
	r = c.post("/api/passkeys/begin", map[string]any{})
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "step_up_required", r.code())
	assert.Equal(t, "add-passkey", r.body["action"])

	c.start("add-passkey")
	require.Equal(t, true, c.ecp(askar).body["allowed"])
	r = c.post("/api/passkeys/begin", map[string]any{})
	assert.Equal(t, http.StatusOK, r.status, r.raw)

	r = c.post("/api/passkeys/finish", map[string]any{"id": r.body["id"], "credential": map[string]any{"id": "x"}})
	assert.Equal(t, http.StatusBadRequest, r.status, r.raw)
	assert.Equal(t, "invalid_input", r.code())
}

// TestHostAPIRefusals: the portal's own endpoints refuse other sites,
// other content types and big bodies, like the strongauth endpoints.
func TestHostAPIRefusals(t *testing.T) {
	h := newHarness(t, nil)
	c := h.client()
	c.loginECPSMS(askar)
	for _, tc := range []struct {
		name   string
		hdr    map[string]string
		body   any
		status int
		code   string
	}{
		{"foreign origin", map[string]string{"Origin": "https://evil.example"}, map[string]string{}, http.StatusForbidden, "origin"},
		{"cross-site fetch", map[string]string{"Sec-Fetch-Site": "cross-site"}, map[string]string{}, http.StatusForbidden, "origin"},
		{"no origin", map[string]string{"Origin": ""}, map[string]string{}, http.StatusForbidden, "origin"},
		{"form post", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "document=x", http.StatusUnsupportedMediaType, "content_type"},
	} {
		for _, path := range []string{"/api/sign", "/api/passkeys/begin", "/api/logout"} {
			r := c.do("POST", path, tc.body, tc.hdr)
			assert.Equal(t, tc.status, r.status, "%s %s", tc.name, path)
			assert.Equal(t, tc.code, r.code(), "%s %s", tc.name, path)
		}
	}
	r := c.post("/api/passkeys/finish", `{"id":"`+strings.Repeat("a", maxAPIBody)+`"}`)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, http.StatusOK, c.do("GET", "/api/me", nil, nil).status, "the session survived all that")
}

// TestAuthRefusals: the strongauth endpoints as mounted by the portal.
func TestAuthRefusals(t *testing.T) {
	h := newHarness(t, nil)
	a, b := h.client(), h.client()
	a.start("login")
	// Another browser with the flow's ID and CSRF token.
	b.start("login")
	b.flow, b.csrf = a.flow, a.csrf
	r := b.begin("ecp")
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, "csrf", r.code())
	r = b.do("GET", "/auth/flows/"+a.flow+"/decision", nil, nil)
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, "binding_mismatch", r.code())
	// A browser without any cookie.
	n := h.client()
	n.flow, n.csrf = a.flow, a.csrf
	assert.Equal(t, "binding_missing", n.begin("ecp").code())
	// The first browser is undisturbed.
	assert.Equal(t, http.StatusOK, a.ecp(askar).status)

	r = a.do("POST", "/auth/flows/"+a.flow+"/begin/password", map[string]any{}, nil)
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "unknown_factor", r.code())
	r = a.do("POST", "/auth/flows", map[string]string{"action": "login"}, map[string]string{"Origin": "https://evil.example"})
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, "origin", r.code())
}

func TestPagesAndHeaders(t *testing.T) {
	h := newHarness(t, nil)
	c := h.client()
	r := c.do("GET", "/", nil, nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, r.raw, "DEVELOPMENT MODE")
	assert.Contains(t, r.raw, `data-ncalayer="`+h.simURL+`"`)
	assert.Contains(t, r.raw, askar)
	csp := r.header.Get("Content-Security-Policy")
	assert.Contains(t, csp, "script-src 'self'")
	assert.Contains(t, csp, "connect-src 'self' "+h.simURL)
	assert.Equal(t, "DENY", r.header.Get("X-Frame-Options"))
	assert.Equal(t, http.StatusOK, c.do("GET", "/sms-only", nil, nil).status)
	for _, page := range []string{"/cabinet", "/sign"} {
		r = c.do("GET", page, nil, nil)
		assert.Equal(t, http.StatusSeeOther, r.status, page)
		assert.Equal(t, "/", r.header.Get("Location"), page)
	}
	c.loginECPSMS(aigerim)
	r = c.do("GET", "/", nil, nil)
	assert.Equal(t, http.StatusSeeOther, r.status)
	r = c.do("GET", "/cabinet", nil, nil)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, r.raw, "Сейтқали Айгерім")
	assert.Equal(t, http.StatusOK, c.do("GET", "/static/portal.js", nil, nil).status)
	assert.Equal(t, http.StatusOK, c.do("GET", "/auth/client.js", nil, nil).status)
	r = c.do("GET", "/dev/metrics", nil, nil)
	assert.Contains(t, r.raw, `strongauth_http_requests_total{op="finish",factor="sms",outcome="ok"} 1`)
}

func TestNewValidates(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no origin":         {SMS: &otptest.Recorder{}},
		"origin path":       {Origin: "http://localhost:8080/x", SMS: &otptest.Recorder{}},
		"origin scheme":     {Origin: "ftp://localhost", SMS: &otptest.Recorder{}},
		"no sms sender":     {Origin: "http://localhost:8080"},
		"unissuable person": {Origin: "http://localhost:8080", SMS: &otptest.Recorder{}, People: []Person{{IIN: "1"}}},
	} {
		_, err := New(cfg)
		assert.Error(t, err, name)
	}
	_, err := New(Config{Origin: "http://localhost:8080"})
	assert.ErrorIs(t, err, auth.ErrConfig)
}

func TestBannerAndConsoleSender(t *testing.T) {
	var b bytes.Buffer
	banner(&b, "http://localhost:8080", "ws://127.0.0.1:1234", true, "/tmp/k", DefaultPeople(), "http://127.0.0.1:4567", true)
	out := b.String()
	for _, want := range []string{"DEVELOPMENT MODE", "Open        http://localhost:8080", "ws://127.0.0.1:1234",
		"go run ./examples/ncalayer-sim -dev -keys /tmp/k", "IIN 880101300123", "+7 701 *** **23", "certificate revoked", "/sms-only",
		"OCSP        http://127.0.0.1:4567", "http://localhost:8080/dev", "-dev-clock", "first head of " + companyName} {
		assert.Contains(t, out, want)
	}

	h := newHarness(t, nil)
	var console bytes.Buffer
	h.p.cfg.SMS = nil
	s := &insecureConsoleSender{w: &console}
	c := h.client()
	c.loginECPSMS(askar)
	require.NoError(t, s.Send(t.Context(), h.sms.Last()))
	assert.Contains(t, console.String(), "DEV SMS to +7 7** *** **23 (development mode: not delivered)")
	assert.Contains(t, console.String(), h.sms.Last().Code(), "the console shows the code: development only")
}

// TestDevKeysForASeparateSimulator: the keys the portal writes load into a
// simulator in another process, whose signatures the portal accepts.
func TestDevKeysForASeparateSimulator(t *testing.T) {
	h := newHarness(t, nil)
	dir := t.TempDir()
	require.NoError(t, h.p.pki.writeDir(dir))
	keys, err := ecptest.LoadDir(dir)
	require.NoError(t, err)
	require.Len(t, keys, len(DefaultPeople()))
	h.sim, err = ecptest.New(ecptest.Config{InsecureTestKeys: true, Keys: keys, Origins: []string{h.origin}})
	require.NoError(t, err)
	c := h.client()
	c.loginECPSMS(aigerim)
	assert.Equal(t, aigerim, c.do("GET", "/api/me", nil, nil).body["subject"])
}

// TestREADMESimulatorCommand: the README's command for a separate
// simulator uses the directory the portal really writes its keys to by
// default (os.TempDir() is /tmp when TMPDIR is unset, as on most Linux
// machines); it once said $TMPDIR, which expanded to /strongauth-portal-dev.
func TestREADMESimulatorCommand(t *testing.T) {
	t.Setenv("TMPDIR", "")
	def := filepath.Join(os.TempDir(), "strongauth-portal-dev")
	readme, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	require.NoError(t, err)
	assert.Contains(t, string(readme), "go run ./examples/ncalayer-sim -dev -keys "+def+" -origin http://localhost:8080")
	assert.NotContains(t, string(readme), "$TMPDIR/strongauth-portal-dev")
}
