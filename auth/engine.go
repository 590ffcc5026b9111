package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/strongauth/strongauth/store"
)

// Defaults and bounds of the engine's configuration.
const (
	DefaultFlowTTL = 10 * time.Minute
	MaxFlowTTL     = time.Hour
	// maxBegins bounds how many times factors may be begun in one flow.
	maxBegins = 30
	// casRetries bounds the optimistic-update retries of one request.
	casRetries = 8
	// flowGrace keeps an expired flow in the store a little longer, so that
	// late requests get ErrFlowExpired rather than ErrFlowNotFound.
	flowGrace = time.Minute
)

// Config configures an Engine.
type Config struct {
	// Store keeps flows. Required. Use store/memory for one instance and a
	// shared store (store/redis) for several.
	Store store.Store
	// Factors are the factors flows may use, one per kind. Required.
	Factors []Factor
	// Policies give the rule for each action, one per action. Required.
	// A policy that a weak factor alone could satisfy is refused.
	Policies []Policy
	// FlowTTL is how long a flow lives. Zero means DefaultFlowTTL; at most
	// MaxFlowTTL.
	FlowTTL time.Duration
	// KeyPrefix prefixes the store keys of flows, which are KeyPrefix +
	// "{<flow ID>}": the flow ID is a hash tag (store.HashTag), shared by
	// every key of the flow that the factors keep, so that a Redis Cluster
	// holds a flow and its codes and challenges in one slot. Zero means
	// "sa:flow:". It may not contain '{' or '}'.
	KeyPrefix string
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Rand is the source of flow IDs. Nil means crypto/rand.
	Rand io.Reader
	// Audit receives an event for every start, begin, finish, failure,
	// decision and cancellation. Nil discards them.
	Audit Auditor
	// Tracer, if set, observes every engine step (an OpenTelemetry span per
	// step: see auth/authotel). Nil observes nothing.
	Tracer Tracer
	// AuditPersonalData keeps personal evidence attributes (IIN, BIN,
	// names: see IsPersonalAttribute) in audit events. By default they are
	// dropped; the Result still carries them for the host.
	AuditPersonalData bool
}

type policyEntry struct {
	Policy
	rule *compiled
}

// Engine runs authentication flows. It is safe for concurrent use, and keeps
// no state of its own: every flow lives in the Store, so several engines
// sharing one store act as one.
type Engine struct {
	store    store.Store
	factors  map[Kind]Factor
	kinds    []Kind // of factors, sorted
	policies map[string]*policyEntry
	ttl      time.Duration
	prefix   string
	now      func() time.Time
	rand     io.Reader
	sysRand  bool // rand is crypto/rand.Reader: see random
	audit    Auditor
	tracer   Tracer
}

// New validates cfg and returns an Engine.
func New(cfg Config) (*Engine, error) {
	e := &Engine{
		store:    cfg.Store,
		factors:  make(map[Kind]Factor),
		policies: make(map[string]*policyEntry),
		ttl:      cfg.FlowTTL,
		prefix:   cfg.KeyPrefix,
		now:      cfg.Now,
		rand:     cfg.Rand,
		audit:    cfg.Audit,
		tracer:   cfg.Tracer,
	}
	if e.store == nil {
		return nil, fmt.Errorf("%w: Store is required", ErrConfig)
	}
	switch {
	case e.ttl == 0:
		e.ttl = DefaultFlowTTL
	case e.ttl < 0 || e.ttl > MaxFlowTTL:
		return nil, fmt.Errorf("%w: FlowTTL must be in (0, %v]", ErrConfig, MaxFlowTTL)
	}
	if e.prefix == "" {
		e.prefix = "sa:flow:"
	}
	if !store.ValidKeyPrefix(e.prefix) {
		return nil, fmt.Errorf("%w: KeyPrefix may not contain '{' or '}'", ErrConfig)
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.rand == nil {
		e.rand, e.sysRand = rand.Reader, true
	}
	if e.audit == nil {
		e.audit = nopAuditor{}
	} else if !cfg.AuditPersonalData {
		e.audit = WithoutPersonalData(e.audit)
	}
	if len(cfg.Factors) == 0 {
		return nil, fmt.Errorf("%w: no factors", ErrConfig)
	}
	for _, f := range cfg.Factors {
		if f == nil {
			return nil, fmt.Errorf("%w: nil factor", ErrConfig)
		}
		k := f.Kind()
		if !validKind(string(k)) || k == "strong" {
			return nil, fmt.Errorf("%w: invalid factor kind %q", ErrConfig, k)
		}
		if _, dup := e.factors[k]; dup {
			return nil, fmt.Errorf("%w: two factors of kind %q", ErrConfig, k)
		}
		e.factors[k] = f
		e.kinds = append(e.kinds, k)
	}
	slices.Sort(e.kinds)
	if len(cfg.Policies) == 0 {
		return nil, fmt.Errorf("%w: no policies", ErrConfig)
	}
	for _, p := range cfg.Policies {
		if p.Action == "" || !validKind(p.Action) {
			return nil, fmt.Errorf("%w: invalid action %q", ErrConfig, p.Action)
		}
		if _, dup := e.policies[p.Action]; dup {
			return nil, fmt.Errorf("%w: two policies for action %q", ErrConfig, p.Action)
		}
		if p.Rule == nil {
			return nil, fmt.Errorf("%w: policy %q has no rule", ErrConfig, p.Action)
		}
		if p.MaxAge < 0 {
			return nil, fmt.Errorf("%w: policy %q has a negative MaxAge", ErrConfig, p.Action)
		}
		c, err := compile(p.Rule)
		if err != nil {
			return nil, fmt.Errorf("policy %q: %w", p.Action, err)
		}
		for _, k := range c.kinds {
			f, ok := e.factors[k]
			if !ok {
				return nil, fmt.Errorf("policy %q: %w %q (not configured)", p.Action, ErrUnknownFactor, k)
			}
			if ac, ok := f.(ActionChecker); ok {
				if err := ac.CheckAction(p.Action); err != nil {
					return nil, fmt.Errorf("%w: policy %q: factor %s: %w", ErrConfig, p.Action, k, err)
				}
			}
		}
		if err := c.check(func(k Kind) bool { return canBeStrong(k, e.factors[k]) }); err != nil {
			return nil, fmt.Errorf("policy %q: %w", p.Action, err)
		}
		e.policies[p.Action] = &policyEntry{Policy: p, rule: c}
	}
	for _, p := range e.policies {
		for _, a := range p.SatisfiedBy {
			if _, ok := e.policies[a]; !ok || a == p.Action {
				return nil, fmt.Errorf("%w: policy %q: SatisfiedBy names %q, which is not another configured action", ErrConfig, p.Action, a)
			}
		}
	}
	return e, nil
}

// StartRequest starts a flow.
type StartRequest struct {
	// Action the flow is for; it must have a policy.
	Action string
	// Subject, if the host already knows who is acting (a step-up for a
	// logged-in user). Every factor must then prove this subject.
	Subject string
	// Binding is the secret that ties the flow to the starting browser,
	// typically from NewBinding, kept in an HttpOnly cookie. Required: at
	// least 16 bytes.
	Binding string
	// Client describes the starting browser.
	Client ClientInfo
	// Lang is the language the page runs the flow in: "kk", "ru", "en",
	// or "" for none. Factors may follow it where the account has no
	// language of its own (factors/sms); it never overrides one.
	Lang string
}

// StepRequest begins or finishes one factor in a flow.
type StepRequest struct {
	FlowID  string
	Binding string
	Kind    Kind
	// Input is the client's JSON payload, passed to the factor.
	Input  json.RawMessage
	Client ClientInfo
}

// Outcome is what Finish returns: the decision after the new evidence and,
// when the decision allows, the Result (the flow is then complete).
type Outcome struct {
	Decision Decision
	Result   *Result
	Flow     *Flow
}

// Result is what a completed flow proved; the host turns it into its own
// session.
type Result struct {
	Subject string `json:"subject"`
	Action  string `json:"action"`
	// AMR is the union of the evidence's methods, plus "mfa" when two or
	// more factors contributed.
	AMR []string `json:"amr"`
	// ACR is "strong" (one strong factor) or "strong-mfa" (a strong factor
	// and at least one more).
	ACR string `json:"acr"`
	// AuthTime is the time of the oldest evidence that counted: the
	// result is at least this fresh.
	AuthTime time.Time  `json:"auth_time"`
	Evidence []Evidence `json:"evidence"`
	// Flow is the flow's log reference.
	Flow string `json:"flow"`
}

// random fills b with random bytes. crypto/rand.Read keeps b on the
// caller's stack; an injected reader (tests) reads into a heap copy.
func (e *Engine) random(b []byte) error {
	if e.sysRand {
		_, err := rand.Read(b) // never fails (it crashes the program instead)
		return err
	}
	tmp := make([]byte, len(b))
	if _, err := io.ReadFull(e.rand, tmp); err != nil {
		return err
	}
	copy(b, tmp)
	return nil
}

// NewBinding returns a fresh browser-binding secret (256 random bits,
// base64url) for StartRequest.Binding.
func (e *Engine) NewBinding() (string, error) {
	var b [32]byte
	if err := e.random(b[:]); err != nil {
		return "", fmt.Errorf("%w: randomness: %w", ErrUnavailable, err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// Policy returns the policy of an action.
func (e *Engine) Policy(action string) (Policy, bool) {
	p, ok := e.policies[action]
	if !ok {
		return Policy{}, false
	}
	return p.Policy, true
}

// Factor returns the configured factor of a kind.
func (e *Engine) Factor(k Kind) (Factor, bool) {
	f, ok := e.factors[k]
	return f, ok
}

// Now returns the engine's clock reading.
func (e *Engine) Now() time.Time { return e.now() }

// Start creates a flow.
func (e *Engine) Start(ctx context.Context, req StartRequest) (flow *Flow, err error) {
	if e.tracer != nil {
		var end func(string, error)
		ctx, end = e.tracer.Step(ctx, StepInfo{Op: "start", Action: req.Action})
		defer func() { end(refOf(flow), err) }()
	}
	defer func() {
		if err != nil {
			action := req.Action
			if _, ok := e.policies[action]; !ok {
				action = "" // a client's word, not an action: not logged
			}
			e.stepFailed(ctx, "start", action, "", "", err)
		}
	}()
	if _, ok := e.policies[req.Action]; !ok {
		return nil, ErrUnknownAction
	}
	if len(req.Binding) < 16 {
		return nil, fmt.Errorf("%w: binding secret shorter than 16 bytes", ErrInvalidInput)
	}
	if !ValidLang(req.Lang) {
		return nil, fmt.Errorf("%w: language must be kk, ru, en or empty", ErrInvalidInput)
	}
	var id [16]byte
	if err := e.random(id[:]); err != nil {
		return nil, fmt.Errorf("%w: randomness: %w", ErrUnavailable, err)
	}
	now := e.now()
	hash := bindingHash(req.Binding)
	f := newFlow(hash[:])
	f.ID = hex.EncodeToString(id[:])
	f.Action, f.Subject, f.Client, f.Lang = req.Action, req.Subject, req.Client, req.Lang
	f.CreatedAt, f.ExpiresAt = now, now.Add(e.ttl)
	v, err := e.save(ctx, f, e.key(f.ID), 0)
	if err != nil {
		return nil, err
	}
	f.Version = v
	e.audit.Audit(ctx, Event{Type: EventFlowStarted, Time: now, Flow: f.Ref(), Action: f.Action, Subject: f.Subject,
		Attrs: clientAttrs(req.Client)})
	return f, nil // the engine keeps no reference to f: the caller's copy
}

func clientAttrs(c ClientInfo) map[string]string {
	if c.IP == "" {
		return nil
	}
	return map[string]string{"ip": c.IP}
}

// Flow returns a copy of a flow after checking the binding. It refuses
// expired, cancelled and completed flows like every other call.
func (e *Engine) Flow(ctx context.Context, flowID, binding string) (*Flow, error) {
	f, err := e.load(ctx, flowID, binding, e.now())
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Inspect returns a copy of a flow in any state (open, completed,
// cancelled or expired but still stored) after checking the binding: for
// status pages that must tell the browser what became of its flow.
func (e *Engine) Inspect(ctx context.Context, flowID, binding string) (*Flow, error) {
	if !validFlowID(flowID) {
		return nil, ErrFlowNotFound
	}
	f, err := e.get(ctx, flowID, e.key(flowID))
	if err != nil {
		return nil, err
	}
	if !f.BoundTo(binding) {
		return nil, ErrBinding
	}
	return f, nil
}

// prepare loads the flow of a step (checking binding and state) and looks up
// its policy and factor.
func (e *Engine) prepare(ctx context.Context, req StepRequest, key string, now time.Time) (*Flow, *policyEntry, Factor, error) {
	f, err := e.loadKey(ctx, req.FlowID, key, req.Binding, now)
	if err != nil {
		return nil, nil, nil, err
	}
	fac, ok := e.factors[req.Kind]
	if !ok {
		return nil, nil, nil, ErrUnknownFactor
	}
	return f, e.policies[f.Action], fac, nil
}

// Begin begins a factor in a flow, if the gates allow it, and returns the
// factor's challenge for the client. A refusal by a gate is ErrGate and the
// factor is not called: nothing is sent.
func (e *Engine) Begin(ctx context.Context, req StepRequest) (ch *Challenge, err error) {
	ref := ""
	if e.tracer != nil {
		ref = FlowRef(req.FlowID)
		var end func(string, error)
		ctx, end = e.tracer.Step(ctx, StepInfo{Op: "begin", Kind: req.Kind, Flow: ref})
		defer func() { end(ref, err) }()
	}
	now := e.now()
	key := e.key(req.FlowID)
	f, p, fac, err := e.prepare(ctx, req, key, now)
	if err != nil {
		e.stepFailed(ctx, "begin", "", req.Kind, req.FlowID, err)
		return nil, err
	}
	if ref == "" {
		ref = f.Ref()
	}
	if err := e.gate(ctx, f, p, req.Kind, now); err != nil {
		e.audit.Audit(ctx, Event{Type: EventFactorRefused, Time: now, Flow: ref, Action: f.Action,
			Subject: f.Subject, Kind: req.Kind, Op: "begin", Code: Code(err)})
		return nil, &FactorError{Kind: req.Kind, Op: "begin", Err: err}
	}
	if len(f.Steps) >= maxBegins {
		err := fmt.Errorf("%w: too many steps in one flow", ErrRateLimited)
		e.stepFailed(ctx, "begin", f.Action, req.Kind, f.ID, err)
		return nil, &FactorError{Kind: req.Kind, Op: "begin", Err: err}
	}
	ctx = ContextWithFlowRef(ctx, ref)
	t0 := time.Now() // latency for observers only; decisions use e.now
	ch, err = fac.Begin(ctx, &BeginRequest{Flow: f.Clone(), Input: req.Input, Client: req.Client, Now: now})
	took := time.Since(t0)
	if err != nil {
		e.audit.Audit(ctx, Event{Type: EventFactorFailed, Time: now, Flow: ref, Action: f.Action,
			Subject: f.Subject, Kind: req.Kind, Op: "begin", Code: Code(err), Duration: took})
		return nil, &FactorError{Kind: req.Kind, Op: "begin", Err: err}
	}
	if ch == nil {
		ch = &Challenge{}
	}
	ch.Kind = req.Kind
	action, subject := f.Action, f.Subject // update takes f over
	_, err = e.update(ctx, f, key, now, func(f *Flow) error {
		if len(f.Steps) >= maxBegins {
			return fmt.Errorf("%w: too many steps in one flow", ErrRateLimited)
		}
		f.Steps = append(f.Steps, Step{Kind: req.Kind, BegunAt: now})
		return nil
	})
	if err != nil {
		e.stepFailed(ctx, "begin", action, req.Kind, req.FlowID, err)
		return nil, &FactorError{Kind: req.Kind, Op: "begin", Err: err}
	}
	e.audit.Audit(ctx, Event{Type: EventFactorBegun, Time: now, Flow: ref, Action: action, Subject: subject, Kind: req.Kind,
		Op: "begin", Duration: took})
	return ch, nil
}

// Offer lists, in a stable order, the factor kinds that may begin now in
// flow f: those that can contribute to its policy and that the gates allow.
// A UI offers only these; for a fresh login flow it never lists sms.
func (e *Engine) Offer(ctx context.Context, f *Flow) []Kind {
	p, ok := e.policies[f.Action]
	if !ok || usable(f, e.now()) != nil {
		return nil
	}
	now := e.now()
	var ks []Kind
	for _, k := range e.kinds { // sorted
		if e.checkGate(ctx, f, p, k, now, false) == nil {
			ks = append(ks, k)
		}
	}
	return ks
}

// gate applies the built-in gate and the policy's own.
func (e *Engine) gate(ctx context.Context, f *Flow, p *policyEntry, k Kind, now time.Time) error {
	return e.checkGate(ctx, f, p, k, now, true)
}

// errGateQuiet is checkGate's refusal when no one reads why (Offer).
var errGateQuiet = ErrGate

// checkGate is gate; when explain is false, a refusal of the built-in gate
// is errGateQuiet instead of an error that says why (Offer asks for every
// factor and only needs yes or no: no message is formatted).
func (e *Engine) checkGate(ctx context.Context, f *Flow, p *policyEntry, k Kind, now time.Time, explain bool) error {
	if _, done := f.EvidenceOf(k); done {
		return ErrAlreadyCompleted
	}
	// A factor may begin only if it can contribute to the policy.
	if p.rule.index(k) < 0 {
		hasStrongAtom := slices.ContainsFunc(p.rule.combos, func(c combo) bool { return c.strong })
		if !hasStrongAtom || !canBeStrong(k, e.factors[k]) {
			if !explain {
				return errGateQuiet
			}
			return fmt.Errorf("%w: %s is not part of the %q policy", ErrGate, k, f.Action)
		}
	}
	// The built-in gate: a weak factor only after a (fresh) strong one, and
	// only once the subject is known.
	if !canBeStrong(k, e.factors[k]) {
		since := time.Time{}
		if p.MaxAge > 0 {
			since = now.Add(-p.MaxAge)
		}
		if !f.StrongSince(since) {
			if !explain {
				return errGateQuiet
			}
			return fmt.Errorf("%w: %s may begin only after a strong factor", ErrGate, k)
		}
		if f.Subject == "" {
			if !explain {
				return errGateQuiet
			}
			return fmt.Errorf("%w: %w", ErrGate, ErrNoSubject)
		}
	}
	if p.Gate != nil {
		if err := p.Gate(ctx, f.Clone(), k); err != nil {
			return fmt.Errorf("%w: %w", ErrGate, err)
		}
	}
	return nil
}

// Finish verifies a factor's answer, adds its evidence to the flow and
// decides. When the decision allows, the flow is completed and the Result
// returned; a completed flow cannot be used again.
func (e *Engine) Finish(ctx context.Context, req StepRequest) (out *Outcome, err error) {
	ref := ""
	if e.tracer != nil {
		ref = FlowRef(req.FlowID)
		var end func(string, error)
		ctx, end = e.tracer.Step(ctx, StepInfo{Op: "finish", Kind: req.Kind, Flow: ref})
		defer func() { end(ref, err) }()
	}
	now := e.now()
	key := e.key(req.FlowID)
	f, p, fac, err := e.prepare(ctx, req, key, now)
	if err != nil {
		e.stepFailed(ctx, "finish", "", req.Kind, req.FlowID, err)
		return nil, err
	}
	if ref == "" {
		ref = f.Ref()
	}
	var took time.Duration
	action, subject := f.Action, f.Subject // as loaded: update takes f over
	fail := func(err error) (*Outcome, error) {
		e.audit.Audit(ctx, Event{Type: EventFactorFailed, Time: now, Flow: ref, Action: action,
			Subject: subject, Kind: req.Kind, Op: "finish", Code: Code(err), Duration: took})
		return nil, &FactorError{Kind: req.Kind, Op: "finish", Err: err}
	}
	if _, begun := f.begun(req.Kind); !begun {
		return fail(ErrNotBegun)
	}
	if err := e.gate(ctx, f, p, req.Kind, now); err != nil {
		return fail(err)
	}
	ctx = ContextWithFlowRef(ctx, ref)
	t0 := time.Now() // latency for observers only; decisions use e.now
	proof, err := fac.Finish(ctx, &FinishRequest{Flow: f.Clone(), Input: req.Input, Client: req.Client, Now: now})
	took = time.Since(t0)
	if err != nil {
		if errors.Is(err, ErrFraud) {
			e.audit.Audit(ctx, Event{Type: EventFraudReported, Time: now, Flow: ref, Action: action,
				Subject: subject, Kind: req.Kind})
			_ = e.cancel(ctx, f.ID, EventFraudReported, now) // the refusal below stands either way
		}
		return fail(err)
	}
	if proof == nil || proof.Subject == "" {
		return fail(fmt.Errorf("%w: the factor proved no subject", ErrNoSubject))
	}
	ev := Evidence{
		Kind:       req.Kind,
		Strength:   StrengthOf(req.Kind, proof.AMR),
		Subject:    proof.Subject,
		Time:       now,
		AMR:        slices.Clone(proof.AMR),
		Attributes: proof.Attributes,
	}
	var d Decision
	f2, err := e.update(ctx, f, key, now, func(f *Flow) error {
		if _, done := f.EvidenceOf(req.Kind); done {
			return ErrAlreadyCompleted
		}
		if f.Subject != "" && f.Subject != ev.Subject {
			return ErrSubjectMismatch
		}
		f.Subject = ev.Subject
		f.Evidence = append(f.Evidence, ev)
		d = p.rule.decide(f, p.MaxAge, now)
		if d.Allowed {
			f.Completed = true
		}
		return nil
	})
	if err != nil {
		return fail(err)
	}
	e.audit.Audit(ctx, Event{Type: EventFactorFinished, Time: now, Flow: ref, Action: f2.Action,
		Subject: f2.Subject, Kind: req.Kind, Op: "finish", Strength: ev.Strength, Attrs: ev.Attributes, Duration: took})
	e.audit.Audit(ctx, Event{Type: EventDecision, Time: now, Flow: ref, Action: f2.Action,
		Subject: f2.Subject, Allowed: d.Allowed, Reasons: d.Reasons})
	out = &Outcome{Decision: d, Flow: f2}
	if d.Allowed {
		out.Result = e.result(f2, ref, p, now)
		e.audit.Audit(ctx, Event{Type: EventFlowCompleted, Time: now, Flow: ref, Action: f2.Action,
			Subject: f2.Subject, Attrs: map[string]string{"acr": out.Result.ACR}})
	}
	return out, nil
}

func (e *Engine) result(f *Flow, ref string, p *policyEntry, now time.Time) *Result {
	r := &Result{Subject: f.Subject, Action: f.Action, Flow: ref,
		Evidence: make([]Evidence, 0, len(f.Evidence))}
	amr := 1 // room for AMRMFA
	for _, ev := range f.Evidence {
		amr += len(ev.AMR)
	}
	r.AMR = make([]string, 0, amr)
	strong := false
	for _, ev := range f.Evidence {
		if ev.Subject != f.Subject || (p.MaxAge > 0 && now.Sub(ev.Time) > p.MaxAge) {
			continue
		}
		r.Evidence = append(r.Evidence, ev)
		if r.AuthTime.IsZero() || ev.Time.Before(r.AuthTime) {
			r.AuthTime = ev.Time
		}
		for _, m := range ev.AMR {
			if !slices.Contains(r.AMR, m) {
				r.AMR = append(r.AMR, m)
			}
		}
		strong = strong || ev.Strength == Strong
	}
	r.ACR = "strong"
	if len(r.Evidence) > 1 && strong {
		r.ACR = "strong-mfa"
		r.AMR = append(r.AMR, AMRMFA)
	}
	return r
}

// Decide checks a flow against its policy without changing it.
func (e *Engine) Decide(ctx context.Context, flowID, binding string) (Decision, error) {
	now := e.now()
	f, err := e.load(ctx, flowID, binding, now)
	if err != nil {
		return Decision{}, err
	}
	d := e.DecideFlow(f, now)
	e.audit.Audit(ctx, Event{Type: EventDecision, Time: now, Flow: f.Ref(), Action: f.Action,
		Subject: f.Subject, Allowed: d.Allowed, Reasons: d.Reasons})
	return d, nil
}

// DecideFlow checks a flow the caller holds against its action's policy at
// time now. It allocates nothing.
func (e *Engine) DecideFlow(f *Flow, now time.Time) Decision {
	p, ok := e.policies[f.Action]
	if !ok {
		return Decision{Reasons: ReasonMissing}
	}
	return p.rule.decide(f, p.MaxAge, now)
}

// Check reports whether a Result (kept in the host's session) still
// satisfies the policy of action at the engine's current time: a result of
// the same action (or of one the policy's SatisfiedBy names) whose evidence
// satisfies the policy's rule and is no older than its MaxAge. The Require
// middleware of the HTTP layer uses it for step-up.
func (e *Engine) Check(r *Result, action string) Decision {
	p, ok := e.policies[action]
	if !ok || r == nil || (r.Action != action && !slices.Contains(p.SatisfiedBy, r.Action)) {
		return Decision{Reasons: ReasonMissing, rule: ruleOf(p)}
	}
	now := e.now()
	f := &Flow{Action: action, Subject: r.Subject, Evidence: r.Evidence, ExpiresAt: now.Add(time.Second)}
	return p.rule.decide(f, p.MaxAge, now)
}

func ruleOf(p *policyEntry) *compiled {
	if p == nil {
		return nil
	}
	return p.rule
}

// Cancel cancels a flow for good (for example when the user reports from
// another device that they did not start it). It needs no binding: it is
// for server-side callers. Cancelling a missing flow is not an error.
func (e *Engine) Cancel(ctx context.Context, flowID, reason string) error {
	return e.cancel(ctx, flowID, reason, e.now())
}

func (e *Engine) cancel(ctx context.Context, flowID, reason string, now time.Time) error {
	if !validFlowID(flowID) {
		return nil
	}
	key := e.key(flowID)
	f, err := e.get(ctx, flowID, key)
	if errors.Is(err, ErrFlowNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	ref, action, subject := f.Ref(), f.Action, f.Subject // update takes f over
	_, err = e.update(ctx, f, key, now, func(f *Flow) error {
		f.Cancelled = true
		f.CancelReason = reason
		return nil
	})
	if err == nil || errors.Is(err, ErrFlowCancelled) {
		e.audit.Audit(ctx, Event{Type: EventFlowCancelled, Time: now, Flow: ref, Action: action,
			Subject: subject, Attrs: map[string]string{"reason": reason}})
		return nil
	}
	return err
}

// --- storage ---

func validFlowID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// key is the store key of flow id: the ID is the flow's hash tag
// (store.HashTag), concatenated in one allocation. A step computes it once.
func (e *Engine) key(id string) string { return store.TaggedKey(e.prefix, "", id) }

// get reads flow id from the store under key (e.key(id)). The flow it
// returns is the caller's alone.
func (e *Engine) get(ctx context.Context, id, key string) (*Flow, error) {
	b, v, err := e.store.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrFlowNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	f, err := decodeFlow(b)
	if err != nil || f.ID != id {
		return nil, fmt.Errorf("%w: stored flow is corrupt", ErrUnavailable)
	}
	f.Version = v
	return f, nil
}

// load reads a flow and checks the binding and the flow's state.
func (e *Engine) load(ctx context.Context, id, binding string, now time.Time) (*Flow, error) {
	return e.loadKey(ctx, id, e.key(id), binding, now)
}

func (e *Engine) loadKey(ctx context.Context, id, key, binding string, now time.Time) (*Flow, error) {
	if !validFlowID(id) {
		return nil, ErrFlowNotFound
	}
	f, err := e.get(ctx, id, key)
	if err != nil {
		return nil, err
	}
	if !f.BoundTo(binding) {
		return nil, ErrBinding
	}
	return f, usable(f, now)
}

func usable(f *Flow, now time.Time) error {
	switch {
	case f.Cancelled:
		return ErrFlowCancelled
	case f.Completed:
		return ErrFlowCompleted
	case !now.Before(f.ExpiresAt):
		return ErrFlowExpired
	}
	return nil
}

func (e *Engine) save(ctx context.Context, f *Flow, key string, old uint64) (uint64, error) {
	b := encodeFlow(make([]byte, 0, 256), f)
	ttl := f.ExpiresAt.Sub(e.now()) + flowGrace
	v, err := e.store.CompareAndSwap(ctx, key, old, b, ttl)
	if errors.Is(err, store.ErrConflict) {
		return 0, err
	}
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return v, nil
}

// update applies change to the flow under optimistic concurrency: on a
// conflict it re-reads the flow, re-checks it and re-applies change. It
// takes f over (change applies to f itself, without a copy): the caller
// must hold the only reference to f, as it does to a flow get returned,
// and must not read f afterwards. change returns its error before it
// changes anything.
func (e *Engine) update(ctx context.Context, f *Flow, key string, now time.Time, change func(*Flow) error) (*Flow, error) {
	id, cur := f.ID, f
	for range casRetries {
		if err := usable(cur, now); err != nil {
			return nil, err
		}
		old := cur.Version
		if err := change(cur); err != nil {
			return nil, err
		}
		v, err := e.save(ctx, cur, key, old)
		if err == nil {
			cur.Version = v
			return cur, nil
		}
		if !errors.Is(err, store.ErrConflict) {
			return nil, err
		}
		if cur, err = e.get(ctx, id, key); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("%w: too much contention on one flow", ErrUnavailable)
}

// stepFailed audits a step refused where no other event says so: the flow
// could not be started, loaded or updated (a store down, an unknown or
// expired flow, another browser's binding, too many steps).
func (e *Engine) stepFailed(ctx context.Context, op, action string, k Kind, flowID string, err error) {
	ref := ""
	if flowID != "" {
		ref = FlowRef(flowID)
	}
	e.audit.Audit(ctx, Event{Type: EventStepFailed, Time: e.now(), Flow: ref, Action: action, Kind: k, Op: op, Code: Code(err)})
}
