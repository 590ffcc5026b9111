package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/factors/passkey/passkeypg"
	"github.com/strongauth/strongauth/factors/qr/qrpg"
	"github.com/strongauth/strongauth/lifecycle"
	"github.com/strongauth/strongauth/lifecycle/lifecyclehttp"
	"github.com/strongauth/strongauth/lifecycle/phonepg"
	"github.com/strongauth/strongauth/qr"
)

// The credential life cycle of the portal: durable stores (PostgreSQL with
// -postgres, else memory), the lifecycle Manager that manages, announces
// and recovers credentials, and the account page's endpoints.

const (
	// actionManage is the step-up of credential changes: a strong factor
	// from the last five minutes (never SMS).
	actionManage = "manage"
	// actionRecover is "lost my phone / lost my passkey": strong-only.
	actionRecover = lifecycle.DefaultRecoveryAct
	ruleRecover   = "ecp | qr"
)

// credentialStores makes the durable stores and the Manager. With
// Config.PostgresDSN it connects, migrates the schema (idempotent, under an
// advisory lock, so that every instance may do it at start) and keeps
// passkeys, linked phones and bound numbers there.
func (p *Portal) credentialStores() error {
	cfg := p.cfg
	var phones lifecycle.PhoneStore
	if cfg.PostgresDSN != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		pool, err := pgxpool.New(ctx, cfg.PostgresDSN)
		if err != nil {
			return fmt.Errorf("portal: postgres: %w", err)
		}
		p.pgPool = pool
		for _, migrate := range []func(context.Context, *pgxpool.Pool, string) error{passkeypg.Migrate, qrpg.Migrate, phonepg.Migrate} {
			if err := migrate(ctx, pool, cfg.PostgresSchema); err != nil {
				return fmt.Errorf("portal: postgres: %w", err)
			}
		}
		if p.creds, err = passkeypg.New(passkeypg.Config{Pool: pool, Schema: cfg.PostgresSchema}); err != nil {
			return err
		}
		if p.devices, err = qrpg.New(qrpg.Config{Pool: pool, Schema: cfg.PostgresSchema}); err != nil {
			return err
		}
		if phones, err = phonepg.New(phonepg.Config{Pool: pool, Schema: cfg.PostgresSchema}); err != nil {
			return err
		}
	} else {
		// Redis (Config.Credentials, Devices from -redis) or memory.
		if p.creds = cfg.Credentials; p.creds == nil {
			p.creds = passkey.NewMemoryCredentials()
		}
		if p.devices = cfg.Devices; p.devices == nil {
			p.devices = qr.NewMemoryDevices()
		}
		phones = lifecycle.NewMemoryPhones()
	}
	// The test persons' numbers, bound long ago (out of quarantine).
	long := cfg.Now().Add(-30 * 24 * time.Hour)
	for _, person := range cfg.People {
		err := phones.Bind(context.Background(), lifecycle.Binding{Subject: person.IIN, Phone: person.Phone, BoundAt: long, UsableAt: long})
		if err != nil && !errors.Is(err, lifecycle.ErrConflict) { // bound already (a database from an earlier run)
			return fmt.Errorf("portal: binding the test phones: %w", err)
		}
	}
	var err error
	m, err := lifecycle.New(lifecycle.Config{Store: p.store, Now: cfg.Now, Rand: cfg.Rand, Audit: auth.SlogAuditor(cfg.Log),
		Passkeys: p.creds, Devices: p.devices, Phones: phones, Notifier: lifecycle.NotifierFunc(p.notify),
		HasECP: func(_ context.Context, subject string) (bool, error) {
			person, ok := p.dir.find(subject)
			return ok && !person.Revoked, nil
		},
	})
	if err != nil {
		return err
	}
	p.lc = m
	rule, err := auth.ParseRule(ruleRecover)
	if err != nil {
		return err
	}
	if p.recovery, err = m.RecoveryPolicy(rule); err != nil {
		return err
	}
	sender := cfg.Notices
	if sender == nil {
		sender = cfg.SMS
	}
	p.notices, err = lifecycle.NewSMSNotifier(lifecycle.SMSConfig{Sender: sender, Phones: m.TrustedPhone, Service: "eGov demo",
		ReportURL: cfg.Origin + "/not-me", Region: "KZ", Rand: cfg.Rand,
		Languages: func(ctx context.Context, subject string) (string, error) { return p.dir.Language(ctx, subject) }})
	return err
}

// notify is the portal's Notifier: the informational SMS (printed in the
// console in development, like the codes).
func (p *Portal) notify(ctx context.Context, n lifecycle.Notice) error {
	return p.notices.Notify(ctx, n)
}

// lifecyclePolicies adds the life cycle to the portal's policies: every
// policy gets the Manager's Gate (a reported account's flows end; no SMS
// to a number in quarantine), and the step-up of credential changes and
// the strong-only recovery join them.
func (p *Portal) lifecyclePolicies(ps []auth.Policy) []auth.Policy {
	for i := range ps {
		ps[i].Gate = p.lc.Gate
	}
	return append(ps, auth.Policy{Action: actionManage, Rule: auth.AnyStrong(), MaxAge: stepUpAge, Gate: p.lc.Gate}, p.recovery)
}

// accountHandler makes the life-cycle endpoints under /account/.
func (p *Portal) accountHandler() error {
	var err error
	p.account, err = lifecyclehttp.New(p.auth, lifecyclehttp.Config{Manager: p.lc, StepUpAction: actionManage, Region: "KZ",
		Results: p.results,
		Subject: func(r *http.Request) (string, bool) {
			s, ok := p.session(r)
			if !ok {
				return "", false
			}
			return s.Subject, true
		}})
	return err
}

// withClient gives the credential stores the request's client, for the
// notices of credentials added under it (passkey enrolment, phone
// linking).
func (p *Portal) withClient(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(lifecycle.WithClient(r.Context(), p.auth.Client(r))))
	})
}

// ended reports whether the session's person had their sessions ended (a
// "this was not me" report, a recovery) after it began; a store failure
// ends it too.
func (p *Portal) ended(r *http.Request, s *session) bool {
	ended, err := p.lc.Ended(r.Context(), s.Subject, s.Created)
	return ended || err != nil
}

func (p *Portal) accountPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.session(r); !ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	p.pages.render(w, r, "account", "Passkeys, phones and recovery")
}

func (p *Portal) notMePage(w http.ResponseWriter, r *http.Request) {
	p.pages.render(w, r, "not-me", "This was not me")
}
