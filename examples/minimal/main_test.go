package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth/authhttp"
	"github.com/strongauth/strongauth/store/memory"
)

type browser struct {
	t      *testing.T
	srv    *httptest.Server
	c      *http.Client
	flow   string
	csrf   string
	origin string
}

func (b *browser) post(path, body string) (int, map[string]any) {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", b.origin)
	req.Header.Set(authhttp.CSRFHeader, b.csrf)
	resp, err := b.c.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	var m map[string]any
	require.NoError(b.t, json.NewDecoder(resp.Body).Decode(&m))
	return resp.StatusCode, m
}

func (b *browser) me() (int, string) {
	resp, err := b.c.Get(b.srv.URL + "/me")
	require.NoError(b.t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestMinimalLogin(t *testing.T) {
	st := memory.New(memory.Config{})
	defer st.Close()
	srv := httptest.NewUnstartedServer(nil)
	h, err := handler(st, "http://"+srv.Listener.Addr().String())
	require.NoError(t, err)
	srv.Config.Handler = h
	srv.Start()
	defer srv.Close()
	newBrowser := func() *browser {
		jar, _ := cookiejar.New(nil)
		return &browser{t: t, srv: srv, c: &http.Client{Jar: jar}, origin: srv.URL}
	}
	b := newBrowser()
	code, m := b.post("/auth/flows", `{"action":"login"}`)
	require.Equal(t, http.StatusCreated, code)
	assert.Equal(t, []any{"ecp", "webauthn"}, m["offer"], "sms is not offered first")
	b.flow, b.csrf = m["flow"].(string), m["csrf"].(string)
	base := "/auth/flows/" + b.flow

	code, m = b.post(base+"/begin/sms", "")
	assert.Equal(t, http.StatusForbidden, code)
	assert.Equal(t, "factor_not_allowed", m["code"], "SMS first is refused")

	code, _ = b.post(base+"/begin/ecp", "")
	require.Equal(t, http.StatusOK, code)
	code, m = b.post(base+"/finish/ecp", `{"subject":"alice","ok":true}`)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, false, m["allowed"])
	code, _ = b.me()
	assert.Equal(t, http.StatusUnauthorized, code, "not signed in after ECP alone")

	// Another browser, even with the flow's ID and CSRF token, cannot go on.
	o := newBrowser()
	o.csrf = b.csrf
	code, m = o.post(base+"/begin/sms", "")
	assert.Equal(t, http.StatusForbidden, code)
	assert.Equal(t, "binding_missing", m["code"])
	// Nor can a page of another site in the same browser.
	b.origin = "https://evil.example"
	code, m = b.post(base+"/begin/sms", "")
	assert.Equal(t, "origin", m["code"])
	b.origin = srv.URL

	code, _ = b.post(base+"/begin/sms", "")
	require.Equal(t, http.StatusOK, code)
	code, m = b.post(base+"/finish/sms", `{"ok":true}`)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, true, m["allowed"])
	assert.Equal(t, "alice", m["subject"])
	code, body := b.me()
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "signed in as alice\n", body)
	code, _ = o.me()
	assert.Equal(t, http.StatusUnauthorized, code)
}
