package authhttp_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authhttp"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/store/memory"
)

// A login flow over the handler: the start offers only strong factors,
// and an SMS before one is refused with a client-safe JSON error.
func Example() {
	st := memory.New(memory.Config{})
	defer st.Close()
	rule, _ := auth.ParseRule("(ecp & sms) | webauthn")
	eng, _ := auth.New(auth.Config{Store: st, // real factors: factors/ecp, factors/sms, factors/passkey
		Factors:  []auth.Factor{authtest.Strong(auth.KindECP), authtest.Weak(auth.KindSMS), authtest.Strong(auth.KindWebAuthn)},
		Policies: []auth.Policy{{Action: "login", Rule: rule}}})
	h, err := authhttp.New(authhttp.Config{Engine: eng, Store: st, Origins: []string{"https://portal.example.kz"},
		OnResult: func(w http.ResponseWriter, r *http.Request, res *auth.Result) error {
			return nil // create the host's own session from res here
		}})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/auth/", http.StripPrefix("/auth", h))

	send := func(path, body, cookie, csrf string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "https://portal.example.kz"+path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Origin", "https://portal.example.kz")
		r.Header.Set("Accept-Language", "ru")
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: "__Host-strongauth", Value: cookie})
			r.Header.Set(authhttp.CSRFHeader, csrf)
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w
	}
	w := send("/auth/flows", `{"action":"login"}`, "", "")
	cookie := w.Result().Cookies()[0]
	fmt.Println(w.Code, cookie.Name, cookie.HttpOnly, cookie.Secure, cookie.SameSite == http.SameSiteStrictMode)
	fmt.Println(between(w.Body.String(), `"offer":`, `,"alternatives"`))
	flow, csrf := between(w.Body.String(), `"flow":"`, `"`), between(w.Body.String(), `"csrf":"`, `"`)

	w = send("/auth/flows/"+flow+"/begin/sms", "", cookie.Value, csrf)
	fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
	// Output:
	// 201 __Host-strongauth true true true
	// ["ecp","webauthn"]
	// 403 {"code":"factor_not_allowed","message":"Сначала подтвердите вход через ЭЦП, биометрию или QR."}
}

// Step-up: the middleware lets a request through only with a result for
// the action that is fresh enough under its policy.
func ExampleHandler_Require() {
	st := memory.New(memory.Config{})
	defer st.Close()
	eng, _ := auth.New(auth.Config{Store: st, Factors: []auth.Factor{authtest.Strong(auth.KindWebAuthn)},
		Policies: []auth.Policy{{Action: "sign-document", Rule: auth.AnyStrong(), MaxAge: 5 * time.Minute}}})
	h, _ := authhttp.New(authhttp.Config{Engine: eng, Store: st, Origins: []string{"https://portal.example.kz"},
		OnResult: func(http.ResponseWriter, *http.Request, *auth.Result) error { return nil }})
	var session []*auth.Result // the host keeps results in its session
	sign := h.Require("sign-document", func(*http.Request) []*auth.Result { return session })(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "signed") }))

	w := httptest.NewRecorder()
	sign.ServeHTTP(w, httptest.NewRequest("POST", "/documents/sign", nil))
	fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
	// Output:
	// 401 {"action":"sign-document","alternatives":[["strong"]],"code":"step_up_required","message":"For this action, confirm again with a digital signature, biometrics or a QR code."}
}
