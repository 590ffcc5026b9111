package qr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/clientip"
	"github.com/strongauth/strongauth/factors/ecp"
	"github.com/strongauth/strongauth/internal/origins"
	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/signature"
)

// Handler defaults.
const (
	DefaultLongPoll = 25 * time.Second
	DefaultPoll     = 500 * time.Millisecond
	// DefaultWatchersPerIP is authhttp's default for its own status
	// requests, so a page watching both has the same allowance.
	DefaultWatchersPerIP = 16
	// DefaultRendersPerIP allows a page that refreshes its code every
	// second, twice over.
	DefaultRendersPerIP = 120
)

// Errors of the handlers.
var (
	// ErrContentType reports a POST whose body is not application/json.
	ErrContentType = errors.New("qr factor: content type must be application/json")
	// ErrCrossSite reports a browser request from another site.
	ErrCrossSite = errors.New("qr factor: cross-site request")
	// ErrNoBinding reports a browser request without the flow's binding.
	ErrNoBinding = errors.New("qr factor: no browser binding")
)

// FlowCanceller cancels a flow for good; *auth.Engine implements it.
type FlowCanceller interface {
	Cancel(ctx context.Context, flowID, reason string) error
}

// statusOf maps an error to an HTTP status by its client code.
func statusOf(err error) int {
	switch auth.Code(err) {
	case "invalid_input":
		return http.StatusBadRequest
	case "rate_limited", "locked":
		return http.StatusTooManyRequests
	case "expired":
		return http.StatusGone
	case "replayed":
		return http.StatusConflict
	case "verification_failed", "subject_mismatch", "revoked":
		return http.StatusUnauthorized
	case "unavailable":
		return http.StatusServiceUnavailable
	case "internal":
		return http.StatusInternalServerError
	default: // binding, fraud, gate
		return http.StatusForbidden
	}
}

// ErrorBody is the JSON of every error response.
type ErrorBody struct {
	// Code is the stable client code (auth.Code).
	Code string `json:"code"`
	// Reason is the finer, non-secret qr reason (Reason), if any.
	Reason string `json:"reason,omitempty"`
	// Message is for the user, in the request's language (kk, ru, en).
	Message string `json:"message"`
}

func (f *Factor) fail(w http.ResponseWriter, r *http.Request, op string, err error) {
	f.failWith(w, r, op, 0, err)
}

// failWith answers an error with status (0: the status of its code).
func (f *Factor) failWith(w http.ResponseWriter, r *http.Request, op string, status int, err error) {
	err = Classify(err)
	if status == 0 {
		status = statusOf(err)
	}
	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	f.log.LogAttrs(r.Context(), level, "strongauth qr", slog.String("op", op), slog.String("code", auth.Code(err)),
		slog.String("reason", Reason(err)), slog.String("error", err.Error()), slog.String("remote", clientip.Remote(r)))
	var ra auth.RetryAfter
	if errors.As(err, &ra) {
		w.Header().Set("Retry-After", strconv.Itoa(int(ra.RetryAfter().Seconds()+0.999)))
	}
	writeJSON(w, status, ErrorBody{Code: auth.Code(err), Reason: Reason(err),
		Message: auth.ClientMessage(err, r.Header.Get("Accept-Language"))})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func secureHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

// readJSON reads a bounded application/json body. Browsers cannot send it
// cross-site without a CORS preflight, which the handlers never grant.
func readJSON(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if sfs := r.Header.Get("Sec-Fetch-Site"); sfs != "" && sfs != "same-origin" && sfs != "none" {
		return nil, fmt.Errorf("%w: %w", qr.ErrMalformed, ErrCrossSite)
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil, fmt.Errorf("%w: %w", qr.ErrMalformed, ErrContentType)
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return nil, fmt.Errorf("%w: body too large or unreadable", qr.ErrMalformed)
	}
	return b, nil
}

// --- phone side ---

// PhoneConfig configures the phone-side handler.
type PhoneConfig struct {
	// Flows cancels a flow for good when the user denies its session on
	// the phone. Required: pass the *auth.Engine.
	Flows FlowCanceller
}

// PhoneHandler returns the handler the host's mobile app calls. Mount it
// under any prefix with http.StripPrefix. Every request is a qr.Signed
// document authenticated by the device key, never by a cookie:
//
//	POST /scan     qr.Signed{scan}     → qr.ScanResult (details, three numbers)
//	POST /approve  qr.Signed{approve}  → {"status": "approved"}
//	POST /deny     qr.Signed{deny}     → {"status": "denied"}; the flow is cancelled for good
//
// Errors are ErrorBody with the HTTP status of the client code. The
// details' texts follow Accept-Language (kk, ru, en).
func (f *Factor) PhoneHandler(cfg PhoneConfig) (http.Handler, error) {
	if cfg.Flows == nil {
		return nil, fmt.Errorf("%w: qr factor: PhoneConfig.Flows is required (the engine)", auth.ErrConfig)
	}
	p := &phone{f: f, flows: cfg.Flows}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /scan", p.scan)
	mux.HandleFunc("POST /approve", p.approve)
	mux.HandleFunc("POST /deny", p.deny)
	return secureHeaders(mux), nil
}

type phone struct {
	f     *Factor
	flows FlowCanceller
}

func (p *phone) scan(w http.ResponseWriter, r *http.Request) {
	body, err := readJSON(w, r, qr.MaxEnvelope)
	if err == nil {
		var res *qr.ScanResult
		if res, err = p.f.svc.Scan(r.Context(), body, auth.Lang(r.Header.Get("Accept-Language"))); err == nil {
			writeJSON(w, http.StatusOK, res)
			return
		}
	}
	p.f.fail(w, r, "scan", err)
}

func (p *phone) approve(w http.ResponseWriter, r *http.Request) {
	body, err := readJSON(w, r, qr.MaxEnvelope)
	if err == nil {
		if err = p.f.svc.Approve(r.Context(), body); err == nil {
			writeJSON(w, http.StatusOK, map[string]string{"status": "approved"})
			return
		}
	}
	p.f.fail(w, r, "approve", err)
}

func (p *phone) deny(w http.ResponseWriter, r *http.Request) {
	body, err := readJSON(w, r, qr.MaxEnvelope)
	var d *qr.Denial
	if err == nil {
		d, err = p.f.svc.Deny(r.Context(), body)
	}
	if err != nil {
		p.f.fail(w, r, "deny", err)
		return
	}
	ctx := r.Context()
	if !d.Again {
		p.f.audit.Audit(ctx, auth.Event{
			Type: auth.EventFraudReported, Time: p.f.svc.Now(), Flow: auth.FlowRef(d.FlowID), Action: d.Action,
			Subject: d.Subject, Kind: auth.KindQR,
			Attrs: map[string]string{"device": d.Device, "ip": d.IP, "browser": d.Browser, "os": d.OS, "location": d.Location},
		})
	}
	if err := p.flows.Cancel(ctx, d.FlowID, auth.EventFraudReported); err != nil {
		// The denial is recorded (no redemption can succeed); the phone
		// retries so that the flow gets cancelled too.
		p.f.fail(w, r, "deny", fmt.Errorf("%w: cancel flow: %w", qr.ErrUnavailable, err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "denied"})
}

// --- enrolment ---

// EnrolConfig configures the enrolment handler.
type EnrolConfig struct {
	// Evidence returns the account and the evidence of the host's own
	// session for this request — typically the auth.Result.Evidence the
	// host kept when a flow completed. Required. An error denies.
	Evidence func(r *http.Request) (subject string, evidence []auth.Evidence, err error)
}

// EnrolHandler returns the handler through which the app, signed in to the
// host with a strong factor in the last minutes, enrols its device key:
//
//	POST /begin   {}                                  → qr.EnrolChallenge
//	POST /finish  qr.Signed{enrol, with "key"}        → {"device": {"id", "name", "created_at"}}
//
// Both need application/json (which keeps other sites from posting) and
// pass the gate of BeginEnrol with the host's evidence.
func (f *Factor) EnrolHandler(cfg EnrolConfig) (http.Handler, error) {
	if cfg.Evidence == nil {
		return nil, fmt.Errorf("%w: qr factor: EnrolConfig.Evidence is required", auth.ErrConfig)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /begin", func(w http.ResponseWriter, r *http.Request) {
		ch, err := f.enrolStep(w, r, cfg, func(subject string, ev []auth.Evidence, _ []byte) (any, error) {
			return f.BeginEnrol(r.Context(), subject, ev)
		})
		if err != nil {
			f.fail(w, r, "enrol-begin", err)
			return
		}
		writeJSON(w, http.StatusOK, ch)
	})
	mux.HandleFunc("POST /finish", func(w http.ResponseWriter, r *http.Request) {
		out, err := f.enrolStep(w, r, cfg, func(subject string, ev []auth.Evidence, body []byte) (any, error) {
			d, err := f.FinishEnrol(r.Context(), subject, ev, body)
			if err != nil {
				return nil, err
			}
			return map[string]any{"device": EnrolledDevice{ID: d.ID, Name: d.Name, CreatedAt: d.CreatedAt}}, nil
		})
		if err != nil {
			f.fail(w, r, "enrol-finish", err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	})
	return secureHeaders(mux), nil
}

// EnrolledDevice is what the enrolment handler returns about the new
// device.
type EnrolledDevice struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

func (f *Factor) enrolStep(w http.ResponseWriter, r *http.Request, cfg EnrolConfig,
	step func(subject string, ev []auth.Evidence, body []byte) (any, error)) (any, error) {
	body, err := readJSON(w, r, qr.MaxEnvelope)
	if err != nil {
		return nil, err
	}
	subject, ev, err := cfg.Evidence(r)
	if err != nil {
		return nil, auth.Classify(auth.ErrGate, err)
	}
	return step(subject, ev, body)
}

// --- browser side ---

// BrowserConfig configures the browser-side handler.
type BrowserConfig struct {
	// Origins are the site's origins, as in auth/authhttp.Config.Origins:
	// the binding cookie's name follows from them ("__Host-strongauth" for
	// https, "strongauth" for http on localhost), never from the request's
	// Host header. Required unless Binding or CookieName is set.
	Origins []string
	// Binding, if set, supplies the flow's binding secret from the request
	// (a host that binds flows its own way); otherwise the cookie is read.
	Binding func(r *http.Request) (secret string, ok bool)
	// CookieName is the binding cookie. Zero means the name auth/authhttp
	// uses for Origins.
	CookieName string
	// Scale is the PNG's pixels per module. Zero means qr.DefaultScale.
	Scale int
	// LongPoll bounds a status long poll and an event stream. Zero means
	// DefaultLongPoll.
	LongPoll time.Duration
	// Poll is how often a waiting request re-reads the session. Zero means
	// DefaultPoll.
	Poll time.Duration
	// ClientIP extracts the client address, as authhttp.Config.ClientIP
	// does (behind a trusted proxy: clientip.Resolver). Default: the TCP
	// peer. Addresses are grouped as everywhere in the module
	// (clientip.Bucket: IPv4 by address, IPv6 by /64).
	ClientIP func(r *http.Request) string
	// WatchersPerIP bounds the status requests (long polls and event
	// streams) a client address holds open at once on this instance; more
	// are refused with 429. Zero means DefaultWatchersPerIP.
	WatchersPerIP int
	// RendersPerIP bounds the frame images (PNG or SVG) rendered for one
	// client address per minute on this instance; an image already
	// rendered for the same frame is served from a cache and not counted.
	// Zero means DefaultRendersPerIP.
	RendersPerIP int
}

// BrowserHandler returns the handler the waiting browser calls; every
// request needs the flow's binding (cookie or BrowserConfig.Binding),
// compared in constant time with the hash the session holds:
//
//	GET /{flow}/frame       qr.Status: state, current frame while pending, number once scanned
//	GET /{flow}/frame.png   the current frame as PNG (409 once no longer pending)
//	GET /{flow}/frame.svg   the current frame as SVG
//	GET /{flow}/status      long poll (?after=<state>&wait=<seconds>), or Server-Sent
//	                        Events with Accept: text/event-stream ("status" events,
//	                        one per state change and, while pending, per frame)
//	POST /{flow}/cancel     "choose another way": abandons the flow's QR session
//	                        (qr.Service.Abandon) → {"status": "cancelled"}; the flow
//	                        stays open for another factor. application/json ({} or
//	                        empty), same-origin only (Sec-Fetch-Site, and Origin
//	                        when Origins are set)
//
// Completion is not here: the browser finishes the qr factor through the
// host (auth.Engine.Finish), which redeems the approval once.
func (f *Factor) BrowserHandler(cfg BrowserConfig) (http.Handler, error) {
	if cfg.Scale < 0 || cfg.Scale > qr.MaxScale {
		return nil, fmt.Errorf("%w: qr factor: Scale must be in [0, %d]", auth.ErrConfig, qr.MaxScale)
	}
	if cfg.WatchersPerIP < 0 || cfg.RendersPerIP < 0 {
		return nil, fmt.Errorf("%w: qr factor: WatchersPerIP and RendersPerIP must not be negative", auth.ErrConfig)
	}
	if cfg.Binding == nil && cfg.CookieName == "" || len(cfg.Origins) > 0 {
		secure, err := origins.CheckAll(cfg.Origins)
		if err != nil {
			return nil, fmt.Errorf("%w: qr factor: BrowserConfig.Origins: %w", auth.ErrConfig, err)
		}
		if cfg.CookieName == "" {
			cfg.CookieName = origins.CookieName(secure)
		}
	}
	if cfg.LongPoll <= 0 || cfg.LongPoll > DefaultLongPoll {
		cfg.LongPoll = DefaultLongPoll
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = clientip.Remote
	}
	if cfg.WatchersPerIP == 0 {
		cfg.WatchersPerIP = DefaultWatchersPerIP
	}
	if cfg.RendersPerIP == 0 {
		cfg.RendersPerIP = DefaultRendersPerIP
	}
	b := &browser{f: f, cfg: cfg, watchers: make(map[string]int), renders: make(map[string]int)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{flow}/frame", b.frame)
	mux.HandleFunc("GET /{flow}/frame.png", b.image)
	mux.HandleFunc("GET /{flow}/frame.svg", b.image)
	mux.HandleFunc("GET /{flow}/status", b.status)
	mux.HandleFunc("POST /{flow}/cancel", b.cancel)
	return secureHeaders(mux), nil
}

type browser struct {
	f   *Factor
	cfg BrowserConfig
	r   qr.Renderer

	mu       sync.Mutex
	watchers map[string]int // open status requests per client bucket
	window   int64          // the minute renders counts
	renders  map[string]int // images rendered per client bucket in window
	cache    [frameCacheSize]*cachedFrame
	next     int // the cache slot to overwrite next
}

// frameCacheSize is how many rendered frames are kept: every watcher of a
// session asks for the same frame each time step, so the most recent ones
// serve them all.
const frameCacheSize = 64

// cachedFrame is a frame's image, or the promise of it while the first
// request renders it: the others wait for ready instead of rendering the
// same frame again.
type cachedFrame struct {
	key   string // format, scale and content
	ready chan struct{}
	img   []byte // set before ready is closed
	err   error
}

// watch admits one more open status request from the request's client, or
// refuses; the returned function releases it.
func (b *browser) watch(r *http.Request) (func(), error) {
	k := clientip.Bucket(b.cfg.ClientIP(r))
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.watchers[k] >= b.cfg.WatchersPerIP {
		return nil, &qr.RateLimitError{Retry: time.Second}
	}
	b.watchers[k]++
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.watchers[k]--; b.watchers[k] <= 0 {
			delete(b.watchers, k)
		}
	}, nil
}

// render returns the image of a frame from the cache, or renders it if the
// client's render budget for this minute allows. Frames hold no secret
// beyond what the page already shows; the cache is per handler.
func (b *browser) render(r *http.Request, svg bool, content string) ([]byte, error) {
	key := "p"
	if svg {
		key = "s"
	}
	key += strconv.Itoa(b.cfg.Scale) + ":" + content
	b.mu.Lock()
	for _, c := range b.cache {
		if c != nil && c.key == key {
			b.mu.Unlock()
			select {
			case <-c.ready:
			case <-r.Context().Done():
				return nil, r.Context().Err()
			}
			return c.img, c.err
		}
	}
	k := clientip.Bucket(b.cfg.ClientIP(r))
	if w := b.f.svc.Now().Unix() / 60; w != b.window {
		b.window, b.renders = w, make(map[string]int) // memory: one minute of clients
	}
	if b.renders[k] >= b.cfg.RendersPerIP {
		b.mu.Unlock()
		return nil, &qr.RateLimitError{Retry: time.Minute}
	}
	b.renders[k]++
	c := &cachedFrame{key: key, ready: make(chan struct{})}
	b.cache[b.next] = c
	b.next = (b.next + 1) % frameCacheSize
	b.mu.Unlock()

	if svg {
		c.img, c.err = b.r.SVG(content, b.cfg.Scale)
	} else {
		c.img, c.err = b.r.PNG(content, b.cfg.Scale)
	}
	if c.err != nil {
		b.mu.Lock()
		for i, o := range b.cache {
			if o == c {
				b.cache[i] = nil // a failure is not cached
			}
		}
		b.mu.Unlock()
	}
	close(c.ready)
	return c.img, c.err
}

func (b *browser) binding(r *http.Request) ([]byte, error) {
	var secret string
	var ok bool
	if b.cfg.Binding != nil {
		secret, ok = b.cfg.Binding(r)
	} else {
		if c, err := r.Cookie(b.cfg.CookieName); err == nil && len(c.Value) >= 16 && len(c.Value) <= 256 {
			secret, ok = c.Value, true
		}
	}
	if !ok || secret == "" {
		return nil, auth.Classify(auth.ErrBinding, ErrNoBinding)
	}
	return auth.BindingHash(secret), nil
}

func (b *browser) current(r *http.Request) (*qr.Status, error) {
	h, err := b.binding(r)
	if err != nil {
		return nil, err
	}
	return b.f.svc.Status(r.Context(), r.PathValue("flow"), h)
}

func (b *browser) frame(w http.ResponseWriter, r *http.Request) {
	st, err := b.current(r)
	if err != nil {
		b.f.fail(w, r, "frame", err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (b *browser) image(w http.ResponseWriter, r *http.Request) {
	st, err := b.current(r)
	if err != nil {
		b.f.fail(w, r, "frame-image", err)
		return
	}
	if st.State != qr.StatePending {
		writeJSON(w, http.StatusConflict, st)
		return
	}
	svg := strings.HasSuffix(r.URL.Path, ".svg")
	ctype := "image/png"
	if svg {
		ctype = "image/svg+xml"
	}
	img, err := b.render(r, svg, st.Content)
	if err != nil {
		if !errors.Is(err, qr.ErrRateLimited) {
			err = fmt.Errorf("%w: %w", qr.ErrUnavailable, err)
		}
		b.f.fail(w, r, "frame-image", err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("X-Frame-T", strconv.Itoa(st.T))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(img)
}

// cancel abandons the flow's session at the bound browser's request. The
// binding cookie is SameSite=Strict and the body must be JSON (a
// cross-site form cannot send it without a preflight); the Origin, when
// the browser sends one, must be one of Origins.
func (b *browser) cancel(w http.ResponseWriter, r *http.Request) {
	body, err := readJSON(w, r, 64)
	if err == nil {
		if o := r.Header.Get("Origin"); o != "" && len(b.cfg.Origins) > 0 && !slices.Contains(b.cfg.Origins, o) {
			err = fmt.Errorf("%w: %w", qr.ErrMalformed, ErrCrossSite)
		} else if t := strings.TrimSpace(string(body)); t != "" && t != "{}" && t != "null" {
			err = fmt.Errorf("%w: cancel takes no input", qr.ErrMalformed)
		}
	}
	var h []byte
	if err == nil {
		h, err = b.binding(r)
	}
	if err == nil {
		err = b.f.svc.Abandon(r.Context(), r.PathValue("flow"), h)
	}
	if err != nil {
		b.f.fail(w, r, "cancel", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "cancelled"})
}

func terminal(s qr.State) bool {
	return s != qr.StatePending && s != qr.StateScanned
}

func (b *browser) status(w http.ResponseWriter, r *http.Request) {
	h, err := b.binding(r)
	if err != nil {
		b.f.fail(w, r, "status", err)
		return
	}
	release, err := b.watch(r)
	if err != nil {
		b.f.fail(w, r, "status", err)
		return
	}
	defer release()
	flow := r.PathValue("flow")
	ctx := r.Context()
	st, err := b.f.svc.Status(ctx, flow, h)
	if err != nil {
		b.f.fail(w, r, "status", err)
		return
	}
	wait := b.cfg.LongPoll
	if s := r.URL.Query().Get("wait"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 && time.Duration(n)*time.Second < wait {
			wait = time.Duration(n) * time.Second
		}
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	flusher, ok := w.(http.Flusher)
	if r.Header.Get("Accept") != "text/event-stream" || !ok {
		after := qr.State(r.URL.Query().Get("after"))
		if st.State == after && !terminal(after) {
			if next, err := b.f.svc.Wait(ctx, flow, h, after, b.cfg.Poll); err == nil {
				st = next
			} else if ctx.Err() == nil {
				b.f.fail(w, r, "status", err)
				return
			}
		}
		writeJSON(w, http.StatusOK, st)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	tick := time.NewTicker(b.cfg.Poll)
	defer tick.Stop()
	var last *qr.Status
	for {
		if last == nil || st.State != last.State || st.T != last.T || st.Number != last.Number {
			j, _ := json.Marshal(st)
			fmt.Fprintf(w, "event: status\ndata: %s\n\n", j)
			flusher.Flush()
			last = st
		}
		if terminal(st.State) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if st, err = b.f.svc.Status(ctx, flow, h); err != nil {
			fmt.Fprintf(w, "event: error\ndata: {\"code\":%q,\"reason\":%q}\n\n", auth.Code(Classify(err)), Reason(err))
			flusher.Flush()
			return
		}
	}
}

// --- mode B: eGov Mobile ---

// MobileSignHandler returns the handler that eGov Mobile (or any app
// speaking the public mobileSign protocol) calls in mode B. Mount it where
// MobileSignConfig.BaseURL points:
//
//	GET /api1/{token}  → qr.MobileAPI1: description, expiry, organisation, the document's
//	                     URI and bearer token (once)
//	GET /doc/{id}      Authorization: Bearer <auth_token> → qr.MobileDocuments with the
//	                     challenge to sign (once)
//	PUT /doc/{id}      Authorization: Bearer <auth_token>, the same JSON with the answer in
//	                     the announced sign method (qr.ParseMobileSubmit: the base64 CMS,
//	                     the signed documentXml, or the {signature, certificate} JSON text)
//	                     → 200 {"status": "signed"}, or 403 ErrorBody with the reason (once)
//
// Every URL is single-use and expires with the session (MobileSignConfig.TTL,
// 180 s by default). Texts follow Accept-Language (kk, ru, en). The API 1
// token is in the URL by the protocol's design: it is single-use and short
// lived, and this package logs it only by hash; keep /api1/ paths out of
// access logs too.
func (f *Factor) MobileSignHandler() (http.Handler, error) {
	if !slices.Contains(f.svc.Modes(), qr.ModeMobileSign) {
		return nil, fmt.Errorf("%w: qr factor: the Service has no MobileSign configuration", auth.ErrConfig)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api1/{token}", func(w http.ResponseWriter, r *http.Request) {
		a, err := f.svc.MobileAPI1(r.Context(), r.PathValue("token"), auth.Lang(r.Header.Get("Accept-Language")))
		if err != nil {
			f.fail(w, r, "mobile-api1", err)
			return
		}
		writeJSON(w, http.StatusOK, a)
	})
	mux.HandleFunc("GET /doc/{id}", func(w http.ResponseWriter, r *http.Request) {
		d, err := f.svc.MobileDocument(r.Context(), r.PathValue("id"), bearer(r), auth.Lang(r.Header.Get("Accept-Language")))
		if err != nil {
			f.fail(w, r, "mobile-document", err)
			return
		}
		writeJSON(w, http.StatusOK, d)
	})
	mux.HandleFunc("PUT /doc/{id}", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, qr.MaxMobileSubmit))
		if err != nil {
			f.fail(w, r, "mobile-submit", fmt.Errorf("%w: body too large or unreadable", qr.ErrMalformed))
			return
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); r.Header.Get("Content-Type") != "" &&
			(err != nil || mt != "application/json") {
			f.fail(w, r, "mobile-submit", fmt.Errorf("%w: %w", qr.ErrMalformed, ErrContentType))
			return
		}
		_, err = f.svc.MobileSubmit(r.Context(), r.PathValue("id"), bearer(r), body, f.mapMobile)
		switch {
		case err == nil:
			writeJSON(w, http.StatusOK, map[string]string{"status": "signed"})
		case errors.Is(err, qr.ErrSignatureRefused):
			f.failWith(w, r, "mobile-submit", http.StatusForbidden, err)
		default:
			f.fail(w, r, "mobile-submit", err)
		}
	})
	return secureHeaders(mux), nil
}

// bearer returns the token of an "Authorization: Bearer" header.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// mapMobile maps a mode B signer with the configured ecp.Mapper.
func (f *Factor) mapMobile(ctx context.Context, action, flowSubject string, s *signature.Signer) (string, error) {
	return f.mapper.Map(ctx, &ecp.MapRequest{Action: action, FlowSubject: flowSubject, Identity: s.Identity, Signer: s})
}
