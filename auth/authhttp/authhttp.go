package authhttp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/textproto"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/clientip"
	"github.com/strongauth/strongauth/internal/origins"
	"github.com/strongauth/strongauth/store"
)

// Defaults.
const (
	DefaultMaxBody        = 64 << 10
	DefaultStartsPerIP    = 30  // per minute
	DefaultBeginsPerIP    = 120 // per minute
	DefaultLongPoll       = 25 * time.Second
	DefaultStatusInterval = time.Second
	// DefaultStreamMax is how long one Server-Sent Events response lasts
	// before the server ends it; EventSource then reconnects on its own
	// and resumes from the last version it saw (Last-Event-ID).
	DefaultStreamMax = 5 * time.Minute
	// DefaultWatchersPerIP bounds the status requests (streams and long
	// polls) one client address holds open at once on one instance.
	DefaultWatchersPerIP = 16
	// heartbeat is how often an idle event stream gets a comment line, so
	// proxies do not close it.
	heartbeat  = 15 * time.Second
	CSRFHeader = "X-StrongAuth-CSRF"
)

// csrfKey is CSRFHeader in its canonical form, which Header.Get would
// otherwise compute (and allocate) on every call.
var csrfKey = http.CanonicalHeaderKey(CSRFHeader)

// Errors of the HTTP layer (each with a stable code).
var (
	ErrCSRF        = codeErr("csrf", "authhttp: missing or wrong CSRF token")
	ErrOrigin      = codeErr("origin", "authhttp: request from a foreign origin")
	ErrContentType = codeErr("content_type", "authhttp: content type must be application/json")
	ErrTooLarge    = codeErr("too_large", "authhttp: request body too large")
	ErrNoBinding   = codeErr("binding_missing", "authhttp: no browser binding")
	ErrStepUp      = codeErr("step_up_required", "authhttp: a fresh strong factor is required")
	ErrNotFound    = codeErr("not_found", "authhttp: no such endpoint")
)

type codedErr struct{ code, msg string }

func (e *codedErr) Error() string     { return e.msg }
func (e *codedErr) ErrorCode() string { return e.code }

func codeErr(code, msg string) error { return &codedErr{code, msg} }

// Metrics receives one observation per handled operation. Implementations
// must be safe for concurrent use: auth/authprom, auth/authotel and
// authmetrics, each outside the core import graph.
type Metrics interface {
	// Observe records an operation ("start", "begin", "finish", "status",
	// "decision"), the factor kind (empty when none), the outcome ("ok" or
	// an error code) and its latency.
	Observe(op string, kind auth.Kind, outcome string, d time.Duration)
}

// Config configures a Handler.
type Config struct {
	// Engine runs the flows. Required.
	Engine *auth.Engine
	// OnResult is called when a flow completes, before the response is
	// written: create the host's session here. Required. An error denies.
	OnResult func(w http.ResponseWriter, r *http.Request, res *auth.Result) error
	// Origins are the exact origins browsers may call from
	// ("https://example.kz"). Required. Each must be https, or http on a
	// loopback host (localhost, 127.0.0.0/8, [::1]) for development; New
	// refuses plain http anywhere else and a list mixing the two.
	Origins []string
	// Store holds the per-IP rate-limit counters. Required (share the
	// engine's store).
	Store store.Store
	// Binding, if set, supplies the browser binding secret from the
	// request (for hosts that already bind their own session); the cookie
	// is then neither set nor read.
	Binding func(r *http.Request) (secret string, ok bool)
	// CookieName overrides the binding cookie's name. Default
	// "__Host-strongauth" when the Origins are https and "strongauth" when
	// they are http on localhost. The name and the cookie's Secure flag
	// follow from Origins, never from a request's Host header (which a
	// TLS-terminating proxy rewrites).
	CookieName string
	// ClientIP extracts the client address (behind a trusted proxy, from
	// its header: see clientip.Resolver). It may return an address with a
	// port or IPv6 brackets; rate limits count IPv4 addresses singly and
	// IPv6 addresses by their /64 (clientip.Bucket). Default: the address
	// of the TCP peer (clientip.Remote).
	ClientIP func(r *http.Request) string
	// Location gives a coarse, host-supplied place for a request
	// ("Almaty, KZ"), shown to the user on a second device. Optional.
	Location func(r *http.Request) string
	// Subject, if set, names the account a new flow for action must prove:
	// for a step-up of a user the host already knows (from its own
	// session), every factor of the flow must then prove that account. It
	// returns "" to let the first factor identify the subject, or an error
	// to refuse the start (the client sees the error's auth.Code, for
	// example auth.ErrNoSubject: "subject_unknown"). Without it every flow
	// starts with no subject, and the host must compare Result.Subject
	// with its session in OnResult.
	Subject func(r *http.Request, action string) (string, error)
	// MaxBody bounds request bodies. Zero means DefaultMaxBody.
	MaxBody int64
	// StartsPerIP and BeginsPerIP bound starts and begins per client IP per
	// minute. Zero means the defaults.
	StartsPerIP, BeginsPerIP int64
	// Metrics, if set, receives an observation per operation.
	Metrics Metrics
	// Log receives operator detail of failures. Nil means slog.Default().
	Log *slog.Logger
	// StatusInterval is how often the status stream re-reads the flow.
	// Zero means DefaultStatusInterval.
	StatusInterval time.Duration
	// StreamMax bounds one Server-Sent Events response. Zero means
	// DefaultStreamMax.
	StreamMax time.Duration
	// WatchersPerIP bounds the status requests a client address (IPv6: its
	// /64) holds open at once on this instance; more are refused with 429.
	// Zero means DefaultWatchersPerIP.
	WatchersPerIP int
}

// Handler serves the flow endpoints. Create it with New.
type Handler struct {
	cfg    Config
	secure bool // the Origins are https: the binding cookie is Secure
	mux    *http.ServeMux

	mu       sync.Mutex
	watchers map[string]int // open status requests per client bucket
}

// New validates cfg and returns a Handler.
func New(cfg Config) (*Handler, error) {
	switch {
	case cfg.Engine == nil:
		return nil, fmt.Errorf("%w: authhttp: Engine is required", auth.ErrConfig)
	case cfg.OnResult == nil:
		return nil, fmt.Errorf("%w: authhttp: OnResult is required", auth.ErrConfig)
	case cfg.Store == nil:
		return nil, fmt.Errorf("%w: authhttp: Store is required", auth.ErrConfig)
	case len(cfg.Origins) == 0:
		return nil, fmt.Errorf("%w: authhttp: Origins are required", auth.ErrConfig)
	}
	secure, err := origins.CheckAll(cfg.Origins)
	if err != nil {
		return nil, fmt.Errorf("%w: authhttp: %w", auth.ErrConfig, err)
	}
	if cfg.CookieName == "" {
		cfg.CookieName = origins.CookieName(secure)
	} else if err := (&http.Cookie{Name: cfg.CookieName, Value: "v"}).Valid(); err != nil {
		return nil, fmt.Errorf("%w: authhttp: CookieName %q is not a cookie name", auth.ErrConfig, cfg.CookieName)
	} else if !secure && (strings.HasPrefix(cfg.CookieName, "__Host-") || strings.HasPrefix(cfg.CookieName, "__Secure-")) {
		return nil, fmt.Errorf("%w: authhttp: CookieName %q needs https origins (browsers drop such cookies over http)", auth.ErrConfig, cfg.CookieName)
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.StartsPerIP <= 0 {
		cfg.StartsPerIP = DefaultStartsPerIP
	}
	if cfg.BeginsPerIP <= 0 {
		cfg.BeginsPerIP = DefaultBeginsPerIP
	}
	if cfg.StatusInterval <= 0 {
		cfg.StatusInterval = DefaultStatusInterval
	}
	if cfg.StreamMax <= 0 {
		cfg.StreamMax = DefaultStreamMax
	}
	if cfg.WatchersPerIP <= 0 {
		cfg.WatchersPerIP = DefaultWatchersPerIP
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = clientip.Remote
	}
	h := &Handler{cfg: cfg, secure: secure, mux: http.NewServeMux(), watchers: make(map[string]int)}
	h.mux.HandleFunc("POST /flows", h.start)
	h.mux.HandleFunc("POST /flows/{id}/begin/{kind}", h.begin)
	h.mux.HandleFunc("POST /flows/{id}/finish/{kind}", h.finish)
	h.mux.HandleFunc("GET /flows/{id}/status", h.status)
	h.mux.HandleFunc("GET /flows/{id}/decision", h.decision)
	h.mux.Handle("GET /client.js", newAsset(clientJS, "text/javascript; charset=utf-8"))
	h.mux.Handle("GET /client.css", newAsset(clientCSS, "text/css; charset=utf-8"))
	// Everything else, a known path with another method included, is a
	// JSON 404: the catch-all routes in the same lookup as the endpoints
	// (no second match per request) and leaves the mux no redirect or 405
	// of its own to answer.
	h.mux.HandleFunc("/", h.notFound)
	return h, nil
}

// ServeHTTP implements http.Handler. Requests for anything but the
// endpoints, including non-canonical paths ("//flows", "/flows/"), get a
// JSON 404 {"code": "not_found"}, never a redirect.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr["Cache-Control"] = hdrNoStore
	hdr["X-Content-Type-Options"] = hdrNoSniff
	if p := r.URL.Path; p == "" || p[0] != '/' || p != path.Clean(p) {
		h.notFound(w, r)
		return
	}
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.fail(w, r, "route", ErrNotFound)
}

// Binding returns the browser binding secret the request carries (the
// binding cookie, or Config.Binding's answer), for host endpoints that
// must present it to a factor, such as passkey enrolment
// (passkey.RegistrationRequest.Binding). It is a secret: never log it.
func (h *Handler) Binding(r *http.Request) (string, bool) { return h.bindingOf(r) }

// bindingOf returns the request's binding secret.
func (h *Handler) bindingOf(r *http.Request) (string, bool) {
	if h.cfg.Binding != nil {
		return h.cfg.Binding(r)
	}
	v, ok := cookie(r.Header, h.cfg.CookieName)
	if !ok || len(v) < 32 || len(v) > 128 {
		return "", false
	}
	return v, true
}

// maxCookies is net/http's default bound on the cookies of a request
// (more, and it reads none).
const maxCookies = 3000

// cookie returns the value of the request's cookie called name as
// r.Cookie(name) does — the first with a valid value, its quotes
// stripped — without parsing the others into Cookies. name must be a
// valid cookie name (New checks CookieName). Unlike net/http it does not
// follow a GODEBUG httpcookiemaxnum lower than the default: it allocates
// nothing per cookie.
func cookie(h http.Header, name string) (string, bool) {
	lines := h["Cookie"]
	if len(lines) == 0 {
		return "", false
	}
	n := 0
	for _, line := range lines {
		n += strings.Count(line, ";") + 1
	}
	if n > maxCookies {
		return "", false
	}
	for _, line := range lines {
		line = textproto.TrimString(line)
		var part string
		for len(line) > 0 {
			part, line, _ = strings.Cut(line, ";")
			k, v, _ := strings.Cut(textproto.TrimString(part), "=")
			if textproto.TrimString(k) != name {
				continue
			}
			if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if validCookieValue(v) {
				return v, true
			}
		}
	}
	return "", false
}

func validCookieValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < 0x20 || b >= 0x7f || b == '"' || b == ';' || b == '\\' {
			return false
		}
	}
	return true
}

// CSRFToken derives the per-flow CSRF token from the binding secret (which
// scripts cannot read) and the flow ID. POST /flows returns it; hosts that
// supply their own binding can compute it for their pages.
func CSRFToken(binding, flowID string) string {
	var b [csrfLen]byte
	return string(appendCSRF(b[:0], binding, flowID))
}

// csrfLen is the length of a CSRF token: a SHA-256 in unpadded base64.
const csrfLen = 43

// appendCSRF appends CSRFToken(binding, flowID) to dst.
func appendCSRF(dst []byte, binding, flowID string) []byte {
	var in [256]byte // the hashed text stays on the stack unless the ID is long
	b := append(in[:0], "strongauth/csrf\x00"...)
	b = append(b, binding...)
	b = append(b, 0)
	b = append(b, flowID...)
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.AppendEncode(dst, sum[:])
}

// checkPost applies the origin, content-type and body-size checks of a POST
// and returns its JSON body (nil when empty), a copy the caller may keep.
func (h *Handler) checkPost(w http.ResponseWriter, r *http.Request) (json.RawMessage, error) {
	e := getBuf()
	defer putBuf(e)
	var v []byte
	var err error
	e.b, v, err = h.readPost(w, r, e.b[:0])
	if err != nil || v == nil {
		return nil, err
	}
	return json.RawMessage(bytes.Clone(v)), nil
}

// readPost applies the origin, content-type and body-size checks of a POST
// and reads its body into buf, which it returns grown: v is the one JSON
// value of the body without the white space around it (in buf's memory),
// or nil for an empty body.
func (h *Handler) readPost(w http.ResponseWriter, r *http.Request, buf []byte) (_, v []byte, err error) {
	if sfs := r.Header.Get("Sec-Fetch-Site"); sfs != "" && sfs != "same-origin" {
		return buf, nil, ErrOrigin
	}
	if o := r.Header.Get("Origin"); o != "" && !slices.Contains(h.cfg.Origins, o) {
		return buf, nil, ErrOrigin
	}
	if r.ContentLength > h.cfg.MaxBody {
		return buf, nil, ErrTooLarge
	}
	if r.ContentLength == 0 || r.Body == nil {
		return buf, nil, nil
	}
	if !isJSONType(r.Header.Get("Content-Type")) {
		return buf, nil, ErrContentType
	}
	body := r.Body
	if r.ContentLength < 0 {
		// Of unknown length (chunked): past the limit, MaxBytesReader
		// also tells the server to close the connection rather than
		// drain the rest.
		body = http.MaxBytesReader(w, body, h.cfg.MaxBody)
	}
	buf, err = readAtMost(body, buf, h.cfg.MaxBody, r.ContentLength)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok || errors.Is(err, errTooLarge) {
			return buf, nil, ErrTooLarge
		}
		return buf, nil, fmt.Errorf("%w: body unreadable", auth.ErrInvalidInput)
	}
	v = bytes.Trim(buf, " \t\r\n")
	if len(v) == 0 {
		return buf, nil, nil
	}
	if !json.Valid(v) {
		return buf, nil, fmt.Errorf("%w: body is not one JSON value", auth.ErrInvalidInput)
	}
	return buf, v, nil
}

var errTooLarge = errors.New("authhttp: body over the limit")

// readAtMost appends what r holds to buf, up to max bytes; more is
// errTooLarge. size, when not negative, is the length the request
// announced: the buffer grows to it at once.
func readAtMost(r io.Reader, buf []byte, max, size int64) ([]byte, error) {
	start := len(buf)
	if size >= 0 {
		buf = slices.Grow(buf, int(size)+1) // +1: room for the EOF read
	}
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, 512)
		}
		room := buf[len(buf):cap(buf)]
		if left := max + 1 - int64(len(buf)-start); int64(len(room)) > left {
			room = room[:left]
		}
		n, err := r.Read(room)
		buf = buf[:len(buf)+n]
		if int64(len(buf)-start) > max {
			return buf, errTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// isJSONType reports whether a Content-Type header names application/json
// (any parameters); the two forms browsers send skip the parser.
func isJSONType(ct string) bool {
	switch ct {
	case "application/json", "application/json; charset=utf-8":
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

func (h *Handler) checkCSRF(r *http.Request, binding, flowID string) error {
	got := r.Header.Get(csrfKey)
	if len(got) != csrfLen { // the length is public: every token has it
		return ErrCSRF
	}
	var g, w [csrfLen]byte
	copy(g[:], got)
	if subtle.ConstantTimeCompare(g[:], appendCSRF(w[:0], binding, flowID)) != 1 {
		return ErrCSRF
	}
	return nil
}

// limit counts one request of kind op from the client's IP in the current
// minute and refuses past max. IPv6 clients are counted by their /64, which
// one subscriber usually holds whole.
func (h *Handler) limit(ctx context.Context, op, ip string, max int64) error {
	n, err := h.cfg.Store.Incr(ctx, "sa:http:"+op+":"+clientip.Bucket(ip), 1, time.Minute)
	if err != nil {
		return fmt.Errorf("%w: rate limit: %w", auth.ErrUnavailable, err)
	}
	if n > max {
		return rateLimited{time.Minute}
	}
	return nil
}

// watch admits one more open status request from ip, or refuses; the
// returned function releases it.
func (h *Handler) watch(ip string) (func(), error) {
	b := clientip.Bucket(ip)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.watchers[b] >= h.cfg.WatchersPerIP {
		return nil, rateLimited{time.Second}
	}
	h.watchers[b]++
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.watchers[b]--; h.watchers[b] <= 0 {
			delete(h.watchers, b)
		}
	}, nil
}

type rateLimited struct{ after time.Duration }

func (e rateLimited) Error() string             { return "authhttp: too many requests from this address" }
func (e rateLimited) Unwrap() error             { return auth.ErrRateLimited }
func (e rateLimited) RetryAfter() time.Duration { return e.after }
func (e rateLimited) Is(target error) bool      { return target == auth.ErrRateLimited }
func (e rateLimited) ErrorCode() string         { return "rate_limited" }

func (h *Handler) client(r *http.Request) auth.ClientInfo { return h.clientAt(r, h.cfg.ClientIP(r)) }

// clientAt is client for a request whose address is known already.
func (h *Handler) clientAt(r *http.Request, ip string) auth.ClientInfo {
	c := auth.ClientInfo{IP: ip, UserAgent: r.UserAgent(), Origin: r.Header.Get("Origin")}
	if len(c.UserAgent) > 512 {
		c.UserAgent = c.UserAgent[:512]
	}
	if h.cfg.Location != nil {
		c.Location = h.cfg.Location(r)
	}
	return c
}

func (h *Handler) observe(op string, kind auth.Kind, err error, start time.Time) {
	if h.cfg.Metrics == nil {
		return
	}
	if _, known := h.cfg.Engine.Factor(kind); !known {
		kind = "" // the kind comes from the URL: never let a client grow the label set
	}
	outcome := "ok"
	if err != nil {
		outcome = auth.Code(err)
	}
	h.cfg.Metrics.Observe(op, kind, outcome, time.Since(start))
}

// statusOf maps an error code to an HTTP status.
func statusOf(err error) int { return statusOfCode(auth.Code(err)) }

// statusOfCode is statusOf for a code already known.
func statusOfCode(code string) int {
	switch code {
	case "flow_not_found", "unknown_factor", "unknown_action", "not_found":
		return http.StatusNotFound
	case "invalid_input", "policy_syntax":
		return http.StatusBadRequest
	case "content_type":
		return http.StatusUnsupportedMediaType
	case "too_large":
		return http.StatusRequestEntityTooLarge
	case "rate_limited", "locked":
		return http.StatusTooManyRequests
	case "flow_expired", "expired":
		return http.StatusGone
	case "flow_completed", "flow_cancelled", "factor_already_completed", "replayed":
		return http.StatusConflict
	case "verification_failed", "subject_mismatch", "revoked", "step_up_required":
		return http.StatusUnauthorized
	case "unavailable":
		return http.StatusServiceUnavailable
	case "internal":
		return http.StatusInternalServerError
	default: // binding, csrf, origin, gates, fraud, not_allowed …
		return http.StatusForbidden
	}
}

// retryAfterError is an error that is an auth.RetryAfter.
type retryAfterError interface {
	error
	auth.RetryAfter
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, op string, err error) {
	code := auth.Code(err) // once: each call allocates
	status := statusOfCode(code)
	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	if h.cfg.Log.Enabled(r.Context(), level) { // a flood of refusals need not build unlogged lines
		h.cfg.Log.LogAttrs(r.Context(), level, "strongauth http", slog.String("op", op),
			slog.String("code", code), slog.String("error", err.Error()), slog.String("ip", h.cfg.ClientIP(r)))
	}
	if ra, ok := errors.AsType[retryAfterError](err); ok { // AsType: no target to allocate
		w.Header().Set("Retry-After", strconv.Itoa(int(ra.RetryAfter().Seconds()+0.999)))
	}
	e := getBuf()
	defer putBuf(e)
	e.b = appendError(e.b[:0], code, auth.MessageForCode(code, r.Header.Get("Accept-Language")))
	send(w, status, e.b)
}

// writeView answers with a flow's view.
func writeView(w http.ResponseWriter, status int, v *flowView) error {
	e := getBuf()
	defer putBuf(e)
	b, err := appendView(e.b[:0], v)
	if err != nil {
		return encodeErr(err)
	}
	e.b = b
	send(w, status, b)
	return nil
}

// encodeErr is the failure to encode an answer (a time outside RFC 3339,
// a factor's challenge data that encoding/json refuses): an internal
// error, answered before any of the answer is written.
func encodeErr(err error) error { return fmt.Errorf("authhttp: encode the answer: %w", err) }

//go:embed client.js
var clientJS []byte

//go:embed client.css
var clientCSS []byte

// ClientJS returns the browser client, a dependency-free ES module: flow
// calls with the CSRF token, an NCALayer WebSocket client, WebAuthn JSON
// conversions and status watching (SSE with a long-poll fallback).
func ClientJS() []byte { return append([]byte(nil), clientJS...) }

// ClientCSS returns the stylesheet of the default UI: the sa-* classes
// that client.js renders, themed by CSS custom properties (--sa-*), light
// and dark.
func ClientCSS() []byte { return append([]byte(nil), clientCSS...) }

// asset is an embedded file served with a strong ETag (a hash of its
// content): browsers keep it and revalidate it (Cache-Control: no-cache),
// and a new release is picked up at once.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

func newAsset(body []byte, contentType string) asset {
	sum := sha256.Sum256(body)
	return asset{body: body, contentType: contentType, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`}
}

func (a asset) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", a.contentType)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", a.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}

// The pieces below let handlers built beside this package (the credential
// life cycle's lifecycle/lifecyclehttp, a host's own endpoints) apply the
// same checks and limits as the flow endpoints.

// Engine returns the engine the Handler runs.
func (h *Handler) Engine() *auth.Engine { return h.cfg.Engine }

// Logger returns the Handler's logger for operator detail.
func (h *Handler) Logger() *slog.Logger { return h.cfg.Log }

// ClientIP returns the request's client address as Config.ClientIP reads
// it.
func (h *Handler) ClientIP(r *http.Request) string { return h.cfg.ClientIP(r) }

// CheckPost applies the flow endpoints' checks to a POST — Sec-Fetch-Site
// and Origin against Config.Origins, application/json, the body limit —
// and returns its JSON body (nil when empty).
func (h *Handler) CheckPost(w http.ResponseWriter, r *http.Request) (json.RawMessage, error) {
	return h.checkPost(w, r)
}

// Limit counts one request of kind op from the request's client address
// (clientip.Bucket) in the current minute and refuses past Config's
// StartsPerIP with a rate-limit error carrying Retry-After.
func (h *Handler) Limit(r *http.Request, op string) error {
	return h.limit(r.Context(), op, h.cfg.ClientIP(r), h.cfg.StartsPerIP)
}

// Status returns the HTTP status the flow endpoints answer for err's code
// (auth.Code): 401 verification_failed, 429 rate_limited, 503 unavailable…
func Status(err error) int { return statusOf(err) }

// Client returns the client description of a request (address, browser,
// place) as the flow endpoints record it.
func (h *Handler) Client(r *http.Request) auth.ClientInfo { return h.client(r) }
