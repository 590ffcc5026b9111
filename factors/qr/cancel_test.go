package qr_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/qr"
)

// cancel posts the browser's "choose another way", with its binding
// cookie (none for a browser without one).
func (h *host) cancel(b *browser, ctype, body string, hdr ...string) *http.Response {
	h.t.Helper()
	if b.binding != "" {
		hdr = append(hdr, "Cookie", "strongauth="+b.binding)
	}
	return h.post("/qr/browser/"+b.flow.ID+"/cancel", ctype, body, hdr...)
}

// TestCancelThenAnotherFactor: the browser abandons its QR code; the
// phone can no longer use it, the flow is still open, and the user signs
// in with another factor of the same flow.
func TestCancelThenAnotherFactor(t *testing.T) {
	h := newHost(t)
	alice := h.phone("alice", "Alice's iPhone")
	b := h.start("login", "")
	content := h.beginQR(b)
	scan, err := alice.Scan(ctx, content)
	require.NoError(t, err)
	number := h.status(b, "").Number

	resp := h.cancel(b, "application/json", "{}", "Origin", h.srv.URL, "Sec-Fetch-Site", "same-origin")
	require.Equal(t, http.StatusOK, resp.StatusCode, readAll(t, resp))
	assert.JSONEq(t, `{"status":"cancelled"}`, readAll(t, resp))
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))

	err = alice.Approve(ctx, scan, number)
	require.Error(t, err, "the phone's answer comes too late")
	assert.Contains(t, err.Error(), "(no_session)")
	_, err = alice.Scan(ctx, content)
	require.Error(t, err, "the code no longer scans")
	assert.Contains(t, err.Error(), "(no_session)")
	assert.Equal(t, http.StatusGone, h.get(b, "/status").StatusCode)
	_, err = h.finish(b)
	assert.ErrorIs(t, err, qr.ErrNoSession, "nothing to redeem")
	assert.ErrorIs(t, err, auth.ErrExpired)

	// The flow goes on with another factor.
	f, err := h.eng.Inspect(ctx, b.flow.ID, b.binding)
	require.NoError(t, err)
	assert.False(t, f.Cancelled || f.Completed)
	_, err = h.eng.Begin(ctx, h.step(b, auth.KindWebAuthn))
	require.NoError(t, err)
	req := h.step(b, auth.KindWebAuthn)
	req.Input = authtest.OK("alice")
	out, err := h.eng.Finish(ctx, req)
	require.NoError(t, err)
	require.NotNil(t, out.Result)
	assert.Equal(t, "alice", out.Result.Subject)

	// And a new code for a new flow still works on the same phone.
	b2 := h.start("login", "")
	scan, err = alice.Scan(ctx, h.beginQR(b2))
	require.NoError(t, err)
	require.NoError(t, alice.Approve(ctx, scan, h.status(b2, "").Number))
	out, err = h.finish(b2)
	require.NoError(t, err)
	require.NotNil(t, out.Result)
}

// TestCancelRefusals: another browser, another site, a form post or a
// body with input cannot abandon a session; the session is untouched.
func TestCancelRefusals(t *testing.T) {
	h := newHost(t)
	b := h.start("login", "")
	h.beginQR(b)
	other := h.start("login", "")
	thief := &browser{binding: other.binding, flow: b.flow}
	for name, c := range map[string]struct {
		b           *browser
		ctype, body string
		hdr         []string
		status      int
		code        string
	}{
		"another browser":  {thief, "application/json", "{}", nil, http.StatusForbidden, "binding_mismatch"},
		"no binding":       {&browser{flow: b.flow}, "application/json", "{}", nil, http.StatusForbidden, "binding_mismatch"},
		"cross-site fetch": {b, "application/json", "{}", []string{"Sec-Fetch-Site", "cross-site"}, http.StatusBadRequest, "invalid_input"},
		"foreign origin":   {b, "application/json", "{}", []string{"Origin", "https://evil.example"}, http.StatusBadRequest, "invalid_input"},
		"form post":        {b, "application/x-www-form-urlencoded", "a=b", nil, http.StatusBadRequest, "invalid_input"},
		"input":            {b, "application/json", `{"flow":"x"}`, nil, http.StatusBadRequest, "invalid_input"},
		"too large":        {b, "application/json", "{" + strings.Repeat(" ", 100) + "}", nil, http.StatusBadRequest, "invalid_input"},
	} {
		resp := h.cancel(c.b, c.ctype, c.body, c.hdr...)
		assert.Equal(t, c.status, resp.StatusCode, name)
		assert.Contains(t, readAll(t, resp), `"code":"`+c.code+`"`, name)
		assert.Equal(t, qr.StatePending, h.status(b, "").State, name)
	}
	// A GET is not a cancel.
	assert.Equal(t, http.StatusMethodNotAllowed, h.get(b, "/cancel").StatusCode)
}
