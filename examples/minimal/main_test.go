package main

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/store/memory"
)

func TestMinimalLogin(t *testing.T) {
	st := memory.New(memory.Config{})
	defer st.Close()
	rule, _ := auth.ParseRule("(ecp & sms) | webauthn")
	eng, err := auth.New(auth.Config{Store: st,
		Factors:  []auth.Factor{authtest.Strong(auth.KindECP), authtest.Weak(auth.KindSMS), authtest.Strong(auth.KindWebAuthn)},
		Policies: []auth.Policy{{Action: "login", Rule: rule}}})
	require.NoError(t, err)
	srv := httptest.NewServer(handler(eng))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	post := func(path, body string) (int, map[string]any) {
		resp, err := c.Post(srv.URL+path, "application/json", strings.NewReader(body))
		require.NoError(t, err)
		defer resp.Body.Close()
		var m map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
		return resp.StatusCode, m
	}
	_, m := post("/login/start", "")
	flow := m["flow"].(string)

	code, m := post("/login/"+flow+"/begin/sms", "")
	assert.Equal(t, http.StatusForbidden, code)
	assert.Equal(t, "factor_not_allowed", m["code"], "SMS first is refused")

	code, _ = post("/login/"+flow+"/begin/ecp", "")
	require.Equal(t, http.StatusOK, code)
	code, m = post("/login/"+flow+"/finish/ecp", `{"subject":"alice","ok":true}`)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, false, m["allowed"])

	code, _ = post("/login/"+flow+"/begin/sms", "")
	require.Equal(t, http.StatusOK, code)
	code, m = post("/login/"+flow+"/finish/sms", `{"ok":true}`)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, true, m["allowed"])
	assert.Equal(t, "alice", m["result"].(map[string]any)["subject"])

	// Another browser (no cookie) cannot use the flow.
	resp, err := http.Post(srv.URL+"/login/"+flow+"/begin/webauthn", "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
}
