package lifecycle

import (
	"context"
	"errors"
	"fmt"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/qr"
)

type clientKey struct{}

// WithClient returns a context carrying the client of the request, for
// the notices of credentials added through a wrapped store (the passkey
// factor's FinishRegistration, the qr factor's enrolment). Middleware
// sets it for every request.
func WithClient(ctx context.Context, c auth.ClientInfo) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

func clientOf(ctx context.Context) auth.ClientInfo {
	c, _ := ctx.Value(clientKey{}).(auth.ClientInfo)
	return c
}

// WrapPasskeys returns the credential store to give the passkey factor:
// every credential it adds is announced to the account holder (a notice
// with a "this was not me" token) before Add returns. If the notice
// cannot be delivered, the credential is removed again and Add fails: a
// credential is never added silently — the defence for a victim talked
// into registering a scammer's authenticator.
func (m *Manager) WrapPasskeys(inner passkey.CredentialStore) passkey.CredentialStore {
	return &passkeys{CredentialStore: inner, m: m}
}

type passkeys struct {
	passkey.CredentialStore
	m *Manager
}

func (p *passkeys) Add(ctx context.Context, c passkey.Credential) error {
	if err := p.CredentialStore.Add(ctx, c); err != nil {
		return err
	}
	view := p.m.passkeyView(&c)
	if err := p.m.added(ctx, c.Subject, view); err != nil {
		if rerr := p.CredentialStore.Remove(context.WithoutCancel(ctx), c.Subject, c.ID); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return fmt.Errorf("%w: %w", passkey.ErrUnavailable, err)
	}
	return nil
}

// Rename forwards to the inner store if it can rename.
func (p *passkeys) Rename(ctx context.Context, subject string, id []byte, name string) error {
	r, ok := p.CredentialStore.(interface {
		Rename(ctx context.Context, subject string, id []byte, name string) error
	})
	if !ok {
		return ErrUnsupported
	}
	return r.Rename(ctx, subject, id, name)
}

// WrapDevices is WrapPasskeys for linked phones (the qr service's
// DeviceStore).
func (m *Manager) WrapDevices(inner qr.DeviceStore) qr.DeviceStore {
	return &devices{DeviceStore: inner, m: m}
}

type devices struct {
	qr.DeviceStore
	m *Manager
}

func (d *devices) Add(ctx context.Context, dev qr.Device, max int) error {
	if err := d.DeviceStore.Add(ctx, dev, max); err != nil {
		return err
	}
	if err := d.m.added(ctx, dev.Subject, deviceView(&dev)); err != nil {
		if rerr := d.DeviceStore.Remove(context.WithoutCancel(ctx), dev.Subject, dev.ID); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return fmt.Errorf("%w: %w", qr.ErrUnavailable, err)
	}
	return nil
}

// Rename forwards to the inner store if it can rename.
func (d *devices) Rename(ctx context.Context, subject, id, name string) error {
	r, ok := d.DeviceStore.(interface {
		Rename(ctx context.Context, subject, id, name string) error
	})
	if !ok {
		return ErrUnsupported
	}
	return r.Rename(ctx, subject, id, name)
}

// added announces a new credential.
func (m *Manager) added(ctx context.Context, subject string, c Credential) error {
	client := clientOf(ctx)
	m.audit(ctx, EventCredentialAdded, subject, client, map[string]string{"kind": c.Kind, "credential": c.Ref})
	return m.notify(ctx, Notice{Event: NoticeAdded, Subject: subject, Credential: c, Client: client},
		report{Event: NoticeAdded, Subject: subject, Kind: c.Kind, ID: c.ID, Ref: c.Ref})
}

// Added announces a credential the host added by other means than a
// wrapped store (an import, an administrator), like the wrappers do.
func (m *Manager) Added(ctx context.Context, subject string, c Credential, client auth.ClientInfo) error {
	if subject == "" || (c.Kind != KindPasskey && c.Kind != KindDevice) || c.ID == "" {
		return ErrInvalid
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = m.cfg.Now()
	}
	return m.added(WithClient(ctx, client), subject, c)
}
