package qr_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/factors/ecp"
	qrfactor "github.com/strongauth/strongauth/factors/qr"
	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/internal/proctest"
	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/qr/phone"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/store/memory"
)

var ctx = context.Background()

// recorder is an auth.Auditor that keeps the events.
type recorder struct {
	mu     sync.Mutex
	events []auth.Event
}

func (r *recorder) Audit(_ context.Context, e auth.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) of(typ string) []auth.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []auth.Event
	for _, e := range r.events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// host is a host application: an engine with the qr factor and a fake
// passkey factor (for the strong login that gates enrolment), the phone,
// browser and enrolment handlers mounted on one test server, and the
// results of completed flows kept per subject as a host session would.
type host struct {
	t       testing.TB
	clock   *fakeclock.Clock
	st      *memory.Store
	svc     *qr.Service
	factor  *qrfactor.Factor
	eng     *auth.Engine
	passkey *authtest.Factor
	audit   *recorder
	logs    *proctest.Output
	srv     *httptest.Server
	flows   qrfactor.FlowCanceller

	mu       sync.Mutex
	sessions map[string]*auth.Result // host session cookie → result
}

type hostOption func(*hostConfig)

type hostConfig struct {
	qr     func(*qr.Config)
	cancel qrfactor.FlowCanceller
	// mobile enables mode B with a verifier over these anchors.
	mobile *mobileTrust
	// browser adjusts the browser handler's configuration.
	browser func(*qrfactor.BrowserConfig)
}

// mobileTrust is what the mode B verifier trusts and how it checks
// revocation.
type mobileTrust struct {
	roots, intermediates []*x509.Certificate
	revocation           signature.RevocationChecker
}

// withBrowser adjusts the browser handler's configuration.
func withBrowser(f func(*qrfactor.BrowserConfig)) hostOption {
	return func(c *hostConfig) { c.browser = f }
}

// withMobile enables mode B (eGov Mobile) on the host.
func withMobile(tr *mobileTrust) hostOption { return func(c *hostConfig) { c.mobile = tr } }

func newHost(t testing.TB, opts ...hostOption) *host {
	t.Helper()
	var hc hostConfig
	for _, o := range opts {
		o(&hc)
	}
	h := &host{t: t, clock: fakeclock.New(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), audit: &recorder{},
		logs: &proctest.Output{}, passkey: authtest.Strong(auth.KindWebAuthn), sessions: map[string]*auth.Result{}}
	h.st = memory.New(memory.Config{Now: h.clock.Now, SweepInterval: -1})
	t.Cleanup(func() { h.st.Close() })
	h.srv = httptest.NewUnstartedServer(nil)
	base := "http://" + h.srv.Listener.Addr().String()
	cfg := qr.Config{Store: h.st, Devices: qr.NewMemoryDevices(), Service: "eGov.kz", Now: h.clock.Now, PerIP: 1000}
	var err error
	if hc.mobile != nil {
		v, err := signature.NewVerifier(signature.Config{Roots: hc.mobile.roots, Intermediates: hc.mobile.intermediates,
			Now: h.clock.Now, Revocation: hc.mobile.revocation, InsecureSkipRevocation: hc.mobile.revocation == nil})
		require.NoError(t, err)
		cfg.MobileSign = &qr.MobileSignConfig{Verifier: v, BaseURL: base + "/qr/egov",
			Organisation: qr.Organisation{NameRu: "Портал", NameKz: "Портал", NameEn: "Portal"}, Origin: base,
			Actions: []string{"login", "sign-document"}}
	}
	if hc.qr != nil {
		hc.qr(&cfg)
	}
	h.svc, err = qr.New(cfg)
	require.NoError(t, err)
	log := slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h.factor, err = qrfactor.New(qrfactor.Config{Service: h.svc, Audit: h.audit, Log: log,
		Mapper: ecp.MapperFunc(func(_ context.Context, r *ecp.MapRequest) (string, error) {
			if r.Identity.IIN == "" {
				return "", errors.New("no IIN")
			}
			return "iin:" + r.Identity.IIN, nil
		})})
	require.NoError(t, err)
	login, err := auth.ParseRule("qr | webauthn")
	require.NoError(t, err)
	strong, err := auth.ParseRule("strong")
	require.NoError(t, err)
	h.eng, err = auth.New(auth.Config{
		Store:   h.st,
		Factors: []auth.Factor{h.factor, h.passkey},
		Policies: []auth.Policy{
			{Action: "login", Rule: login},
			{Action: "sign-document", Rule: strong, MaxAge: 5 * time.Minute},
		},
		Now:   h.clock.Now,
		Audit: auth.AuditorFunc(func(c context.Context, e auth.Event) { h.audit.Audit(c, e) }),
	})
	require.NoError(t, err)
	h.flows = h.eng
	if hc.cancel != nil {
		h.flows = hc.cancel
	}
	phoneH, err := h.factor.PhoneHandler(qrfactor.PhoneConfig{Flows: h.flows})
	require.NoError(t, err)
	bcfg := qrfactor.BrowserConfig{Poll: 2 * time.Millisecond, Origins: []string{base}}
	if hc.browser != nil {
		hc.browser(&bcfg)
	}
	browserH, err := h.factor.BrowserHandler(bcfg)
	require.NoError(t, err)
	enrolH, err := h.factor.EnrolHandler(qrfactor.EnrolConfig{Evidence: h.evidence})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/qr/phone/", http.StripPrefix("/qr/phone", phoneH))
	mux.Handle("/qr/browser/", http.StripPrefix("/qr/browser", browserH))
	mux.Handle("/qr/enrol/", http.StripPrefix("/qr/enrol", enrolH))
	if hc.mobile != nil {
		mobileH, err := h.factor.MobileSignHandler()
		require.NoError(t, err)
		mux.Handle("/qr/egov/", http.StripPrefix("/qr/egov", mobileH))
	}
	h.srv.Config.Handler = mux
	h.srv.Start()
	t.Cleanup(h.srv.Close)
	return h
}

// evidence is the host's EnrolConfig.Evidence: the result kept in its
// session.
func (h *host) evidence(r *http.Request) (string, []auth.Evidence, error) {
	c, err := r.Cookie("host-session")
	if err != nil {
		return "", nil, errors.New("not signed in")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	res, ok := h.sessions[c.Value]
	if !ok {
		return "", nil, errors.New("not signed in")
	}
	return res.Subject, res.Evidence, nil
}

// browser is one browser: its binding secret and the flow it started.
type browser struct {
	binding string
	flow    *auth.Flow
}

func (h *host) start(action, subject string) *browser {
	h.t.Helper()
	secret, err := h.eng.NewBinding()
	require.NoError(h.t, err)
	f, err := h.eng.Start(ctx, auth.StartRequest{Action: action, Subject: subject, Binding: secret, Client: auth.ClientInfo{
		IP: "203.0.113.7", UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36", Location: "Almaty, KZ"}})
	require.NoError(h.t, err)
	return &browser{binding: secret, flow: f}
}

func (h *host) step(b *browser, k auth.Kind) auth.StepRequest {
	return auth.StepRequest{FlowID: b.flow.ID, Binding: b.binding, Kind: k}
}

// beginQR begins the qr factor and returns the first frame.
func (h *host) beginQR(b *browser) string {
	h.t.Helper()
	ch, err := h.eng.Begin(ctx, h.step(b, auth.KindQR))
	require.NoError(h.t, err)
	return ch.Data.(qrfactor.Begun).Content
}

// signIn completes a passkey login for subject and keeps the result in a
// host session, returning its cookie value.
func (h *host) signIn(subject string) string {
	h.t.Helper()
	b := h.start("login", "")
	_, err := h.eng.Begin(ctx, h.step(b, auth.KindWebAuthn))
	require.NoError(h.t, err)
	req := h.step(b, auth.KindWebAuthn)
	req.Input = authtest.OK(subject)
	out, err := h.eng.Finish(ctx, req)
	require.NoError(h.t, err)
	require.NotNil(h.t, out.Result)
	cookie := "session-of-" + subject + "-" + b.flow.ID[:8]
	h.mu.Lock()
	h.sessions[cookie] = out.Result
	h.mu.Unlock()
	return cookie
}

// phone enrols a new device for subject through the enrolment handler,
// signed in with a fresh passkey login.
func (h *host) phone(subject, name string) *phone.Client {
	h.t.Helper()
	key, err := phone.GenerateKey()
	require.NoError(h.t, err)
	p := &phone.Client{PhoneURL: h.srv.URL + "/qr/phone", Key: key, HTTP: h.srv.Client(), Now: h.clock.Now, Lang: "en",
		Header: http.Header{"Cookie": {"host-session=" + h.signIn(subject)}}}
	require.NoError(h.t, p.Enrol(ctx, h.srv.URL+"/qr/enrol", name))
	p.Header = nil // phone requests carry no cookie
	return p
}

// get is a browser request with the binding cookie ("strongauth" on
// 127.0.0.1).
func (h *host) get(b *browser, path string, hdr ...string) *http.Response {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.srv.URL+"/qr/browser/"+b.flow.ID+path, nil)
	require.NoError(h.t, err)
	if b.binding != "" {
		req.AddCookie(&http.Cookie{Name: "strongauth", Value: b.binding})
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := h.srv.Client().Do(req)
	require.NoError(h.t, err)
	h.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func (h *host) status(b *browser, query string) *qr.Status {
	h.t.Helper()
	resp := h.get(b, "/status"+query)
	require.Equal(h.t, http.StatusOK, resp.StatusCode, readAll(h.t, resp))
	var st qr.Status
	require.NoError(h.t, json.NewDecoder(resp.Body).Decode(&st))
	return &st
}

func (h *host) finish(b *browser) (*auth.Outcome, error) {
	return h.eng.Finish(ctx, h.step(b, auth.KindQR))
}

// post sends a raw phone request.
func (h *host) post(path, ctype, body string, hdr ...string) *http.Response {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+path, strings.NewReader(body))
	require.NoError(h.t, err)
	req.Header.Set("Content-Type", ctype)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := h.srv.Client().Do(req)
	require.NoError(h.t, err)
	h.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func readAll(t testing.TB, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	r.Body = io.NopCloser(bytes.NewReader(b))
	return string(b)
}

func errorBody(t testing.TB, r *http.Response) qrfactor.ErrorBody {
	t.Helper()
	var eb qrfactor.ErrorBody
	require.NoError(t, json.NewDecoder(r.Body).Decode(&eb))
	return eb
}

func serverError(t *testing.T, err error) *phone.ServerError {
	t.Helper()
	var se *phone.ServerError
	require.ErrorAs(t, err, &se)
	return se
}
