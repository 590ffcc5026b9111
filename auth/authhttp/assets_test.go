package authhttp_test

import (
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth/authhttp"
)

// TestClientAssets: client.js and client.css are served with their
// content types, nosniff, and a strong ETag that a revalidation answers
// with 304 and no body; the two files have different tags.
func TestClientAssets(t *testing.T) {
	e := newEnv(t, nil)
	get := func(path string, hdr map[string]string, method string) (*http.Response, []byte) {
		req, err := http.NewRequest(method, e.srv.URL+"/auth"+path, nil)
		require.NoError(t, err)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, b
	}
	tags := map[string]string{}
	for _, c := range []struct {
		path, ctype string
		body        []byte
	}{
		{"/client.js", "text/javascript; charset=utf-8", authhttp.ClientJS()},
		{"/client.css", "text/css; charset=utf-8", authhttp.ClientCSS()},
	} {
		resp, body := get(c.path, nil, "GET")
		require.Equal(t, http.StatusOK, resp.StatusCode, c.path)
		assert.Equal(t, c.ctype, resp.Header.Get("Content-Type"))
		assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
		assert.Equal(t, "no-cache", resp.Header.Get("Cache-Control"), "kept, and revalidated")
		assert.Equal(t, c.body, body)
		tag := resp.Header.Get("ETag")
		require.Regexp(t, `^"[A-Za-z0-9_-]{22}"$`, tag)
		tags[c.path] = tag

		resp, body = get(c.path, map[string]string{"If-None-Match": tag}, "GET")
		assert.Equal(t, http.StatusNotModified, resp.StatusCode, c.path)
		assert.Empty(t, body)
		resp, body = get(c.path, map[string]string{"If-None-Match": `"stale"`}, "GET")
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, c.body, body)
		resp, body = get(c.path, nil, "HEAD")
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Empty(t, body)
		assert.Equal(t, tag, resp.Header.Get("ETag"))
	}
	assert.NotEqual(t, tags["/client.js"], tags["/client.css"])
	r := e.browser(t).do("POST", "/client.css", "text/css", "x", nil)
	assert.Equal(t, http.StatusNotFound, r.status)
}

// TestClientClassesStyled: every sa-* class client.js renders is styled
// by client.css, every class client.css styles is rendered by client.js,
// and the README's JavaScript API section documents each of them and each
// custom property — one vocabulary, three places.
func TestClientClassesStyled(t *testing.T) {
	js, css := string(authhttp.ClientJS()), string(authhttp.ClientCSS())
	used := map[string]bool{}
	for _, m := range regexp.MustCompile(`class: "([^"]+)"`).FindAllStringSubmatch(js, -1) {
		for _, c := range strings.Fields(m[1]) {
			used[c] = true
		}
	}
	styled := map[string]bool{}
	for _, m := range regexp.MustCompile(`\.(sa-[a-z-]+)`).FindAllStringSubmatch(css, -1) {
		styled[m[1]] = true
	}
	require.NotEmpty(t, used)
	for c := range used {
		assert.True(t, strings.HasPrefix(c, "sa-"), "client.js renders a class outside sa-*: %s", c)
		assert.True(t, styled[c], "client.css does not style .%s", c)
	}
	for c := range styled {
		assert.True(t, used[c], "client.css styles .%s, which client.js never renders", c)
	}
	props := map[string]bool{}
	for _, m := range regexp.MustCompile(`var\((--sa-[a-z-]+)`).FindAllStringSubmatch(css, -1) {
		props[m[1]] = true
	}
	require.Contains(t, props, "--sa-primary")
	require.Contains(t, props, "--sa-primary-dark")

	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	i := strings.Index(string(readme), "## JavaScript API (client.js)")
	require.GreaterOrEqual(t, i, 0, "the README has the JavaScript API section")
	section := string(readme[i:])
	if j := strings.Index(section[3:], "\n## "); j >= 0 {
		section = section[:j+3]
	}
	for _, names := range []map[string]bool{styled, props} {
		keys := make([]string, 0, len(names))
		for k := range names {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if strings.HasPrefix(k, "--") && strings.HasSuffix(k, "-dark") {
				continue // documented with its light twin ("--sa-fg, --sa-fg-dark")
			}
			assert.Contains(t, section, "`"+strings.TrimPrefix(k, ".")+"`", "README does not document %s", k)
		}
	}
	for _, name := range []string{"Flow", "NCALayer", "webauthnGet", "webauthnCreate", "passkeyAutofill", "smsCodeForm",
		"showQR", "confirmSigner", "mountFlow", "AuthError", "postJSON", "pickLang", "LABELS"} {
		assert.Regexp(t, `export (async )?(function|class|const) `+name+`\b`, js)
		assert.Contains(t, section, name, "README does not document %s", name)
	}
}

// TestStartLanguage: the page's language travels with the flow (the flow
// view says it back); anything but kk, ru, en or nothing is refused.
func TestStartLanguage(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser(t)
	r := b.post("/flows", `{"action":"login","lang":"kk"}`)
	require.Equal(t, http.StatusCreated, r.status, r.body)
	assert.Equal(t, "kk", r.body["lang"])
	id := r.body["flow"].(string)
	r = b.do("GET", "/flows/"+id+"/decision", "", "", nil)
	assert.Equal(t, "kk", r.body["lang"])

	r = b.post("/flows", `{"action":"login"}`)
	require.Equal(t, http.StatusCreated, r.status)
	assert.NotContains(t, r.body, "lang")
	for _, bad := range []string{`"de"`, `"KK"`, `"ru-RU"`, `7`, `"` + strings.Repeat("k", 5000) + `"`} {
		r = b.post("/flows", `{"action":"login","lang":`+bad+`}`)
		assert.Equal(t, http.StatusBadRequest, r.status, bad)
		assert.Equal(t, "invalid_input", r.body["code"], bad)
	}
}
