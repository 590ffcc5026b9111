package main

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/strongauth/strongauth/internal/browsertest"
)

// tab is the browser of one person at the provider.
type tab struct {
	t *testing.T
	b *browsertest.Browser
	h *harness
}

func (tb *tab) js(expr string) string {
	tb.t.Helper()
	v, err := tb.b.Eval(expr)
	require.NoError(tb.t, err, "evaluating %s", expr)
	return v
}

func (tb *tab) wait(cond string) string {
	tb.t.Helper()
	expr := `(() => { try { const v = (` + cond + `); return v ? String(v) : ""; } catch (e) { return ""; } })()`
	deadline := time.Now().Add(testWait)
	for time.Now().Before(deadline) {
		if v, err := tb.b.Eval(expr); err == nil && v != "" {
			return v
		}
		time.Sleep(50 * time.Millisecond)
	}
	text, _ := tb.b.Eval(`location.href + " | " + document.body.innerText.slice(0, 600)`)
	tb.t.Fatalf("timed out waiting for %s; page: %s", cond, text)
	return ""
}

func (tb *tab) click(selector string) {
	tb.t.Helper()
	tb.wait(`document.querySelector(` + strconv.Quote(selector) + `)`)
	tb.js(`document.querySelector(` + strconv.Quote(selector) + `).click(), "ok"`)
}

// offered lists the factors the login page offers.
func (tb *tab) offered() string {
	tb.t.Helper()
	return tb.wait(`[...document.querySelectorAll("#login [data-factor]")].map(b => b.dataset.factor).join(",")`)
}

// open starts an attempt in the browser.
func (tb *tab) open(a *attempt) {
	tb.t.Helper()
	require.NoError(tb.t, tb.b.Navigate(a.url))
}

// ecp signs with the simulator as person iin.
func (tb *tab) ecp(iin string) {
	tb.t.Helper()
	tb.wait(`document.getElementById("dev-signer")`)
	tb.js(`document.getElementById("dev-signer").value = ` + strconv.Quote(iin) + `, "ok"`)
	tb.click(`#login [data-factor="ecp"]`)
}

// sms enters the code the provider sent to the person's phone.
func (tb *tab) sms(iin string) {
	tb.t.Helper()
	tb.wait(`document.getElementById("login").dataset.state === "sms"`)
	person, _ := tb.h.idp.dir.find(iin)
	var code string
	for _, m := range tb.h.sms.Messages() {
		if m.To.E164() == person.Phone {
			code = m.Code()
		}
	}
	require.NotEmpty(tb.t, code, "an SMS to the bound phone")
	tb.wait(`document.getElementById("sa-sms-code")`)
	tb.js(`(() => { const i = document.getElementById("sa-sms-code"); i.value = ` + strconv.Quote(code) + `; i.form.requestSubmit(); return "ok"; })()`)
}

// atRP waits until the browser is at the relying party.
func (tb *tab) atRP() {
	tb.t.Helper()
	tb.wait(`location.href.startsWith(` + strconv.Quote(tb.h.rpURL) + `)`)
}

// exchange redeems the code of an attempt as conf, with the attempt's
// PKCE verifier unless another is given.
func exchange(conf oauth2.Config, code, verifier string) (*oauth2.Token, error) {
	return conf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
}

// TestBrowserOIDC drives a real headless Chromium through the provider
// as an independent relying party (go-oidc + oauth2) sees it: an ECP+SMS
// login gives a verified ID token with acr and amr; single sign-on reuses
// it; an acr only a key gives shows a step-up where SMS cannot even begin;
// max_age=0 forces a fresh strong factor; and a replayed code, a wrong
// PKCE verifier, a wrong redirect URI and a code redeemed by another
// client are each refused.
func TestBrowserOIDC(t *testing.T) {
	h := newHarness(t)
	tb := &tab{t: t, b: browsertest.Start(t, browsertest.Options{}), h: h}
	ctx := context.Background()

	// 1. ECP then SMS. The page never offers SMS first.
	a := h.attempt(h.a)
	before := h.clock.Now()
	tb.open(a)
	offered := tb.offered()
	assert.NotContains(t, offered, "sms", "no SMS before a strong factor")
	assert.Contains(t, offered, "ecp")
	tb.ecp(askar)
	tb.sms(askar)
	tb.atRP()
	cb := h.callback(a)
	require.Empty(t, cb.Get("error"))
	tok, err := exchange(h.a, cb.Get("code"), a.verifier)
	require.NoError(t, err)
	raw, _ := tok.Extra("id_token").(string)
	idt, c := h.verify(raw, a.nonce)
	assert.Equal(t, askar, idt.Subject)
	assert.Equal(t, ACRStrong, c.ACR)
	assert.Subset(t, c.AMR, []string{"sc", "sms", "otp", "mfa"})
	assert.GreaterOrEqual(t, c.AuthTime, before.Unix())
	assert.Equal(t, askar, c.IIN, "identity claims from the ECP certificate")
	assert.Equal(t, "Әлиев Асқар", c.Name)
	firstAuth := c.AuthTime

	// A refresh is not an authentication: auth_time, acr and amr stay.
	h.clock.Advance(10 * time.Second)
	refreshed, err := h.a.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	require.NoError(t, err)
	rawR, _ := refreshed.Extra("id_token").(string)
	_, cr := h.verify(rawR, "")
	assert.Equal(t, firstAuth, cr.AuthTime, "refresh does not extend auth_time")
	assert.Equal(t, ACRStrong, cr.ACR)
	assert.Equal(t, c.AMR, cr.AMR)
	_, err = h.a.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	assert.Error(t, err, "a rotated refresh token is spent")

	// 2. The code again: refused, and the tokens issued for it are
	// revoked (RFC 6749 §4.1.2).
	_, err = exchange(h.a, cb.Get("code"), a.verifier)
	assertOAuthError(t, err, "invalid_grant", "a replayed code")
	_, err = h.a.TokenSource(ctx, &oauth2.Token{RefreshToken: refreshed.RefreshToken}).Token()
	assert.Error(t, err, "the replay revoked the refresh token of that code")

	// 3. Single sign-on: the session's result answers a new request
	// without a page; the wrong PKCE verifier is refused and spends the
	// code.
	a = h.attempt(h.a)
	tb.open(a)
	tb.atRP()
	cb = h.callback(a)
	_, err = exchange(h.a, cb.Get("code"), oauth2.GenerateVerifier())
	assertOAuthError(t, err, "invalid_grant", "a wrong PKCE verifier")
	_, err = exchange(h.a, cb.Get("code"), a.verifier)
	assertOAuthError(t, err, "invalid_grant", "the code was spent by the failed attempt")

	// 4. A code redeemed by another client (with the right verifier).
	a = h.attempt(h.a)
	tb.open(a)
	tb.atRP()
	_, err = exchange(h.b, h.callback(a).Get("code"), a.verifier)
	assertOAuthError(t, err, "invalid_grant", "a code of rp-a redeemed by rp-b")

	// 5. A redirect URI the token request does not repeat.
	a = h.attempt(h.a)
	tb.open(a)
	tb.atRP()
	other := h.a
	other.RedirectURL = h.rpURL + "/elsewhere"
	_, err = exchange(other, h.callback(a).Get("code"), a.verifier)
	assertOAuthError(t, err, "invalid_grant", "another redirect_uri at the token endpoint")
	//    …and an unregistered one at the authorization endpoint: no
	//    redirect at all, the provider answers itself.
	a = h.attempt(other)
	tb.open(a)
	assert.Contains(t, tb.wait(`location.href.startsWith(`+strconv.Quote(h.issuer)+`) && document.body.innerText`), "redirect_uri")

	// 6. A level only a key gives (essential): the session's ECP+SMS
	// result is for another level, so the page asks for a step-up, where
	// SMS is not offered and cannot begin.
	essential := `{"id_token":{"acr":{"essential":true,"values":["` + ACRKey + `"]}}}`
	a = h.attempt(h.a, "claims", essential, "login_hint", "+77015550123")
	tb.open(a)
	tb.wait(`document.getElementById("step-up")`)
	assert.Equal(t, "ecp,webauthn", tb.offered(), "only ECP or a passkey")
	assert.Equal(t, "+77015550123", tb.js(`document.getElementById("hint").textContent`), "login_hint is shown, nothing more")
	smsBegin := tb.js(`(async () => { const m = await import("/auth/client.js");
		const f = await m.Flow.start("/auth", "login-key");
		try { await f.begin("sms"); return "began"; } catch (e) { return e.code; } })()`)
	assert.Equal(t, "factor_not_allowed", smsBegin, "SMS cannot even begin at this level")
	tb.ecp(askar)
	tb.atRP()
	tok, err = exchange(h.a, h.callback(a).Get("code"), a.verifier)
	require.NoError(t, err)
	raw, _ = tok.Extra("id_token").(string)
	_, c = h.verify(raw, a.nonce)
	assert.Equal(t, ACRKey, c.ACR)
	assert.NotContains(t, c.AMR, "sms")
	assert.Contains(t, c.AMR, "sc")

	// 7. max_age=0: the session holds fresh results, yet a new strong
	// factor is required, after the request.
	h.clock.Advance(61 * time.Second) // past the SMS cooldown of the bound phone
	requested := h.clock.Now().Unix()
	a = h.attempt(h.a, "max_age", "0")
	tb.open(a)
	tb.wait(`document.getElementById("step-up")`)
	assert.NotContains(t, tb.offered(), "sms")
	tb.ecp(askar)
	tb.sms(askar)
	tb.atRP()
	tok, err = exchange(h.a, h.callback(a).Get("code"), a.verifier)
	require.NoError(t, err)
	raw, _ = tok.Extra("id_token").(string)
	_, c = h.verify(raw, a.nonce)
	assert.GreaterOrEqual(t, c.AuthTime, requested, "auth_time after the request")
	assert.Greater(t, c.AuthTime, firstAuth)
	assert.Equal(t, ACRStrong, c.ACR)
}

// assertOAuthError checks that err is the token endpoint's OAuth error.
func assertOAuthError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if assert.ErrorAs(t, err, &re, msg) {
		assert.Equal(t, code, re.ErrorCode, msg)
	}
}

// TestAuthorizationErrors: what the provider answers before any page —
// an essential acr no level gives, prompt=none without a session, no PKCE,
// plain PKCE, the implicit flow — each a redirect with the error (or, for
// an unknown client, no redirect).
func TestAuthorizationErrors(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		name, code string
		params     []string
		conf       oauth2.Config
		noPKCE     bool
		edit       func(url.Values)
	}{
		{name: "essential acr no level gives", code: "unmet_authentication_requirements",
			params: []string{"claims", `{"id_token":{"acr":{"essential":true,"values":["urn:other"]}}}`}},
		{name: "prompt=none without a session", code: "login_required", params: []string{"prompt", "none"}},
		{name: "malformed claims parameter", code: "invalid_request", params: []string{"claims", `{"id_token":`}},
		{name: "no PKCE", code: "invalid_request", edit: func(v url.Values) { v.Del("code_challenge"); v.Del("code_challenge_method") }},
		{name: "plain PKCE", code: "invalid_request", edit: func(v url.Values) { v.Set("code_challenge_method", "plain") }},
		{name: "implicit flow", code: "unauthorized_client", edit: func(v url.Values) { v.Set("response_type", "id_token token") }},
	} {
		a := h.attempt(h.a, tc.params...)
		u, err := url.Parse(a.url)
		require.NoError(t, err)
		if tc.edit != nil {
			q := u.Query()
			tc.edit(q)
			u.RawQuery = q.Encode()
		}
		// Follow the provider's own redirects (to its login step), not the
		// relying party's.
		next := u.String()
		var loc *url.URL
		for hop := 0; hop < 3; hop++ {
			resp, err := noRedirect().Get(next)
			require.NoError(t, err, tc.name)
			resp.Body.Close()
			require.Equal(t, http.StatusFound, resp.StatusCode, tc.name)
			loc, err = url.Parse(resp.Header.Get("Location"))
			require.NoError(t, err)
			if next = loc.String(); !strings.HasPrefix(next, h.issuer) {
				break
			}
		}
		if !strings.HasPrefix(loc.String(), h.rpURL) {
			t.Errorf("%s: redirected to %s, not the relying party", tc.name, loc)
			continue
		}
		q := loc.Query()
		if q.Get("error") == "" { // the fragment, for response types with tokens
			q, _ = url.ParseQuery(loc.Fragment)
		}
		assert.Equal(t, tc.code, q.Get("error"), tc.name)
		assert.Empty(t, q.Get("code"), tc.name)
	}
}
