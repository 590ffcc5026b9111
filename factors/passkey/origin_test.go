package passkey_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/descope/virtualwebauthn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/passkey"
)

// signedWith answers login options like d.assert, with client data
// rewritten by fn and signed again, as a browser in that situation (a
// frame, another origin) would sign it: the origin checks, not the
// signature, must be what refuses.
func (d *device) signedWith(t testing.TB, rp virtualwebauthn.RelyingParty, options json.RawMessage, fn func(c map[string]any)) json.RawMessage {
	t.Helper()
	raw := d.assert(t, rp, options)
	return edit(t, raw, func(m map[string]any) {
		r := response(m)
		cd := rewriteClientData(t, r, fn)
		ad, err := base64.RawURLEncoding.DecodeString(r["authenticatorData"].(string))
		require.NoError(t, err)
		h := sha256.Sum256(cd)
		digest := sha256.Sum256(append(ad, h[:]...))
		sig, err := d.cred.Key.Sign(digest[:])
		require.NoError(t, err)
		r["signature"] = base64.RawURLEncoding.EncodeToString(sig)
	})
}

// TestOrigins: one RP ID over several exact origins, related origins of
// other domains, and cross-origin frames only under listed top pages. Each
// refusal is ErrOrigin with the client code "origin" and adds no evidence;
// each acceptance is a genuine, re-signed assertion.
func TestOrigins(t *testing.T) {
	const (
		apex    = "https://example.kz"
		login   = "https://login.example.kz"
		mobile  = "https://m.example.kz:8443"
		related = "https://example.com"
		portal  = "https://portal.example.kz"
	)
	e := newEnv(t, func(c *passkey.Config) {
		c.Origins = []string{apex, login, mobile}
		c.RelatedOrigins = []string{related}
		c.TopOrigins = []string{portal}
	})
	d, _ := e.enrol(alice, virtualwebauthn.AuthenticatorOptions{})
	try := func(origin string, client func(c map[string]any)) (*auth.Outcome, error) {
		d.cred.Counter++
		flow, opts := e.loginFlow("")
		rp := e.rp
		rp.Origin = origin
		return e.finish(flow, d.signedWith(t, rp, opts, func(c map[string]any) {
			if client != nil {
				client(c)
			}
		}))
	}
	frame := func(top string) func(c map[string]any) {
		return func(c map[string]any) { c["crossOrigin"] = true; c["topOrigin"] = top }
	}

	for _, ok := range []struct {
		name, origin string
		client       func(c map[string]any)
	}{
		{"apex", apex, nil},
		{"listed subdomain", login, nil},
		{"listed port", mobile, nil},
		{"related origin of another domain", related, nil},
		{"frame under a listed top origin", login, frame(portal)},
		{"same-origin frame (crossOrigin false)", login, func(c map[string]any) { c["crossOrigin"] = false }},
	} {
		t.Run("accepted/"+ok.name, func(t *testing.T) {
			out, err := try(ok.origin, ok.client)
			require.NoError(t, err)
			assert.True(t, out.Decision.Allowed)
		})
	}

	for _, bad := range []struct {
		name, origin string
		client       func(c map[string]any)
	}{
		{"subdomain not listed", "https://evil.login.example.kz", nil},
		{"sibling subdomain not listed", "https://shop.example.kz", nil},
		{"listed host on another port", "https://login.example.kz:444", nil},
		{"listed port on another host", "https://example.kz:8443", nil},
		{"http for an https origin", "http://login.example.kz", nil},
		{"related domain not listed", "https://example.net", nil},
		{"subdomain of a related origin", "https://www.example.com", nil},
		{"look-alike suffix", "https://login.example.kz.evil.kz", nil},
		{"cross-origin frame under an unlisted page", login, frame("https://evil.kz")},
		{"cross-origin frame under a subdomain of a listed page", login, frame("https://x.portal.example.kz")},
		{"cross-origin frame that names no top origin", login, func(c map[string]any) { c["crossOrigin"] = true }},
		{"top origin without the cross-origin flag", login, func(c map[string]any) { c["topOrigin"] = portal }},
		{"cross-origin frame under its own origin's sibling", login, frame(apex)},
	} {
		t.Run("refused/"+bad.name, func(t *testing.T) {
			out, err := try(bad.origin, bad.client)
			require.ErrorIs(t, err, passkey.ErrOrigin)
			require.ErrorIs(t, err, auth.ErrVerification)
			assert.Equal(t, "origin", auth.Code(err))
			assert.Nil(t, out)
		})
	}

	t.Run("no top origins: every cross-origin frame refused", func(t *testing.T) {
		e := newEnv(t, func(c *passkey.Config) { c.Origins = []string{apex, login} })
		d, _ := e.enrol(alice, virtualwebauthn.AuthenticatorOptions{})
		d.cred.Counter++
		flow, opts := e.loginFlow("")
		rp := e.rp
		rp.Origin = login
		_, err := e.finish(flow, d.signedWith(t, rp, opts, frame(apex)))
		require.ErrorIs(t, err, passkey.ErrOrigin)
	})

	t.Run("registration in an unlisted frame", func(t *testing.T) {
		reg, err := e.pk.BeginRegistration(context.Background(), passkey.RegistrationRequest{Result: e.ecpResult(bob), Binding: binding})
		require.NoError(t, err)
		dev := newDevice(virtualwebauthn.AuthenticatorOptions{})
		resp := editClientData(t, dev.attest(t, e.rp, reg.Options), "crossOrigin", true)
		resp = editClientData(t, resp, "topOrigin", "https://evil.kz")
		_, err = e.pk.FinishRegistration(context.Background(), reg.ID, binding, resp)
		require.ErrorIs(t, err, passkey.ErrOrigin)
	})

	t.Run("well-known document", func(t *testing.T) {
		h := e.pk.RelatedOriginsHandler()
		require.NotNil(t, h)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/.well-known/webauthn", nil))
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Contains(t, rec.Header().Get("Content-Type"), "application/json")
		var doc struct {
			Origins []string `json:"origins"`
		}
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &doc))
		assert.Equal(t, []string{related}, doc.Origins)
		plain := newEnv(t)
		assert.Nil(t, plain.pk.RelatedOriginsHandler(), "nothing to serve without related origins")
	})
}

func TestOriginConfig(t *testing.T) {
	for name, mut := range map[string]func(c *passkey.Config){
		"origin outside the RP ID":             func(c *passkey.Config) { c.Origins = []string{"https://example.com"} },
		"origin with a path":                   func(c *passkey.Config) { c.Origins = []string{"https://login.example.kz/"} },
		"related origin inside the RP ID":      func(c *passkey.Config) { c.RelatedOrigins = []string{"https://shop.example.kz"} },
		"related origin over http":             func(c *passkey.Config) { c.RelatedOrigins = []string{"http://example.com"} },
		"related origin that is an IP address": func(c *passkey.Config) { c.RelatedOrigins = []string{"https://192.0.2.1"} },
		"related origins of six domains": func(c *passkey.Config) {
			c.RelatedOrigins = []string{"https://a.com", "https://b.com", "https://c.com", "https://d.com", "https://e.com", "https://f.com"}
		},
		"top origin not canonical": func(c *passkey.Config) { c.TopOrigins = []string{"https://Portal.example.kz"} },
		"top origin over http":     func(c *passkey.Config) { c.TopOrigins = []string{"http://portal.example.kz"} },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := passkey.Config{RPID: rpID, Origins: []string{origin}, Store: newEnv(t).store, Credentials: passkey.NewMemoryCredentials()}
			mut(&cfg)
			_, err := passkey.New(cfg)
			require.ErrorIs(t, err, passkey.ErrConfig)
			require.ErrorIs(t, err, auth.ErrConfig)
		})
	}
}
