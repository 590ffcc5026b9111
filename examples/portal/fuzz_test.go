package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzHostAPI sends hostile bodies to the portal's own JSON endpoints with
// a signed-in session: nothing may panic, every error is a JSON
// {code, message}, and nothing is accepted that is not a request of the
// expected shape.
func FuzzHostAPI(f *testing.F) {
	h := newHarness(f, nil)
	c := h.client()
	c.loginECPSMS(askar)
	session := c.cookie("portal")
	binding := c.cookie("strongauth")
	f.Add("/api/sign", `{"document":"no-criminal-record"}`)
	f.Add("/api/passkeys/finish", `{"id":"00","credential":{"id":"x","response":{}}}`)
	f.Add("/api/passkeys/begin", `{}`)
	f.Add("/api/phones/token", `[]`)
	f.Add("/api/logout", `null`)
	f.Fuzz(func(t *testing.T, path, body string) {
		switch path {
		case "/api/sign", "/api/passkeys/begin", "/api/passkeys/finish", "/api/phones/token":
		default:
			return // logout would end the session the other cases need
		}
		r := httptest.NewRequest("POST", h.origin+path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Origin", h.origin)
		r.AddCookie(&http.Cookie{Name: "portal", Value: session})
		r.AddCookie(&http.Cookie{Name: "strongauth", Value: binding})
		w := httptest.NewRecorder()
		h.p.ServeHTTP(w, r)
		if w.Code >= 400 {
			var m map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil || m["code"] == "" || m["message"] == "" {
				t.Fatalf("%s: error %d without {code, message}: %q", path, w.Code, w.Body.String())
			}
			return
		}
		if path == "/api/passkeys/finish" {
			t.Fatalf("a fuzzed credential was accepted: %q", body)
		}
	})
}
