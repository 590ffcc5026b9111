package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/store/memory"
)

// auditCapture is a slog handler that keeps the revocation audit events
// (auth.SlogAuditor writes each event as one record).
type auditCapture struct {
	mu     sync.Mutex
	events []map[string]string
}

func (a *auditCapture) Enabled(context.Context, slog.Level) bool { return true }
func (a *auditCapture) WithAttrs([]slog.Attr) slog.Handler       { return a }
func (a *auditCapture) WithGroup(string) slog.Handler            { return a }
func (a *auditCapture) Handle(_ context.Context, r slog.Record) error {
	m := map[string]string{}
	r.Attrs(func(at slog.Attr) bool { m[at.Key] = at.Value.String(); return true })
	if m["event"] == "revocation_checked" {
		a.mu.Lock()
		a.events = append(a.events, m)
		a.mu.Unlock()
	}
	return nil
}

// last is the latest revocation event about the person's certificate.
func (a *auditCapture) last(t *testing.T, h *harness, iin string) map[string]string {
	t.Helper()
	l, ok := h.p.pki.leafByIIN(iin)
	require.True(t, ok)
	serial := signature.SerialHex(signature.SerialBytes(l.leaf.Cert.SerialNumber))
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := len(a.events) - 1; i >= 0; i-- {
		if a.events[i]["serial"] == serial {
			return a.events[i]
		}
	}
	t.Fatalf("no revocation event about %s", iin)
	return nil
}

func (a *auditCapture) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.events)
}

func withAudit(a *auditCapture) func(*Config) {
	return func(c *Config) { c.Log = slog.New(a) }
}

// revoke uses the dev panel's API.
func (c *client) revoke(iin string, revoked bool) {
	c.t.Helper()
	r := c.post("/dev/api/revocation", map[string]any{"iin": iin, "revoked": revoked})
	require.Equal(c.t, http.StatusOK, r.status, r.raw)
}

// ecpLogin starts a login and answers ECP with iin's key.
func (c *client) ecpLogin(iin string) reply {
	c.t.Helper()
	require.Equal(c.t, http.StatusCreated, c.start("login").status)
	return c.ecp(iin)
}

// TestDevRevocationOCSP: every ECP login is checked by the portal's OCSP
// responder; a person revoked on the dev panel is refused at the next
// login — by OCSP, although a "good" answer was cached — and signs in
// again once reinstated.
func TestDevRevocationOCSP(t *testing.T) {
	audit := &auditCapture{}
	h := newHarness(t, withAudit(audit))
	c := h.client()
	c.loginECPSMS(aigerim)
	ev := audit.last(t, h, aigerim)
	assert.Equal(t, "ocsp", ev["source"])
	assert.Equal(t, "good", ev["status"])
	assert.NotContains(t, ev, "cached")

	panel := h.client()
	st := panel.do("GET", "/dev/api/state", nil, nil)
	require.Equal(t, http.StatusOK, st.status, st.raw)
	assert.Equal(t, float64(1), st.body["crl_number"])
	panel.revoke(aigerim, true)
	st = panel.do("GET", "/dev/api/state", nil, nil)
	assert.Equal(t, float64(2), st.body["crl_number"], "the CRL is re-issued")
	assert.Contains(t, st.body["people"], map[string]any{"iin": aigerim, "name": h.person(aigerim).FullName(), "revoked": true})

	r := h.client().ecpLogin(aigerim)
	assert.Equal(t, http.StatusUnauthorized, r.status, r.raw)
	assert.Equal(t, "revoked", r.code())
	ev = audit.last(t, h, aigerim)
	assert.Equal(t, "ocsp", ev["source"], "refused by OCSP: %v", ev)
	assert.Equal(t, "revoked", ev["status"])
	assert.Equal(t, "keyCompromise", ev["reason"])
	assert.NotContains(t, ev, "cached", "the cached good answer was dropped")
	assert.Equal(t, "revoked", audit.last(t, h, aigerim)["code"])

	// The session made before the revocation no longer satisfies a
	// signature's step-up once it is older than five minutes; a new ECP
	// signature is refused as well.
	h.clock.Advance(stepUpAge + time.Second)
	r = c.post("/api/sign", map[string]string{"document": "address-change"})
	require.Equal(t, http.StatusUnauthorized, r.status)
	c.start(actionSign)
	r = c.ecp(aigerim)
	assert.Equal(t, "revoked", r.code())

	panel.revoke(aigerim, false)
	c2 := h.client()
	c2.loginECPSMS(aigerim)
	assert.Equal(t, "good", audit.last(t, h, aigerim)["status"])

	// A person revoked from the start (on the first CRL) is revoked by
	// OCSP as well, and can be reinstated.
	r = h.client().ecpLogin(revoked)
	assert.Equal(t, "revoked", r.code())
	assert.Equal(t, "ocsp", audit.last(t, h, revoked)["source"])
	panel.revoke(revoked, false)
	r = h.client().ecpLogin(revoked)
	require.Equal(t, http.StatusOK, r.status, r.raw)

	// The panel's API: same origin, JSON, known persons only.
	foreign := h.client()
	foreign.origin = "http://evil.example"
	assert.Equal(t, http.StatusForbidden, foreign.post("/dev/api/revocation", map[string]any{"iin": askar, "revoked": true}).status)
	assert.Equal(t, http.StatusNotFound, panel.post("/dev/api/revocation", map[string]any{"iin": "990101300000", "revoked": true}).status)
	assert.Equal(t, http.StatusBadRequest, panel.post("/dev/api/revocation", map[string]any{"iin": askar}).status)
}

// TestDevRevocationCRLFallback: with the OCSP responder stopped (the dev
// panel), the checker falls back to the CA's CRL — which the panel
// re-issued with the new revocation — and good persons still sign in.
func TestDevRevocationCRLFallback(t *testing.T) {
	audit := &auditCapture{}
	h := newHarness(t, withAudit(audit))
	panel := h.client()
	r := panel.post("/dev/api/ocsp", map[string]any{"up": false})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, false, panel.do("GET", "/dev/api/state", nil, nil).body["ocsp"].(map[string]any)["up"])

	h.client().loginECPSMS(askar)
	ev := audit.last(t, h, askar)
	assert.Equal(t, "crl", ev["source"], "OCSP answered nothing: %v", ev)
	assert.Equal(t, "good", ev["status"])

	panel.revoke(aigerim, true)
	r = h.client().ecpLogin(aigerim)
	assert.Equal(t, "revoked", r.code(), r.raw)
	ev = audit.last(t, h, aigerim)
	assert.Equal(t, "crl", ev["source"], "the re-issued CRL: %v", ev)
	assert.Equal(t, "revoked", ev["status"])

	// Up again: OCSP answers.
	panel.post("/dev/api/ocsp", map[string]any{"up": true})
	r = h.client().ecpLogin(firstHead)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, "ocsp", audit.last(t, h, firstHead)["source"])

	// The responder really gone (connection refused): the CRL again.
	require.NoError(t, h.p.rev.srv.Close())
	r = h.client().ecpLogin(rightToSign)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	ev = audit.last(t, h, rightToSign)
	assert.Equal(t, "crl", ev["source"], "%v", ev)
	assert.Equal(t, "good", ev["status"])
}

// TestDevRevocationShared: two instances sharing one store and one
// development directory: a revocation on one instance's panel is answered
// by the other's OCSP responder, and its CRL follows.
func TestDevRevocationShared(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dev")
	shared := memory.New(memory.Config{})
	t.Cleanup(func() { _ = shared.Close() })
	audit := &auditCapture{}
	a := newHarness(t, func(c *Config) { c.DevDir, c.Store = dir, shared })
	b := newHarness(t, func(c *Config) { c.DevDir, c.Store = dir, shared; c.Log = slog.New(audit) })
	r := b.client().ecpLogin(employee)
	require.Equal(t, http.StatusOK, r.status, r.raw)

	a.client().revoke(employee, true)
	r = b.client().ecpLogin(employee)
	assert.Equal(t, "revoked", r.code(), r.raw)
	assert.Equal(t, "ocsp", audit.last(t, b, employee)["source"])

	b.client().post("/dev/api/ocsp", map[string]any{"up": false})
	a.client().revoke(rightToSign, true)
	r = b.client().ecpLogin(rightToSign)
	assert.Equal(t, "revoked", r.code(), r.raw)
	assert.Equal(t, "crl", audit.last(t, b, rightToSign)["source"], "b re-issued its CRL from the shared list")
}

// TestDevRevocationListUnavailable: a list the portal cannot read denies
// (the responder answers tryLater and the CRL cannot be brought up to
// date), never "good".
func TestDevRevocationListUnavailable(t *testing.T) {
	h := newHarness(t, nil)
	_, err := h.p.store.Put(context.Background(), devRevocationsKey, []byte("{corrupt"), time.Hour)
	require.NoError(t, err)
	r := h.client().ecpLogin(askar)
	assert.Equal(t, http.StatusServiceUnavailable, r.status, r.raw)
	assert.Equal(t, "unavailable", r.code())
}

// TestDevClock: with DevClock the panel moves the portal's clock, and a
// step-up expires without waiting; without it there is no control.
func TestDevClock(t *testing.T) {
	plain := newHarness(t, nil)
	c := plain.client()
	assert.Equal(t, http.StatusNotFound, c.post("/dev/api/clock", map[string]any{"advance": "5m"}).status, "no clock control without DevClock")
	assert.Equal(t, false, c.do("GET", "/dev/api/state", nil, nil).body["clock"].(map[string]any)["enabled"])

	h := newHarness(t, func(c *Config) { c.DevClock = true })
	c = h.client()
	c.loginECPSMS(askar)
	sign := func() reply { return c.post("/api/sign", map[string]string{"document": "address-change"}) }
	require.Equal(t, http.StatusOK, sign().status, "the login's ECP is fresh")
	before := h.p.cfg.Now()

	for _, step := range []string{"1m", "4m", "1s"} {
		r := c.post("/dev/api/clock", map[string]any{"advance": step})
		require.Equal(t, http.StatusOK, r.status, r.raw)
	}
	assert.Equal(t, (5*time.Minute + time.Second).Seconds(), c.do("GET", "/dev/api/state", nil, nil).body["clock"].(map[string]any)["offset_seconds"])
	assert.WithinDuration(t, before.Add(5*time.Minute+time.Second), h.p.cfg.Now(), time.Second)
	r := sign()
	assert.Equal(t, http.StatusUnauthorized, r.status, "five minutes passed: a step-up")
	assert.Equal(t, "step_up_required", r.code())
	assert.Equal(t, time.Duration(0), h.clock.Now().Sub(before), "the real (test) clock did not move")

	r = c.post("/dev/api/clock", map[string]any{"reset": true})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, http.StatusOK, sign().status, "back to the real time")

	for _, bad := range []map[string]any{{"advance": "-1m"}, {"advance": "25h"}, {"advance": "soon"}, {},
		{"advance": "1m", "reset": true}, {"advance": 60}} {
		assert.Equal(t, http.StatusBadRequest, c.post("/dev/api/clock", bad).status, "%v", bad)
	}
	for range 30 {
		c.post("/dev/api/clock", map[string]any{"advance": "24h"})
	}
	assert.Equal(t, http.StatusBadRequest, c.post("/dev/api/clock", map[string]any{"advance": "24h"}).status, "thirty days at most")
	foreign := h.client()
	foreign.origin = "http://evil.example"
	assert.Equal(t, http.StatusForbidden, foreign.post("/dev/api/clock", map[string]any{"reset": true}).status)

	// One instance only.
	_, err := New(Config{Origin: "http://localhost:8080", SMS: h.sms, DevClock: true, Store: h.p.store})
	assert.ErrorIs(t, err, auth.ErrConfig)
	for _, o := range []options{{devClock: true, redis: "127.0.0.1:6379"}, {devClock: true, devDir: t.TempDir()},
		{devClock: true, ncalayer: "ws://127.0.0.1:13579"}} {
		assert.ErrorContains(t, run(t.Context(), o, io.Discard), "-dev-clock")
	}
}
