package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/oauth2"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authoidc"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// tokenRequest is a code redemption of rp-a at the token endpoint,
// served in process.
func (h *harness) tokenRequest(b *testing.B, code, verifier string) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {h.rpURL}, "code_verifier": {verifier}}
	r := httptest.NewRequest("POST", h.issuer+"/oauth/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.SetBasicAuth(clientA, secretA)
	w := httptest.NewRecorder()
	h.idp.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		b.Fatalf("token endpoint: %d %s", w.Code, w.Body)
	}
}

// idToken is the OIDC library's own cost: signing an ID token (ES256)
// with op.CreateIDToken.
func (h *harness) idToken(b *testing.B, req op.IDTokenRequest) {
	c, _ := h.idp.storage.GetClientByClientID(context.Background(), clientA)
	if _, err := op.CreateIDToken(context.Background(), h.issuer, req, time.Minute, "", "", h.idp.storage, c); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkTokenEndpoint: code → tokens (client authentication, PKCE,
// access and refresh tokens, a signed ID token), beside the OIDC library's
// ID-token signing alone. The codes are made outside the measurement.
func BenchmarkTokenEndpoint(b *testing.B) {
	h := newHarness(b)
	verifier := oauth2.GenerateVerifier()
	const batch = 64
	var codes []string
	grant := &grant{clientID: clientA, scopes: []string{"openid"}, claims: authoidc.Claims{Subject: askar, ACR: ACRStrong,
		AMR: []string{"sc", "swk", "sms", "otp", "mfa"}, AuthTime: h.clock.Now()}}
	b.ReportAllocs()
	sigtest.Ratio(b, func(b *testing.B) { h.idToken(b, grant) }, func(b *testing.B) {
		if len(codes) == 0 {
			b.StopTimer()
			for range batch {
				codes = append(codes, h.issueCode(b, verifier))
			}
			b.StartTimer()
		}
		code := codes[len(codes)-1]
		codes = codes[:len(codes)-1]
		h.tokenRequest(b, code, verifier)
	})
}

// BenchmarkBridge: strongauth's whole mapping per authorization (parse
// the parameters, plan, check the result with the engine, make the
// claims), beside the OIDC library's ID-token signing.
func BenchmarkBridge(b *testing.B) {
	h := newHarness(b)
	now := h.clock.Now()
	res := &auth.Result{Subject: askar, Action: actionLogin, Evidence: []auth.Evidence{
		{Kind: auth.KindECP, Strength: auth.Strong, Subject: askar, Time: now, AMR: []string{"sc", "swk"},
			Attributes: map[string]string{"iin": askar}},
		{Kind: auth.KindSMS, Strength: auth.Weak, Subject: askar, Time: now, AMR: []string{"sms", "otp"}},
	}}
	v := url.Values{"acr_values": {ACRStrong}, "max_age": {"600"}, "login_hint": {"+77015550123"}}
	grant := &grant{clientID: clientA, scopes: []string{"openid"}, claims: authoidc.Claims{Subject: askar, ACR: ACRStrong, AuthTime: now}}
	b.ReportAllocs()
	sigtest.Ratio(b, func(b *testing.B) { h.idToken(b, grant) }, func(b *testing.B) {
		req, err := authoidc.ParseRequest(v)
		if err != nil {
			b.Fatal(err)
		}
		p, err := h.idp.bridge.Plan(req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := h.idp.bridge.Claims(p, res); err != nil {
			b.Fatal(err)
		}
	})
}
