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

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/oauth2"

	"github.com/strongauth/strongauth/auth/authoidc"
)

// issueCode makes a completed authorization request of rp-a with the given
// PKCE verifier and claims, and a code for it, as the login step and op's
// callback would.
func (h *harness) issueCode(t testing.TB, verifier string) string {
	t.Helper()
	ctx := withPlan(context.Background(), planned{plan: authoidc.Plan{Level: authoidc.Level{ACR: ACRStrong, Action: actionLogin}}})
	req := &oidc.AuthRequest{Scopes: []string{"openid", "offline_access"}, ResponseType: oidc.ResponseTypeCode, ClientID: clientA,
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
	assert.Equal(t, []any{"ES256"}, d["id_token_signing_alg_values_supported"])
	assert.NotContains(t, d["grant_types_supported"], "password")
	keys := get(d["jwks_uri"].(string))["keys"].([]any)
	require.Len(t, keys, 1)
	k := keys[0].(map[string]any)
	assert.Equal(t, "EC", k["kty"])
	assert.Equal(t, "ES256", k["alg"])
	assert.NotContains(t, k, "d", "no private key in the JWKS")
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
