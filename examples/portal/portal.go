package main

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authhttp"
	"github.com/strongauth/strongauth/auth/authhttp/authmetrics"
	"github.com/strongauth/strongauth/factors/ecp"
	"github.com/strongauth/strongauth/factors/passkey"
	qrfactor "github.com/strongauth/strongauth/factors/qr"
	"github.com/strongauth/strongauth/factors/sms"
	"github.com/strongauth/strongauth/lifecycle"
	"github.com/strongauth/strongauth/otp"
	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/memory"
)

// The actions of the portal and their policies.
const (
	actionLogin      = "login"
	actionSign       = "sign-document"
	actionAddPasskey = "add-passkey"
	actionAddPhone   = "add-phone"
	// ruleLogin: a strong factor, and SMS only as the second step after
	// ECP. "sms" alone, or "sms | ecp", would be refused by auth.New.
	ruleLogin = "(ecp & sms) | webauthn | qr"
	// phoneTokenTTL is how long a phone-linking token lives.
	phoneTokenTTL = 5 * time.Minute
	// stepUpAge is how fresh the strong factor of a sensitive action must
	// be.
	stepUpAge  = 5 * time.Minute
	maxAPIBody = 64 << 10
)

// Config configures a Portal.
type Config struct {
	// Origin is the portal's public origin, "http://localhost:8080".
	// Required: WebAuthn, the ECP challenges and the CSRF checks are bound
	// to it.
	Origin string
	// SMS delivers the one-time codes. Required; the command uses a console
	// sender that prints them (development only), tests a recorder.
	SMS otp.Sender
	// NCALayerURL is where the page's NCALayer client connects. Zero means
	// the real NCALayer, wss://127.0.0.1:13579 (whose keys this demo's
	// test PKI does not trust); the command points it at the simulator.
	NCALayerURL string
	// People are the test persons. Nil means DefaultPeople().
	People []Person
	// Store keeps flows, challenges, codes and counters, and the portal's
	// sessions and phone-linking tokens. Nil means a new in-memory store,
	// closed by Close.
	Store store.Store
	// Credentials and Devices keep the registered passkeys and the linked
	// phones. Nil means in memory. Instances behind one origin share them
	// (the command: -redis), as they share Store.
	Credentials passkey.CredentialStore
	Devices     qr.DeviceStore
	// DevDir is a directory holding the development PKI and the OTP key,
	// made by the first instance that finds it missing, so that every
	// instance started with it trusts the same test keys and hashes codes
	// alike. Empty means both are made in memory for this process.
	DevDir string
	// Now is the clock of everything: engine, factors, store, sessions.
	// Nil means time.Now.
	Now func() time.Time
	// Rand is the source of every secret. Nil means crypto/rand.
	Rand io.Reader
	// Log receives the audit events and operator detail. Nil discards.
	Log *slog.Logger
	// SMSCooldown and SMSBudgets override the otp defaults (60 s between
	// two codes to one phone; 5 an hour per phone…), for load tests. Zero
	// keeps the defaults.
	SMSCooldown time.Duration
	SMSBudgets  otp.Budgets
	// QRMaxFrameAge is how old a scanned QR frame may be. Zero keeps the
	// qr default (3 s); the command gives the command-line phone of
	// examples/mobile the maximum, 10 s, to be scanned from a screenshot.
	QRMaxFrameAge time.Duration
	// PostgresDSN, if set, keeps passkeys, linked phones and bound numbers
	// in that PostgreSQL database (schema PostgresSchema, default
	// "strongauth"), migrated at start; otherwise they live in memory.
	PostgresDSN, PostgresSchema string
	// Notices delivers the informational SMS of credential changes. Nil
	// means SMS.
	Notices otp.Sender
	// ClientIP returns the client address of a request, for the per-client
	// rate limits and what the flow records (the QR page shows it to the
	// phone). Nil means the TCP peer: behind a proxy every user then
	// shares the proxy's budget. The command sets it from -trusted-proxy
	// and -proxy-header (a clientip.Resolver).
	ClientIP func(r *http.Request) string
	// DevClock enables the dev panel's clock control (the command:
	// -dev-clock): the portal's clock, Now, moves forward at a click, so
	// that step-up expiry shows without waiting. One instance only: New
	// refuses it with a Store given (shared by instances).
	DevClock bool
	// OCSPAddr is where the development OCSP responder listens. Empty
	// means 127.0.0.1 on a free port.
	OCSPAddr string
}

// Portal is the eGov-like demo: an http.Handler with pages, the strongauth
// endpoints under /auth/, and the host's own session and APIs.
type Portal struct {
	cfg      Config
	origin   *url.URL
	dir      *directory
	pki      *devPKI
	store    store.Store
	ownStore *memory.Store
	engine   *auth.Engine
	auth     *authhttp.Handler
	passkeys *passkey.Factor
	creds    passkey.CredentialStore
	qr       *qrfactor.Factor
	devices  qr.DeviceStore
	// The credential life cycle (lifecycle.go).
	lc       *lifecycle.Manager
	notices  *lifecycle.SMSNotifier
	account  http.Handler
	recovery auth.Policy
	pgPool   *pgxpool.Pool
	// The qr factor's handlers: the app's (scan, approve, deny), the
	// waiting browser's (frames, status) and the app's enrolment (with a
	// phone-linking token).
	qrPhone, qrBrowser, qrEnrol http.Handler
	// qrEgov is mode B: eGov Mobile's mobileSign protocol.
	qrEgov  http.Handler
	metrics *authmetrics.Registry
	// rev is the development revocation: the OCSP responder, the list the
	// dev panel changes, the checker (devrevocation.go); clock the dev
	// clock, nil without Config.DevClock.
	rev      *devRevocation
	clock    *devClock
	sessions *sessions
	pages    *pages
	mux      *http.ServeMux
	cookie   string
	secure   bool
}

//go:embed web
var webFS embed.FS

// New builds the portal: a development PKI, the factors, the engine, the
// HTTP layer and the pages.
func New(cfg Config) (*Portal, error) {
	o, err := url.Parse(cfg.Origin)
	if err != nil || (o.Scheme != "http" && o.Scheme != "https") || o.Host == "" || cfg.Origin != o.Scheme+"://"+o.Host {
		return nil, fmt.Errorf("%w: portal: Origin must be scheme://host[:port]", auth.ErrConfig)
	}
	if cfg.SMS == nil {
		return nil, fmt.Errorf("%w: portal: SMS sender is required", auth.ErrConfig)
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
	var clock *devClock
	if cfg.DevClock {
		if cfg.Store != nil {
			return nil, fmt.Errorf("%w: %w", auth.ErrConfig, errDevClockShared)
		}
		clock = &devClock{base: cfg.Now}
		cfg.Now = clock.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	p := &Portal{cfg: cfg, origin: o, dir: &directory{people: cfg.People}, store: cfg.Store,
		mux: http.NewServeMux(), secure: o.Scheme == "https", clock: clock}
	p.cookie = sessionCookieName(p.secure)
	if p.store == nil {
		p.ownStore = memory.New(memory.Config{Now: cfg.Now})
		p.store = p.ownStore
	}
	p.sessions = newSessions(p.store, cfg.Now, cfg.Rand)
	if err := p.build(); err != nil {
		p.Close()
		return nil, err
	}
	p.routes()
	return p, nil
}

func (p *Portal) build() error {
	cfg := p.cfg
	audit := auth.SlogAuditor(cfg.Log)
	pki, key, err := p.secrets()
	if err != nil {
		return fmt.Errorf("portal: dev PKI: %w", err)
	}
	p.pki = pki
	// OCSP then CRL, as against the NCA, from the portal's own responder
	// and CRL (devrevocation.go).
	if p.rev, err = newDevRevocation(p.pki, p.store, cfg.Now, audit, cfg.OCSPAddr); err != nil {
		return err
	}
	verifier, err := signature.NewVerifier(signature.Config{
		Roots: p.pki.roots(), Intermediates: p.pki.intermediates(), Now: cfg.Now, Revocation: p.rev,
	})
	if err != nil {
		return err
	}
	// Every action needs a person's key (never an information system's);
	// signing a document, a key for signing (nonRepudiation).
	persons := map[string]signature.Check{
		actionLogin: signature.RequirePerson(), actionSign: signature.RequirePerson(),
		actionAddPasskey: signature.RequirePerson(), actionAddPhone: signature.RequirePerson(),
		actionManage: signature.RequirePerson(), actionRecover: signature.RequirePerson(),
		actionContract: contractCheck(), // first head or right to sign of the demo company
	}
	ecpFactor, err := ecp.New(ecp.Config{
		Verifier: verifier, Store: p.store, Mapper: p, Origin: cfg.Origin, Locale: "ru", Rand: cfg.Rand,
		Purposes: map[string]signature.Purpose{actionSign: signature.PurposeSign(), actionContract: signature.PurposeSign()},
		Checks:   persons,
	})
	if err != nil {
		return err
	}
	codes, err := otp.New(otp.Config{Store: p.store, Sender: cfg.SMS, Keys: []otp.Key{key}, Domain: p.origin.Hostname(),
		Now: cfg.Now, Rand: cfg.Rand, Logger: cfg.Log, Cooldown: cfg.SMSCooldown, Budgets: cfg.SMSBudgets})
	if err != nil {
		return err
	}
	if err := p.credentialStores(); err != nil {
		return err
	}
	// SMS goes only to a bound number out of its quarantine (p.lc).
	smsFactor, err := sms.New(sms.Config{OTP: codes, Phones: p.lc, Languages: p.dir})
	if err != nil {
		return err
	}
	if p.passkeys, err = passkey.New(passkey.Config{RPID: p.origin.Hostname(), RPName: "eGov demo portal",
		Origins: []string{cfg.Origin}, Store: p.store, Credentials: p.lc.WrapPasskeys(p.creds), Now: cfg.Now, Rand: cfg.Rand, Audit: audit}); err != nil {
		return err
	}
	qrService, err := qr.New(qr.Config{Store: p.store, Devices: p.lc.WrapDevices(p.devices), Service: "eGov demo (development)",
		MaxFrameAge: cfg.QRMaxFrameAge, Now: cfg.Now, Rand: cfg.Rand,
		// Mode B: eGov Mobile signs the challenge with the person's ECP key,
		// for a login and a document signature only (it has no number
		// matching: the page asks "Signed in as <name> — continue?").
		MobileSign: &qr.MobileSignConfig{Verifier: verifier, BaseURL: cfg.Origin + "/qr/egov", Origin: cfg.Origin,
			Actions: []string{actionLogin, actionSign},
			Organisation: qr.Organisation{NameRu: "Демо-портал eGov (разработка)", NameKz: "eGov демо-порталы (әзірлеу)",
				NameEn: "eGov demo portal (development)"},
			Purposes: map[string]signature.Purpose{actionSign: signature.PurposeSign()}, Checks: persons},
	})
	if err != nil {
		return err
	}
	if p.qr, err = qrfactor.New(qrfactor.Config{Service: qrService, Audit: audit, Log: cfg.Log, Mapper: p}); err != nil {
		return err
	}
	login, err := auth.ParseRule(ruleLogin)
	if err != nil {
		return err
	}
	contract, err := auth.ParseRule(ruleContract)
	if err != nil {
		return err
	}
	p.engine, err = auth.New(auth.Config{
		Store: p.store, Now: cfg.Now, Rand: cfg.Rand, Audit: audit,
		Factors: []auth.Factor{ecpFactor, smsFactor, p.passkeys, p.qr},
		Policies: p.lifecyclePolicies([]auth.Policy{
			{Action: actionLogin, Rule: login},
			// A strong factor from the last five minutes, the login's
			// included: right after an ECP login, signing asks nothing.
			{Action: actionSign, Rule: auth.AnyStrong(), MaxAge: stepUpAge, SatisfiedBy: []string{actionLogin}},
			{Action: actionAddPasskey, Rule: auth.AnyStrong(), MaxAge: stepUpAge},
			{Action: actionAddPhone, Rule: auth.AnyStrong(), MaxAge: stepUpAge},
			{Action: actionContract, Rule: contract, MaxAge: stepUpAge},
		}),
	})
	if err != nil {
		return err
	}
	if p.metrics, err = authmetrics.New(authmetrics.Config{}); err != nil {
		return err
	}
	p.auth, err = authhttp.New(authhttp.Config{
		Engine: p.engine, Store: p.store, Origins: []string{cfg.Origin}, Log: cfg.Log, Metrics: p.metrics,
		OnResult: p.onResult, Subject: p.subjectFor, ClientIP: cfg.ClientIP,
		Location: func(*http.Request) string { return "Almaty, KZ (demo)" },
	})
	if err != nil {
		return err
	}
	if p.qrPhone, err = p.qr.PhoneHandler(qrfactor.PhoneConfig{Flows: p.engine}); err != nil {
		return err
	}
	if p.qrBrowser, err = p.qr.BrowserHandler(qrfactor.BrowserConfig{Origins: []string{cfg.Origin}, ClientIP: cfg.ClientIP}); err != nil {
		return err
	}
	if p.qrEnrol, err = p.qr.EnrolHandler(qrfactor.EnrolConfig{Evidence: p.phoneEvidence}); err != nil {
		return err
	}
	if p.qrEgov, err = p.qr.MobileSignHandler(); err != nil {
		return err
	}
	if err := p.accountHandler(); err != nil {
		return err
	}
	p.pages, err = newPages(p)
	return err
}

// Close stops the OCSP responder and releases the store if the portal
// made it.
func (p *Portal) Close() {
	if p.rev != nil {
		p.rev.Close()
	}
	if p.ownStore != nil {
		p.ownStore.Close()
	}
	if p.pgPool != nil {
		p.pgPool.Close()
	}
}

// Engine returns the portal's engine (for tests and benchmarks).
func (p *Portal) Engine() *auth.Engine { return p.engine }

// ServeHTTP implements http.Handler.
func (p *Portal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self' "+p.cfg.NCALayerURL+"; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	p.mux.ServeHTTP(w, p.withLang(w, r))
}

func (p *Portal) routes() {
	static, _ := fs.Sub(webFS, "web/static") // a constant, embedded path
	p.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	p.mux.Handle("/auth/", http.StripPrefix("/auth", p.auth))
	p.mux.Handle("/qr/phone/", http.StripPrefix("/qr/phone", p.qrPhone))
	p.mux.Handle("/qr/browser/", http.StripPrefix("/qr/browser", p.qrBrowser))
	p.mux.Handle("/qr/enrol/", http.StripPrefix("/qr/enrol", p.withClient(p.qrEnrol)))
	p.mux.Handle("/account/", http.StripPrefix("/account", p.account))
	p.mux.HandleFunc("GET /account", p.accountPage)
	p.mux.HandleFunc("GET /not-me", p.notMePage)
	p.mux.Handle("/qr/egov/", http.StripPrefix("/qr/egov", p.qrEgov))
	p.mux.Handle("GET /dev/metrics", p.metrics)
	p.devRoutes()
	p.mux.HandleFunc("GET /{$}", p.home)
	p.mux.HandleFunc("GET /cabinet", p.cabinet)
	p.mux.HandleFunc("GET /sign", p.signPage)
	p.mux.HandleFunc("GET /sms-only", p.smsOnly)
	p.mux.HandleFunc("GET /company", p.companyPage)
	p.mux.Handle("POST /api/contract", p.guard(p.auth.Require(actionContract, p.results)(http.HandlerFunc(p.signContract))))
	p.mux.HandleFunc("GET /api/me", p.me)
	p.mux.HandleFunc("POST /api/logout", p.api(p.logout))
	p.mux.Handle("POST /api/sign", p.guard(p.auth.Require(actionSign, p.results)(http.HandlerFunc(p.signDocument))))
	p.mux.HandleFunc("POST /api/passkeys/begin", p.api(p.passkeyBegin))
	p.mux.HandleFunc("POST /api/passkeys/finish", p.api(p.passkeyFinish))
	p.mux.HandleFunc("POST /api/phones/token", p.api(p.phoneToken))
}

// --- the host's part of strongauth: sessions from results ---

// onResult turns a completed flow into the host's session: a login makes a
// fresh session; a step-up adds its result to the session of the same
// person.
func (p *Portal) onResult(w http.ResponseWriter, r *http.Request, res *auth.Result) error {
	if res.Action == actionLogin {
		if old, ok := p.sessionID(r); ok {
			p.sessions.delete(r.Context(), old)
		}
		id, err := p.sessions.create(r.Context(), res)
		if err != nil {
			return err
		}
		http.SetCookie(w, sessionCookie(p.cookie, id, p.secure, 0))
		return nil
	}
	id, ok := p.sessionID(r)
	if !ok {
		return errors.New("portal: a step-up without a session")
	}
	return p.sessions.add(r.Context(), id, res)
}

// subjectFor makes every flow but a login prove the session's person.
func (p *Portal) subjectFor(r *http.Request, action string) (string, error) {
	if action == actionLogin {
		return "", nil
	}
	s, ok := p.session(r)
	if !ok {
		return "", auth.ErrNoSubject
	}
	return s.Subject, nil
}

// results gives the step-up middleware the session's results.
func (p *Portal) results(r *http.Request) []*auth.Result {
	s, ok := p.session(r)
	if !ok {
		return nil
	}
	out := make([]*auth.Result, 0, len(s.Results))
	for _, res := range s.Results {
		out = append(out, res)
	}
	return out
}

func (p *Portal) sessionID(r *http.Request) (string, bool) {
	c, err := r.Cookie(p.cookie)
	if err != nil || len(c.Value) != 43 {
		return "", false
	}
	return c.Value, true
}

func (p *Portal) session(r *http.Request) (*session, bool) {
	id, ok := p.sessionID(r)
	if !ok {
		return nil, false
	}
	s, ok := p.sessions.get(r.Context(), id)
	if ok && p.ended(r, s) { // a "this was not me" report or a recovery ended it
		p.sessions.delete(r.Context(), id)
		return nil, false
	}
	return s, ok
}

// Map implements ecp.Mapper: the signer's IIN must be a person of the
// directory (and, in a step-up, the session's person: the engine checks
// that too).
func (p *Portal) Map(_ context.Context, req *ecp.MapRequest) (string, error) {
	person, ok := p.dir.find(req.Identity.IIN)
	if !ok {
		return "", auth.Classify(auth.ErrVerification, errNoPerson)
	}
	if req.FlowSubject != "" && req.FlowSubject != person.IIN {
		return "", auth.ErrSubjectMismatch
	}
	return person.IIN, nil
}

// Hint implements ecp.Hinter: in a step-up, NCALayer offers only the
// session person's keys.
func (p *Portal) Hint(_ context.Context, subject string) (iin, bin string) { return subject, "" }

// --- the host's JSON API ---

type apiError struct {
	status int
	code   string
}

func (e *apiError) Error() string     { return "portal: " + e.code }
func (e *apiError) ErrorCode() string { return e.code }

var (
	errNotLoggedIn = &apiError{http.StatusUnauthorized, "subject_unknown"}
	errBadRequest  = &apiError{http.StatusBadRequest, "invalid_input"}
	errForeign     = &apiError{http.StatusForbidden, "origin"}
	errContentType = &apiError{http.StatusUnsupportedMediaType, "content_type"}
)

// guard applies to the host's POST endpoints what authhttp applies to its
// own: same origin only (the session cookie is SameSite=Strict as well),
// JSON only, small bodies.
func (p *Portal) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") != p.cfg.Origin || (r.Header.Get("Sec-Fetch-Site") != "" && r.Header.Get("Sec-Fetch-Site") != "same-origin") {
			p.fail(w, r, errForeign)
			return
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" && ct != "application/json; charset=utf-8" {
			p.fail(w, r, errContentType)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxAPIBody)
		next.ServeHTTP(w, r)
	})
}

// api adapts a JSON handler: guarded, its answer or error written as JSON.
func (p *Portal) api(fn func(r *http.Request) (any, error)) http.HandlerFunc {
	return p.guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := fn(r)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		if c, ok := v.(*http.Cookie); ok {
			http.SetCookie(w, c)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		writeJSON(w, http.StatusOK, v)
	})).ServeHTTP
}

func (p *Portal) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusForbidden
	body := map[string]string{"code": auth.Code(err), "message": auth.ClientMessage(err, r.Header.Get("Accept-Language"))}
	var ae *apiError
	var su *stepUp
	switch {
	case errors.As(err, &su):
		status, body["action"] = http.StatusUnauthorized, su.action
	case errors.As(err, &ae):
		status = ae.status
	case errors.Is(err, auth.ErrUnavailable), auth.Code(err) == "internal":
		status = http.StatusServiceUnavailable
	case errors.Is(err, auth.ErrInvalidInput):
		status = http.StatusBadRequest
	}
	p.cfg.Log.Warn("portal api", slog.String("path", r.URL.Path), slog.String("code", auth.Code(err)), slog.String("error", err.Error()))
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (p *Portal) logout(r *http.Request) (any, error) {
	if id, ok := p.sessionID(r); ok {
		p.sessions.delete(r.Context(), id)
	}
	return sessionCookie(p.cookie, "", p.secure, -1), nil
}

// meView is what GET /api/me tells the page about its session.
type meView struct {
	Subject  string                `json:"subject"`
	Name     string                `json:"name"`
	Results  map[string]resultView `json:"results"`
	Passkeys int                   `json:"passkeys"`
	Phones   int                   `json:"phones"`
}

type resultView struct {
	ACR      string    `json:"acr"`
	AMR      []string  `json:"amr"`
	Factors  []string  `json:"factors"`
	AuthTime time.Time `json:"auth_time"`
}

func viewOf(res *auth.Result) resultView {
	v := resultView{ACR: res.ACR, AMR: res.AMR, AuthTime: res.AuthTime}
	for _, e := range res.Evidence {
		v.Factors = append(v.Factors, string(e.Kind))
	}
	return v
}

func (p *Portal) me(w http.ResponseWriter, r *http.Request) {
	s, ok := p.session(r)
	if !ok {
		p.fail(w, r, errNotLoggedIn)
		return
	}
	person, _ := p.dir.find(s.Subject)
	v := meView{Subject: s.Subject, Name: person.FullName(), Results: map[string]resultView{}}
	for a, res := range s.Results {
		v.Results[a] = viewOf(res)
	}
	if creds, err := p.creds.List(r.Context(), s.Subject); err == nil {
		v.Passkeys = len(creds)
	}
	if phones, err := p.devices.List(r.Context(), s.Subject); err == nil {
		v.Phones = len(phones)
	}
	writeJSON(w, http.StatusOK, v)
}

// signDocument is the sensitive action: it runs only behind Require, that
// is with a strong factor of this person from the last five minutes.
func (p *Portal) signDocument(w http.ResponseWriter, r *http.Request) {
	s, ok := p.session(r)
	if !ok {
		p.fail(w, r, errNotLoggedIn)
		return
	}
	var req struct {
		Document string `json:"document"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		p.fail(w, r, errBadRequest)
		return
	}
	doc, found := documentByID(req.Document)
	if !found {
		p.fail(w, r, errBadRequest)
		return
	}
	// The result that allowed it: a step-up of its own, or the login.
	res := s.Results[actionSign]
	if res == nil || !p.engine.Check(res, actionSign).Allowed {
		res = s.Results[actionLogin]
	}
	person, _ := p.dir.find(s.Subject)
	writeJSON(w, http.StatusOK, map[string]any{
		"document": doc.ID, "title": doc.Title, "signed_by": person.FullName(), "iin": person.IIN,
		"signed_at": p.cfg.Now().UTC(), "confirmed_with": viewOf(res),
	})
}

// --- passkey enrolment: a sensitive action of its own ---

// enrolling returns the session and the browser binding of an enrolment
// request.
func (p *Portal) enrolling(r *http.Request) (*session, string, error) {
	s, ok := p.session(r)
	if !ok {
		return nil, "", errNotLoggedIn
	}
	binding, ok := p.auth.Binding(r)
	if !ok {
		return nil, "", authhttp.ErrNoBinding
	}
	return s, binding, nil
}

func (p *Portal) passkeyBegin(r *http.Request) (any, error) {
	s, binding, err := p.enrolling(r)
	if err != nil {
		return nil, err
	}
	res := freshest(s.Results)
	person, _ := p.dir.find(s.Subject)
	reg, err := p.passkeys.BeginRegistration(r.Context(), passkey.RegistrationRequest{
		Result: res, Subject: s.Subject, Binding: binding,
		User: passkey.UserInfo{Name: maskIIN(person.IIN), DisplayName: person.FullName()},
	})
	if errors.Is(err, passkey.ErrEnrolmentGate) {
		return nil, &stepUp{action: actionAddPasskey}
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"id": reg.ID, "options": reg.Options, "expires_at": reg.ExpiresAt}, nil
}

// stepUp answers 401 step_up_required with the action to run first.
type stepUp struct{ action string }

func (e *stepUp) Error() string     { return "portal: a fresh strong factor is required for " + e.action }
func (e *stepUp) ErrorCode() string { return "step_up_required" }

func (p *Portal) passkeyFinish(r *http.Request) (any, error) {
	s, binding, err := p.enrolling(r)
	if err != nil {
		return nil, err
	}
	var req struct {
		ID         string          `json:"id"`
		Credential json.RawMessage `json:"credential"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.ID == "" || len(req.Credential) == 0 {
		return nil, errBadRequest
	}
	ctx := lifecycle.WithClient(r.Context(), p.auth.Client(r)) // for the notice of the new passkey
	cred, err := p.passkeys.FinishRegistration(ctx, req.ID, binding, req.Credential)
	if err != nil {
		return nil, err
	}
	if cred.Subject != s.Subject {
		_ = p.creds.Remove(r.Context(), cred.Subject, cred.ID)
		return nil, errSessionMismatch
	}
	return map[string]string{"credential": cred.Ref()}, nil
}

// freshest returns the result whose newest strong evidence is the most
// recent: the best chance to open an enrolment.
func freshest(results map[string]*auth.Result) *auth.Result {
	var best *auth.Result
	var at time.Time
	for _, res := range results {
		for _, e := range res.Evidence {
			if e.Strength == auth.Strong && e.Time.After(at) {
				best, at = res, e.Time
			}
		}
	}
	return best
}

func maskIIN(iin string) string {
	if len(iin) != 12 {
		return "************"
	}
	return iin[:4] + "******" + iin[10:]
}
