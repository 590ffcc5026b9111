package authhttp_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authhttp"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/store/memory"
)

// FuzzHandler sends hostile requests — any method, path, content type and
// body, with a real binding and CSRF token — to the handler. Whatever comes
// in, it must not panic, must answer with a known status and, for an error,
// a JSON {code, message} that never echoes the body; a success must be
// JSON too.
func FuzzHandler(f *testing.F) {
	st := memory.New(memory.Config{})
	f.Cleanup(func() { st.Close() })
	login, _ := auth.ParseRule("(ecp & sms) | webauthn")
	eng, err := auth.New(auth.Config{Store: st,
		Factors:  []auth.Factor{authtest.Strong(auth.KindECP), authtest.Weak(auth.KindSMS), authtest.Strong(auth.KindWebAuthn)},
		Policies: []auth.Policy{{Action: "login", Rule: login}}})
	if err != nil {
		f.Fatal(err)
	}
	h, err := authhttp.New(authhttp.Config{Engine: eng, Store: st, Origins: []string{"http://localhost"},
		Log: slog.New(slog.DiscardHandler), StartsPerIP: 1 << 40, BeginsPerIP: 1 << 40, MaxBody: 4096,
		OnResult: func(http.ResponseWriter, *http.Request, *auth.Result) error { return nil }})
	if err != nil {
		f.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, post("/flows", `{"action":"login"}`, "", ""))
	cookie := w.Result().Cookies()[0].Value
	flow := between(w.Body.String(), `"flow":"`, `"`)
	csrf := between(w.Body.String(), `"csrf":"`, `"`)

	f.Add("POST", "/flows/FLOW/begin/webauthn", "application/json", "")
	f.Add("POST", "/flows/FLOW/finish/webauthn", "application/json", `{"subject":"alice","ok":true}`)
	f.Add("POST", "/flows/FLOW/finish/ecp", "application/json; charset=utf-8", `{"ok":`)
	f.Add("POST", "/flows", "application/json", `{"action":"login"}`)
	f.Add("POST", "/flows", "text/plain", `{"action":"login"}`)
	f.Add("POST", "/flows", "application/json", `{"action":"login","lang":"kk"}`)
	f.Add("POST", "/flows", "application/json", `{"action":"login","lang":"kk\u0000"}`)
	f.Add("GET", "/client.css", "", "")
	f.Add("GET", "/flows/FLOW/status?wait=0&since=99", "", "")
	f.Add("GET", "/flows/FLOW/decision", "", "")
	f.Add("POST", "/flows/FLOW/begin/../../x", "application/json", "[]")
	f.Add("POST", "/flows/FLOW/finish/sms", "application/json", `{"code":"123456"} trailing`)
	f.Add("POST", "/flows/FLOW/finish/sms", "application/json", `{"code":"`) // every error answer contains it
	f.Fuzz(func(t *testing.T, method, path, ctype, body string) {
		path = strings.ReplaceAll(path, "FLOW", flow)
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t#") || !validMethod(method) {
			return
		}
		r, err := http.NewRequest(method, "http://localhost"+path, strings.NewReader(body))
		if err != nil {
			return
		}
		r.Header.Set("Content-Type", ctype)
		r.Header.Set("Origin", "http://localhost")
		r.AddCookie(&http.Cookie{Name: "strongauth", Value: cookie})
		r.Header.Set(authhttp.CSRFHeader, csrf)
		// A long poll may wait for a change that never comes.
		ctx, cancel := context.WithTimeout(r.Context(), 100*time.Millisecond)
		defer cancel()
		r = r.WithContext(ctx)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if ctx.Err() != nil && w.Body.Len() == 0 {
			return
		}
		var m map[string]any
		if w.Code >= 400 {
			if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
				t.Fatalf("%d answer is not JSON: %q", w.Code, w.Body.String())
			}
			code, _ := m["code"].(string)
			msg, _ := m["message"].(string)
			if code == "" || msg == "" || code == "internal" {
				t.Fatalf("error answer %d without a client code and message: %v", w.Code, m)
			}
			// The answer is a function of its code alone: nothing of the
			// request can be echoed. (Asserting only that the body is not a
			// substring fails on a body such as `{"code":"`, which every
			// error answer contains.)
			if len(m) != 2 || msg != auth.MessageForCode(code, "") {
				t.Fatalf("error answer %d is not the fixed answer of its code %q: %q", w.Code, code, w.Body.String())
			}
			return
		}
		switch w.Code {
		case http.StatusOK, http.StatusCreated:
		default:
			t.Fatalf("unexpected status %d", w.Code)
		}
		if strings.HasSuffix(r.URL.Path, "/client.js") || strings.HasSuffix(r.URL.Path, "/client.css") {
			return
		}
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
			t.Fatalf("%d answer is not JSON: %q", w.Code, w.Body.String())
		}
	})
}

func validMethod(m string) bool {
	switch m {
	case "GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS":
		return true
	}
	return false
}
