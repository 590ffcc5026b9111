package lifecycle

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/store"
)

// NoticeEvent says what a Notice is about.
type NoticeEvent string

// Notice events.
const (
	NoticeAdded   NoticeEvent = "credential_added"
	NoticeRemoved NoticeEvent = "credential_removed"
	// NoticePhoneChanged goes to the number that was bound until now.
	NoticePhoneChanged NoticeEvent = "phone_changed"
)

// ReportToken is a one-time "this was not me" token: whoever holds it can
// undo the change it was issued for (remove the added credential, restore
// the previous number) and end the account's flows. It redacts itself in
// String, GoString and LogValue; put it only in the link to the account
// holder, after a '#' (never in a query string that reaches access logs).
type ReportToken string

func (t ReportToken) String() string       { return redacted(t) }
func (t ReportToken) GoString() string     { return "lifecycle.ReportToken(" + redacted(t) + ")" }
func (t ReportToken) LogValue() slog.Value { return slog.StringValue(redacted(t)) }

func redacted(t ReportToken) string {
	if t == "" {
		return ""
	}
	return "[redacted]"
}

// Notice tells the account holder what happened to their credentials:
// who (Subject), what (Event, Credential or the new number), when (Time)
// and where (Client: IP, browser, place). Notices of an addition or a
// phone change carry a ReportToken.
type Notice struct {
	Event      NoticeEvent
	Subject    string
	Credential Credential
	// Phone is the new number of a phone change, masked.
	Phone string
	// UsableAt is when a new number starts serving SMS.
	UsableAt time.Time
	Time     time.Time
	Client   auth.ClientInfo
	Token    ReportToken
}

// Notifier delivers notices to the account holder. The host implements it
// (e-mail, push, its own SMS) or uses NewSMSNotifier. Notify must not log
// the token.
type Notifier interface {
	Notify(ctx context.Context, n Notice) error
}

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(ctx context.Context, n Notice) error

// Notify calls f.
func (f NotifierFunc) Notify(ctx context.Context, n Notice) error { return f(ctx, n) }

// report is what a report token stands for, kept under its hash.
type report struct {
	Event   NoticeEvent `json:"event"`
	Subject string      `json:"subject"`
	Kind    string      `json:"kind,omitempty"`
	ID      string      `json:"id,omitempty"`
	Ref     string      `json:"ref,omitempty"`
	// Phone change: the numbers before and after.
	Previous string    `json:"previous,omitempty"`
	Phone    string    `json:"phone,omitempty"`
	At       time.Time `json:"at"`
}

func (m *Manager) reportKey(token ReportToken) string {
	h := sha256.Sum256([]byte("lifecycle/report\x00" + string(token)))
	return m.cfg.Prefix + "report:" + hex.EncodeToString(h[:])
}

// notify fills in the time and, for additions and phone changes, issues
// a report token, then calls the Notifier.
func (m *Manager) notify(ctx context.Context, n Notice, r ...report) error {
	n.Time = m.cfg.Now()
	if len(r) > 0 {
		var b [32]byte
		if _, err := io.ReadFull(m.cfg.Rand, b[:]); err != nil {
			return unavailable(err)
		}
		n.Token = ReportToken(base64.RawURLEncoding.EncodeToString(b[:]))
		r[0].At = n.Time
		rec, err := json.Marshal(r[0])
		if err != nil {
			return unavailable(err)
		}
		if _, err := m.cfg.Store.Put(ctx, m.reportKey(n.Token), rec, m.cfg.ReportTTL); err != nil {
			return unavailable(err)
		}
	}
	if err := m.cfg.Notifier.Notify(ctx, n); err != nil {
		return auth.Classify(auth.ErrUnavailable, fmt.Errorf("lifecycle: notifier: %w", err))
	}
	return nil
}

// Outcome is what a report did.
type Outcome struct {
	Subject string
	Event   NoticeEvent
	// Removed is the reference of the credential the report removed, if
	// it still existed; PhoneRestored is set when the previous number was
	// bound again.
	Removed       string
	PhoneRestored bool
}

// Report acts on a "this was not me" token, once: it removes the
// credential whose addition the token was issued for (whatever the
// last-credential rule says: the account holder disowns it), or binds the
// previous number again (usable at once: it was the trusted one), ends
// the account's flows and sessions (EndFlows), and raises
// auth.EventFraudReported. An unknown, used or expired token is
// ErrReportToken. It needs no session: the token is the proof. The token
// is used up when the report has done its work; after a failure (a store
// that could not answer) it works again.
func (m *Manager) Report(ctx context.Context, token string, client auth.ClientInfo) (*Outcome, error) {
	if len(token) != 43 {
		return nil, ErrReportToken
	}
	key := m.reportKey(ReportToken(token))
	raw, _, err := m.cfg.Store.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrReportToken
	}
	if err != nil {
		return nil, unavailable(err)
	}
	var r report
	if err := json.Unmarshal(raw, &r); err != nil || r.Subject == "" {
		return nil, unavailable(errors.New("lifecycle: stored report is corrupt"))
	}
	out := &Outcome{Subject: r.Subject, Event: r.Event}
	// End the flows first: whatever follows, the intruder's sessions end.
	if err := m.EndFlows(ctx, r.Subject, "fraud_reported"); err != nil {
		return nil, err
	}
	err = m.locked(ctx, r.Subject, func() error {
		switch r.Event {
		case NoticeAdded:
			c, err := m.find(ctx, r.Subject, r.Kind, r.ID)
			if errors.Is(err, ErrNotFound) {
				return nil // removed already
			}
			if err != nil {
				return err
			}
			if err := m.remove(ctx, r.Subject, c); err != nil {
				return err
			}
			out.Removed = c.Ref
		case NoticePhoneChanged:
			if m.cfg.Phones == nil || r.Previous == "" {
				return nil
			}
			cur, err := m.cfg.Phones.Current(ctx, r.Subject)
			if err != nil && !errors.Is(err, ErrNoPhone) {
				return unavailable(err)
			}
			if cur.Phone != r.Phone {
				return nil // changed again since: leave it to the holder
			}
			now := m.cfg.Now()
			if err := m.cfg.Phones.Bind(ctx, Binding{Subject: r.Subject, Phone: r.Previous, Previous: cur.Phone,
				BoundAt: now, UsableAt: now}); err != nil {
				return unavailable(err)
			}
			out.PhoneRestored = true
		}
		return nil
	})
	attrs := map[string]string{"reported": string(r.Event)}
	if out.Removed != "" {
		attrs["credential"] = out.Removed
	}
	if client.IP != "" {
		attrs["ip"] = client.IP
	}
	m.cfg.Audit.Audit(ctx, auth.Event{Type: auth.EventFraudReported, Time: m.cfg.Now(), Subject: r.Subject, Attrs: attrs})
	if err != nil {
		return nil, err // the token stays: the holder may try again
	}
	// Used up only once it has done its work: a failure above leaves it
	// for another try, and what it does is idempotent should two reports
	// race.
	if err := m.cfg.Store.Delete(ctx, key); err != nil {
		return nil, unavailable(err)
	}
	return out, nil
}

// EndFlows ends the account's flows and sessions begun until now: the
// engine refuses to continue its flows (Gate), and Ended tells the host
// that sessions from before are over. It is what a report and a recovery
// do; a host may call it itself (a "sign out everywhere").
func (m *Manager) EndFlows(ctx context.Context, subject, reason string) error {
	if subject == "" {
		return ErrInvalid
	}
	now := m.cfg.Now()
	if _, err := m.cfg.Store.Put(ctx, m.key("ended:", subject), []byte(strconv.FormatInt(now.UnixNano(), 10)), m.cfg.EndedTTL); err != nil {
		return unavailable(err)
	}
	m.cfg.Audit.Audit(ctx, auth.Event{Type: EventFlowsEnded, Time: now, Subject: subject, Attrs: map[string]string{"reason": reason}})
	return nil
}

// endedAt returns when the account's flows were last ended (zero: never).
func (m *Manager) endedAt(ctx context.Context, subject string) (time.Time, error) {
	v, _, err := m.cfg.Store.Get(ctx, m.key("ended:", subject))
	if errors.Is(err, store.ErrNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, unavailable(err)
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return time.Time{}, unavailable(errors.New("lifecycle: stored end time is corrupt"))
	}
	return time.Unix(0, n), nil
}

// Ended reports whether the account's flows and sessions were ended at or
// after since (a session's start): the host then ends that session. On a
// store failure it answers true with the error: deny.
func (m *Manager) Ended(ctx context.Context, subject string, since time.Time) (bool, error) {
	at, err := m.endedAt(ctx, subject)
	if err != nil {
		return true, err
	}
	return !at.IsZero() && !at.Before(since), nil
}
