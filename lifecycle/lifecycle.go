package lifecycle

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/store"
)

// Credential kinds.
const (
	KindPasskey = "passkey"   // a WebAuthn credential (passkey.Credential)
	KindDevice  = "qr-device" // a linked phone (qr.Device)
)

// Defaults and bounds of Config.
const (
	DefaultStepUpAge   = 5 * time.Minute
	MaxStepUpAge       = 15 * time.Minute
	DefaultQuarantine  = 24 * time.Hour
	DefaultReportTTL   = 7 * 24 * time.Hour
	DefaultEndedTTL    = 30 * 24 * time.Hour
	DefaultRecoveryAct = "recover"
	// MaxNameLen bounds a credential's name.
	MaxNameLen = 64
	lockTTL    = 10 * time.Second
	lockTries  = 20
)

// Audit event types raised by the Manager, beside auth.EventFraudReported.
const (
	EventCredentialAdded   = "credential_added"
	EventCredentialRemoved = "credential_removed"
	EventCredentialRenamed = "credential_renamed"
	EventPhoneChanged      = "phone_changed"
	EventFlowsEnded        = "flows_ended"
	EventRecovered         = "recovered"
	// EventNoticeFailed records a removal or phone change whose notice
	// could not be delivered (the change stands).
	EventNoticeFailed = "notice_failed"
)

// Config configures a Manager.
type Config struct {
	// Store keeps the short-lived state: report tokens, per-account locks,
	// the times at which an account's flows were ended. Required (share
	// the engine's).
	Store store.Store
	// Notifier is told of every credential added or removed and every
	// bound-phone change. Required: a credential is never added silently
	// (see WrapPasskeys). NewSMSNotifier is the default.
	Notifier Notifier
	// Passkeys and Devices are the credential stores to manage; either may
	// be nil. Rename needs a store with a Rename method (passkeypg, qrpg).
	Passkeys passkey.CredentialStore
	Devices  qr.DeviceStore
	// Phones keeps bound numbers and their history. Nil: no phone
	// changes; BoundPhone and Gate then have nothing to say.
	Phones PhoneStore
	// HasECP reports whether the account can sign in with its ECP key (a
	// valid certificate the host knows of): it counts as a strong way for
	// the last-credential rule. Nil means never.
	HasECP func(ctx context.Context, subject string) (bool, error)
	// StepUpAge is how recent the strong evidence of a change must be.
	// Zero means 5 minutes; at most 15.
	StepUpAge time.Duration
	// Quarantine is how long a new number waits before it serves SMS
	// second steps. Zero means 24 hours; InsecureNoQuarantine turns it off.
	Quarantine           time.Duration
	InsecureNoQuarantine bool
	// PhoneRisk, if set, is asked about a number before it is bound and
	// before an SMS step begins (Gate).
	PhoneRisk PhoneRisk
	// ReportTTL is how long a "this was not me" link works. Zero means 7
	// days.
	ReportTTL time.Duration
	// EndedTTL is how long the end of an account's flows is remembered:
	// at least as long as the host's longest session. Zero means 30 days.
	EndedTTL time.Duration
	// Models names authenticator models by AAGUID for List; optional.
	Models func(aaguid [16]byte) string
	// RecoveryAction is the action of recovery flows (default "recover");
	// see RecoveryPolicy.
	RecoveryAction string
	// Audit receives the events. Nil discards.
	Audit auth.Auditor
	// Prefix prefixes the Store keys. Zero means "sa:lc:". It may not
	// contain '{' or '}': an account's keys (its change lock, the time its
	// sessions ended) carry the account's hash as a hash tag after it, so
	// that a Redis Cluster keeps them in one slot.
	Prefix string
	// Now and Rand: the clock and the source of tokens.
	Now  func() time.Time
	Rand io.Reader
}

// Manager runs the life cycle of an account's credentials. It is safe for
// concurrent use and keeps no state of its own: managers on many instances
// sharing one Store and one database act as one.
type Manager struct {
	cfg Config
}

// New validates cfg and returns a Manager.
func New(cfg Config) (*Manager, error) {
	switch {
	case cfg.Store == nil:
		return nil, fmt.Errorf("%w: Store is required", ErrConfig)
	case cfg.Notifier == nil:
		return nil, fmt.Errorf("%w: Notifier is required", ErrConfig)
	case cfg.StepUpAge < 0 || cfg.StepUpAge > MaxStepUpAge:
		return nil, fmt.Errorf("%w: StepUpAge must be in (0, %v]", ErrConfig, MaxStepUpAge)
	case cfg.Quarantine < 0 || cfg.ReportTTL < 0 || cfg.EndedTTL < 0:
		return nil, fmt.Errorf("%w: negative duration", ErrConfig)
	case cfg.InsecureNoQuarantine && cfg.Quarantine != 0:
		return nil, fmt.Errorf("%w: Quarantine and InsecureNoQuarantine both set", ErrConfig)
	}
	if cfg.StepUpAge == 0 {
		cfg.StepUpAge = DefaultStepUpAge
	}
	if cfg.Quarantine == 0 && !cfg.InsecureNoQuarantine {
		cfg.Quarantine = DefaultQuarantine
	}
	if cfg.ReportTTL == 0 {
		cfg.ReportTTL = DefaultReportTTL
	}
	if cfg.EndedTTL == 0 {
		cfg.EndedTTL = DefaultEndedTTL
	}
	if cfg.RecoveryAction == "" {
		cfg.RecoveryAction = DefaultRecoveryAct
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "sa:lc:"
	}
	if !store.ValidKeyPrefix(cfg.Prefix) {
		return nil, fmt.Errorf("%w: Prefix may not contain '{' or '}'", ErrConfig)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Audit == nil {
		cfg.Audit = auth.AuditorFunc(func(context.Context, auth.Event) {})
	}
	return &Manager{cfg: cfg}, nil
}

// Credential is what List shows of a passkey or a linked phone: nothing
// secret, nothing that signs in.
type Credential struct {
	// Kind is KindPasskey or KindDevice; ID names it in Remove and
	// Rename (a passkey's credential ID in base64url, a device's ID).
	Kind string `json:"kind"`
	ID   string `json:"id"`
	// Ref is the short log reference of the credential.
	Ref  string `json:"ref"`
	Name string `json:"name"`
	// CreatedAt and LastUsedAt (zero: never used).
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
	// Passkeys only: the authenticator model's AAGUID and name (if
	// Config.Models knows it), attachment, and backup eligibility and
	// state (a synced passkey).
	AAGUID         string `json:"aaguid,omitempty"`
	Model          string `json:"model,omitempty"`
	Attachment     string `json:"attachment,omitempty"`
	BackupEligible bool   `json:"backup_eligible,omitempty"`
	BackupState    bool   `json:"backup_state,omitempty"`
}

// Request is a change asked for by a signed-in account holder.
type Request struct {
	// Subject is the account, from the host's session.
	Subject string
	// Result is the step-up evidence (the freshest Result of the host's
	// session): it must hold strong evidence of Subject from the last
	// StepUpAge. Rename needs none.
	Result *auth.Result
	// Kind and ID name the credential (Remove, Rename).
	Kind, ID string
	// Client describes the browser, for the notice and the audit log.
	Client auth.ClientInfo
}

// List returns the subject's passkeys and linked phones, oldest first per
// kind.
func (m *Manager) List(ctx context.Context, subject string) ([]Credential, error) {
	out := []Credential{}
	if subject == "" {
		return out, nil
	}
	if m.cfg.Passkeys != nil {
		cs, err := m.cfg.Passkeys.List(ctx, subject)
		if err != nil {
			return nil, unavailable(err)
		}
		for i := range cs {
			out = append(out, m.passkeyView(&cs[i]))
		}
	}
	if m.cfg.Devices != nil {
		ds, err := m.cfg.Devices.List(ctx, subject)
		if err != nil {
			return nil, unavailable(err)
		}
		for i := range ds {
			out = append(out, deviceView(&ds[i]))
		}
	}
	return out, nil
}

func (m *Manager) passkeyView(c *passkey.Credential) Credential {
	v := Credential{Kind: KindPasskey, ID: base64.RawURLEncoding.EncodeToString(c.ID), Ref: c.Ref(), Name: c.Name,
		CreatedAt: c.CreatedAt, LastUsedAt: c.LastUsedAt, AAGUID: passkey.AAGUIDString(c.AAGUID),
		Attachment: c.Attachment, BackupEligible: c.BackupEligible, BackupState: c.BackupState}
	if m.cfg.Models != nil {
		v.Model = m.cfg.Models(c.AAGUID)
	}
	if v.Name == "" {
		v.Name = v.Model
	}
	return v
}

func deviceView(d *qr.Device) Credential {
	return Credential{Kind: KindDevice, ID: d.ID, Ref: deviceRef(d.ID), Name: d.Name, CreatedAt: d.CreatedAt, LastUsedAt: d.LastUsed}
}

func deviceRef(id string) string {
	h := sha256.Sum256([]byte("qr-device\x00" + id))
	return hex.EncodeToString(h[:8])
}

// find returns the subject's credential of kind and id, or ErrNotFound.
func (m *Manager) find(ctx context.Context, subject, kind, id string) (Credential, error) {
	switch kind {
	case KindPasskey:
		raw, err := base64.RawURLEncoding.DecodeString(id)
		if m.cfg.Passkeys == nil || err != nil || len(raw) == 0 || len(raw) > passkey.MaxCredentialIDLen {
			return Credential{}, ErrNotFound
		}
		c, err := m.cfg.Passkeys.Find(ctx, raw)
		switch {
		case errors.Is(err, passkey.ErrCredentialNotFound):
			return Credential{}, ErrNotFound
		case err != nil:
			return Credential{}, unavailable(err)
		case c.Subject != subject:
			return Credential{}, ErrNotFound
		}
		return m.passkeyView(c), nil
	case KindDevice:
		if m.cfg.Devices == nil || id == "" || len(id) > 256 {
			return Credential{}, ErrNotFound
		}
		d, err := m.cfg.Devices.Get(ctx, id)
		switch {
		case errors.Is(err, qr.ErrDeviceNotFound):
			return Credential{}, ErrNotFound
		case err != nil:
			return Credential{}, unavailable(err)
		case d.Subject != subject:
			return Credential{}, ErrNotFound
		}
		return deviceView(&d), nil
	}
	return Credential{}, ErrInvalid
}

// Rename renames the subject's credential. It needs no step-up (a name
// signs nothing in), only the account's session.
func (m *Manager) Rename(ctx context.Context, req Request, name string) error {
	if req.Subject == "" || !validName(name) {
		return ErrInvalid
	}
	if _, err := m.find(ctx, req.Subject, req.Kind, req.ID); err != nil {
		return err
	}
	var err error
	switch req.Kind {
	case KindPasskey:
		r, ok := m.cfg.Passkeys.(interface {
			Rename(ctx context.Context, subject string, id []byte, name string) error
		})
		if !ok {
			return ErrUnsupported
		}
		raw, _ := base64.RawURLEncoding.DecodeString(req.ID) // find checked it
		err = r.Rename(ctx, req.Subject, raw, name)
		if errors.Is(err, passkey.ErrCredentialNotFound) {
			return ErrNotFound
		}
	case KindDevice:
		r, ok := m.cfg.Devices.(interface {
			Rename(ctx context.Context, subject, id, name string) error
		})
		if !ok {
			return ErrUnsupported
		}
		err = r.Rename(ctx, req.Subject, req.ID, name)
		if errors.Is(err, qr.ErrDeviceNotFound) {
			return ErrNotFound
		}
	}
	if err != nil {
		return unavailable(err)
	}
	m.audit(ctx, EventCredentialRenamed, req.Subject, req.Client, map[string]string{"kind": req.Kind})
	return nil
}

// Remove removes the subject's credential after a step-up, unless it is
// the account's last strong way to sign in, and notifies the account
// holder. Changes of one account are serialised, so that of two racing
// removals of its last two credentials one is refused, and of racing
// removals of one credential exactly one succeeds (the others:
// ErrNotFound).
func (m *Manager) Remove(ctx context.Context, req Request) error {
	if err := m.stepUp(req.Result, req.Subject); err != nil {
		return err
	}
	return m.locked(ctx, req.Subject, func() error {
		c, err := m.find(ctx, req.Subject, req.Kind, req.ID)
		if err != nil {
			return err
		}
		if err := m.keepsOne(ctx, req.Subject, 1); err != nil {
			return err
		}
		if err := m.remove(ctx, req.Subject, c); err != nil {
			return err
		}
		m.audit(ctx, EventCredentialRemoved, req.Subject, req.Client, map[string]string{"kind": c.Kind, "credential": c.Ref})
		// The credential is gone; a failed notice cannot bring it back,
		// and the removal stands (the audit event records it).
		if err := m.notify(ctx, Notice{Event: NoticeRemoved, Subject: req.Subject, Credential: c, Client: req.Client}); err != nil {
			m.audit(ctx, EventNoticeFailed, req.Subject, req.Client, map[string]string{"kind": c.Kind, "credential": c.Ref})
		}
		return nil
	})
}

// remove deletes a credential found by find.
func (m *Manager) remove(ctx context.Context, subject string, c Credential) error {
	switch c.Kind {
	case KindPasskey:
		raw, _ := base64.RawURLEncoding.DecodeString(c.ID)
		if err := m.cfg.Passkeys.Remove(ctx, subject, raw); err != nil {
			return unavailable(err)
		}
	case KindDevice:
		err := m.cfg.Devices.Remove(ctx, subject, c.ID)
		if err != nil && !errors.Is(err, qr.ErrDeviceNotFound) {
			return unavailable(err)
		}
	}
	return nil
}

// StrongWays counts the account's strong ways to sign in: passkeys,
// linked phones and, if HasECP says so, its ECP key.
func (m *Manager) StrongWays(ctx context.Context, subject string) (int, error) {
	n := 0
	if m.cfg.HasECP != nil {
		ok, err := m.cfg.HasECP(ctx, subject)
		if err != nil {
			return 0, unavailable(err)
		}
		if ok {
			n++
		}
	}
	if m.cfg.Passkeys != nil {
		cs, err := m.cfg.Passkeys.List(ctx, subject)
		if err != nil {
			return 0, unavailable(err)
		}
		n += len(cs)
	}
	if m.cfg.Devices != nil {
		ds, err := m.cfg.Devices.List(ctx, subject)
		if err != nil {
			return 0, unavailable(err)
		}
		n += len(ds)
	}
	return n, nil
}

// keepsOne refuses a removal of k credentials that leaves no strong way.
func (m *Manager) keepsOne(ctx context.Context, subject string, k int) error {
	n, err := m.StrongWays(ctx, subject)
	if err != nil {
		return err
	}
	if n-k < 1 {
		return ErrLastCredential
	}
	return nil
}

// stepUp checks that res holds strong evidence of subject from the last
// StepUpAge (and not from the future). SMS evidence is weak and never
// counts.
func (m *Manager) stepUp(res *auth.Result, subject string) error {
	if subject == "" || res == nil || res.Subject != subject {
		return ErrStepUp
	}
	now := m.cfg.Now()
	for _, e := range res.Evidence {
		if e.Strength == auth.Strong && e.Kind != auth.KindSMS && e.Subject == subject &&
			!e.Time.Before(now.Add(-m.cfg.StepUpAge)) && !e.Time.After(now.Add(time.Minute)) {
			return nil
		}
	}
	return ErrStepUp
}

// locked runs fn holding the account's change lock in the Store.
func (m *Manager) locked(ctx context.Context, subject string, fn func() error) error {
	key := m.key("lock:", subject)
	var b [16]byte
	if _, err := io.ReadFull(m.cfg.Rand, b[:]); err != nil {
		return unavailable(err)
	}
	for i := 0; ; i++ {
		_, err := m.cfg.Store.CompareAndSwap(ctx, key, 0, b[:], lockTTL)
		if err == nil {
			break
		}
		if !errors.Is(err, store.ErrConflict) {
			return unavailable(err)
		}
		if i >= lockTries {
			return ErrBusy
		}
		select {
		case <-ctx.Done():
			return unavailable(ctx.Err())
		case <-time.After(time.Duration(5+5*i) * time.Millisecond):
		}
	}
	defer func() {
		// Release only our own lock: one that expired and was taken by
		// another change is theirs.
		if v, _, err := m.cfg.Store.Get(context.WithoutCancel(ctx), key); err == nil && bytes.Equal(v, b[:]) {
			_ = m.cfg.Store.Delete(context.WithoutCancel(ctx), key)
		}
	}()
	return fn()
}

// key is the key of an account's space ("lock:", "ended:"): the
// account's hash is its hash tag.
func (m *Manager) key(space, subject string) string {
	h := sha256.Sum256([]byte(subject))
	return m.cfg.Prefix + space + store.HashTag(hex.EncodeToString(h[:]))
}

func (m *Manager) audit(ctx context.Context, typ, subject string, c auth.ClientInfo, attrs map[string]string) {
	if c.IP != "" {
		if attrs == nil {
			attrs = map[string]string{}
		}
		attrs["ip"] = c.IP
	}
	m.cfg.Audit.Audit(ctx, auth.Event{Type: typ, Time: m.cfg.Now(), Subject: subject, Attrs: attrs})
}

// unavailable classifies a store failure: the caller denies.
func unavailable(err error) error {
	if errors.Is(err, auth.ErrUnavailable) {
		return err
	}
	return auth.Classify(auth.ErrUnavailable, err)
}

func validName(name string) bool {
	if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxNameLen {
		return false
	}
	return !strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 })
}

// StepUp returns, of results (those the host's session keeps), one that
// holds strong evidence of subject from the last StepUpAge, or nil: the
// HTTP layer asks for a step-up then.
func (m *Manager) StepUp(results []*auth.Result, subject string) *auth.Result {
	for _, r := range results {
		if m.stepUp(r, subject) == nil {
			return r
		}
	}
	return nil
}
