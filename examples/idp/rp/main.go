// Command rp is a sample OpenID Connect relying party for examples/idp,
// written only against the standards (github.com/coreos/go-oidc/v3 and
// golang.org/x/oauth2): the authorization code flow with PKCE, then the ID
// token verified — signature, issuer, audience, expiry, nonce — and its
// acr and amr checked, as any application should.
//
//	go -C examples/idp run ./rp -issuer http://localhost:9998
//
// Open http://localhost:9999 and sign in; "Sign in with a key" asks for
// acr urn:strongauth:acr:key as an essential claim (ECP or a passkey), and
// "Sign in again" sends max_age=0 (a fresh strong factor).
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"html/template"
	"log"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

func main() {
	issuer := flag.String("issuer", "http://localhost:9998", "the provider's issuer URL")
	addr := flag.String("addr", "localhost:9999", "where to listen")
	clientID := flag.String("client", "sample-rp", "client ID")
	secret := flag.String("secret", "", "client secret (empty: a public client)")
	flag.Parse()
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, *issuer)
	if err != nil {
		log.Fatalf("rp: discovery of %s: %v (is the provider running?)", *issuer, err)
	}
	rp := &relyingParty{
		conf: oauth2.Config{ClientID: *clientID, ClientSecret: *secret, Endpoint: provider.Endpoint(),
			RedirectURL: "http://" + *addr + "/callback", Scopes: []string{oidc.ScopeOpenID, "profile", oidc.ScopeOfflineAccess}},
		verifier: provider.Verifier(&oidc.Config{ClientID: *clientID}),
		pending:  map[string]pending{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { _ = page.Execute(w, nil) })
	mux.HandleFunc("GET /login", rp.login)
	mux.HandleFunc("GET /callback", rp.callback)
	fmt.Printf("sample relying party on http://%s (provider %s)\n", *addr, *issuer)
	log.Fatal((&http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}).ListenAndServe())
}

type pending struct {
	verifier, nonce, acr string
	created              time.Time
}

type relyingParty struct {
	conf     oauth2.Config
	verifier *oidc.IDTokenVerifier
	mu       sync.Mutex
	pending  map[string]pending // by state
}

func random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// login starts the code flow: state, nonce and a PKCE verifier per attempt.
func (rp *relyingParty) login(w http.ResponseWriter, r *http.Request) {
	p := pending{verifier: oauth2.GenerateVerifier(), nonce: random(), acr: r.URL.Query().Get("acr"), created: time.Now()}
	state := random()
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(p.verifier), oidc.Nonce(p.nonce)}
	if p.acr != "" {
		claims, _ := json.Marshal(map[string]any{"id_token": map[string]any{"acr": map[string]any{"essential": true, "values": []string{p.acr}}}})
		opts = append(opts, oauth2.SetAuthURLParam("claims", string(claims)))
	}
	if m := r.URL.Query().Get("max_age"); m != "" {
		opts = append(opts, oauth2.SetAuthURLParam("max_age", m))
	}
	rp.mu.Lock()
	rp.pending[state] = p
	rp.mu.Unlock()
	http.Redirect(w, r, rp.conf.AuthCodeURL(state, opts...), http.StatusFound)
}

// callback exchanges the code and checks the ID token.
func (rp *relyingParty) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rp.mu.Lock()
	p, ok := rp.pending[q.Get("state")]
	delete(rp.pending, q.Get("state"))
	rp.mu.Unlock()
	if !ok || time.Since(p.created) > 10*time.Minute {
		http.Error(w, "unknown state", http.StatusBadRequest)
		return
	}
	if e := q.Get("error"); e != "" {
		http.Error(w, "the provider refused: "+e, http.StatusForbidden)
		return
	}
	tok, err := rp.conf.Exchange(r.Context(), q.Get("code"), oauth2.VerifierOption(p.verifier))
	if err != nil {
		http.Error(w, "code exchange failed", http.StatusBadGateway)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := rp.verifier.Verify(r.Context(), raw)
	if err != nil || idt.Nonce != p.nonce {
		http.Error(w, "ID token refused", http.StatusUnauthorized)
		return
	}
	var claims struct {
		ACR      string   `json:"acr"`
		AMR      []string `json:"amr"`
		AuthTime int64    `json:"auth_time"`
		Name     string   `json:"name"`
	}
	if err := idt.Claims(&claims); err != nil {
		http.Error(w, "ID token claims", http.StatusUnauthorized)
		return
	}
	// What an application checks: the level it asked for, and that an
	// SMS never stood alone (amr holds a key method).
	if p.acr != "" && claims.ACR != p.acr {
		http.Error(w, "the acr asked for was not given", http.StatusForbidden)
		return
	}
	if !slices.ContainsFunc(claims.AMR, func(m string) bool { return m == "sc" || m == "hwk" || m == "swk" }) {
		http.Error(w, "no key method in amr", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "Signed in.\n\nsub        %s\nname       %s\nacr        %s\namr        %v\nauth_time  %s\n\nBack: /\n",
		idt.Subject, claims.Name, claims.ACR, claims.AMR, time.Unix(claims.AuthTime, 0).Format(time.RFC3339))
}

var page = template.Must(template.New("").Parse(`<!doctype html><meta charset="utf-8"><title>Sample RP</title>
<h1>Sample relying party</h1>
<ul>
<li><a href="/login">Sign in</a> (acr urn:strongauth:acr:strong: ECP + SMS, a passkey or a QR approval)</li>
<li><a href="/login?acr=` + url.QueryEscape("urn:strongauth:acr:key") + `">Sign in with a key</a> (essential acr urn:strongauth:acr:key: ECP or a passkey)</li>
<li><a href="/login?max_age=0">Sign in again</a> (max_age=0: a fresh strong factor)</li>
</ul>`))
