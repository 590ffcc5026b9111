// Command minimal is the shortest correct integration of strongauth into a
// net/http service: a login that needs a strong factor, SMS only as a
// second step, the library's endpoints under /auth/ and the host's own
// session. It uses fake factors (authtest) so that it runs anywhere;
// examples/portal shows the real ones and the browser client.
//
//	go run ./examples/minimal
package main

import (
	"crypto/rand"
	"fmt"
	"log"
	"net/http"
	"sync"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authhttp"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/store/memory"
)

const origin = "http://localhost:8080"

func main() {
	st := memory.New(memory.Config{})
	defer st.Close()
	h, err := handler(st, origin)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on %s; the endpoints are under /auth/ (see auth/authhttp), /me needs a login", origin)
	log.Fatal(http.ListenAndServe("localhost:8080", h))
}

func handler(st *memory.Store, origin string) (http.Handler, error) {
	rule, _ := auth.ParseRule("(ecp & sms) | webauthn") // "sms" alone would be refused here
	eng, err := auth.New(auth.Config{
		Store:    st,
		Factors:  []auth.Factor{authtest.Strong(auth.KindECP), authtest.Weak(auth.KindSMS), authtest.Strong(auth.KindWebAuthn)},
		Policies: []auth.Policy{{Action: "login", Rule: rule}},
	})
	if err != nil {
		return nil, err
	}
	var sessions sync.Map // the host's own sessions: cookie → subject
	flows, err := authhttp.New(authhttp.Config{
		Engine: eng, Store: st, Origins: []string{origin},
		OnResult: func(w http.ResponseWriter, r *http.Request, res *auth.Result) error {
			id := rand.Text() // a fresh session ID on every login
			sessions.Store(id, res.Subject)
			http.SetCookie(w, &http.Cookie{Name: "session", Value: id, Path: "/", HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
			return nil
		},
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/auth/", http.StripPrefix("/auth", flows)) // also serves /auth/client.js
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("session")
		if subject, ok := sessions.Load(cookieValue(c, err)); ok {
			fmt.Fprintf(w, "signed in as %s\n", subject)
			return
		}
		http.Error(w, "not signed in", http.StatusUnauthorized)
	})
	return mux, nil
}

func cookieValue(c *http.Cookie, err error) string {
	if err != nil {
		return ""
	}
	return c.Value
}
