package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestBrowserDevPanel: a certificate revoked with the panel's button is
// refused at the next login (OCSP), and signs in again once reinstated;
// the clock control makes the login's strong factor too old for a
// signature, so the page asks for a step-up.
func TestBrowserDevPanel(t *testing.T) {
	audit := &auditCapture{}
	h := newHarness(t, func(c *Config) { c.DevClock = true; withAudit(audit)(c) })
	tb := h.browser(t)
	row := `document.querySelector('#dev-people tr[data-iin="` + aigerim + `"]')`
	tb.open("/dev")
	tb.wait(`document.body.dataset.devState === "ready"`)
	assert.Equal(t, "false", tb.js(row+`.dataset.revoked`))
	assert.Equal(t, "answering", tb.js(`document.getElementById("dev-ocsp-state").textContent`))
	tb.click(`#dev-people tr[data-iin="` + aigerim + `"] button.revoke`)
	tb.wait(row + `.dataset.revoked === "true"`)
	assert.Equal(t, "2", tb.js(`document.getElementById("dev-crl").textContent`))

	tb.open("/")
	tb.signAs(aigerim)
	tb.click(`#login [data-factor="ecp"]`)
	assert.Equal(t, "revoked", tb.wait(`document.getElementById("sa-error").dataset.code`))
	assert.Equal(t, "ocsp", audit.last(t, h, aigerim)["source"])

	tb.open("/dev")
	tb.wait(`document.body.dataset.devState === "ready"`)
	tb.click(`#dev-people tr[data-iin="` + aigerim + `"] button.revoke`)
	tb.wait(row + `.dataset.revoked === "false"`)
	tb.loginECPSMS(aigerim)

	tb.open("/sign")
	tb.click(`button.sign[data-document="address-change"]`)
	tb.wait(`document.getElementById("receipt").dataset.state === "signed"`)
	tb.open("/dev")
	tb.wait(`document.body.dataset.devState === "ready" && !document.getElementById("dev-clock").hidden`)
	tb.click(`[data-advance="5m"]`)
	tb.wait(`document.getElementById("dev-offset").dataset.seconds === "300"`)
	tb.click(`[data-advance="1m"]`)
	tb.wait(`document.getElementById("dev-offset").dataset.seconds === "360"`)
	tb.shot("16-dev-panel")
	tb.open("/sign")
	tb.click(`button.sign[data-document="address-change"]`)
	tb.wait(`!document.getElementById("stepup").hidden && document.querySelector('#stepup [data-factor="ecp"]')`)
	tb.click(`#stepup [data-factor="ecp"]`)
	assert.Equal(t, "ecp", tb.wait(`document.getElementById("receipt").dataset.state === "signed" && document.getElementById("receipt").dataset.factors`))

	// The panel in Russian.
	tb.open("/dev?lang=ru")
	tb.wait(`document.body.dataset.devState === "ready"`)
	assert.Equal(t, "Панель разработчика", tb.js(`document.getElementById("dev-title").firstChild.textContent.trim()`))
	assert.Equal(t, "отвечает", tb.js(`document.getElementById("dev-ocsp-state").textContent`))
	assert.Equal(t, "Отозвать", tb.js(row+`.querySelector("button.revoke").textContent`))
}
