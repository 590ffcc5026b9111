package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/internal/browsertest"
)

// TestBrowserNotMe: a passkey added in the cabinet is announced by SMS;
// the SMS's "this was not me" link, opened in another browser, removes the
// passkey and ends the session; the account page shows the life cycle.
func TestBrowserNotMe(t *testing.T) {
	h := newHarness(t, withNotices)
	tb := h.browser(t)
	tb.loginECPSMS(askar)

	// Add a passkey: the fresh ECP of the login opens the enrolment.
	_, err := tb.b.AddAuthenticator(browsertest.Authenticator{})
	require.NoError(t, err)
	tb.click("#add-passkey")
	assert.Equal(t, "done", tb.wait(`document.getElementById("passkey-status").dataset.state`), tb.text())

	// The notice: an informational SMS to the bound number, no code.
	require.Equal(t, 1, h.notices().Len(), "one notice for the new passkey")
	notice := h.notices().Last()
	assert.Equal(t, h.person(askar).Phone, notice.To.E164())
	assert.Empty(t, notice.Code())
	assert.Contains(t, notice.Text, "Almaty, KZ (demo)", "where")
	token := h.reportToken()

	// The account page lists it, with remove and rename.
	tb.open("/account")
	assert.Equal(t, "1", tb.wait(`document.body.dataset.loaded && document.getElementById("creds").dataset.count`))
	assert.Equal(t, "passkey", tb.js(`document.querySelector("#creds-body tr").dataset.kind`))
	tb.shot("11-account")

	// "This was not me", from the link in the SMS, in another browser.
	other := h.browser(t)
	other.open("/not-me#" + token)
	other.wait(`document.getElementById("report")`)
	assert.NotContains(t, other.js(`location.href`), token, "the token leaves the address bar")
	other.shot("12-not-me")
	other.click("#report")
	assert.Equal(t, "done", other.wait(`document.getElementById("report-status").dataset.state`), other.text())
	assert.Contains(t, other.js(`document.getElementById("report-status").textContent`), "removed")

	// The passkey is gone, and the first browser's session with it.
	list, err := h.p.creds.List(context.Background(), askar)
	require.NoError(t, err)
	assert.Empty(t, list, "the reported passkey is gone")
	tb.open("/account")
	tb.wait(`location.pathname === "/"`)

	// The link works once.
	other.open("/sms-only") // a new page load: only the fragment would differ
	other.open("/not-me#" + token)
	other.click("#report")
	code := other.wait(`document.getElementById("report-status").dataset.code`)
	assert.True(t, strings.Contains(code, "report_token_invalid"), code)
}

// TestBrowserAccount: on the Security page a passkey is removed (the
// login's ECP is fresh), and, past five minutes, a phone change asks for a
// step-up that offers strong factors only; the new number shows as
// quarantined.
func TestBrowserAccount(t *testing.T) {
	h := newHarness(t, withNotices)
	tb := h.browser(t)
	tb.loginECPSMS(askar)
	_, err := tb.b.AddAuthenticator(browsertest.Authenticator{})
	require.NoError(t, err)
	tb.click("#add-passkey")
	assert.Equal(t, "done", tb.wait(`document.getElementById("passkey-status").dataset.state`), tb.text())

	tb.open("/account")
	assert.Equal(t, "1", tb.wait(`document.body.dataset.loaded && document.getElementById("creds").dataset.count`))
	tb.click("#creds-body tr button.remove")
	assert.Equal(t, "done", tb.wait(`document.getElementById("account-status").dataset.state`), tb.text())
	assert.Equal(t, "0", tb.wait(`document.getElementById("creds").dataset.count === "0" && "0"`))
	assert.Equal(t, 2, h.notices().Len(), "added, removed")

	h.clock.Advance(6 * time.Minute)
	tb.js(`document.getElementById("new-phone").value = "+7 701 777 88 99", "ok"`)
	tb.js(`document.getElementById("phone-form").requestSubmit(), "ok"`)
	offered := tb.wait(`[...document.querySelectorAll("#stepup [data-factor]")].map(b => b.dataset.factor).join(",")`)
	assert.NotContains(t, offered, "sms", "a step-up is never SMS")
	assert.Contains(t, offered, "ecp")
	tb.click(`#stepup [data-factor="ecp"]`)
	assert.Equal(t, "done", tb.wait(`document.getElementById("account-status").dataset.state === "done" && "done"`), tb.text())
	tb.wait(`!document.getElementById("phone-quarantine").hidden`)
	assert.Equal(t, "+7 7** *** **99", tb.js(`document.getElementById("phone-now").textContent`))
	assert.Equal(t, h.person(askar).Phone, h.notices().Last().To.E164(), "the old number hears of it")
	tb.shot("13-account-phone")
}
