package lifecycle

import (
	"context"
	"fmt"
	"strings"

	"github.com/strongauth/strongauth/auth"
)

// RecoveryPolicy returns the policy of the recovery action ("lost my
// phone", "lost my passkey") for auth.Config.Policies: rule — for example
// auth.ParseRule("ecp | qr") — with MaxAge StepUpAge. Recovery never falls
// back to a weaker way: a rule that names sms anywhere is refused, even as
// a second step.
func (m *Manager) RecoveryPolicy(rule auth.Expr) (auth.Policy, error) {
	if rule == nil {
		return auth.Policy{}, fmt.Errorf("%w: recovery rule is required", ErrConfig)
	}
	for _, tok := range strings.FieldsFunc(rule.String(), func(r rune) bool { return strings.ContainsRune("()&| ", r) }) {
		if auth.Kind(tok) == auth.KindSMS {
			return auth.Policy{}, fmt.Errorf("%w: the recovery rule %q names sms: recovery is strong-only", ErrConfig, rule)
		}
	}
	return auth.Policy{Action: m.cfg.RecoveryAction, Rule: rule, MaxAge: m.cfg.StepUpAge, Gate: m.Gate}, nil
}

// Recovery asks to remove credentials the account holder lost.
type Recovery struct {
	Subject string
	// Result is the completed recovery flow (the RecoveryPolicy action),
	// from the last StepUpAge, with no SMS evidence in it.
	Result *auth.Result
	// Lost names the credentials to remove (Kind, ID as List gives them).
	Lost   []Credential
	Client auth.ClientInfo
}

// Recover removes the lost credentials, ends the account's flows and
// sessions (a thief holding the lost phone is signed out), and notifies
// the holder of each removal. The last-credential rule holds: at least one
// strong way must remain (the one the recovery used, typically).
func (m *Manager) Recover(ctx context.Context, req Recovery) (int, error) {
	if req.Result == nil || req.Result.Action != m.cfg.RecoveryAction {
		return 0, ErrNotRecovery
	}
	for _, e := range req.Result.Evidence {
		if e.Kind == auth.KindSMS || e.Strength != auth.Strong {
			return 0, ErrNotRecovery
		}
	}
	if err := m.stepUp(req.Result, req.Subject); err != nil {
		return 0, err
	}
	if len(req.Lost) == 0 || len(req.Lost) > 64 {
		return 0, ErrInvalid
	}
	var removed []Credential
	err := m.locked(ctx, req.Subject, func() error {
		found := make([]Credential, 0, len(req.Lost))
		seen := map[string]bool{}
		for _, l := range req.Lost {
			c, err := m.find(ctx, req.Subject, l.Kind, l.ID)
			if err != nil {
				return err
			}
			if !seen[c.Kind+"\x00"+c.ID] {
				seen[c.Kind+"\x00"+c.ID] = true
				found = append(found, c)
			}
		}
		if err := m.keepsOne(ctx, req.Subject, len(found)); err != nil {
			return err
		}
		for _, c := range found {
			if err := m.remove(ctx, req.Subject, c); err != nil {
				return err
			}
			removed = append(removed, c)
		}
		return nil
	})
	if err != nil {
		return len(removed), err
	}
	if err := m.EndFlows(ctx, req.Subject, "recovery"); err != nil {
		return len(removed), err
	}
	m.audit(ctx, EventRecovered, req.Subject, req.Client, map[string]string{"removed": fmt.Sprint(len(removed))})
	for _, c := range removed {
		if err := m.notify(ctx, Notice{Event: NoticeRemoved, Subject: req.Subject, Credential: c, Client: req.Client}); err != nil {
			m.audit(ctx, EventNoticeFailed, req.Subject, req.Client, map[string]string{"credential": c.Ref})
		}
	}
	return len(removed), nil
}
