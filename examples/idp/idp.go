package main

import (
	"crypto/rand"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authhttp"
	"github.com/strongauth/strongauth/auth/authoidc"
	"github.com/strongauth/strongauth/factors/ecp"
	"github.com/strongauth/strongauth/factors/passkey"
	qrfactor "github.com/strongauth/strongauth/factors/qr"
	"github.com/strongauth/strongauth/factors/sms"
	"github.com/strongauth/strongauth/otp"
	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/memory"
)

// The levels the provider offers: the acr a relying party asks for, and
// the strongauth action (policy) behind it.
const (
	// ACRStrong: a strong factor — ECP then an SMS code, a passkey, or a
	// QR approval by eGov Mobile. Never an SMS code alone.
	ACRStrong = "urn:strongauth:acr:strong"
	// ACRKey: a key the person holds, used now: ECP or a passkey.
	ACRKey = "urn:strongauth:acr:key"

	actionLogin = "login"
	actionKey   = "login-key"
	ruleLogin   = "(ecp & sms) | webauthn | qr"
	ruleKey     = "ecp | webauthn"

	sessionTTL = 8 * time.Hour
	maxBody    = 16 << 10
)

// Config configures an IdP.
type Config struct {
	// Issuer is the provider's issuer URL and web origin
	// ("http://localhost:9998"), without a path. Required.
	Issuer string
	// Clients are the relying parties. Required.
	Clients []ClientConfig
	// SMS delivers the one-time codes. Required.
	SMS otp.Sender
	// NCALayerURL is where the login page's NCALayer client connects.
	// Zero means the real NCALayer.
	NCALayerURL string
	// People are the test persons. Nil means DefaultPeople().
	People []Person
	// IdentityClaims adds iin, bin and ecp_roles (what ECP proved) to the
	// ID token.
	IdentityClaims bool
	// Store keeps flows, challenges, codes and counters. Nil means a new
	// in-memory store, closed by Close.
	Store store.Store
	// Now and Rand: the clock and the randomness of everything but the
	// OIDC library's token timestamps. Nil means time.Now and crypto/rand.
	Now  func() time.Time
	Rand io.Reader
	// Log receives audit events and operator detail. Nil discards.
	Log *slog.Logger
}

// IdP is the example OpenID provider: zitadel/oidc's op for the protocol,
// strongauth for the login step.
type IdP struct {
	cfg      Config
	issuer   *url.URL
	dir      *directory
	pki      *devPKI
	store    store.Store
	ownStore *memory.Store
	engine   *auth.Engine
	bridge   *authoidc.Bridge
	auth     *authhttp.Handler
	passkeys *passkey.Factor
	storage  *storage
	provider *op.Provider
	sessions *sessions
	page     *template.Template
	mux      *http.ServeMux
	qrB, qrE http.Handler
}

//go:embed web
var webFS embed.FS

// New builds the provider.
func New(cfg Config) (*IdP, error) {
	u, err := url.Parse(cfg.Issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || cfg.Issuer != u.Scheme+"://"+u.Host {
		return nil, fmt.Errorf("%w: idp: Issuer must be scheme://host[:port]", auth.ErrConfig)
	}
	if cfg.SMS == nil || len(cfg.Clients) == 0 {
		return nil, fmt.Errorf("%w: idp: SMS and Clients are required", auth.ErrConfig)
	}
	for _, c := range cfg.Clients {
		if err := c.validate(); err != nil {
			return nil, fmt.Errorf("%w: %w", auth.ErrConfig, err)
		}
	}
	if cfg.NCALayerURL == "" {
		cfg.NCALayerURL = signature.NCALayerURL
	}
	if cfg.People == nil {
		cfg.People = DefaultPeople()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	p := &IdP{cfg: cfg, issuer: u, dir: &directory{people: cfg.People}, store: cfg.Store, mux: http.NewServeMux(),
		sessions: &sessions{now: cfg.Now, rand: cfg.Rand, m: map[string]*session{}}}
	if p.store == nil {
		p.ownStore = memory.New(memory.Config{Now: cfg.Now})
		p.store = p.ownStore
	}
	if err := p.build(); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// Close releases the store if the IdP made it.
func (p *IdP) Close() {
	if p.ownStore != nil {
		_ = p.ownStore.Close()
	}
}

func (p *IdP) build() error {
	cfg := p.cfg
	audit := auth.SlogAuditor(cfg.Log)
	var err error
	if p.pki, err = newDevPKI(cfg.People, cfg.Now); err != nil {
		return err
	}
	verifier, err := p.pki.verifier(cfg.Now, p.store, audit)
	if err != nil {
		return err
	}
	persons := map[string]signature.Check{actionLogin: signature.RequirePerson(), actionKey: signature.RequirePerson()}
	ecpFactor, err := ecp.New(ecp.Config{Verifier: verifier, Store: p.store, Mapper: p.dir, Origin: cfg.Issuer, Locale: "ru",
		Rand: cfg.Rand, Checks: persons})
	if err != nil {
		return err
	}
	key := make(otp.Key, 32)
	if _, err := io.ReadFull(cfg.Rand, key); err != nil {
		return err
	}
	codes, err := otp.New(otp.Config{Store: p.store, Sender: cfg.SMS, Keys: []otp.Key{key}, Domain: p.issuer.Hostname(),
		Now: cfg.Now, Rand: cfg.Rand, Logger: cfg.Log})
	if err != nil {
		return err
	}
	smsFactor, err := sms.New(sms.Config{OTP: codes, Phones: p.dir})
	if err != nil {
		return err
	}
	if p.passkeys, err = passkey.New(passkey.Config{RPID: p.issuer.Hostname(), RPName: "strongauth IdP (development)",
		Origins: []string{cfg.Issuer}, Store: p.store, Credentials: passkey.NewMemoryCredentials(), Now: cfg.Now, Rand: cfg.Rand,
		Audit: audit}); err != nil {
		return err
	}
	// QR: eGov Mobile signs the challenge with the person's ECP key (mode
	// B); no phone is linked to this provider.
	qrService, err := qr.New(qr.Config{Store: p.store, Devices: qr.NewMemoryDevices(), Service: "strongauth IdP (development)",
		Now: cfg.Now, Rand: cfg.Rand, MobileSign: &qr.MobileSignConfig{Verifier: verifier, BaseURL: cfg.Issuer + "/qr/egov",
			Origin: cfg.Issuer, Organisation: qr.Organisation{NameRu: "Демо-провайдер входа strongauth (разработка)"}, Checks: persons,
			Actions: []string{actionLogin}}})
	if err != nil {
		return err
	}
	qrFactor, err := qrfactor.New(qrfactor.Config{Service: qrService, Audit: audit, Log: cfg.Log, Mapper: p.dir})
	if err != nil {
		return err
	}
	login, err := auth.ParseRule(ruleLogin)
	if err != nil {
		return err
	}
	keyRule, err := auth.ParseRule(ruleKey)
	if err != nil {
		return err
	}
	if p.engine, err = auth.New(auth.Config{Store: p.store, Now: cfg.Now, Rand: cfg.Rand, Audit: audit,
		Factors:  []auth.Factor{ecpFactor, smsFactor, p.passkeys, qrFactor},
		Policies: []auth.Policy{{Action: actionLogin, Rule: login}, {Action: actionKey, Rule: keyRule}}}); err != nil {
		return err
	}
	if p.bridge, err = authoidc.New(authoidc.Config{Engine: p.engine, IdentityClaims: cfg.IdentityClaims,
		Levels: []authoidc.Level{{ACR: ACRStrong, Action: actionLogin}, {ACR: ACRKey, Action: actionKey}}}); err != nil {
		return err
	}
	if p.auth, err = authhttp.New(authhttp.Config{Engine: p.engine, Store: p.store, Origins: []string{cfg.Issuer}, Log: cfg.Log,
		OnResult: p.onResult, Subject: p.subjectFor}); err != nil {
		return err
	}
	if p.qrB, err = qrFactor.BrowserHandler(qrfactor.BrowserConfig{Origins: []string{cfg.Issuer}}); err != nil {
		return err
	}
	if p.qrE, err = qrFactor.MobileSignHandler(); err != nil {
		return err
	}
	if err := p.buildProvider(); err != nil {
		return err
	}
	p.page, err = template.ParseFS(webFS, "web/login.html")
	if err != nil {
		return err
	}
	p.routes()
	return nil
}

// buildProvider makes the OpenID provider: code flow with PKCE (S256)
// only, refresh tokens, ID tokens signed ES256 (or RS256 for a client
// registered so), discovery and JWKS.
func (p *IdP) buildProvider() error {
	var clients []*client
	for _, c := range p.cfg.Clients {
		cl, err := newClient(c, func(id string) string { return p.cfg.Issuer + "/login?id=" + url.QueryEscape(id) },
			p.issuer.Scheme == "http")
		if err != nil {
			return fmt.Errorf("%w: %w", auth.ErrConfig, err)
		}
		clients = append(clients, cl)
	}
	var err error
	if p.storage, err = newStorage(p.cfg.Now, p.cfg.Rand, clients, p.dir.profile); err != nil {
		return err
	}
	var cryptoKey [32]byte
	if _, err := io.ReadFull(p.cfg.Rand, cryptoKey[:]); err != nil {
		return err
	}
	opts := []op.Option{op.WithLogger(p.cfg.Log)}
	if p.issuer.Scheme == "http" {
		opts = append(opts, op.WithAllowInsecure()) // development on localhost only
	}
	p.provider, err = op.NewProvider(&op.Config{
		CryptoKey: cryptoKey, CodeMethodS256: true, GrantTypeRefreshToken: true,
		SupportedUILocales: []language.Tag{language.Russian, language.Kazakh, language.English},
		SupportedClaims: []string{"sub", "aud", "exp", "iat", "iss", "auth_time", "nonce", "acr", "amr", "at_hash", "c_hash",
			"name", "family_name", "given_name", "middle_name", authoidc.ClaimIIN, authoidc.ClaimBIN, authoidc.ClaimRoles},
	}, p.storage, op.StaticIssuer(p.cfg.Issuer), opts...)
	return err
}

func (p *IdP) routes() {
	static, _ := fs.Sub(webFS, "web/static") // a constant, embedded path
	p.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	p.mux.Handle("/auth/", http.StripPrefix("/auth", p.auth))
	p.mux.Handle("/qr/browser/", http.StripPrefix("/qr/browser", p.qrB))
	p.mux.Handle("/qr/egov/", http.StripPrefix("/qr/egov", p.qrE))
	p.mux.HandleFunc("GET /login", p.login)
	p.mux.HandleFunc("POST /login/done", p.loginDone)
	p.mux.HandleFunc("POST /logout", p.logout)
	p.mux.HandleFunc("POST /account/passkeys/begin", p.passkeyBegin)
	p.mux.HandleFunc("POST /account/passkeys/finish", p.passkeyFinish)
	p.mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	oidcHandler := withTokenClient(p.provider.Handler)
	p.mux.Handle("/authorize", p.planned(oidcHandler))
	p.mux.Handle("/", oidcHandler)
}

// ServeHTTP implements http.Handler.
func (p *IdP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	p.mux.ServeHTTP(w, r)
}

// planned reads the authentication parameters of an authorization request
// and lets the bridge plan them before op stores the request.
func (p *IdP) planned(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		var pl planned
		if err := r.ParseForm(); err != nil {
			pl.err = fmt.Errorf("%w: unreadable parameters", authoidc.ErrInvalidRequest)
		} else if req, err := authoidc.ParseRequest(r.Form); err != nil {
			pl.err = err
		} else {
			pl.plan, pl.err = p.bridge.Plan(req)
			pl.hint = req.LoginHint
		}
		next.ServeHTTP(w, r.WithContext(withPlan(r.Context(), pl)))
	})
}

// discovery is op's discovery document with acr_values_supported added.
func (p *IdP) discovery(w http.ResponseWriter, r *http.Request) {
	rec := &bufferedWriter{header: http.Header{}}
	p.provider.ServeHTTP(rec, r)
	var doc map[string]any
	if rec.status != 0 && rec.status != http.StatusOK || json.Unmarshal(rec.body, &doc) != nil {
		http.Error(w, "discovery unavailable", http.StatusInternalServerError)
		return
	}
	doc["acr_values_supported"] = p.bridge.ACRs()
	doc["claims_parameter_supported"] = true
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_ = json.NewEncoder(w).Encode(doc)
}

type bufferedWriter struct {
	header http.Header
	status int
	body   []byte
}

func (b *bufferedWriter) Header() http.Header { return b.header }
func (b *bufferedWriter) WriteHeader(s int)   { b.status = s }
func (b *bufferedWriter) Write(d []byte) (int, error) {
	b.body = append(b.body, d...)
	return len(d), nil
}

// --- the login step ---

// loginPage is what the login template sees.
type loginPage struct {
	Request, Action, ACR, NCALayer, Hint string
	StepUp                               bool
	Subject                              string
	People                               []Person
}

// login answers the provider's redirect to the login step: a result of
// the session that satisfies the plan completes the request at once (single
// sign-on); prompt=none without one returns login_required; otherwise the
// page runs a flow for the level's action — a step-up of the session's
// person when there is a session.
func (p *IdP) login(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	plan, hint, err := p.storage.plan(id)
	if err != nil {
		http.Error(w, "unknown or expired authorization request", http.StatusBadRequest)
		return
	}
	s, _ := p.session(r)
	res, err := p.bridge.Reuse(plan, s.resultsOf())
	if err != nil {
		p.refuse(w, r, id, err)
		return
	}
	if res != nil {
		if err := p.finishLogin(id, plan, res); err != nil {
			p.refuse(w, r, id, err)
			return
		}
		http.Redirect(w, r, p.callback(id), http.StatusFound)
		return
	}
	data := loginPage{Request: id, Action: plan.Level.Action, ACR: plan.Level.ACR, NCALayer: p.cfg.NCALayerURL, Hint: hint,
		People: p.cfg.People}
	if s != nil {
		data.StepUp, data.Subject = true, s.subject
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self' "+p.cfg.NCALayerURL+"; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := p.page.Execute(w, data); err != nil {
		p.cfg.Log.Error("idp: login page", slog.String("error", err.Error()))
	}
}

func (p *IdP) callback(id string) string {
	return p.cfg.Issuer + "/authorize/callback?id=" + url.QueryEscape(id)
}

// finishLogin turns a result into the request's claims.
func (p *IdP) finishLogin(id string, plan authoidc.Plan, res *auth.Result) error {
	c, err := p.bridge.Claims(plan, res)
	if err != nil {
		return err
	}
	return p.storage.complete(id, c)
}

// refuse sends the bridge's refusal to the relying party as an OpenID
// Connect error (login_required, unmet_authentication_requirements …).
func (p *IdP) refuse(w http.ResponseWriter, r *http.Request, id string, err error) {
	p.cfg.Log.Warn("idp: login refused", slog.String("code", authoidc.ErrorCode(err)), slog.String("error", err.Error()))
	a, lookupErr := p.storage.AuthRequestByID(r.Context(), id)
	if lookupErr != nil {
		http.Error(w, "unknown or expired authorization request", http.StatusBadRequest)
		return
	}
	_ = p.storage.DeleteAuthRequest(r.Context(), id)
	op.AuthRequestError(w, r, a, oidcError(err), p.provider)
}

// loginDone is called by the page when the flow completed: the session's
// result for the plan becomes the request's claims, and the page goes to
// the provider's callback, which issues the code.
func (p *IdP) loginDone(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Origin") != p.cfg.Issuer || r.Header.Get("Content-Type") != "application/json" {
		writeJSON(w, http.StatusForbidden, map[string]string{"code": "origin"})
		return
	}
	var req struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"code": "invalid_input"})
		return
	}
	plan, _, err := p.storage.plan(req.ID)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"code": "invalid_request"})
		return
	}
	s, _ := p.session(r)
	res, err := p.bridge.Reuse(plan, s.resultsOf())
	if err == nil && res == nil {
		err = fmt.Errorf("%w: no result of this session satisfies the request", authoidc.ErrUnmetRequirements)
	}
	if err == nil {
		err = p.finishLogin(req.ID, plan, res)
	}
	if err != nil {
		p.cfg.Log.Warn("idp: login not done", slog.String("code", authoidc.ErrorCode(err)), slog.String("error", err.Error()))
		writeJSON(w, http.StatusForbidden, map[string]string{"code": authoidc.ErrorCode(err)})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"redirect": p.callback(req.ID)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// onResult keeps a completed flow's result in the provider's session (a
// new session for the first).
func (p *IdP) onResult(w http.ResponseWriter, r *http.Request, res *auth.Result) error {
	if s, ok := p.session(r); ok {
		return s.add(res)
	}
	id, err := p.sessions.create(res)
	if err != nil {
		return err
	}
	http.SetCookie(w, p.cookie(id, 0))
	return nil
}

// subjectFor pins every flow of a browser with a session to the session's
// person: a step-up, or a fresh login for max_age, proves the same person.
// To sign in as someone else, sign out first.
func (p *IdP) subjectFor(r *http.Request, _ string) (string, error) {
	if s, ok := p.session(r); ok {
		return s.subject, nil
	}
	return "", nil
}

func (p *IdP) logout(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Origin") != p.cfg.Issuer {
		writeJSON(w, http.StatusForbidden, map[string]string{"code": "origin"})
		return
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		p.sessions.delete(c.Value)
	}
	http.SetCookie(w, p.cookie("", -1))
	w.WriteHeader(http.StatusNoContent)
}

// --- passkey enrolment, right after a login with a strong factor ---

func (p *IdP) passkeyBegin(w http.ResponseWriter, r *http.Request) {
	s, ok := p.session(r)
	binding, bok := p.auth.Binding(r)
	if !ok || !bok || r.Header.Get("Origin") != p.cfg.Issuer {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"code": "subject_unknown"})
		return
	}
	person, _ := p.dir.find(s.subject)
	reg, err := p.passkeys.BeginRegistration(r.Context(), passkey.RegistrationRequest{Result: s.freshest(), Binding: binding,
		User: passkey.UserInfo{Name: person.IIN[:4] + "******" + person.IIN[10:], DisplayName: person.FullName()}})
	if err != nil {
		writeJSON(w, http.StatusForbidden, map[string]string{"code": auth.Code(err)})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": reg.ID, "options": reg.Options})
}

func (p *IdP) passkeyFinish(w http.ResponseWriter, r *http.Request) {
	s, ok := p.session(r)
	binding, bok := p.auth.Binding(r)
	if !ok || !bok || r.Header.Get("Origin") != p.cfg.Issuer {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"code": "subject_unknown"})
		return
	}
	var req struct {
		ID         string          `json:"id"`
		Credential json.RawMessage `json:"credential"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"code": "invalid_input"})
		return
	}
	cred, err := p.passkeys.FinishRegistration(r.Context(), req.ID, binding, req.Credential)
	if err == nil && cred.Subject != s.subject {
		err = auth.ErrSubjectMismatch
	}
	if err != nil {
		writeJSON(w, http.StatusForbidden, map[string]string{"code": auth.Code(err)})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"credential": cred.Ref()})
}

// --- the provider's own session: results by action ---

const sessionCookie = "idp_session"

type session struct {
	mu      sync.Mutex
	subject string
	expires time.Time
	results map[string]*auth.Result
}

type sessions struct {
	now  func() time.Time
	rand io.Reader
	mu   sync.Mutex
	m    map[string]*session
}

func (ss *sessions) create(res *auth.Result) (string, error) {
	id, err := randomID(ss.rand)
	if err != nil {
		return "", err
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := ss.now()
	for k, s := range ss.m {
		if now.After(s.expires) {
			delete(ss.m, k)
		}
	}
	ss.m[hashOf(id)] = &session{subject: res.Subject, expires: now.Add(sessionTTL), results: map[string]*auth.Result{res.Action: res}}
	return id, nil
}

func (ss *sessions) get(id string) (*session, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.m[hashOf(id)]
	if !ok || ss.now().After(s.expires) {
		return nil, false
	}
	return s, true
}

func (ss *sessions) delete(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.m, hashOf(id))
}

var errOtherPerson = errors.New("idp: a result of another person for this session")

func (s *session) add(res *auth.Result) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if res.Subject != s.subject {
		return errOtherPerson
	}
	s.results[res.Action] = res
	return nil
}

// resultsOf lists a session's results (none for a nil session).
func (s *session) resultsOf() []*auth.Result {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*auth.Result, 0, len(s.results))
	for _, r := range s.results {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *auth.Result) int { return a.AuthTime.Compare(b.AuthTime) })
	return out
}

// freshest is the result with the most recent auth_time, for enrolment.
func (s *session) freshest() *auth.Result {
	rs := s.resultsOf()
	if len(rs) == 0 {
		return nil
	}
	return rs[len(rs)-1]
}

func (p *IdP) session(r *http.Request) (*session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || len(c.Value) != 43 {
		return nil, false
	}
	return p.sessions.get(c.Value)
}

// cookie is the session cookie: HttpOnly, and SameSite=Lax, since the
// login page is reached by a redirect from the relying party's site.
func (p *IdP) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: sessionCookie, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: p.issuer.Scheme == "https", MaxAge: maxAge}
}
