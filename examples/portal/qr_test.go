package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/factors/ecp/ecptest"
	"github.com/strongauth/strongauth/qr/phone"
)

// newPhone is the host's app: a device key and the qr phone client, talking
// to the portal over loopback.
func (h *harness) newPhone(t testing.TB) *phone.Client {
	key, err := phone.GenerateKey()
	require.NoError(t, err)
	return &phone.Client{PhoneURL: h.base() + "/qr/phone", Key: key, HTTP: &http.Client{Timeout: 10 * time.Second}}
}

// base is the portal's address for non-browser clients (the listener).
func (h *harness) base() string { return strings.Replace(h.origin, "localhost", "127.0.0.1", 1) }

// linkPhone has the signed-in client get a phone-linking token and the
// phone enrol with it.
func (c *client) linkPhone(p *phone.Client) {
	c.t.Helper()
	r := c.post("/api/phones/token", map[string]any{})
	require.Equal(c.t, http.StatusOK, r.status, r.raw)
	p.Header = http.Header{"Authorization": {"Bearer " + r.body["token"].(string)}}
	require.NoError(c.t, p.Enrol(context.Background(), c.h.base()+"/qr/enrol", "Test phone"))
}

// qrNumber is the number the browser of c shows once the phone scanned.
func (c *client) qrNumber() int {
	c.t.Helper()
	r := c.do("GET", "/qr/browser/"+c.flow+"/frame", nil, nil)
	require.Equal(c.t, http.StatusOK, r.status, r.raw)
	n, _ := r.body["number"].(float64)
	return int(n)
}

// scanFirstFrame begins qr in c's flow and has the phone scan its frame.
func (c *client) scanFirstFrame(p *phone.Client) *phone.Scanned {
	c.t.Helper()
	r := c.begin("qr")
	require.Equal(c.t, http.StatusOK, r.status, r.raw)
	data := r.body["data"].(map[string]any)
	assert.Equal(c.t, "device", data["mode"])
	s, err := p.Scan(context.Background(), data["content"].(string))
	require.NoError(c.t, err)
	return s
}

// TestQRLogin: a phone linked in the cabinet (after ECP and SMS) signs its
// person in by QR with number matching; a wrong number, a denial and a
// stale strong factor are refused.
func TestQRLogin(t *testing.T) {
	h := newHarness(t, nil)
	c := h.client()
	p := h.newPhone(t)

	// Linking needs a session and a fresh strong factor, and the token
	// works once.
	r := h.client().post("/api/phones/token", map[string]any{})
	assert.Equal(t, http.StatusUnauthorized, r.status)
	c.loginECPSMS(askar)
	c.linkPhone(p)
	assert.NotEmpty(t, p.Device)
	assert.Equal(t, float64(1), c.do("GET", "/api/me", nil, nil).body["phones"])
	other := h.newPhone(t)
	other.Header = p.Header
	assert.Error(t, other.Enrol(context.Background(), h.base()+"/qr/enrol", "Replay"), "the token is spent")
	other.Header = nil
	assert.Error(t, other.Enrol(context.Background(), h.base()+"/qr/enrol", "No token"))

	// QR login in another browser.
	b := h.client()
	require.Equal(t, http.StatusCreated, b.start("login").status)
	s := b.scanFirstFrame(p)
	assert.Equal(t, "eGov demo (development)", s.Shown.Service)
	assert.Equal(t, "Almaty, KZ (demo)", s.Shown.Location)
	n := b.qrNumber()
	require.Contains(t, s.Numbers[:], n, "the browser shows one of the phone's three numbers")
	require.NoError(t, p.Approve(context.Background(), s, n))
	r = b.finish("qr", map[string]any{})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, true, r.body["allowed"])
	assert.Equal(t, askar, r.body["subject"])
	assert.Equal(t, []any{"mca", "hwk", "user"}, r.body["amr"])
	assert.Equal(t, askar, b.do("GET", "/api/me", nil, nil).body["subject"])
	assert.Equal(t, http.StatusConflict, b.finish("qr", map[string]any{}).status, "redeemed once")

	// A wrong number fails the session for good.
	b = h.client()
	b.start("login")
	s = b.scanFirstFrame(p)
	wrong := s.Numbers[0]
	if wrong == b.qrNumber() {
		wrong = s.Numbers[1]
	}
	assert.Error(t, p.Approve(context.Background(), s, wrong))
	r = b.finish("qr", map[string]any{})
	assert.NotEqual(t, http.StatusOK, r.status, r.raw)

	// "I did not start this" cancels the flow.
	b = h.client()
	b.start("login")
	s = b.scanFirstFrame(p)
	require.NoError(t, p.Deny(context.Background(), s))
	r = b.finish("qr", map[string]any{})
	assert.Equal(t, http.StatusConflict, r.status, r.raw)
	assert.Equal(t, "flow_cancelled", r.code(), "the phone's denial cancelled the flow at once")
	r = b.begin("ecp")
	assert.Equal(t, "flow_cancelled", r.code(), "the flow is cancelled for good")

	// A step-up by QR must be the session's person's phone.
	r = c.start("sign-document")
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	s = c.scanFirstFrame(p)
	require.NoError(t, p.Approve(context.Background(), s, c.qrNumber()))
	assert.Equal(t, true, c.finish("qr", map[string]any{}).body["allowed"])

	// After five minutes, linking another phone needs a step-up first.
	h.clock.Advance(5*time.Minute + time.Second)
	r = c.post("/api/phones/token", map[string]any{})
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "add-phone", r.body["action"])
}

// TestQRPhoneOfAnotherPerson: Aigerim's phone cannot approve a step-up of
// Askar's session.
func TestQRPhoneOfAnotherPerson(t *testing.T) {
	h := newHarness(t, nil)
	askarC, aigerimC := h.client(), h.client()
	aigerimPhone := h.newPhone(t)
	aigerimC.loginECPSMS(aigerim)
	aigerimC.linkPhone(aigerimPhone)
	askarC.loginECPSMS(askar)
	require.Equal(t, http.StatusCreated, askarC.start("sign-document").status)
	r := askarC.begin("qr")
	require.Equal(t, http.StatusOK, r.status)
	_, err := aigerimPhone.Scan(context.Background(), r.body["data"].(map[string]any)["content"].(string))
	var se *phone.ServerError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "subject_mismatch", se.Code)
}

// egovKey is a person's test key as eGov Mobile would hold it.
func (h *harness) egovKey(iin string) phone.SignFunc {
	for _, l := range h.p.pki.leaves {
		if l.person.IIN == iin {
			return phone.SignFunc(ecptest.DevKey(l.leaf).Sign)
		}
	}
	h.t.Fatalf("no key for %s", iin)
	return nil
}

// TestQRWithEGovMobile: mode B — eGov Mobile reads the mobileSign QR code,
// signs the challenge with the person's ECP key and the browser is signed
// in; a revoked key and another person's key (in a step-up) are refused.
func TestQRWithEGovMobile(t *testing.T) {
	h := newHarness(t, nil)
	app := &phone.MobileSign{HTTP: &http.Client{Timeout: 10 * time.Second}, Lang: "en"}
	ctx := context.Background()
	begin := func(c *client) string {
		t.Helper()
		r := c.post("/auth/flows/"+c.flow+"/begin/qr", map[string]string{"mode": "mobile-sign"})
		require.Equal(t, http.StatusOK, r.status, r.raw)
		data := r.body["data"].(map[string]any)
		assert.Equal(t, "mobile-sign", data["mode"])
		assert.Equal(t, float64(0), data["refresh_ms"], "eGov Mobile's code does not change")
		content := data["content"].(string)
		require.True(t, strings.HasPrefix(content, "mobileSign:"+h.origin+"/qr/egov/api1/"), content)
		return content
	}

	c := h.client()
	c.start("login")
	req, err := app.Fetch(ctx, begin(c))
	require.NoError(t, err)
	assert.Equal(t, "eGov demo portal (development)", req.API1.Organisation.NameEn)
	require.NoError(t, app.Sign(ctx, req, h.egovKey(askar)))
	r := c.finish("qr", map[string]any{})
	require.Equal(t, http.StatusBadRequest, r.status, "not before the browser confirmed who signed: %s", r.raw)
	assert.Equal(t, "invalid_input", r.code())
	name, confirm := c.egovSigner()
	assert.Equal(t, "ӘЛИЕВ АСҚАР", name, "the page can ask: signed in as Askar — continue?")
	r = c.finish("qr", map[string]any{"confirm": confirm})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, true, r.body["allowed"])
	assert.Equal(t, askar, r.body["subject"])
	assert.Equal(t, []any{"mca", "sc", "swk"}, r.body["amr"])
	assert.Zero(t, h.sms.Len(), "no SMS: eGov Mobile's ECP is strong")

	// A revoked certificate.
	c = h.client()
	c.start("login")
	req, err = app.Fetch(ctx, begin(c))
	require.NoError(t, err)
	var se *phone.ServerError
	require.ErrorAs(t, app.Sign(ctx, req, h.egovKey(revoked)), &se)
	assert.Equal(t, "revoked", se.Code)
	assert.NotEqual(t, http.StatusOK, c.finish("qr", map[string]any{}).status)

	// A step-up of Askar's session signed by Aigerim's key.
	c = h.client()
	c.loginECPSMS(askar)
	c.start("sign-document")
	req, err = app.Fetch(ctx, begin(c))
	require.NoError(t, err)
	err = app.Sign(ctx, req, h.egovKey(aigerim))
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "subject_mismatch", se.Code)

	// Mode B is not allowed for adding a phone: the begin is refused.
	c.start("add-phone")
	r = c.post("/auth/flows/"+c.flow+"/begin/qr", map[string]string{"mode": "mobile-sign"})
	assert.Equal(t, http.StatusForbidden, r.status, r.raw)
	assert.Equal(t, "factor_not_allowed", r.code())
}

// egovSigner reads the flow's QR status as the page does and returns the
// name of who signed and the code that confirms it.
func (c *client) egovSigner() (name, confirm string) {
	c.t.Helper()
	r := c.do("GET", "/qr/browser/"+c.flow+"/frame", nil, nil)
	require.Equal(c.t, http.StatusOK, r.status, r.raw)
	require.Equal(c.t, "approved", r.body["state"])
	signer, ok := r.body["signer"].(map[string]any)
	require.True(c.t, ok, "an approved mode B session names its signer: %s", r.raw)
	return signer["name"].(string), signer["confirm"].(string)
}
