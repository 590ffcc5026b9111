package lifecyclehttp_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/lifecycle"
	"github.com/strongauth/strongauth/otp"
)

// FuzzCredentials posts arbitrary bodies to the life-cycle endpoints of a
// signed-in account with a fresh step-up: every answer is a success or a
// JSON error with a client code and message, never a 5xx, and none echoes
// the body.
func FuzzCredentials(f *testing.F) {
	e := newCredEnv(f)
	e.stepUp("alice", "manage", time.Minute)
	f.Add("/credentials/remove", `{"kind":"passkey","id":"Y3JlZC0wMDAx"}`)
	f.Add("/credentials/rename", `{"kind":"qr-device","id":"x","name":"\u0000"}`)
	f.Add("/phone", `{"phone":"+7 701 555 01 23"}`)
	f.Add("/recover", `{"lost":[{"kind":"passkey","id":""}]}`)
	f.Add("/report", `{"token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`)
	f.Add("/credentials", `[]`)
	f.Add("/phone", `{"code":"`) // every error answer contains it
	f.Fuzz(func(t *testing.T, path, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t#?%") {
			return
		}
		r, err := http.NewRequest("POST", "http://localhost"+path, strings.NewReader(body))
		if err != nil {
			return
		}
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Origin", e.srv.URL)
		r.Header.Set("X-Test-Subject", "alice")
		w := httptest.NewRecorder()
		e.account.ServeHTTP(w, r)
		switch {
		case w.Code == http.StatusOK || w.Code == http.StatusNoContent:
			return
		case w.Code >= 500 && w.Code != http.StatusNotImplemented:
			t.Fatalf("status %d for %s %q: %s", w.Code, path, body, w.Body.String())
		}
		var m map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
			t.Fatalf("%d answer is not JSON: %q", w.Code, w.Body.String())
		}
		code, _ := m["code"].(string)
		msg, _ := m["message"].(string)
		if code == "" || msg == "" || code == "internal" {
			t.Fatalf("error answer %d without a client code and message: %v", w.Code, m)
		}
		// The answer is a function of its code (and, for a step-up, of the
		// configured action) alone: nothing of the request can be echoed.
		// (Asserting only that the body is not a substring fails on a body
		// such as `{"code":"`, which every error answer contains.)
		want := lifecycle.Message(code, otp.Lang(""))
		if want == "" {
			want = auth.MessageForCode(code, "")
		}
		if msg != want {
			t.Fatalf("error answer %d is not the fixed answer of its code %q: %q", w.Code, code, w.Body.String())
		}
		for k := range m {
			switch k {
			case "code", "message":
			case "action", "alternatives":
				if code != "step_up_required" {
					t.Fatalf("%q in a %q answer: %q", k, code, w.Body.String())
				}
			default:
				t.Fatalf("unexpected key %q in the answer %q", k, w.Body.String())
			}
		}
		if a, ok := m["action"]; ok && a != "manage" && a != "recover" {
			t.Fatalf("step-up for action %v, not a configured one: %q", a, w.Body.String())
		}
	})
}
