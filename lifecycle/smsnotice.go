package lifecycle

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/strongauth/strongauth/otp"
)

// SMSConfig configures the default Notifier, an informational SMS.
type SMSConfig struct {
	// Sender delivers the SMS (the same gateway as the codes). Required.
	Sender otp.Sender
	// Phones gives the number a notice goes to: the holder's trusted
	// number (Manager.TrustedPhone: during a quarantine, the number that
	// was bound before). Required.
	Phones func(ctx context.Context, subject string) (string, error)
	// Languages gives the holder's language ("kk", "ru", "en"); nil or an
	// error means Lang.
	Languages func(ctx context.Context, subject string) (string, error)
	// Lang is the default language. Zero means "ru".
	Lang string
	// Service names the service in the message ("eGov"). Required.
	Service string
	// ReportURL is the page that acts on a "this was not me" token; the
	// token follows it after '#', so that it never reaches a server log.
	// Required, https (http only for localhost).
	ReportURL string
	// Region parses numbers written without a country code ("KZ").
	Region string
	// Location is the time zone of the times in messages. Nil means UTC.
	Location *time.Location
	Rand     io.Reader
}

// SMSNotifier sends notices as informational SMS: what changed, when,
// from where, and the "this was not me" link — never a code, and the
// reminder that no one will ask for one. Kazakh, Russian or English.
type SMSNotifier struct{ cfg SMSConfig }

// NewSMSNotifier validates cfg and returns an SMSNotifier.
func NewSMSNotifier(cfg SMSConfig) (*SMSNotifier, error) {
	switch {
	case cfg.Sender == nil || cfg.Phones == nil:
		return nil, fmt.Errorf("%w: Sender and Phones are required", ErrConfig)
	case cfg.Service == "":
		return nil, fmt.Errorf("%w: Service is required", ErrConfig)
	case !strings.HasPrefix(cfg.ReportURL, "https://") && !strings.HasPrefix(cfg.ReportURL, "http://localhost") &&
		!strings.HasPrefix(cfg.ReportURL, "http://127.0.0.1"):
		return nil, fmt.Errorf("%w: ReportURL must be an https URL", ErrConfig)
	case strings.ContainsAny(cfg.ReportURL, "#?"):
		return nil, fmt.Errorf("%w: ReportURL must have no query or fragment", ErrConfig)
	}
	if cfg.Lang == "" {
		cfg.Lang = "ru"
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	return &SMSNotifier{cfg: cfg}, nil
}

// ErrNoTrustedPhone is what the SMSNotifier returns for an account without
// a number to notify: the change it announces is then refused or undone.
var ErrNoTrustedPhone = errors.New("lifecycle: no phone to send the notice to")

// Notify implements Notifier.
func (s *SMSNotifier) Notify(ctx context.Context, n Notice) error {
	raw, err := s.cfg.Phones(ctx, n.Subject)
	if err != nil {
		return err
	}
	if raw == "" {
		return ErrNoTrustedPhone
	}
	to, err := otp.ParsePhone(raw, s.cfg.Region)
	if err != nil {
		return err
	}
	lang := s.cfg.Lang
	if s.cfg.Languages != nil {
		if l, err := s.cfg.Languages(ctx, n.Subject); err == nil && l != "" {
			lang = otp.Lang(l)
		}
	}
	text := s.Text(n, lang)
	var id [8]byte
	if _, err := io.ReadFull(s.cfg.Rand, id[:]); err != nil {
		return err
	}
	enc, units, segs := otp.Segments(text)
	return s.cfg.Sender.Send(ctx, &otp.Message{ID: hex.EncodeToString(id[:]), To: to, Purpose: "notice:" + string(n.Event),
		Lang: lang, Text: text, Encoding: enc, Units: units, Segments: segs})
}

// Text renders a notice in lang ("kk", "ru", anything else English).
func (s *SMSNotifier) Text(n Notice, lang string) string {
	t := textsOf(lang)
	what := t.passkey
	if n.Credential.Kind == KindDevice {
		what = t.device
	}
	if name := n.Credential.Name; name != "" {
		what += " «" + name + "»"
	}
	when := n.Time.In(s.cfg.Location).Format("02.01 15:04")
	where := n.Client.Location
	if where == "" {
		where = n.Client.IP
	}
	var b strings.Builder
	b.WriteString(s.cfg.Service + ": ")
	switch n.Event {
	case NoticeAdded:
		fmt.Fprintf(&b, t.added, what, when)
	case NoticeRemoved:
		fmt.Fprintf(&b, t.removed, what, when)
	case NoticePhoneChanged:
		fmt.Fprintf(&b, t.phone, n.Phone, when, n.UsableAt.In(s.cfg.Location).Format("02.01 15:04"))
	}
	if where != "" {
		b.WriteString(" (" + where + ")")
	}
	b.WriteString(". ")
	if n.Token != "" {
		b.WriteString(t.notMe + " " + s.cfg.ReportURL + "#" + string(n.Token) + " ")
	}
	b.WriteString(t.never)
	return b.String()
}

type noticeTexts struct{ passkey, device, added, removed, phone, notMe, never string }

// textsOf returns the texts of lang, English for anything unknown.
func textsOf(lang string) noticeTexts {
	switch lang {
	case "ru":
		return noticeTexts{
			passkey: "ключ входа", device: "привязанный телефон",
			added:   "к вашей учётной записи добавлен %s, %s",
			removed: "из вашей учётной записи удалён %s, %s",
			phone:   "номер телефона учётной записи меняется на %s (%s); SMS пойдут на него с %s",
			notMe:   "Это были не вы? Откройте",
			never:   "Мы никогда не просим коды.",
		}
	case "kk":
		return noticeTexts{
			passkey: "кіру кілті", device: "байланыстырылған телефон",
			added:   "есептік жазбаңызға %s қосылды, %s",
			removed: "есептік жазбаңыздан %s жойылды, %s",
			phone:   "есептік жазбаның телефон нөмірі %s нөміріне ауысуда (%s); SMS оған %s бастап жіберіледі",
			notMe:   "Бұл сіз емессіз бе? Ашыңыз:",
			never:   "Біз ешқашан код сұрамаймыз.",
		}
	}
	return noticeTexts{
		passkey: "passkey", device: "linked phone",
		added:   "a %s was added to your account on %s",
		removed: "a %s was removed from your account on %s",
		phone:   "your account's phone number is being changed to %s (%s); SMS go there from %s",
		notMe:   "Not you? Open",
		never:   "We never ask for codes.",
	}
}
