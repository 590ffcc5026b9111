// Package lifecyclehttp serves the credential life cycle (package
// lifecycle) over HTTP beside auth/authhttp: list, rename and remove
// passkeys and linked phones, change the bound phone, recover, and act on
// a "this was not me" link. It applies authhttp's origin, content-type,
// size and rate checks to every request and answers errors as the flow
// endpoints do ({code, message} in kk, ru or en). It lives apart from
// authhttp so that a service using only the flow endpoints does not
// compile the credential stores' factors.
package lifecyclehttp

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"time"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authhttp"
	"github.com/strongauth/strongauth/lifecycle"
	"github.com/strongauth/strongauth/otp"
)

// Config configures the credential life-cycle endpoints.
type Config struct {
	// Manager runs the life cycle. Required.
	Manager *lifecycle.Manager
	// Subject returns the signed-in account of the request, from the
	// host's session. Required.
	Subject func(r *http.Request) (subject string, ok bool)
	// Results returns the auth.Results the host's session keeps: the
	// step-up evidence. Required.
	Results func(r *http.Request) []*auth.Result
	// StepUpAction is the action a page runs when a change needs a
	// step-up (its policy must be strong: auth.AnyStrong() with MaxAge 5
	// minutes). Required.
	StepUpAction string
	// RecoveryAction is the action of the recovery flow. Zero means the
	// Manager's (lifecycle.DefaultRecoveryAct).
	RecoveryAction string
	// Region parses phone numbers typed without a country code ("KZ").
	Region string
}

// New returns the endpoints of the credential life cycle, to mount
// under a prefix of the host's choice (they read the host's session
// through cfg, and apply the origin, content-type and size checks of the
// flow endpoints to every POST):
//
//	GET  /credentials          → {credentials: [...], phone: {masked, usable_at, quarantined}|null}
//	POST /credentials/rename   {kind, id, name}   → 204
//	POST /credentials/remove   {kind, id}         → 204, or 401 step_up_required
//	POST /phone                {phone}            → {phone (masked), usable_at}, or 401 step_up_required
//	POST /recover              {lost: [{kind, id}]} → {removed}, needs a recovery result
//	POST /report               {token}            → {removed, phone_restored} (no session: the token is the proof)
//
// A change that needs a step-up answers 401 {"code": "step_up_required",
// "action": StepUpAction, "alternatives"}: the page runs a flow for that
// action and retries. Another account's credential is 404
// credential_not_found, as a missing one. Errors are {"code", "message"}
// in the language of Accept-Language.
func New(h *authhttp.Handler, cfg Config) (http.Handler, error) {
	switch {
	case h == nil:
		return nil, fmt.Errorf("%w: lifecyclehttp: the authhttp Handler is required", auth.ErrConfig)
	case cfg.Manager == nil || cfg.Subject == nil || cfg.Results == nil:
		return nil, fmt.Errorf("%w: lifecyclehttp: Manager, Subject and Results are required", auth.ErrConfig)
	case cfg.StepUpAction == "":
		return nil, fmt.Errorf("%w: lifecyclehttp: StepUpAction is required", auth.ErrConfig)
	}
	if _, ok := h.Engine().Policy(cfg.StepUpAction); !ok {
		return nil, fmt.Errorf("%w: lifecyclehttp: StepUpAction %q has no policy", auth.ErrConfig, cfg.StepUpAction)
	}
	if cfg.RecoveryAction == "" {
		cfg.RecoveryAction = lifecycle.DefaultRecoveryAct
	}
	c := &credentials{h: h, cfg: cfg, mux: http.NewServeMux()}
	c.mux.HandleFunc("GET /credentials", c.session(c.list))
	c.mux.HandleFunc("POST /credentials/rename", c.session(c.rename))
	c.mux.HandleFunc("POST /credentials/remove", c.session(c.remove))
	c.mux.HandleFunc("POST /phone", c.session(c.phone))
	c.mux.HandleFunc("POST /recover", c.session(c.recover))
	c.mux.HandleFunc("POST /report", c.report)
	return c, nil
}

type credentials struct {
	h   *authhttp.Handler
	cfg Config
	mux *http.ServeMux
}

func (c *credentials) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if p := r.URL.Path; p == "" || p != path.Clean(p) {
		c.fail(w, r, authhttp.ErrNotFound)
		return
	}
	if _, pattern := c.mux.Handler(r); pattern == "" {
		c.fail(w, r, authhttp.ErrNotFound)
		return
	}
	c.mux.ServeHTTP(w, r)
}

// call is one request of a signed-in account: its subject, the decoded
// JSON body (POST) and the client.
type call struct {
	r       *http.Request
	subject string
	body    json.RawMessage
	client  auth.ClientInfo
}

// errNoSession: the request has no signed-in account.
var errNoSession = fmt.Errorf("lifecyclehttp: not signed in: %w", auth.ErrNoSubject)

// session checks a POST like the flow endpoints do, requires the host's
// session, and writes fn's answer (nil: 204).
func (c *credentials) session(fn func(*call) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cl := &call{r: r, client: c.h.Client(r)}
		if r.Method == http.MethodPost {
			raw, err := c.h.CheckPost(w, r)
			if err != nil {
				c.fail(w, r, err)
				return
			}
			cl.body = raw
		}
		subject, ok := c.cfg.Subject(r)
		if !ok || subject == "" {
			c.fail(w, r, errNoSession)
			return
		}
		cl.subject = subject
		v, err := fn(cl)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		if v == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

func decode(raw json.RawMessage, v any) error {
	if raw == nil || json.Unmarshal(raw, v) != nil {
		return fmt.Errorf("%w: body does not match the endpoint", auth.ErrInvalidInput)
	}
	return nil
}

type credentialRef struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
}

type phoneView struct {
	Masked      string    `json:"masked"`
	UsableAt    time.Time `json:"usable_at"`
	Quarantined bool      `json:"quarantined"`
}

func (c *credentials) list(cl *call) (any, error) {
	creds, err := c.cfg.Manager.List(cl.r.Context(), cl.subject)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"credentials": creds, "phone": nil}
	if b, err := c.cfg.Manager.Phone(cl.r.Context(), cl.subject); err == nil && b.Phone != "" {
		masked := "***"
		if p, err := otp.ParsePhone(b.Phone, ""); err == nil {
			masked = p.Masked()
		}
		out["phone"] = phoneView{Masked: masked, UsableAt: b.UsableAt, Quarantined: c.h.Engine().Now().Before(b.UsableAt)}
	} else if err != nil && !errors.Is(err, lifecycle.ErrNoPhone) {
		return nil, err
	}
	return out, nil
}

func (c *credentials) rename(cl *call) (any, error) {
	var req struct {
		credentialRef
		Name string `json:"name"`
	}
	if err := decode(cl.body, &req); err != nil {
		return nil, err
	}
	return nil, c.cfg.Manager.Rename(cl.r.Context(), lifecycle.Request{Subject: cl.subject, Kind: req.Kind, ID: req.ID, Client: cl.client}, req.Name)
}

// stepUp returns the session's fresh strong result, or the step-up error.
func (c *credentials) stepUp(cl *call) (*auth.Result, error) {
	if res := c.cfg.Manager.StepUp(c.cfg.Results(cl.r), cl.subject); res != nil {
		return res, nil
	}
	return nil, &stepUpNeeded{action: c.cfg.StepUpAction}
}

func (c *credentials) remove(cl *call) (any, error) {
	var req credentialRef
	if err := decode(cl.body, &req); err != nil {
		return nil, err
	}
	res, err := c.stepUp(cl)
	if err != nil {
		return nil, err
	}
	return nil, c.cfg.Manager.Remove(cl.r.Context(), lifecycle.Request{Subject: cl.subject, Result: res, Kind: req.Kind, ID: req.ID, Client: cl.client})
}

func (c *credentials) phone(cl *call) (any, error) {
	var req struct {
		Phone string `json:"phone"`
	}
	if err := decode(cl.body, &req); err != nil || req.Phone == "" || len(req.Phone) > 32 {
		return nil, fmt.Errorf("%w: want {\"phone\": \"…\"}", auth.ErrInvalidInput)
	}
	res, err := c.stepUp(cl)
	if err != nil {
		return nil, err
	}
	b, err := c.cfg.Manager.ChangePhone(cl.r.Context(), lifecycle.PhoneChange{Subject: cl.subject, Result: res, Phone: req.Phone,
		Region: c.cfg.Region, Client: cl.client})
	if err != nil {
		return nil, err
	}
	p, _ := otp.ParsePhone(b.Phone, "") // ChangePhone parsed it
	return map[string]any{"phone": p.Masked(), "usable_at": b.UsableAt}, nil
}

func (c *credentials) recover(cl *call) (any, error) {
	var req struct {
		Lost []credentialRef `json:"lost"`
	}
	if err := decode(cl.body, &req); err != nil || len(req.Lost) == 0 || len(req.Lost) > 64 {
		return nil, fmt.Errorf("%w: want {\"lost\": [{\"kind\", \"id\"}]}", auth.ErrInvalidInput)
	}
	var res *auth.Result
	for _, r := range c.cfg.Results(cl.r) {
		if r != nil && r.Action == c.cfg.RecoveryAction && c.cfg.Manager.StepUp([]*auth.Result{r}, cl.subject) != nil {
			res = r
		}
	}
	if res == nil {
		return nil, &stepUpNeeded{action: c.cfg.RecoveryAction}
	}
	lost := make([]lifecycle.Credential, len(req.Lost))
	for i, l := range req.Lost {
		lost[i] = lifecycle.Credential{Kind: l.Kind, ID: l.ID}
	}
	n, err := c.cfg.Manager.Recover(cl.r.Context(), lifecycle.Recovery{Subject: cl.subject, Result: res, Lost: lost, Client: cl.client})
	if err != nil {
		return nil, err
	}
	return map[string]int{"removed": n}, nil
}

// report acts on a "this was not me" token: no session is needed, the
// token is the proof. Reports are rate-limited per client address like
// flow starts.
func (c *credentials) report(w http.ResponseWriter, r *http.Request) {
	raw, err := c.h.CheckPost(w, r)
	if err == nil {
		err = c.h.Limit(r, "report")
	}
	var req struct {
		Token string `json:"token"`
	}
	if err == nil {
		err = decode(raw, &req)
	}
	var out *lifecycle.Outcome
	if err == nil {
		out, err = c.cfg.Manager.Report(r.Context(), req.Token, c.h.Client(r))
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"removed": out.Removed != "", "phone_restored": out.PhoneRestored})
}

// stepUpNeeded is the 401 of a change without a fresh strong factor.
type stepUpNeeded struct{ action string }

func (e *stepUpNeeded) Error() string {
	return "lifecyclehttp: a fresh strong factor is required for " + e.action
}
func (e *stepUpNeeded) ErrorCode() string { return "step_up_required" }

// credentialStatus maps the life cycle's codes to HTTP statuses.
func credentialStatus(err error) int {
	switch auth.Code(err) {
	case "step_up_required", "recovery_required", "subject_unknown", "flows_ended":
		return http.StatusUnauthorized
	case "credential_not_found", "no_phone":
		return http.StatusNotFound
	case "last_strong_credential", "busy", "same_phone", "conflict":
		return http.StatusConflict
	case "report_token_invalid":
		return http.StatusGone
	case "not_supported":
		return http.StatusNotImplemented
	case "phone_risk", "phone_quarantine":
		return http.StatusForbidden
	}
	return authhttp.Status(err)
}

func (c *credentials) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := credentialStatus(err)
	level := slog.LevelWarn
	if status >= 500 && status != http.StatusNotImplemented {
		level = slog.LevelError
	}
	code := auth.Code(err)
	c.h.Logger().LogAttrs(r.Context(), level, "strongauth credentials", slog.String("path", r.URL.Path),
		slog.String("code", code), slog.String("error", err.Error()), slog.String("ip", c.h.ClientIP(r)))
	lang := otp.Lang(r.Header.Get("Accept-Language"))
	msg := lifecycle.Message(code, lang)
	if msg == "" {
		msg = auth.ClientMessage(err, r.Header.Get("Accept-Language"))
	}
	body := map[string]any{"code": code, "message": msg}
	var su *stepUpNeeded
	if errors.As(err, &su) {
		body["action"] = su.action
		alts := c.h.Engine().Check(nil, su.action).Alternatives()
		if alts == nil {
			alts = [][]string{}
		}
		body["alternatives"] = alts
	}
	var ra auth.RetryAfter
	if errors.As(err, &ra) && ra.RetryAfter() > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int(ra.RetryAfter().Seconds()+0.999)))
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
