package authoidc

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/strongauth/strongauth/auth"
)

// Limits of what the bridge accepts.
const (
	// MaxACRLength bounds one ACR value.
	MaxACRLength = 255
	// MaxLevels bounds Config.Levels.
	MaxLevels = 32
)

// Names of the optional identity claims (Config.IdentityClaims). They hold
// what a strong factor proved from a certificate (ECP, or a QR approval
// signed with ECP), never what the client said.
const (
	// ClaimIIN is the 12-digit individual identification number (ИИН).
	ClaimIIN = "iin"
	// ClaimBIN is the 12-digit business identification number (БИН) of a
	// legal-entity certificate.
	ClaimBIN = "bin"
	// ClaimRoles lists the roles of the certificate profile ("ceo",
	// "sign", "hr" …, as signature.Role names them). It is not called
	// "roles", which brokers such as Keycloak use for application roles.
	ClaimRoles = "ecp_roles"
)

// Errors. Each has the OAuth 2.0 / OpenID Connect error code that
// auth.Code returns and that the provider sends to the client.
var (
	// ErrInvalidRequest: a malformed acr_values, claims, max_age or
	// prompt parameter ("invalid_request").
	ErrInvalidRequest = coded("invalid_request", "authoidc: invalid authentication parameters")
	// ErrLoginRequired: prompt=none, and no result in the session
	// satisfies the request ("login_required").
	ErrLoginRequired = coded("login_required", "authoidc: login required")
	// ErrUnmetRequirements: an essential acr that no level gives, or a
	// result that does not satisfy the plan
	// ("unmet_authentication_requirements", OpenID Connect Core Unmet
	// Authentication Requirements 1.0).
	ErrUnmetRequirements = coded("unmet_authentication_requirements", "authoidc: authentication requirements not met")
)

type codedError struct{ code, msg string }

func (e *codedError) Error() string     { return e.msg }
func (e *codedError) ErrorCode() string { return e.code }

func coded(code, msg string) error { return &codedError{code: code, msg: msg} }

// ErrorCode returns the OAuth error code to send for err: the bridge's own
// codes, "access_denied" for any other refusal of the engine, and
// "server_error" for failures that are not the client's (store
// unavailable, internal).
func ErrorCode(err error) string {
	var c *codedError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &c):
		return c.code
	case errors.Is(err, auth.ErrUnavailable), auth.Code(err) == "internal":
		return "server_error"
	default:
		return "access_denied"
	}
}

// Level is an authentication level: the ACR a relying party asks for and
// reads in the acr claim, and the engine action whose policy gives it.
type Level struct {
	// ACR is the value of the acr claim, for example
	// "urn:strongauth:acr:strong". Printable ASCII without spaces (it
	// travels in the space-separated acr_values), at most MaxACRLength.
	ACR string
	// Action is the engine action (a Policy) a flow for this level runs.
	Action string
}

// Config configures a Bridge.
type Config struct {
	// Engine runs the flows; its policies decide every level. Required.
	Engine *auth.Engine
	// Levels are the ACRs the provider offers, each with its action.
	// Required; ACRs are unique and every action must have a policy.
	Levels []Level
	// Default is the ACR of a request that asks for none (or only for
	// unknown values, voluntarily). Zero means the first level.
	Default string
	// IdentityClaims adds the identity the strong factors proved (iin,
	// bin, ecp_roles) to the claims. The zero value adds no personal
	// data beyond the subject.
	IdentityClaims bool
}

// Bridge maps authorization requests to plans and results to claims. It
// is immutable and safe for concurrent use.
type Bridge struct {
	eng      *auth.Engine
	levels   []Level
	def      Level
	identity bool
}

// New validates cfg and returns a Bridge. Configuration errors match
// auth.ErrConfig.
func New(cfg Config) (*Bridge, error) {
	if cfg.Engine == nil {
		return nil, fmt.Errorf("%w: authoidc: Engine is required", auth.ErrConfig)
	}
	if len(cfg.Levels) == 0 || len(cfg.Levels) > MaxLevels {
		return nil, fmt.Errorf("%w: authoidc: between 1 and %d levels are required", auth.ErrConfig, MaxLevels)
	}
	b := &Bridge{eng: cfg.Engine, levels: slices.Clone(cfg.Levels), identity: cfg.IdentityClaims}
	for i, l := range b.levels {
		if !validACR(l.ACR) {
			return nil, fmt.Errorf("%w: authoidc: level %d: ACR must be 1-%d printable ASCII characters without spaces", auth.ErrConfig, i, MaxACRLength)
		}
		if slices.ContainsFunc(b.levels[:i], func(o Level) bool { return o.ACR == l.ACR }) {
			return nil, fmt.Errorf("%w: authoidc: two levels with ACR %q", auth.ErrConfig, l.ACR)
		}
		if _, ok := cfg.Engine.Policy(l.Action); !ok {
			return nil, fmt.Errorf("%w: authoidc: level %q: action %q has no policy", auth.ErrConfig, l.ACR, l.Action)
		}
	}
	b.def = b.levels[0]
	if cfg.Default != "" {
		l, ok := b.Level(cfg.Default)
		if !ok {
			return nil, fmt.Errorf("%w: authoidc: Default %q is not a level", auth.ErrConfig, cfg.Default)
		}
		b.def = l
	}
	return b, nil
}

// validACR reports whether s is a usable ACR value: 1 to MaxACRLength
// printable ASCII characters (0x21-0x7e), so that it survives a
// space-separated parameter and a log line unchanged.
func validACR(s string) bool {
	if s == "" || len(s) > MaxACRLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// Level returns the level of an ACR.
func (b *Bridge) Level(acr string) (Level, bool) {
	i := slices.IndexFunc(b.levels, func(l Level) bool { return l.ACR == acr })
	if i < 0 {
		return Level{}, false
	}
	return b.levels[i], true
}

// Levels returns the configured levels (for the provider's discovery
// document: acr_values_supported).
func (b *Bridge) Levels() []Level { return slices.Clone(b.levels) }

// ACRs returns the configured ACR values, in order.
func (b *Bridge) ACRs() []string {
	out := make([]string, len(b.levels))
	for i, l := range b.levels {
		out[i] = l.ACR
	}
	return out
}

// Plan is what an authorization request asks of the authentication: the
// level (and so the engine action), and how fresh it must be. It holds no
// secret and no client-chosen identity; the provider keeps it with the
// authorization request.
type Plan struct {
	// Level is the chosen level; its action is the flow to run.
	Level Level
	// Essential is set when the acr was requested as an essential claim:
	// the acr claim is then one of the requested values.
	Essential bool
	// MaxAge, when HasMaxAge, bounds now - auth_time.
	MaxAge    time.Duration
	HasMaxAge bool
	// Login requires a new flow completed after Since (prompt=login or
	// max_age=0): no result of the session is reused.
	Login bool
	// NoPrompt is prompt=none: no page may be shown.
	NoPrompt bool
	// Since is when the plan was made (the engine's clock).
	Since time.Time
}

// Plan maps an authorization request to a Plan. It fails with
// ErrUnmetRequirements when an essential acr names no level, and with
// ErrInvalidRequest for contradictory parameters (prompt=none with
// another prompt value).
func (b *Bridge) Plan(req Request) (Plan, error) {
	p := Plan{Level: b.def, Since: b.eng.Now()}
	if slices.Contains(req.Prompt, PromptNone) {
		if len(req.Prompt) > 1 {
			return Plan{}, fmt.Errorf("%w: prompt=none with another value", ErrInvalidRequest)
		}
		p.NoPrompt = true
	}
	if slices.Contains(req.Prompt, PromptLogin) {
		p.Login = true
	}
	if req.MaxAge != nil {
		if *req.MaxAge < 0 {
			return Plan{}, fmt.Errorf("%w: negative max_age", ErrInvalidRequest)
		}
		p.MaxAge, p.HasMaxAge = *req.MaxAge, true
		if p.MaxAge == 0 {
			p.Login = true // OpenID Connect Core §3.1.2.1: max_age=0 is prompt=login
		}
	}
	requested, essential := req.ACRValues, false
	if c := req.ClaimsACR; c != nil && len(c.Values) > 0 {
		// The claims parameter is the more precise request; it wins over
		// acr_values.
		requested, essential = c.Values, c.Essential
	}
	p.Essential = essential
	for _, acr := range requested {
		if l, ok := b.Level(acr); ok {
			p.Level = l
			return p, nil
		}
	}
	if essential {
		return Plan{}, fmt.Errorf("%w: no level gives the essential acr", ErrUnmetRequirements)
	}
	return p, nil
}

// Reuse returns the result among those the provider's session holds that
// satisfies the plan now — the level's action, the engine's policy for it,
// and max_age — preferring the most recent; or nil when a new flow must
// run. With prompt=none and nothing reusable it fails with
// ErrLoginRequired. A plan with Login reuses only a result whose evidence
// all came after the plan was made: the provider calls Reuse again once
// the new flow completed, and gets its result.
func (b *Bridge) Reuse(p Plan, results []*auth.Result) (*auth.Result, error) {
	var best *auth.Result
	for _, r := range results {
		if r == nil || b.check(p, r) != nil {
			continue
		}
		if best == nil || r.AuthTime.After(best.AuthTime) {
			best = r
		}
	}
	if best == nil && p.NoPrompt {
		return nil, ErrLoginRequired
	}
	return best, nil
}

// check verifies that r satisfies p now.
func (b *Bridge) check(p Plan, r *auth.Result) error {
	if r.Subject == "" || r.Action != p.Level.Action {
		return fmt.Errorf("%w: the result is for another action", ErrUnmetRequirements)
	}
	if d := b.eng.Check(r, p.Level.Action); !d.Allowed {
		return fmt.Errorf("%w: %w (%s)", ErrUnmetRequirements, auth.ErrNotAllowed, d.Reasons)
	}
	at, ok := authTime(r)
	if !ok {
		return fmt.Errorf("%w: the result has no evidence", ErrUnmetRequirements)
	}
	now := b.eng.Now()
	// max_age=0 asks for a new authentication (Login), not for one of no
	// age at all: the Since check below answers it.
	if p.HasMaxAge && p.MaxAge > 0 && now.Sub(at) > p.MaxAge {
		return fmt.Errorf("%w: authentication older than max_age", ErrUnmetRequirements)
	}
	if p.Login && at.Before(p.Since) {
		return fmt.Errorf("%w: a new authentication is required", ErrUnmetRequirements)
	}
	return nil
}

// Claims are the authentication claims of an ID token.
type Claims struct {
	// Subject is sub: the result's subject (the account).
	Subject string
	// ACR is the level's ACR.
	ACR string
	// AMR are the RFC 8176 methods the factors recorded, in the order of
	// the evidence, plus "mfa" when two distinct factor kinds
	// contributed.
	AMR []string
	// AuthTime is the time of the oldest evidence that counted.
	AuthTime time.Time
	// IIN, BIN and Roles are the optional identity claims
	// (Config.IdentityClaims): ClaimIIN, ClaimBIN, ClaimRoles.
	IIN, BIN string
	Roles    []string
}

// Map returns the claims as JSON-ready name/value pairs: sub, acr, amr,
// auth_time (seconds since the epoch) and the identity claims present.
func (c *Claims) Map() map[string]any {
	m := map[string]any{"sub": c.Subject, "acr": c.ACR, "amr": slices.Clone(c.AMR), "auth_time": c.AuthTime.Unix()}
	for k, v := range c.Identity() {
		m[k] = v
	}
	return m
}

// Identity returns only the identity claims present (iin, bin,
// ecp_roles), for a provider that sets sub, acr, amr and auth_time itself.
func (c *Claims) Identity() map[string]any {
	m := map[string]any{}
	if c.IIN != "" {
		m[ClaimIIN] = c.IIN
	}
	if c.BIN != "" {
		m[ClaimBIN] = c.BIN
	}
	if len(c.Roles) > 0 {
		m[ClaimRoles] = slices.Clone(c.Roles)
	}
	return m
}

// Claims checks that r satisfies the plan now — the level's action, the
// engine's policy, max_age, and for Login a flow completed after the plan
// was made — and returns the ID-token claims. Anything short of that is
// ErrUnmetRequirements: no claim is ever issued for a result the engine
// would refuse.
func (b *Bridge) Claims(p Plan, r *auth.Result) (*Claims, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: no result", ErrUnmetRequirements)
	}
	if err := b.check(p, r); err != nil {
		return nil, err
	}
	c := &Claims{Subject: r.Subject, ACR: p.Level.ACR, AMR: amrOf(r)}
	c.AuthTime, _ = authTime(r)
	if b.identity {
		c.IIN = agreed(r, "iin")
		c.BIN = agreed(r, "bin")
		if roles := agreed(r, "roles"); roles != "" {
			c.Roles = strings.Split(roles, ",")
		}
	}
	return c, nil
}

// counted lists the evidence of r that is of r's subject.
func counted(r *auth.Result) []auth.Evidence {
	out := make([]auth.Evidence, 0, len(r.Evidence))
	for _, e := range r.Evidence {
		if e.Subject == r.Subject && e.Strength != auth.None {
			out = append(out, e)
		}
	}
	return out
}

// authTime is the time of the oldest evidence that counted.
func authTime(r *auth.Result) (time.Time, bool) {
	var at time.Time
	for _, e := range counted(r) {
		if at.IsZero() || e.Time.Before(at) {
			at = e.Time
		}
	}
	return at, !at.IsZero()
}

// amrOf is the union of the evidence's methods, in order, without any
// "mfa" a factor might have written, plus "mfa" when two distinct kinds
// contributed.
func amrOf(r *auth.Result) []string {
	var amr []string
	var kinds []auth.Kind
	for _, e := range counted(r) {
		if !slices.Contains(kinds, e.Kind) {
			kinds = append(kinds, e.Kind)
		}
		for _, m := range e.AMR {
			if m != auth.AMRMFA && !slices.Contains(amr, m) {
				amr = append(amr, m)
			}
		}
	}
	if len(kinds) >= 2 {
		amr = append(amr, auth.AMRMFA)
	}
	return amr
}

// agreed returns the attribute key that the strong evidence of r carries,
// when all strong evidence carrying it agrees; otherwise "" (no claim is
// safer than a wrong one).
func agreed(r *auth.Result, key string) string {
	v := ""
	for _, e := range counted(r) {
		if e.Strength != auth.Strong {
			continue
		}
		x, ok := e.Attributes[key]
		if !ok || x == "" {
			continue
		}
		if v != "" && v != x {
			return ""
		}
		v = x
	}
	return v
}
