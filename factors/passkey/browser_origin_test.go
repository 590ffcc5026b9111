package passkey_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"testing"

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
// frame's crossOrigin and topOrigin itself. (Subdomains cannot be tried
// here: Chromium refuses the RP ID "localhost" on app.localhost itself;
// TestOrigins covers them.)
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
