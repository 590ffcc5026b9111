// Command minimal is the shortest correct integration of strongauth into a
// net/http service: a login that needs a strong factor, with SMS only as a
// second step. It uses fake factors (authtest) so that it runs anywhere;
// examples/portal shows the real ones.
//
//	go run ./examples/minimal
package main

import (
	"encoding/json"
	"log"
	"net/http"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/store/memory"
)

func main() {
	st := memory.New(memory.Config{})
	defer st.Close()
	rule, _ := auth.ParseRule("(ecp & sms) | webauthn") // "sms" alone would be refused here
	eng, err := auth.New(auth.Config{
		Store:    st,
		Factors:  []auth.Factor{authtest.Strong(auth.KindECP), authtest.Weak(auth.KindSMS), authtest.Strong(auth.KindWebAuthn)},
		Policies: []auth.Policy{{Action: "login", Rule: rule}},
	})
	if err != nil {
		log.Fatal(err)
	}
	log.Println("listening on http://localhost:8080 — try: curl -c j -b j -XPOST localhost:8080/login/start")
	log.Fatal(http.ListenAndServe("localhost:8080", handler(eng)))
}

func handler(eng *auth.Engine) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login/start", func(w http.ResponseWriter, r *http.Request) {
		secret, err := eng.NewBinding()
		flow, err2 := eng.Start(r.Context(), auth.StartRequest{Action: "login", Binding: secret})
		if err != nil || err2 != nil {
			fail(w, err, err2)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "flow", Value: secret, Path: "/login", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		json.NewEncoder(w).Encode(map[string]string{"flow": flow.ID})
	})
	mux.HandleFunc("POST /login/{flow}/{op}/{kind}", func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Cookie("flow")
		var input json.RawMessage
		json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10)).Decode(&input) // the factor validates it
		req := auth.StepRequest{FlowID: r.PathValue("flow"), Kind: auth.Kind(r.PathValue("kind")), Input: input}
		if c != nil {
			req.Binding = c.Value
		}
		var out any
		var err error
		if r.PathValue("op") == "begin" {
			out, err = eng.Begin(r.Context(), req)
		} else if o, ferr := eng.Finish(r.Context(), req); ferr != nil {
			err = ferr
		} else { // with o.Result != nil, create the host's own session here
			out = map[string]any{"allowed": o.Decision.Allowed, "missing": o.Decision.Alternatives(), "result": o.Result}
		}
		if err != nil {
			fail(w, err)
			return
		}
		json.NewEncoder(w).Encode(out)
	})
	return mux
}

func fail(w http.ResponseWriter, errs ...error) {
	for _, err := range errs {
		if err != nil {
			log.Printf("login: %v", err) // operator detail; never a secret
			w.WriteHeader(http.StatusForbidden)
			json.NewEncoder(w).Encode(map[string]string{"code": auth.Code(err), "message": auth.ClientMessage(err, "en")})
			return
		}
	}
}
