package authhttp_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authhttp"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/store/memory"
)

// BenchmarkFlow compares a complete one-factor flow (start, begin, finish)
// through the HTTP handler (in process, no network) with the same calls made
// directly on the engine. With the fake factor the ratio shows the HTTP
// layer's whole cost; with real factors their cryptography dominates.
func BenchmarkFlow(b *testing.B) {
	st, eng := benchEngine(b)
	ctx := context.Background()
	b.Run("engine", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			secret, _ := eng.NewBinding()
			f, err := eng.Start(ctx, auth.StartRequest{Action: "login", Binding: secret})
			if err != nil {
				b.Fatal(err)
			}
			req := auth.StepRequest{FlowID: f.ID, Binding: secret, Kind: auth.KindWebAuthn}
			if _, err := eng.Begin(ctx, req); err != nil {
				b.Fatal(err)
			}
			req.Input = authtest.OK("alice")
			if out, err := eng.Finish(ctx, req); err != nil || out.Result == nil {
				b.Fatal(err)
			}
		}
	})
	h, err := authhttp.New(authhttp.Config{Engine: eng, Store: st, Origins: []string{"http://localhost"},
		Log: slog.New(slog.DiscardHandler), StartsPerIP: 1 << 40, BeginsPerIP: 1 << 40,
		OnResult: func(http.ResponseWriter, *http.Request, *auth.Result) error { return nil }})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("http", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, post("/flows", `{"action":"login"}`, "", ""))
			if w.Code != http.StatusCreated {
				b.Fatal(w.Body.String())
			}
			cookie := w.Result().Cookies()[0].Value
			body := w.Body.String()
			flow := between(body, `"flow":"`, `"`)
			csrf := between(body, `"csrf":"`, `"`)
			w = httptest.NewRecorder()
			h.ServeHTTP(w, post("/flows/"+flow+"/begin/webauthn", "", cookie, csrf))
			if w.Code != http.StatusOK {
				b.Fatal(w.Body.String())
			}
			w = httptest.NewRecorder()
			h.ServeHTTP(w, post("/flows/"+flow+"/finish/webauthn", `{"subject":"alice","ok":true}`, cookie, csrf))
			if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"allowed":true`) {
				b.Fatal(w.Body.String())
			}
		}
	})
}

func post(path, body, cookie, csrf string) *http.Request {
	r := httptest.NewRequest("POST", "http://localhost"+path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Origin", "http://localhost")
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: "strongauth", Value: cookie})
		r.Header.Set(authhttp.CSRFHeader, csrf)
	}
	return r
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	return s[:strings.Index(s, b)]
}

// BenchmarkRefusal measures a forged request (a begin with a wrong CSRF
// token), the path a flood of them takes.
func BenchmarkRefusal(b *testing.B) {
	st, eng := benchEngine(b)
	h, err := authhttp.New(authhttp.Config{Engine: eng, Store: st, Origins: []string{"http://localhost"},
		Log: slog.New(slog.DiscardHandler), OnResult: func(http.ResponseWriter, *http.Request, *auth.Result) error { return nil }})
	if err != nil {
		b.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, post("/flows", `{"action":"login"}`, "", ""))
	cookie := w.Result().Cookies()[0].Value
	flow := between(w.Body.String(), `"flow":"`, `"`)
	r := post("/flows/"+flow+"/begin/webauthn", "", cookie, strings.Repeat("A", 43))
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusForbidden {
			b.Fatal(w.Body.String())
		}
	}
}

// benchEngine is an engine on a memory store with one fake strong factor
// (webauthn) and a login policy of it alone.
func benchEngine(b *testing.B) (*memory.Store, *auth.Engine) {
	st := memory.New(memory.Config{})
	b.Cleanup(func() { st.Close() })
	eng, err := auth.New(auth.Config{Store: st, Factors: []auth.Factor{authtest.Strong(auth.KindWebAuthn)},
		Policies: []auth.Policy{{Action: "login", Rule: auth.KindWebAuthn}}})
	if err != nil {
		b.Fatal(err)
	}
	return st, eng
}
