package passkey_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math/big"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/internal/browsertest"
)

// topPage frames the test page of another origin, with the permissions a
// page must grant a frame for WebAuthn, and runs its functions by message.
const topPage = `<!doctype html><meta charset="utf-8"><title>top</title>
<iframe id="f" src="%s" allow="publickey-credentials-get *; publickey-credentials-create *"></iframe>
<script>
function framed(fn) {
  return new Promise((resolve) => {
    addEventListener("message", (ev) => resolve(ev.data), {once: true});
    document.getElementById("f").contentWindow.postMessage(fn, "*");
  });
}
</script>`

// TestBrowserOrigins: in Chromium, a ceremony in a cross-origin frame under
// a page that is not in TopOrigins, or on a page of an origin not listed,
// reaches Finish and is refused there (ErrOrigin, client code "origin");
// under a listed top page the framed login passes. Chromium reports the
// frame's crossOrigin and topOrigin itself. (Subdomains need a real
// domain: TestBrowserRelatedOrigins.)
func TestBrowserOrigins(t *testing.T) {
	b := browsertest.Start(t, browsertest.Options{})
	l1, port1 := listen(t)
	l2, port2 := listen(t)
	home := fmt.Sprintf("http://localhost:%d", port1)
	top := fmt.Sprintf("http://localhost:%d", port2)
	e := newEnv(t, func(c *passkey.Config) {
		c.RPID = "localhost"
		c.Origins = []string{home}
		c.Attachment = passkey.AttachmentPlatform
	})
	s := &site{e: e}
	mux := http.NewServeMux()
	mux.Handle("/", s)
	mux.HandleFunc("/top", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, fmt.Sprintf(topPage, html.EscapeString(r.URL.Query().Get("src"))))
	})
	serveOn(t, mux, l1, l2)
	enrolAlice(t, b, s, home)

	framed := func(t *testing.T) report {
		t.Helper()
		out, err := b.Eval(`framed("login")`)
		require.NoError(t, err)
		var r report
		require.NoError(t, json.Unmarshal([]byte(out), &r), out)
		return r
	}

	t.Run("cross-origin frame, no top origins", func(t *testing.T) {
		require.NoError(t, b.Navigate(top+"/top?src="+home+"/"))
		s.newLogin(t, "")
		r := framed(t)
		assert.Equal(t, "finish", r.Stage, "%+v", r)
		assert.Equal(t, http.StatusForbidden, r.Status)
		assert.Equal(t, "origin", r.Body["code"])
		require.ErrorIs(t, s.lastErr(), passkey.ErrOrigin)
	})

	// The same site, now letting its portal page frame the login.
	pk, err := passkey.New(passkey.Config{RPID: "localhost", Origins: []string{home}, TopOrigins: []string{top},
		Store: e.store, Credentials: e.creds, Now: e.clock.Now})
	require.NoError(t, err)
	s.mu.Lock()
	e.pk, e.eng = pk, newEngine(t, e, pk)
	s.mu.Unlock()

	t.Run("cross-origin frame under a listed top origin", func(t *testing.T) {
		require.NoError(t, b.Navigate(top+"/top?src="+home+"/"))
		s.newLogin(t, "")
		r := framed(t)
		require.Equal(t, http.StatusOK, r.Status, "%+v %v", r, s.lastErr())
		assert.Equal(t, alice, r.Body["subject"])
		var cd struct {
			CrossOrigin bool   `json:"crossOrigin"`
			TopOrigin   string `json:"topOrigin"`
		}
		clientData(t, r.Response, &cd)
		assert.True(t, cd.CrossOrigin)
		assert.Equal(t, top, cd.TopOrigin)
	})

	t.Run("cross-origin frame under another page", func(t *testing.T) {
		require.NoError(t, b.Navigate(fmt.Sprintf("http://app.localhost:%d/top?src=%s/", port2, home)))
		s.newLogin(t, "")
		r := framed(t)
		assert.Equal(t, http.StatusForbidden, r.Status, "%+v", r)
		require.ErrorIs(t, s.lastErr(), passkey.ErrOrigin)
	})

	t.Run("top page itself, not an origin", func(t *testing.T) {
		require.NoError(t, b.Navigate(top))
		s.newLogin(t, "")
		r := run(t, b, "login")
		assert.Equal(t, http.StatusForbidden, r.Status, "%+v", r)
		require.ErrorIs(t, s.lastErr(), passkey.ErrOrigin)
	})
}

// serveOn serves h on the listeners until the test ends.
func serveOn(t *testing.T, h http.Handler, ls ...net.Listener) {
	for _, l := range ls {
		srv := &http.Server{Handler: h}
		go func() { _ = srv.Serve(l) }()
		t.Cleanup(func() { _ = srv.Close() })
	}
}

// enrolAlice opens the site's page at home in the browser, adds a platform
// authenticator and enrols alice's passkey on it after an ECP login.
func enrolAlice(t *testing.T, b *browsertest.Browser, s *site, home string) report {
	t.Helper()
	require.NoError(t, b.Navigate(home))
	_, err := b.AddAuthenticator(browsertest.Authenticator{})
	require.NoError(t, err)
	s.setEnrolment(passkey.RegistrationRequest{Result: s.e.ecpResult(alice)})
	r := run(t, b, "register")
	require.Equal(t, http.StatusOK, r.Status, "%+v %v", r, s.lastErr())
	return r
}

// clientData decodes the clientDataJSON of a credential's JSON.
func clientData(t *testing.T, credJSON string, v any) {
	t.Helper()
	var m struct {
		Response struct {
			ClientDataJSON string `json:"clientDataJSON"`
		} `json:"response"`
	}
	require.NoError(t, json.Unmarshal([]byte(credJSON), &m))
	raw, err := base64.RawURLEncoding.DecodeString(m.Response.ClientDataJSON)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, v))
}

// TestBrowserRelatedOrigins: one RP ID (example.test) over HTTPS with real
// domain names — Chromium resolves them to the test server and trusts its
// certificate by key (--host-resolver-rules,
// --ignore-certificate-errors-spki-list). The listed origin logs in; an
// unlisted subdomain and the bare apex get a signature from the browser
// (the RP ID is their suffix) and are refused by Finish (ErrOrigin); a
// related origin of another domain (shop.example.com), listed in
// RelatedOrigins and in the /.well-known/webauthn document the factor
// serves, logs in; another domain not listed is refused by the browser
// after reading that document.
func TestBrowserRelatedOrigins(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "example.test"},
		DNSNames:  []string{"example.test", "*.example.test", "*.example.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	spki := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	l, port := listen(t)
	at := func(host string) string { return fmt.Sprintf("https://%s:%d", host, port) }
	b := browsertest.Start(t, browsertest.Options{Flags: map[string]string{
		// The well-known document is fetched from https://example.test
		// (port 443): mapped to the test server's port.
		"host-resolver-rules": fmt.Sprintf("MAP example.test:443 127.0.0.1:%d, MAP example.test 127.0.0.1, "+
			"MAP *.example.test 127.0.0.1, MAP *.example.com 127.0.0.1", port),
		"ignore-certificate-errors-spki-list": base64.StdEncoding.EncodeToString(spki[:]),
	}})

	e := newEnv(t, func(c *passkey.Config) {
		c.RPID = "example.test"
		c.Origins = []string{at("login.example.test")}
		c.RelatedOrigins = []string{at("shop.example.com")}
		c.Attachment = passkey.AttachmentPlatform
	})
	s := &site{e: e}
	mux := http.NewServeMux()
	mux.Handle("/", s)
	mux.Handle("/.well-known/webauthn", e.pk.RelatedOriginsHandler())
	srv := &http.Server{Handler: mux, TLSConfig: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}}
	go func() { _ = srv.ServeTLS(l, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })
	enrolAlice(t, b, s, at("login.example.test"))

	login := func(t *testing.T, origin string) report {
		t.Helper()
		require.NoError(t, b.Navigate(origin))
		s.newLogin(t, "")
		return run(t, b, "login")
	}
	t.Run("listed origin", func(t *testing.T) {
		r := login(t, at("login.example.test"))
		require.Equal(t, http.StatusOK, r.Status, "%+v %v", r, s.lastErr())
		assert.Equal(t, alice, r.Body["subject"])
	})
	for _, host := range []string{"evil.example.test", "example.test", "x.login.example.test"} {
		t.Run("unlisted "+host, func(t *testing.T) {
			r := login(t, at(host))
			assert.Equal(t, "finish", r.Stage, "the browser signs for an RP ID that is the origin's suffix: %+v", r)
			assert.Equal(t, http.StatusForbidden, r.Status)
			assert.Equal(t, "origin", r.Body["code"])
			require.ErrorIs(t, s.lastErr(), passkey.ErrOrigin)
		})
	}
	t.Run("related origin", func(t *testing.T) {
		r := login(t, at("shop.example.com"))
		require.Equal(t, http.StatusOK, r.Status, "%+v %v", r, s.lastErr())
		assert.Equal(t, alice, r.Body["subject"])
	})
	t.Run("unrelated domain", func(t *testing.T) {
		r := login(t, at("evil.example.com"))
		assert.Equal(t, "browser", r.Stage, "not in the well-known document: %+v", r)
		assert.Equal(t, "SecurityError", r.Error)
	})
}
