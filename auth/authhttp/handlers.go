package authhttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/strongauth/strongauth/auth"
)

type startRequest struct {
	Action string `json:"action"`
	// Lang is the page's language for the flow (auth.StartRequest.Lang).
	Lang string `json:"lang"`
}

// flowView is what the browser learns about a flow.
type flowView struct {
	Flow         string      `json:"flow"`
	CSRF         string      `json:"csrf,omitempty"`
	Action       string      `json:"action"`
	State        string      `json:"state"` // "open", "completed", "cancelled", "expired"
	Offer        []auth.Kind `json:"offer"`
	Alternatives [][]string  `json:"alternatives"`
	Done         []auth.Kind `json:"done"`
	Subject      bool        `json:"subject_known"`
	ExpiresAt    time.Time   `json:"expires_at"`
	Version      uint64      `json:"version"`
	Lang         string      `json:"lang,omitempty"`
}

func (h *Handler) view(r *http.Request, f *auth.Flow) flowView {
	d := h.cfg.Engine.DecideFlow(f, h.cfg.Engine.Now())
	v := flowView{Flow: f.ID, Action: f.Action, State: "open", Offer: h.cfg.Engine.Offer(r.Context(), f),
		Alternatives: d.Alternatives(), Subject: f.Subject != "", ExpiresAt: f.ExpiresAt, Version: f.Version, Lang: f.Lang}
	for _, e := range f.Evidence {
		v.Done = append(v.Done, e.Kind)
	}
	v.State = h.state(f)
	if v.Offer == nil {
		v.Offer = []auth.Kind{}
	}
	if v.Alternatives == nil {
		v.Alternatives = [][]string{}
	}
	if v.Done == nil {
		v.Done = []auth.Kind{}
	}
	return v
}

// state is a flow view's state: "open", "cancelled", "completed" or
// "expired".
func (h *Handler) state(f *auth.Flow) string {
	switch {
	case f.Cancelled:
		return "cancelled"
	case f.Completed:
		return "completed"
	case !h.cfg.Engine.Now().Before(f.ExpiresAt):
		return "expired"
	}
	return "open"
}

func (h *Handler) start(w http.ResponseWriter, r *http.Request) {
	t0 := time.Now()
	err := h.doStart(w, r)
	h.observe("start", "", err, t0)
	if err != nil {
		h.fail(w, r, "start", err)
	}
}

func (h *Handler) doStart(w http.ResponseWriter, r *http.Request) error {
	req, err := h.readStart(w, r)
	if err != nil {
		return err
	}
	ip := h.cfg.ClientIP(r)
	if err := h.limit(r.Context(), "start", ip, h.cfg.StartsPerIP); err != nil {
		return err
	}
	binding, ok := h.bindingOf(r)
	if !ok {
		if h.cfg.Binding != nil {
			return ErrNoBinding
		}
		if binding, err = h.cfg.Engine.NewBinding(); err != nil {
			return err
		}
		http.SetCookie(w, &http.Cookie{
			Name: h.cfg.CookieName, Value: binding, Path: "/", HttpOnly: true,
			Secure: h.secure, SameSite: http.SameSiteStrictMode,
		})
	}
	subject := ""
	if h.cfg.Subject != nil {
		if subject, err = h.cfg.Subject(r, req.Action); err != nil {
			return err
		}
	}
	f, err := h.cfg.Engine.Start(r.Context(), auth.StartRequest{Action: req.Action, Subject: subject, Binding: binding, Client: h.clientAt(r, ip), Lang: req.Lang})
	if err != nil {
		return err
	}
	v := h.view(r, f)
	v.CSRF = CSRFToken(binding, f.ID)
	return writeView(w, http.StatusCreated, &v)
}

// readStart reads and checks the body of a start. The action and language
// it returns are the engine's and this package's own strings, not copies
// of the body.
func (h *Handler) readStart(w http.ResponseWriter, r *http.Request) (startRequest, error) {
	e := getBuf()
	defer putBuf(e)
	var v []byte
	var err error
	if e.b, v, err = h.readPost(w, r, e.b[:0]); err != nil {
		return startRequest{}, err
	}
	action, lang, ok := startFields(v)
	if !ok || len(action) == 0 {
		return startRequest{}, fmt.Errorf("%w: want {\"action\": \"…\"}", auth.ErrInvalidInput)
	}
	if !auth.ValidLang(string(lang)) {
		return startRequest{}, fmt.Errorf("%w: lang must be kk, ru or en", auth.ErrInvalidInput)
	}
	req := startRequest{Lang: langString(lang)}
	p, ok := h.cfg.Engine.Policy(string(action))
	if !ok {
		return startRequest{}, auth.ErrUnknownAction
	}
	if req.Action = p.Action; req.Action != string(action) {
		req.Action = string(action)
	}
	return req, nil
}

// langString returns lang as a string, without allocating for the
// languages of the messages.
func langString(lang []byte) string {
	switch string(lang) {
	case "":
		return ""
	case "kk":
		return "kk"
	case "ru":
		return "ru"
	case "en":
		return "en"
	}
	return string(lang)
}

// startFields returns the action and lang of a start's body as
// json.Unmarshal into a startRequest reads them (ok false where it
// fails). The compact form a browser's JSON.stringify sends,
// {"action":"…"} or {"action":"…","lang":"…"} with printable ASCII
// strings without escapes, is read in place; any other body goes through
// json.Unmarshal.
func startFields(v []byte) (action, lang []byte, ok bool) {
	if action, lang, ok = compactStart(v); ok {
		return action, lang, true
	}
	var req startRequest
	if v == nil || json.Unmarshal(v, &req) != nil {
		return nil, nil, false
	}
	return []byte(req.Action), []byte(req.Lang), true
}

func compactStart(v []byte) (action, lang []byte, ok bool) {
	rest, found := bytes.CutPrefix(v, []byte(`{"action":"`))
	if !found {
		return nil, nil, false
	}
	i := plainLen(rest)
	action, rest = rest[:i], rest[i:]
	if string(rest) == `"}` {
		return action, nil, true
	}
	if rest, found = bytes.CutPrefix(rest, []byte(`","lang":"`)); !found {
		return nil, nil, false
	}
	i = plainLen(rest)
	if string(rest[i:]) != `"}` {
		return nil, nil, false
	}
	return action, rest[:i], true
}

// plainLen is the length of b's prefix of bytes that stand for themselves
// in a JSON string: printable ASCII but the quote and the backslash.
func plainLen(b []byte) int {
	for i, c := range b {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return i
		}
	}
	return len(b)
}

// step reads and checks what begin and finish share.
func (h *Handler) step(w http.ResponseWriter, r *http.Request) (auth.StepRequest, error) {
	raw, err := h.checkPost(w, r)
	if err != nil {
		return auth.StepRequest{}, err
	}
	binding, ok := h.bindingOf(r)
	if !ok {
		return auth.StepRequest{}, ErrNoBinding
	}
	id := r.PathValue("id")
	if err := h.checkCSRF(r, binding, id); err != nil {
		return auth.StepRequest{}, err
	}
	return auth.StepRequest{FlowID: id, Binding: binding, Kind: auth.Kind(r.PathValue("kind")), Input: raw, Client: h.client(r)}, nil
}

func (h *Handler) begin(w http.ResponseWriter, r *http.Request) {
	t0 := time.Now()
	kind := auth.Kind(r.PathValue("kind"))
	err := func() error {
		req, err := h.step(w, r)
		if err != nil {
			return err
		}
		if err := h.limit(r.Context(), "begin", req.Client.IP, h.cfg.BeginsPerIP); err != nil {
			return err
		}
		ch, err := h.cfg.Engine.Begin(r.Context(), req)
		if err != nil {
			return err
		}
		e := getBuf()
		defer putBuf(e)
		b, err := appendChallenge(e.b[:0], e, ch)
		if err != nil {
			return encodeErr(err)
		}
		e.b = b
		send(w, http.StatusOK, b)
		return nil
	}()
	h.observe("begin", kind, err, t0)
	if err != nil {
		h.fail(w, r, "begin", err)
	}
}

type finishResponse struct {
	Allowed      bool        `json:"allowed"`
	Reasons      string      `json:"reasons,omitempty"`
	Alternatives [][]string  `json:"alternatives"`
	Offer        []auth.Kind `json:"offer"`
	Subject      string      `json:"subject,omitempty"`
	ACR          string      `json:"acr,omitempty"`
	AMR          []string    `json:"amr,omitempty"`
}

func (h *Handler) finish(w http.ResponseWriter, r *http.Request) {
	t0 := time.Now()
	kind := auth.Kind(r.PathValue("kind"))
	err := func() error {
		req, err := h.step(w, r)
		if err != nil {
			return err
		}
		out, err := h.cfg.Engine.Finish(r.Context(), req)
		if err != nil {
			return err
		}
		resp := finishResponse{Allowed: out.Decision.Allowed, Alternatives: out.Decision.Alternatives(),
			Offer: h.cfg.Engine.Offer(r.Context(), out.Flow)}
		if out.Decision.Reasons != 0 {
			resp.Reasons = out.Decision.Reasons.String()
		}
		if out.Result != nil {
			if err := h.cfg.OnResult(w, r, out.Result); err != nil {
				return fmt.Errorf("%w: host session: %w", auth.ErrUnavailable, err)
			}
			resp.Subject, resp.ACR, resp.AMR = out.Result.Subject, out.Result.ACR, out.Result.AMR
		}
		if resp.Alternatives == nil {
			resp.Alternatives = [][]string{}
		}
		if resp.Offer == nil {
			resp.Offer = []auth.Kind{}
		}
		e := getBuf()
		defer putBuf(e)
		e.b = appendFinish(e.b[:0], &resp)
		if then := auth.Kind(r.URL.Query().Get("then")); then != "" && needsAlone(&resp, then) {
			e.b = h.beginNext(r, req, then, e)
		}
		send(w, http.StatusOK, e.b)
		return nil
	}()
	h.observe("finish", kind, err, t0)
	if err != nil {
		h.fail(w, r, "finish", err)
	}
}

// needsAlone reports whether, after a finish that did not allow the flow,
// kind k is offered and alone is one of the ways to complete it: what a
// client would begin next without asking the user (as the embedded client
// does with sms after a strong factor).
func needsAlone(resp *finishResponse, k auth.Kind) bool {
	if resp.Allowed || !slices.Contains(resp.Offer, k) {
		return false
	}
	return slices.ContainsFunc(resp.Alternatives, func(a []string) bool { return len(a) == 1 && a[0] == string(k) })
}

// beginNext begins kind k after a finish (the then parameter), saving the
// client a round trip, and appends to the finish answer in e.b (which
// ends in "}\n") either "next": the challenge a begin would answer, or
// "next_error": {code, message, retry_after} with what a begin would have
// refused. The finish stands either way; the begin passes the same limit
// and gates as POST …/begin/{kind}.
func (h *Handler) beginNext(r *http.Request, req auth.StepRequest, k auth.Kind, e *encBuf) []byte {
	t0 := time.Now()
	req.Kind, req.Input = k, nil
	dst := e.b[:len(e.b)-2] // without "}\n"
	err := h.limit(r.Context(), "begin", req.Client.IP, h.cfg.BeginsPerIP)
	var ch *auth.Challenge
	if err == nil {
		ch, err = h.cfg.Engine.Begin(r.Context(), req)
	}
	if err == nil {
		var b []byte
		if b, err = appendChallenge(append(dst, `,"next":`...), e, ch); err == nil {
			h.observe("begin", k, nil, t0)
			return append(b[:len(b)-1], "}\n"...) // the challenge's newline out
		}
		err = encodeErr(err)
	}
	h.observe("begin", k, err, t0)
	code := auth.Code(err)
	if h.cfg.Log.Enabled(r.Context(), slog.LevelWarn) {
		h.cfg.Log.LogAttrs(r.Context(), slog.LevelWarn, "strongauth http", slog.String("op", "begin"),
			slog.String("code", code), slog.String("error", err.Error()), slog.String("ip", req.Client.IP))
	}
	dst = append(dst, `,"next_error":`...)
	dst = appendError(dst, code, auth.MessageForCode(code, r.Header.Get("Accept-Language")))
	dst = dst[:len(dst)-2] // without "}\n"
	if ra, ok := errors.AsType[retryAfterError](err); ok {
		dst = append(dst, `,"retry_after":`...)
		dst = strconv.AppendInt(dst, int64(ra.RetryAfter().Seconds()+0.999), 10)
	}
	return append(dst, "}}\n"...)
}

// load reads a flow for a GET endpoint: binding required, and the flow may
// be in any state (a completed or cancelled flow reports its state).
func (h *Handler) load(r *http.Request) (*auth.Flow, error) {
	binding, ok := h.bindingOf(r)
	if !ok {
		return nil, ErrNoBinding
	}
	return h.cfg.Engine.Inspect(r.Context(), r.PathValue("id"), binding)
}

func (h *Handler) decision(w http.ResponseWriter, r *http.Request) {
	t0 := time.Now()
	f, err := h.load(r)
	h.observe("decision", "", err, t0)
	if err != nil {
		h.fail(w, r, "decision", err)
		return
	}
	v := h.view(r, f)
	if err := writeView(w, http.StatusOK, &v); err != nil {
		h.fail(w, r, "decision", err)
	}
}

// status answers with the flow's view whenever it changes: as a stream of
// Server-Sent Events when the client accepts text/event-stream, otherwise
// as a long poll.
func (h *Handler) status(w http.ResponseWriter, r *http.Request) {
	t0 := time.Now()
	f, err := h.load(r)
	var release func()
	if err == nil {
		release, err = h.watch(h.cfg.ClientIP(r))
	}
	if err != nil {
		h.observe("status", "", err, t0)
		h.fail(w, r, "status", err)
		return
	}
	defer release()
	flusher, canFlush := w.(http.Flusher)
	if canFlush && strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		h.stream(w, r, flusher, f)
	} else {
		h.poll(w, r, f)
	}
	h.observe("status", "", nil, t0)
}

// since reads the version the client already has: ?since= or, when an
// EventSource reconnects, its Last-Event-ID.
func since(r *http.Request) uint64 {
	s := r.URL.Query().Get("since")
	if s == "" {
		s = r.Header.Get("Last-Event-Id") // canonical: Get need not allocate
	}
	v, _ := strconv.ParseUint(s, 10, 64)
	return v
}

// poll is the long poll: it answers as soon as the flow's version differs
// from ?since=, or with the current view after ?wait= seconds (default and
// maximum DefaultLongPoll).
func (h *Handler) poll(w http.ResponseWriter, r *http.Request, f *auth.Flow) {
	wait := DefaultLongPoll
	if s := r.URL.Query().Get("wait"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 && time.Duration(n)*time.Second < wait {
			wait = time.Duration(n) * time.Second
		}
	}
	last := since(r)
	ticker := time.NewTicker(h.cfg.StatusInterval)
	defer ticker.Stop()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for f.Version == last && h.state(f) == "open" { // a tick builds no view
		select {
		case <-r.Context().Done():
			return
		case <-deadline.C:
			h.writeStatus(w, r, f)
			return
		case <-ticker.C:
		}
		nf, err := h.load(r)
		if err != nil {
			h.fail(w, r, "status", err)
			return
		}
		f = nf
	}
	h.writeStatus(w, r, f)
}

// writeEvent writes a view as the Server-Sent Event "flow" with id
// version (the JSON is one line: encoding escapes every newline).
func (h *Handler) writeEvent(w http.ResponseWriter, version uint64, v *flowView) error {
	e := getBuf()
	defer putBuf(e)
	b := strconv.AppendUint(append(e.b[:0], "id: "...), version, 10)
	b = append(b, "\nevent: flow\ndata: "...)
	b, err := appendView(b, v) // ends in "\n"
	if err != nil {
		return err
	}
	e.b = append(b, '\n')
	_, err = w.Write(e.b)
	return err
}

// writeStatus answers a long poll with the flow's view.
func (h *Handler) writeStatus(w http.ResponseWriter, r *http.Request, f *auth.Flow) {
	v := h.view(r, f)
	if err := writeView(w, http.StatusOK, &v); err != nil {
		h.fail(w, r, "status", err)
	}
}

// stream sends an event "flow" with the view (its id the flow's version)
// at once and on every change, until the flow is no longer open, the client
// leaves, or StreamMax passes (EventSource then reconnects and resumes from
// Last-Event-ID). A comment line every 15 s keeps idle proxies from
// closing it; a failure to read the flow ends it with an event "error"
// {"code"}.
func (h *Handler) stream(w http.ResponseWriter, r *http.Request, flusher http.Flusher, f *auth.Flow) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")
	flusher.Flush()
	ticker := time.NewTicker(h.cfg.StatusInterval)
	defer ticker.Stop()
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	end := time.NewTimer(h.cfg.StreamMax)
	defer end.Stop()
	last, sent := since(r), false
	for {
		if f.Version != last || !sent {
			v := h.view(r, f)
			if f.Version != last {
				if err := h.writeEvent(w, f.Version, &v); err != nil {
					return
				}
				flusher.Flush()
				last = f.Version
			}
			sent = true
			if v.State != "open" {
				return
			}
		}
		select {
		case <-r.Context().Done():
			return
		case <-end.C:
			return
		case <-beat.C:
			fmt.Fprint(w, ": ping\n\n")
			flusher.Flush()
			continue
		case <-ticker.C:
		}
		nf, err := h.load(r)
		if err != nil {
			fmt.Fprintf(w, "event: error\ndata: {\"code\":%q}\n\n", auth.Code(err))
			flusher.Flush()
			return
		}
		f = nf
	}
}

// Require returns middleware for step-up: it lets a request through when one
// of the results the host keeps in its session (results(r)) satisfies the
// policy of action now — same action, fresh enough under its MaxAge —
// and otherwise answers 401 {"code": "step_up_required", "action",
// "alternatives"} so that the page can start a flow for action.
func (h *Handler) Require(action string, results func(r *http.Request) []*auth.Result) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var alts [][]string
			for _, res := range results(r) {
				d := h.cfg.Engine.Check(res, action)
				if d.Allowed {
					next.ServeHTTP(w, r)
					return
				}
				if alts == nil {
					alts = d.Alternatives()
				}
			}
			if alts == nil {
				alts = h.cfg.Engine.Check(nil, action).Alternatives()
			}
			if alts == nil {
				alts = [][]string{}
			}
			e := getBuf()
			defer putBuf(e)
			e.b = appendStepUp(e.b[:0], action, alts, auth.MessageForCode("step_up_required", r.Header.Get("Accept-Language")))
			send(w, http.StatusUnauthorized, e.b)
		})
	}
}
