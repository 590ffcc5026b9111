package main

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/strongauth/strongauth/factors/ecp/ecptest"
	"github.com/strongauth/strongauth/internal/browsertest"
	"github.com/strongauth/strongauth/qr/phone"
)

// token redeems the code the relying party received for a and returns the
// verified ID token's claims.
func (tb *tab) token(conf oauth2.Config, a *attempt) idClaims {
	tb.t.Helper()
	cb := tb.h.callback(a)
	require.Empty(tb.t, cb.Get("error"), cb.Get("error_description"))
	tok, err := exchange(conf, cb.Get("code"), a.verifier)
	require.NoError(tb.t, err)
	raw, _ := tok.Extra("id_token").(string)
	idt, c := tb.h.verify(raw, a.nonce)
	assert.Equal(tb.t, askar, idt.Subject)
	return c
}

// TestBrowserPasskey: after an ECP+SMS login at the provider the person
// adds a passkey (Chromium's virtual authenticator) before going on to the
// application; signed out, a fresh request for the key level is answered
// by the passkey alone — no SMS — and so is one for the default level.
func TestBrowserPasskey(t *testing.T) {
	h := newHarness(t)
	tb := &tab{t: t, b: browsertest.Start(t, browsertest.Options{}), h: h}
	dev, err := tb.b.AddAuthenticator(browsertest.Authenticator{})
	require.NoError(t, err)

	// 1. ECP then SMS, asking to add a passkey after signing in.
	a := h.attempt(h.a)
	tb.open(a)
	tb.wait(`!document.getElementById("passkey-offer").hidden`)
	tb.click("#want-passkey")
	tb.ecp(askar)
	tb.sms(askar)
	tb.wait(`!document.getElementById("after-login").hidden`)
	assert.True(t, strings.HasPrefix(tb.js(`location.href`), h.issuer+"/login"), "the page stays for the enrolment")
	tb.click("#add-passkey")
	require.Equal(t, "ok", tb.wait(`document.getElementById("passkey-status").dataset.state`),
		tb.js(`document.getElementById("passkey-status").textContent`))
	creds, err := tb.b.Credentials(dev)
	require.NoError(t, err)
	require.Len(t, creds, 1)
	assert.Equal(t, "localhost", creds[0].RpID)
	assert.True(t, creds[0].IsResidentCredential, "a discoverable credential: it signs in without a name")
	tb.click("#continue")
	tb.atRP()
	c := tb.token(h.a, a)
	assert.Equal(t, ACRStrong, c.ACR)
	assert.Subset(t, c.AMR, []string{"sc", "sms"}, "the login that enrolled was ECP+SMS")

	// 2. The key level: the session's ECP+SMS result is for the default
	// level, so a step-up page; signing out there leaves a fresh login,
	// which the passkey alone completes.
	sent := h.sms.Len()
	before := h.clock.Now().Unix()
	a = h.attempt(h.a, "acr_values", ACRKey)
	tb.open(a)
	tb.wait(`document.getElementById("step-up")`)
	tb.click("#logout")
	tb.wait(`!document.getElementById("step-up") && document.querySelector("#login [data-factor]")`)
	assert.Equal(t, "ecp,webauthn", tb.offered())
	tb.click(`#login [data-factor="webauthn"]`)
	tb.atRP()
	c = tb.token(h.a, a)
	assert.Equal(t, ACRKey, c.ACR, "acr_values of the key level, satisfied by the passkey")
	assertPasskeyAlone(t, c.AMR)
	assert.GreaterOrEqual(t, c.AuthTime, before)
	assert.Equal(t, sent, h.sms.Len(), "no SMS for a passkey login")

	// 3. The default level, in the same browser: the passkey again (a
	// step-up of the session's person), still no SMS.
	a = h.attempt(h.a)
	tb.open(a)
	tb.wait(`document.getElementById("step-up")`)
	assert.NotContains(t, tb.offered(), "sms")
	tb.click(`#login [data-factor="webauthn"]`)
	tb.atRP()
	c = tb.token(h.a, a)
	assert.Equal(t, ACRStrong, c.ACR)
	assertPasskeyAlone(t, c.AMR)
	assert.Equal(t, sent, h.sms.Len(), "no SMS for a passkey login")
}

// assertPasskeyAlone: amr names a key held by the person (hwk or swk) and
// user verification, and neither SMS nor ECP.
func assertPasskeyAlone(t *testing.T, amr []string) {
	t.Helper()
	assert.True(t, slices.Contains(amr, "hwk") || slices.Contains(amr, "swk"), "a key method in %v", amr)
	assert.Contains(t, amr, "user", "user verification")
	assert.NotContains(t, amr, "sms")
	assert.NotContains(t, amr, "sc")
}

// TestBrowserEGovMobile: QR mode B through the provider — the login page
// shows eGov Mobile's code; eGov Mobile (qr/phone, reading a screenshot of
// the code) signs its challenge with the person's ECP key; the page asks
// "signed in as … — continue?" and the relying party gets a token of the
// default level with amr mca, sc, swk and no SMS sent.
func TestBrowserEGovMobile(t *testing.T) {
	h := newHarness(t)
	tb := &tab{t: t, b: browsertest.Start(t, browsertest.Options{}), h: h}
	ctx := context.Background()
	a := h.attempt(h.a)
	tb.open(a)
	tb.click(`#login [data-factor="qr"][data-mode="mobile-sign"]`)
	tb.wait(`document.getElementById("sa-qr-image") && document.getElementById("sa-qr-image").complete && document.getElementById("sa-qr-image").naturalWidth > 0`)
	shot, err := chromedp.Run(tb.b.Context(), chromedp.Screenshot("#sa-qr-image"))
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(shot))
	require.NoError(t, err)
	content, err := phone.DecodeImage(img)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(content, "mobileSign:"+h.issuer+"/qr/egov/"), content)

	app := &phone.MobileSign{HTTP: &http.Client{Timeout: 10 * time.Second}, Lang: "en"}
	req, err := app.Fetch(ctx, content)
	require.NoError(t, err)
	assert.Equal(t, "Демо-провайдер входа strongauth (разработка)", req.API1.Organisation.NameRu, "the app shows who asks")
	require.NoError(t, app.Sign(ctx, req, phone.SignFunc(h.egovKey(askar).Sign)))
	assert.Equal(t, "ӘЛИЕВ АСҚАР", tb.wait(`document.getElementById("sa-qr-signer-name") && document.getElementById("sa-qr-signer-name").textContent`))
	assert.True(t, strings.HasPrefix(tb.js(`location.href`), h.issuer+"/login"), "nothing before the person confirms")
	tb.click(`#sa-qr-continue`)
	tb.atRP()
	c := tb.token(h.a, a)
	assert.Equal(t, ACRStrong, c.ACR)
	assert.Equal(t, []string{"mca", "sc", "swk"}, c.AMR)
	assert.Zero(t, h.sms.Len(), "no SMS: eGov Mobile's ECP is strong")
}

// egovKey is a person's test key as eGov Mobile would hold it.
func (h *harness) egovKey(iin string) ecptest.Key {
	h.t.Helper()
	for i, p := range h.idp.cfg.People {
		if p.IIN == iin {
			return ecptest.DevKey(h.idp.pki.leaves[i])
		}
	}
	h.t.Fatalf("no key for %s", iin)
	return ecptest.Key{}
}
