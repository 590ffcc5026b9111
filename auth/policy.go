package auth

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Expr is a policy rule over the factors of a flow: a factor Kind, AnyStrong,
// or AnyOf / AllOf of rules. Its text form, which ParseRule reads and String
// writes, is for example
//
//	(ecp & sms) | webauthn | qr
//
// with & binding tighter than |, and the keyword "strong" for AnyStrong.
type Expr interface {
	String() string
	expr()
}

func (Kind) expr() {}

// String returns the kind's name.
func (k Kind) String() string { return string(k) }

type anyStrong struct{}

func (anyStrong) expr()          {}
func (anyStrong) String() string { return "strong" }

// AnyStrong is satisfied by strong evidence of any kind.
func AnyStrong() Expr { return anyStrong{} }

type anyOf []Expr
type allOf []Expr

func (anyOf) expr() {}
func (allOf) expr() {}

func (a anyOf) String() string { return join(a, " | ") }
func (a allOf) String() string { return join(a, " & ") }

// join writes es separated by sep, with every compound operand in
// parentheses: "(ecp & sms) | qr", "(ecp | qr) & sms".
func join(es []Expr, sep string) string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteString(sep)
		}
		_, isAny := e.(anyOf)
		_, isAll := e.(allOf)
		if isAny || isAll {
			b.WriteString("(" + e.String() + ")")
		} else {
			b.WriteString(e.String())
		}
	}
	return b.String()
}

// AnyOf is satisfied when one of es is. Nested AnyOf are flattened.
func AnyOf(es ...Expr) Expr { return flatten(es, true) }

// AllOf is satisfied when every one of es is. Nested AllOf are flattened.
func AllOf(es ...Expr) Expr { return flatten(es, false) }

func flatten(es []Expr, any bool) Expr {
	var out []Expr
	for _, e := range es {
		switch v := e.(type) {
		case nil:
			continue
		case anyOf:
			if any {
				out = append(out, v...)
				continue
			}
		case allOf:
			if !any {
				out = append(out, v...)
				continue
			}
		}
		out = append(out, e)
	}
	switch {
	case len(out) == 1:
		return out[0]
	case any:
		return anyOf(out)
	default:
		return allOf(out)
	}
}

// Limits that keep hostile or mistaken policy texts cheap.
const (
	maxRuleText   = 1024
	maxRuleDepth  = 16
	maxRuleKinds  = 62
	maxRuleCombos = 256
)

// ParseRule parses the text form of a rule. It checks syntax only; use
// CheckRule (or auth.New, which knows the configured factors) to refuse rules
// that a weak factor alone could satisfy.
func ParseRule(text string) (Expr, error) {
	if len(text) > maxRuleText {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrPolicySyntax, maxRuleText)
	}
	p := &parser{s: text}
	e, err := p.any(0)
	if err != nil {
		return nil, err
	}
	p.skip()
	if p.i != len(p.s) {
		return nil, p.errorf("unexpected %q", p.s[p.i:p.i+1])
	}
	return e, nil
}

type parser struct {
	s string
	i int
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w at offset %d: %s", ErrPolicySyntax, p.i, fmt.Sprintf(format, args...))
}

func (p *parser) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *parser) any(depth int) (Expr, error) {
	var alts []Expr
	for {
		e, err := p.all(depth)
		if err != nil {
			return nil, err
		}
		alts = append(alts, e)
		p.skip()
		if p.i < len(p.s) && p.s[p.i] == '|' {
			p.i++
			continue
		}
		return AnyOf(alts...), nil
	}
}

func (p *parser) all(depth int) (Expr, error) {
	var parts []Expr
	for {
		e, err := p.atom(depth)
		if err != nil {
			return nil, err
		}
		parts = append(parts, e)
		p.skip()
		if p.i < len(p.s) && p.s[p.i] == '&' {
			p.i++
			continue
		}
		return AllOf(parts...), nil
	}
}

func (p *parser) atom(depth int) (Expr, error) {
	p.skip()
	if p.i >= len(p.s) {
		return nil, p.errorf("unexpected end")
	}
	if p.s[p.i] == '(' {
		if depth >= maxRuleDepth {
			return nil, p.errorf("nested deeper than %d", maxRuleDepth)
		}
		p.i++
		e, err := p.any(depth + 1)
		if err != nil {
			return nil, err
		}
		p.skip()
		if p.i >= len(p.s) || p.s[p.i] != ')' {
			return nil, p.errorf("missing )")
		}
		p.i++
		return e, nil
	}
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			p.i++
			continue
		}
		break
	}
	word := p.s[start:p.i]
	if word == "" {
		return nil, p.errorf("expected a factor name")
	}
	if word == "strong" {
		return AnyStrong(), nil
	}
	if !validKind(word) {
		p.i = start
		return nil, p.errorf("invalid factor name")
	}
	return Kind(word), nil
}

// combo is one conjunction of a rule's disjunctive normal form: the kinds it
// needs (bits over compiled.kinds) and whether it needs strong evidence of
// any kind.
type combo struct {
	mask   uint64
	strong bool
}

// compiled is a rule in minimal disjunctive normal form.
type compiled struct {
	kinds  []Kind
	combos []combo
}

func compile(e Expr) (*compiled, error) {
	c := &compiled{}
	combos, err := c.dnf(e)
	if err != nil {
		return nil, err
	}
	// Absorption: drop any combination that contains another.
	var min []combo
	for i, a := range combos {
		absorbed := false
		for j, b := range combos {
			if i == j {
				continue
			}
			if b.mask&a.mask == b.mask && (!b.strong || a.strong) && (b != a || j < i) {
				absorbed = true
				break
			}
		}
		if !absorbed {
			min = append(min, a)
		}
	}
	c.combos = min
	return c, nil
}

func (c *compiled) index(k Kind) int {
	return slices.Index(c.kinds, k)
}

func (c *compiled) dnf(e Expr) ([]combo, error) {
	switch v := e.(type) {
	case Kind:
		i := c.index(v)
		if i < 0 {
			if len(c.kinds) >= maxRuleKinds {
				return nil, fmt.Errorf("%w: more than %d factor kinds", ErrPolicySyntax, maxRuleKinds)
			}
			c.kinds = append(c.kinds, v)
			i = len(c.kinds) - 1
		}
		return []combo{{mask: 1 << i}}, nil
	case anyStrong:
		return []combo{{strong: true}}, nil
	case anyOf:
		var out []combo
		for _, x := range v {
			d, err := c.dnf(x)
			if err != nil {
				return nil, err
			}
			out = append(out, d...)
			if len(out) > maxRuleCombos {
				return nil, fmt.Errorf("%w: more than %d combinations", ErrPolicySyntax, maxRuleCombos)
			}
		}
		return out, nil
	case allOf:
		out := []combo{{}}
		for _, x := range v {
			d, err := c.dnf(x)
			if err != nil {
				return nil, err
			}
			if len(out)*len(d) > maxRuleCombos {
				return nil, fmt.Errorf("%w: more than %d combinations", ErrPolicySyntax, maxRuleCombos)
			}
			next := make([]combo, 0, len(out)*len(d))
			for _, a := range out {
				for _, b := range d {
					next = append(next, combo{mask: a.mask | b.mask, strong: a.strong || b.strong})
				}
			}
			out = next
		}
		return out, nil
	default:
		return nil, fmt.Errorf("%w: unknown rule element %T", ErrPolicySyntax, e)
	}
}

func (c *compiled) comboKinds(m combo) []Kind {
	var ks []Kind
	for i, k := range c.kinds {
		if m.mask&(1<<i) != 0 {
			ks = append(ks, k)
		}
	}
	return ks
}

func (c *compiled) comboString(m combo) string {
	var parts []string
	for _, k := range c.comboKinds(m) {
		parts = append(parts, string(k))
	}
	if m.strong {
		parts = append(parts, "strong")
	}
	return strings.Join(parts, " & ")
}

// check refuses a rule with a combination that no strong-capable factor
// is part of. strongKind says which kinds can be strong.
func (c *compiled) check(strongKind func(Kind) bool) error {
	for _, m := range c.combos {
		if m.strong {
			continue
		}
		ok := false
		for _, k := range c.comboKinds(m) {
			if strongKind(k) {
				ok = true
				break
			}
		}
		if !ok {
			return fmt.Errorf("%w: %q is satisfied by %q alone", ErrWeakPolicy, c.String(), c.comboString(m))
		}
	}
	return nil
}

// String returns the normal form.
func (c *compiled) String() string {
	parts := make([]string, len(c.combos))
	for i, m := range c.combos {
		parts[i] = c.comboString(m)
	}
	return strings.Join(parts, " | ")
}

// NormalForm returns the minimal combinations that satisfy e, each a list of
// kinds plus "strong" where strong evidence of any kind is needed; for
// "(ecp & sms) | webauthn | qr": [[ecp sms] [webauthn] [qr]].
func NormalForm(e Expr) ([][]string, error) {
	c, err := compile(e)
	if err != nil {
		return nil, err
	}
	out := make([][]string, len(c.combos))
	for i, m := range c.combos {
		for _, k := range c.comboKinds(m) {
			out[i] = append(out[i], string(k))
		}
		if m.strong {
			out[i] = append(out[i], "strong")
		}
	}
	return out, nil
}

// CheckRule refuses a rule that some combination of weak factors alone could
// satisfy, naming that combination. It knows the shipped kinds: ecp, webauthn
// and qr can be strong; sms and any other kind cannot. (auth.New checks again
// with the factors actually configured.)
func CheckRule(e Expr) error {
	c, err := compile(e)
	if err != nil {
		return err
	}
	return c.check(func(k Kind) bool { return canBeStrong(k, nil) })
}

// Gate decides whether factor k may begin in flow f. It returns nil to allow
// or an error (wrapped in ErrGate by the engine) to refuse. Gates read the
// flow; they never change it.
type Gate func(ctx context.Context, f *Flow, k Kind) error

// Policy is the rule for one action.
type Policy struct {
	// Action is what the flow is for: "login", "sign-document", …
	Action string
	// Rule says which combinations of factors suffice. Required. A rule
	// that a weak factor alone could satisfy is refused by auth.New.
	Rule Expr
	// MaxAge, if positive, is how old evidence may be when the decision is
	// made (and, for the Require middleware, how old a result may be): the
	// step-up freshness, e.g. "sign-document needs a strong factor from the
	// last 5 minutes". Zero means only the flow's own lifetime bounds it.
	MaxAge time.Duration
	// SatisfiedBy lists other actions whose completed results may satisfy
	// this policy in Engine.Check (and so in authhttp's Require): a login
	// result younger than MaxAge satisfying "sign-document" is what users
	// expect when the login used a strong enough factor. The result's
	// evidence must still satisfy this policy's rule and MaxAge, for the
	// same subject; nothing else carries over. Empty (the default) means a
	// result counts only for its own action. Each named action must have a
	// policy.
	SatisfiedBy []string
	// Gate, if set, is consulted before any factor begins, in addition to
	// the built-in gate, which no setting removes: a weak factor (sms) may
	// begin only after a strong factor has completed in the same flow and
	// the flow's subject is known.
	Gate Gate
}

// Reason says why a decision is not (yet) allowed. Reasons combine as bits.
type Reason uint16

// Reasons for a refusal.
const (
	ReasonMissing   Reason = 1 << iota // more factors are needed
	ReasonNoStrong                     // no strong evidence yet
	ReasonStale                        // some evidence is older than MaxAge
	ReasonNoSubject                    // no factor has identified the subject
	ReasonExpired                      // the flow expired
	ReasonCancelled                    // the flow was cancelled
	ReasonCompleted                    // the flow was already redeemed
)

func (r Reason) String() string {
	names := [...]string{"missing", "no_strong", "stale", "no_subject", "expired", "cancelled", "completed"}
	var parts []string
	for i, n := range names {
		if r&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	return strings.Join(parts, ",")
}

// Decision is the outcome of checking a flow against its policy.
type Decision struct {
	// Allowed is true when the evidence satisfies the policy.
	Allowed bool
	// Reasons explain a refusal; zero when Allowed.
	Reasons Reason

	rule                 *compiled
	have, strong         uint64
	haveStrong, terminal bool
}

// Alternatives lists, for a refusal, the factor combinations that would
// complete the flow, each as the kinds still missing ("strong" meaning any
// strong factor), fewest first. It is empty when Allowed or when the flow
// cannot be completed any more (expired, cancelled, completed).
func (d Decision) Alternatives() [][]string {
	if d.Allowed || d.terminal || d.rule == nil {
		return nil
	}
	// Two passes: count, then fill one backing array (two allocations,
	// not one per combination and per append).
	rows, names := 0, 0
	for _, m := range d.rule.combos {
		if n := d.missing(m, nil); n > 0 {
			rows, names = rows+1, names+n
		}
	}
	if rows == 0 {
		return nil
	}
	out := make([][]string, 0, rows)
	backing := make([]string, 0, names)
	for _, m := range d.rule.combos {
		start := len(backing)
		if d.missing(m, &backing) > 0 {
			out = append(out, backing[start:len(backing):len(backing)]) // capped: an append by the caller copies
		}
	}
	slices.SortStableFunc(out, func(a, b []string) int { return len(a) - len(b) })
	return out
}

// missing counts what combination m lacks, appending the names to *dst
// when dst is not nil: its kinds not in the evidence, and "strong" when it
// needs a strong factor the evidence lacks.
func (d Decision) missing(m combo, dst *[]string) int {
	n := 0
	for i, k := range d.rule.kinds {
		if m.mask&(1<<i) != 0 && d.have&(1<<i) == 0 {
			n++
			if dst != nil {
				*dst = append(*dst, string(k))
			}
		}
	}
	if (m.strong && !d.haveStrong) || (!m.strong && m.mask&d.strong == 0 && n == 0) {
		n++
		if dst != nil {
			*dst = append(*dst, "strong")
		}
	}
	return n
}

// decide checks evidence against a compiled rule. It allocates nothing.
func (c *compiled) decide(f *Flow, maxAge time.Duration, now time.Time) Decision {
	d := Decision{rule: c}
	switch {
	case f.Cancelled:
		d.Reasons, d.terminal = ReasonCancelled, true
		return d
	case f.Completed:
		d.Reasons, d.terminal = ReasonCompleted, true
		return d
	case !now.Before(f.ExpiresAt):
		d.Reasons, d.terminal = ReasonExpired, true
		return d
	}
	stale := false
	for i := range f.Evidence {
		e := &f.Evidence[i]
		if e.Strength == None || e.Subject != f.Subject {
			continue
		}
		if maxAge > 0 && now.Sub(e.Time) > maxAge {
			stale = true
			continue
		}
		bit := uint64(0)
		for j, k := range c.kinds {
			if k == e.Kind {
				bit = 1 << j
				break
			}
		}
		d.have |= bit
		if e.Strength == Strong {
			d.strong |= bit
			d.haveStrong = true
		}
	}
	for _, m := range c.combos {
		if d.have&m.mask != m.mask {
			continue
		}
		if m.strong && !d.haveStrong {
			continue
		}
		// Whatever the rule says, the evidence used must include a
		// strong factor (invariant 1).
		if d.strong&m.mask == 0 && !(m.strong && d.haveStrong) {
			continue
		}
		if f.Subject == "" {
			d.Reasons = ReasonNoSubject
			return d
		}
		d.Allowed = true
		return d
	}
	d.Reasons = ReasonMissing
	if !d.haveStrong {
		d.Reasons |= ReasonNoStrong
	}
	if stale {
		d.Reasons |= ReasonStale
	}
	if f.Subject == "" {
		d.Reasons |= ReasonNoSubject
	}
	return d
}
