package main

import (
	"context"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/internal/pgtest"
	"github.com/strongauth/strongauth/lifecycle"
	"github.com/strongauth/strongauth/otp/otptest"
)

// withNotices sends the portal's notices to a recorder of their own, apart
// from the codes (h.sms).
func withNotices(c *Config) { c.Notices = &otptest.Recorder{} }

// notices is the recorder of withNotices.
func (h *harness) notices() *otptest.Recorder { return h.p.cfg.Notices.(*otptest.Recorder) }

var reportLink = regexp.MustCompile(`/not-me#([A-Za-z0-9_-]{43})`)

// reportToken is the "this was not me" token of the latest notice.
func (h *harness) reportToken() string {
	h.t.Helper()
	m := h.notices().Last()
	require.NotNil(h.t, m, "no notice was sent")
	match := reportLink.FindStringSubmatch(m.Text)
	require.NotNil(h.t, match, "the notice has no report link: %s", m.RedactedText())
	return match[1]
}

// accountFlow runs the life cycle on a portal: link a phone (a notice),
// remove it (a step-up from the login, a notice), link another, report it
// ("this was not me": removed, the session ended).
func accountFlow(t *testing.T, h *harness) {
	c := h.client()
	c.loginECPSMS(askar)
	require.Zero(t, h.notices().Len())

	c.linkPhone(h.newPhone(t))
	require.Equal(t, 1, h.notices().Len(), "linking a phone sends a notice")
	notice := h.notices().Last()
	require.Equal(t, h.person(askar).Phone, notice.To.E164(), "to the bound number")
	require.Empty(t, notice.Code(), "a notice carries no code")
	r := c.do("GET", "/account/credentials", nil, nil)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	creds := r.body["credentials"].([]any)
	require.Len(t, creds, 1)
	dev := creds[0].(map[string]any)
	require.Equal(t, lifecycle.KindDevice, dev["kind"])

	// Renaming, then removing (the login's ECP is a fresh step-up).
	r = c.post("/account/credentials/rename", map[string]string{"kind": lifecycle.KindDevice, "id": dev["id"].(string), "name": "Old phone"})
	require.Equal(t, http.StatusNoContent, r.status, r.raw)
	r = c.post("/account/credentials/remove", map[string]string{"kind": lifecycle.KindDevice, "id": dev["id"].(string)})
	require.Equal(t, http.StatusNoContent, r.status, r.raw)
	require.Equal(t, 2, h.notices().Len(), "removing sends a notice")

	// Another phone, which the account holder disowns.
	c.linkPhone(h.newPhone(t))
	token := h.reportToken()
	stranger := h.client() // the link opens in any browser, without a session
	r = stranger.post("/account/report", map[string]string{"token": token})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	require.Equal(t, true, r.body["removed"])
	list, err := h.p.devices.List(context.Background(), askar)
	require.NoError(t, err)
	require.Empty(t, list, "the reported phone is gone")
	require.Equal(t, http.StatusUnauthorized, c.do("GET", "/api/me", nil, nil).status, "the report ended the session")
	r = stranger.post("/account/report", map[string]string{"token": token})
	require.Equal(t, http.StatusGone, r.status, "a report link works once")
}

func TestAccountLifeCycle(t *testing.T) {
	accountFlow(t, newHarness(t, withNotices))
}

// TestAccountOnPostgres: the same on PostgreSQL; a second portal instance
// on the same database sees what the first stored.
func TestAccountOnPostgres(t *testing.T) {
	s := pgtest.Start(t)
	schema := s.Schema(t)
	pg := func(c *Config) { withNotices(c); c.PostgresDSN, c.PostgresSchema = s.DSN(), schema }
	h := newHarness(t, pg)
	accountFlow(t, h)
	c := h.client()
	c.loginECPSMS(aigerim)
	c.linkPhone(h.newPhone(t))
	h2 := newHarness(t, pg) // another instance; migrations and test numbers already there
	list, err := h2.p.devices.List(context.Background(), aigerim)
	require.NoError(t, err)
	require.Len(t, list, 1)
	hist, err := h2.p.lc.Phone(context.Background(), aigerim)
	require.NoError(t, err)
	require.Equal(t, h.person(aigerim).Phone, hist.Phone)
}

func TestAccountStepUp(t *testing.T) {
	h := newHarness(t, withNotices)
	c := h.client()
	c.loginECPSMS(askar)
	c.linkPhone(h.newPhone(t))
	dev := c.do("GET", "/account/credentials", nil, nil).body["credentials"].([]any)[0].(map[string]any)
	h.clock.Advance(6 * time.Minute)
	r := c.post("/account/credentials/remove", map[string]string{"kind": lifecycle.KindDevice, "id": dev["id"].(string)})
	require.Equal(t, http.StatusUnauthorized, r.status, r.raw)
	require.Equal(t, "step_up_required", r.code())
	require.Equal(t, actionManage, r.body["action"])
	// The step-up flow offers strong factors only.
	require.Equal(t, http.StatusCreated, c.start(actionManage).status)
	require.Equal(t, http.StatusForbidden, c.begin("sms").status, "no SMS step-up")
	r = c.ecp(askar)
	require.Equal(t, true, r.body["allowed"], r.raw)
	r = c.post("/account/credentials/remove", map[string]string{"kind": lifecycle.KindDevice, "id": dev["id"].(string)})
	require.Equal(t, http.StatusNoContent, r.status, r.raw)

	// A phone change: quarantined; the login policy then offers no SMS
	// after ECP.
	r = c.post("/account/phone", map[string]string{"phone": "+77017778899"})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	require.Equal(t, h.person(askar).Phone, h.notices().Last().To.E164(), "the old number hears of the change")
	c2 := h.client()
	require.Equal(t, http.StatusCreated, c2.start("login").status)
	r = c2.ecp(askar)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	require.NotContains(t, r.body["offer"], "sms", "no SMS to a quarantined number")
	require.Equal(t, http.StatusForbidden, c2.begin("sms").status)
}
