package browsertest_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/internal/browsertest"
)

const page = `<!doctype html><title>bt</title><p id="p">hello</p>
<script>
async function mk(uv) {
  const cred = await navigator.credentials.create({publicKey: {
    rp: {id: "localhost", name: "bt"},
    user: {id: new Uint8Array([1,2,3]), name: "u", displayName: "U"},
    challenge: new Uint8Array(32),
    pubKeyCredParams: [{type: "public-key", alg: -7}],
    authenticatorSelection: {authenticatorAttachment: "platform", residentKey: "required", userVerification: uv},
  }});
  const flags = new Uint8Array(cred.response.getAuthenticatorData())[32];
  return JSON.stringify({id: cred.id, uv: (flags & 4) != 0, up: (flags & 1) != 0});
}
</script>`

// TestBrowser exercises the helper against a real Chromium: evaluation of
// plain and promise-valued expressions, JS exceptions as errors, a
// screenshot, and a virtual authenticator creating a credential with user
// verification (and without, once verification is made to fail).
func TestBrowser(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	}))
	defer srv.Close()
	url := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)

	b := browsertest.Start(t, browsertest.Options{})
	require.NoError(t, b.Navigate(url))

	got, err := b.Eval(`document.getElementById("p").textContent`)
	require.NoError(t, err)
	assert.Equal(t, "hello", got)

	got, err = b.Eval(`new Promise(r => setTimeout(() => r("later"), 5))`)
	require.NoError(t, err)
	assert.Equal(t, "later", got)

	_, err = b.Eval(`Promise.reject(new Error("boom"))`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "boom")

	png, err := b.Screenshot()
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(png, []byte("\x89PNG")), "screenshot is not a PNG")

	id, err := b.AddAuthenticator(browsertest.Authenticator{})
	require.NoError(t, err)
	got, err = b.Eval(`mk("required")`)
	require.NoError(t, err)
	assert.Contains(t, got, `"uv":true`)
	assert.Contains(t, got, `"up":true`)
	creds, err := b.Credentials(id)
	require.NoError(t, err)
	require.Len(t, creds, 1)
	assert.True(t, creds[0].IsResidentCredential)
	assert.Equal(t, "localhost", creds[0].RpID)

	// An authenticator whose user verification fails: Chromium refuses.
	require.NoError(t, b.SetUserVerified(id, false))
	_, err = b.Eval(`mk("required")`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "NotAllowedError")
	require.NoError(t, b.SetUserVerified(id, true))

	// An authenticator that lies: the response reaches the page without UV.
	require.NoError(t, b.SetOverrides(id, browsertest.Overrides{BadUV: true}))
	got, err = b.Eval(`mk("required")`)
	require.NoError(t, err)
	assert.Contains(t, got, `"uv":false`)
	require.NoError(t, b.SetOverrides(id, browsertest.Overrides{}))
	got, err = b.Eval(`mk("required")`)
	require.NoError(t, err)
	assert.Contains(t, got, `"uv":true`)

	require.NoError(t, b.RemoveAuthenticator(id))
	err = b.AddCredential(id, browsertest.Credential{})
	require.Error(t, err, "AddCredential without the required fields must fail")
}
