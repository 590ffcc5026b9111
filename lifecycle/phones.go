package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/otp"
)

// Binding is one number bound to an account: from BoundAt until it is
// replaced, serving SMS second steps from UsableAt (the end of its
// quarantine) on. Previous is the number it replaced ("" for the first).
type Binding struct {
	Subject  string    `json:"subject"`
	Phone    string    `json:"phone"` // E.164
	Previous string    `json:"previous,omitempty"`
	BoundAt  time.Time `json:"bound_at"`
	UsableAt time.Time `json:"usable_at"`
	// UnboundAt is when it was replaced (History only; zero: current).
	UnboundAt time.Time `json:"unbound_at,omitzero"`
}

// PhoneStore keeps the numbers bound to accounts, with their history. It
// must be safe for concurrent use; lifecycle/phonepg keeps it in
// PostgreSQL, MemoryPhones in memory.
type PhoneStore interface {
	// Current returns the account's binding, or ErrNoPhone.
	Current(ctx context.Context, subject string) (Binding, error)
	// Bind makes b the account's binding, ending the current one, if
	// b.Previous is the current number ("" when none is bound);
	// otherwise nothing changes and it fails with ErrConflict (a
	// concurrent change won). Atomic.
	Bind(ctx context.Context, b Binding) error
	// History returns every binding of the account, newest first.
	History(ctx context.Context, subject string) ([]Binding, error)
}

// ErrConflict is what PhoneStore.Bind returns when the current number is
// not b.Previous.
var ErrConflict = coded("conflict", "lifecycle: the bound number changed meanwhile")

// Risk is a PhoneRisk verdict.
type Risk struct {
	// Deny refuses the number.
	Deny bool
	// Until, if after now, delays the number: a new binding is
	// quarantined at least until then, and SMS steps to a bound number
	// are refused until then.
	Until time.Time
	// Reason is an operator-facing note ("SIM changed 2 h ago").
	Reason string
}

// PhoneRisk lets a host plug in an operator's signal of a SIM swap or a
// number port. An error denies.
type PhoneRisk interface {
	Check(ctx context.Context, subject string, phone otp.Phone) (Risk, error)
}

// PhoneRiskError is the error of a number PhoneRisk flagged. It matches
// ErrPhoneRisk.
type PhoneRiskError struct {
	// Until is when the number may serve again (zero: denied).
	Until  time.Time
	Reason string
}

func (e *PhoneRiskError) Error() string {
	if e.Until.IsZero() {
		return "lifecycle: phone number refused by the operator's risk signal"
	}
	return "lifecycle: phone number delayed by the operator's risk signal until " + e.Until.UTC().Format(time.RFC3339)
}
func (e *PhoneRiskError) Is(target error) bool { return target == ErrPhoneRisk }
func (e *PhoneRiskError) ErrorCode() string    { return "phone_risk" }

// RetryAfter is the time until Until (zero when denied).
func (e *PhoneRiskError) RetryAfter() time.Duration {
	if e.Until.IsZero() {
		return 0
	}
	return time.Until(e.Until)
}

// PhoneChange asks to bind a new number.
type PhoneChange struct {
	Subject string
	// Result must hold strong evidence of Subject from the last
	// StepUpAge: a number is never changed on an SMS code.
	Result *auth.Result
	// Phone is the new number as typed; it is parsed with Region.
	Phone  string
	Region string
	Client auth.ClientInfo
}

// ChangePhone binds a new number after a step-up. The number serves SMS
// second steps only after the quarantine (and any PhoneRisk delay); until
// then BoundPhone answers "" and Gate refuses sms, so that policies offer
// their strong alternatives. The number bound until now gets a notice
// with a report token that restores it.
func (m *Manager) ChangePhone(ctx context.Context, req PhoneChange) (Binding, error) {
	if m.cfg.Phones == nil {
		return Binding{}, ErrUnsupported
	}
	if err := m.stepUp(req.Result, req.Subject); err != nil {
		return Binding{}, err
	}
	p, err := otp.ParsePhone(req.Phone, req.Region)
	if err != nil {
		return Binding{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	now := m.cfg.Now()
	usable := now.Add(m.cfg.Quarantine)
	if m.cfg.PhoneRisk != nil {
		r, err := m.cfg.PhoneRisk.Check(ctx, req.Subject, p)
		if err != nil {
			return Binding{}, unavailable(err)
		}
		if r.Deny {
			return Binding{}, &PhoneRiskError{Reason: r.Reason}
		}
		if r.Until.After(usable) {
			usable = r.Until
		}
	}
	var b Binding
	err = m.locked(ctx, req.Subject, func() error {
		cur, err := m.cfg.Phones.Current(ctx, req.Subject)
		if err != nil && !errors.Is(err, ErrNoPhone) {
			return unavailable(err)
		}
		if cur.Phone == p.E164() {
			return ErrSamePhone
		}
		b = Binding{Subject: req.Subject, Phone: p.E164(), Previous: cur.Phone, BoundAt: now, UsableAt: usable}
		if err := m.cfg.Phones.Bind(ctx, b); err != nil {
			if errors.Is(err, ErrConflict) {
				return ErrBusy
			}
			return unavailable(err)
		}
		return nil
	})
	if err != nil {
		return Binding{}, err
	}
	m.audit(ctx, EventPhoneChanged, req.Subject, req.Client, map[string]string{"phone": p.Masked(),
		"usable_at": usable.UTC().Format(time.RFC3339)})
	if b.Previous != "" {
		n := Notice{Event: NoticePhoneChanged, Subject: req.Subject, Phone: p.Masked(), UsableAt: usable, Client: req.Client}
		if err := m.notify(ctx, n, report{Event: NoticePhoneChanged, Subject: req.Subject, Previous: b.Previous, Phone: b.Phone}); err != nil {
			m.audit(ctx, EventNoticeFailed, req.Subject, req.Client, map[string]string{"event": string(NoticePhoneChanged)})
		}
	}
	return b, nil
}

// BoundPhone implements auth.PhoneBook for the SMS factor: the account's
// number once its quarantine is over, and "" (no usable phone: nothing is
// sent) before, or when none is bound.
func (m *Manager) BoundPhone(ctx context.Context, subject string) (string, error) {
	b, ok, err := m.current(ctx, subject)
	if err != nil || !ok || m.cfg.Now().Before(b.UsableAt) {
		return "", err
	}
	return b.Phone, nil
}

// TrustedPhone returns the number notices go to: the current one once its
// quarantine is over, else the one it replaced (the holder's trusted
// number, which a SIM-swapper's new number must not silence). "" if none.
func (m *Manager) TrustedPhone(ctx context.Context, subject string) (string, error) {
	b, ok, err := m.current(ctx, subject)
	if err != nil || !ok {
		return "", err
	}
	if m.cfg.Now().Before(b.UsableAt) {
		return b.Previous, nil
	}
	return b.Phone, nil
}

// current returns the account's binding, if the Manager keeps phones and
// one is bound.
func (m *Manager) current(ctx context.Context, subject string) (Binding, bool, error) {
	if m.cfg.Phones == nil {
		return Binding{}, false, nil
	}
	b, err := m.cfg.Phones.Current(ctx, subject)
	if errors.Is(err, ErrNoPhone) {
		return Binding{}, false, nil
	}
	if err != nil {
		return Binding{}, false, err
	}
	return b, true, nil
}

// Gate is an auth.Gate for every policy: it refuses any factor in a flow
// of an account whose flows were ended after the flow began (ErrEnded),
// and sms while the bound number is quarantined (ErrQuarantine) or flagged
// by PhoneRisk (a *PhoneRiskError), so that the engine offers the strong
// alternatives instead.
func (m *Manager) Gate(ctx context.Context, f *auth.Flow, k auth.Kind) error {
	if f.Subject == "" {
		return nil
	}
	at, err := m.endedAt(ctx, f.Subject)
	if err != nil {
		return err
	}
	if !at.IsZero() && !f.CreatedAt.After(at) {
		return ErrEnded
	}
	if k != auth.KindSMS || m.cfg.Phones == nil {
		return nil
	}
	b, err := m.cfg.Phones.Current(ctx, f.Subject)
	if errors.Is(err, ErrNoPhone) {
		return nil // the sms factor refuses it itself
	}
	if err != nil {
		return unavailable(err)
	}
	now := m.cfg.Now()
	if now.Before(b.UsableAt) {
		return ErrQuarantine
	}
	if m.cfg.PhoneRisk != nil {
		p, err := otp.ParsePhone(b.Phone, "")
		if err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		r, err := m.cfg.PhoneRisk.Check(ctx, f.Subject, p)
		if err != nil {
			return unavailable(err)
		}
		if r.Deny || r.Until.After(now) {
			e := &PhoneRiskError{Reason: r.Reason}
			if !r.Deny {
				e.Until = r.Until
			}
			return e
		}
	}
	return nil
}

// MemoryPhones is an in-memory PhoneStore for tests, examples and a single
// process.
type MemoryPhones struct {
	mu      sync.Mutex
	history map[string][]Binding // newest last
}

var _ PhoneStore = (*MemoryPhones)(nil)

// NewMemoryPhones returns an empty MemoryPhones.
func NewMemoryPhones() *MemoryPhones { return &MemoryPhones{history: map[string][]Binding{}} }

// Current implements PhoneStore.
func (m *MemoryPhones) Current(ctx context.Context, subject string) (Binding, error) {
	if err := ctx.Err(); err != nil {
		return Binding{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.history[subject]
	if len(h) == 0 {
		return Binding{}, ErrNoPhone
	}
	return h[len(h)-1], nil
}

// Bind implements PhoneStore.
func (m *MemoryPhones) Bind(ctx context.Context, b Binding) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if b.Subject == "" || b.Phone == "" {
		return ErrInvalid
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.history[b.Subject]
	cur := ""
	if len(h) > 0 {
		cur = h[len(h)-1].Phone
	}
	if cur != b.Previous {
		return ErrConflict
	}
	if len(h) > 0 {
		h[len(h)-1].UnboundAt = b.BoundAt
	}
	b.UnboundAt = time.Time{}
	m.history[b.Subject] = append(h, b)
	return nil
}

// History implements PhoneStore.
func (m *MemoryPhones) History(ctx context.Context, subject string) ([]Binding, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := slices.Clone(m.history[subject])
	slices.Reverse(out)
	if out == nil {
		out = []Binding{}
	}
	return out, nil
}

// Phone returns the account's current binding (ErrNoPhone: none), for
// pages that show the number and its quarantine.
func (m *Manager) Phone(ctx context.Context, subject string) (Binding, error) {
	if m.cfg.Phones == nil {
		return Binding{}, ErrNoPhone
	}
	b, err := m.cfg.Phones.Current(ctx, subject)
	if err != nil && !errors.Is(err, ErrNoPhone) {
		return Binding{}, unavailable(err)
	}
	return b, err
}
