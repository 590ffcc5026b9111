package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/oauth2"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authoidc"
	"github.com/strongauth/strongauth/otp/otptest"
)

// issueCode makes a completed authorization request of rp-a with the given
// PKCE verifier and claims, and a code for it, as the login step and op's
// callback would.
func (h *harness) issueCode(t testing.TB, verifier string) string {
	t.Helper()
	return h.issueCodeFor(t, clientA, verifier)
}

// issueCodeFor is issueCode for the client clientID.
func (h *harness) issueCodeFor(t testing.TB, clientID, verifier string) string {
	t.Helper()
	ctx := withPlan(context.Background(), planned{plan: authoidc.Plan{Level: authoidc.Level{ACR: ACRStrong, Action: actionLogin}}})
	req := &oidc.AuthRequest{Scopes: []string{"openid", "offline_access"}, ResponseType: oidc.ResponseTypeCode, ClientID: clientID,
		RedirectURI: h.rpURL, CodeChallenge: oauth2.S256ChallengeFromVerifier(verifier), CodeChallengeMethod: oidc.CodeChallengeMethodS256}
	a, err := h.idp.storage.CreateAuthRequest(ctx, req, "")
	require.NoError(t, err)
	now := h.clock.Now()
	require.NoError(t, h.idp.storage.complete(a.GetID(), &authoidc.Claims{Subject: askar, ACR: ACRStrong,
		AMR: []string{"sc", "swk", "sms", "otp", "mfa"}, AuthTime: now}))
	code, err := randomID(h.idp.cfg.Rand)
	require.NoError(t, err)
	require.NoError(t, h.idp.storage.SaveAuthCode(context.Background(), a.GetID(), code))
	require.Error(t, h.idp.storage.SaveAuthCode(context.Background(), a.GetID(), code+"x"), "one code per request")
	return code
}

// Concurrent redemptions of one code: exactly one gets tokens.
func TestCodeRedeemedOnce(t *testing.T) {
	h := newHarness(t)
	verifier := oauth2.GenerateVerifier()
	code := h.issueCode(t, verifier)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := exchange(h.a, code, verifier); err == nil {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load())
}

// The discovery document and the JWKS: code flow, PKCE S256, the levels,
// and only the public half of the signing key.
func TestDiscoveryAndKeys(t *testing.T) {
	h := newHarness(t)
	get := func(u string) map[string]any {
		resp, err := http.Get(u)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var m map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
		return m
	}
	d := get(h.issuer + "/.well-known/openid-configuration")
	assert.Equal(t, h.issuer, d["issuer"])
	assert.ElementsMatch(t, []any{ACRStrong, ACRKey}, d["acr_values_supported"])
	assert.Equal(t, []any{"S256"}, d["code_challenge_methods_supported"])
	assert.Equal(t, []any{"ES256", "RS256"}, d["id_token_signing_alg_values_supported"])
	assert.NotContains(t, d["grant_types_supported"], "password")
	keys := get(d["jwks_uri"].(string))["keys"].([]any)
	require.Len(t, keys, 2)
	kty := map[any]any{}
	for _, raw := range keys {
		k := raw.(map[string]any)
		kty[k["alg"]] = k["kty"]
		assert.Equal(t, "sig", k["use"])
		assert.NotEmpty(t, k["kid"])
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
			assert.NotContains(t, k, private, "no private key material in the JWKS")
		}
	}
	assert.Equal(t, map[any]any{"ES256": "EC", "RS256": "RSA"}, kty)
	assert.NotEqual(t, keys[0].(map[string]any)["kid"], keys[1].(map[string]any)["kid"])
}

// TestIDTokenAlgorithms: rp-a gets ES256 ID tokens (the default) and rp-rs,
// registered for RS256, RS256 ones — at the code exchange and at a refresh
// — each verified by go-oidc against the JWKS (with at_hash), signed by
// the JWKS key of its algorithm and by no other.
func TestIDTokenAlgorithms(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	var jwks jose.JSONWebKeySet
	resp, err := http.Get(h.issuer + "/keys")
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&jwks))
	resp.Body.Close()
	keyOf := map[jose.SignatureAlgorithm]jose.JSONWebKey{}
	for _, k := range jwks.Keys {
		require.True(t, k.IsPublic(), "JWKS key %s is public", k.KeyID)
		keyOf[jose.SignatureAlgorithm(k.Algorithm)] = k
	}
	for _, tc := range []struct {
		conf oauth2.Config
		alg  jose.SignatureAlgorithm
	}{{h.a, jose.ES256}, {h.rs, jose.RS256}} {
		verifier := oauth2.GenerateVerifier()
		tok, err := exchange(tc.conf, h.issueCodeFor(t, tc.conf.ClientID, verifier), verifier)
		require.NoError(t, err, tc.conf.ClientID)
		refreshed, err := tc.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		require.NoError(t, err, tc.conf.ClientID)
		for _, tk := range []*oauth2.Token{tok, refreshed} {
			raw, _ := tk.Extra("id_token").(string)
			idt, err := h.provider.Verifier(&gooidc.Config{ClientID: tc.conf.ClientID}).Verify(ctx, raw)
			require.NoError(t, err, "%s: go-oidc verifies the ID token against the JWKS", tc.conf.ClientID)
			require.NoError(t, idt.VerifyAccessToken(tk.AccessToken), "at_hash with the token's algorithm")
			var c idClaims
			require.NoError(t, idt.Claims(&c))
			assert.Equal(t, ACRStrong, c.ACR)
			assert.Equal(t, askar, idt.Subject)

			jws, err := jose.ParseSigned(raw, idTokenAlgs)
			require.NoError(t, err)
			hdr := jws.Signatures[0].Protected
			assert.Equal(t, string(tc.alg), hdr.Algorithm, tc.conf.ClientID)
			assert.Equal(t, keyOf[tc.alg].KeyID, hdr.KeyID, "signed by the JWKS key of its algorithm")
			for alg, k := range keyOf {
				_, err := jws.Verify(k.Key)
				if alg == tc.alg {
					assert.NoError(t, err)
				} else {
					assert.Error(t, err, "a %s token does not verify with the %s key", tc.alg, alg)
				}
			}
		}
	}
	// rp-rs's code, redeemed by rp-a (authenticated, right verifier): no
	// token of either algorithm.
	verifier := oauth2.GenerateVerifier()
	_, err = exchange(h.a, h.issueCodeFor(t, clientRS, verifier), verifier)
	assertOAuthError(t, err, "invalid_grant", "a code of rp-rs redeemed by rp-a")
}

// A client registered for an algorithm the provider does not offer is a
// configuration error.
func TestIDTokenAlgorithmConfig(t *testing.T) {
	for _, alg := range []string{"none", "HS256", "es256", "PS256", "ES384"} {
		_, err := New(Config{Issuer: "http://localhost:1", SMS: &otptest.Recorder{},
			Clients: []ClientConfig{{ID: "x", RedirectURIs: []string{"http://localhost:2/cb"}, IDTokenSigningAlg: alg}}})
		assert.ErrorIs(t, err, auth.ErrConfig, alg)
	}
}

// The login step refuses what does not come from the provider's page.
func TestLoginDoneRefusals(t *testing.T) {
	h := newHarness(t)
	post := func(body, origin string) int {
		req, err := http.NewRequest("POST", h.issuer+"/login/done", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	a := h.attempt(h.a)
	resp, err := noRedirect().Get(a.url)
	require.NoError(t, err)
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	id := loc.Query().Get("id")
	require.NotEmpty(t, id)
	assert.Equal(t, http.StatusForbidden, post(`{"id":"`+id+`"}`, "http://evil.example"), "foreign origin")
	assert.Equal(t, http.StatusForbidden, post(`{"id":"`+id+`"}`, h.issuer), "no session: nothing satisfies the request")
	assert.Equal(t, http.StatusBadRequest, post(`{"id":"nope"}`, h.issuer), "unknown request")
	assert.Equal(t, http.StatusBadRequest, post(`{`, h.issuer), "malformed body")
	resp, err = noRedirect().Get(h.issuer + "/authorize/callback?id=" + url.QueryEscape(id))
	require.NoError(t, err)
	resp.Body.Close()
	loc, _ = url.Parse(resp.Header.Get("Location"))
	assert.Empty(t, loc.Query().Get("code"), "no code for a request the login step did not complete")
}
