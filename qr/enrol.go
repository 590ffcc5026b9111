package qr

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/strongauth/strongauth/store"
)

// EnrolChallenge is what a device signs to prove possession of its key.
type EnrolChallenge struct {
	// Challenge is 32 random bytes, base64url. It is single-use.
	Challenge string    `json:"challenge"`
	ExpiresAt time.Time `json:"expires_at"`
}

// String redacts the challenge.
func (c *EnrolChallenge) String() string { return "qr.EnrolChallenge{" + TokenRef(c.Challenge) + "}" }

type enrolRecord struct {
	Subject string    `json:"subject"`
	Expires time.Time `json:"expires"`
}

// BeginEnrol issues an enrolment challenge for subject. The caller must
// have checked that the request comes from subject, freshly authenticated
// with a strong factor (the qr factor adapter does: within 5 minutes, in the
// same flow).
func (s *Service) BeginEnrol(ctx context.Context, subject string) (*EnrolChallenge, error) {
	if subject == "" || len(subject) > maxSubject {
		return nil, malformed("subject")
	}
	ch, err := s.randomID(32)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	rec := enrolRecord{Subject: subject, Expires: now.Add(s.cfg.EnrolTTL)}
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, unavailable("encode", err)
	}
	if _, err := s.cfg.Store.CompareAndSwap(ctx, s.enrolKey(ch), 0, b, s.cfg.EnrolTTL); err != nil {
		return nil, unavailable("store", err)
	}
	return &EnrolChallenge{Challenge: ch, ExpiresAt: rec.Expires}, nil
}

// FinishEnrol verifies an enrolment request (an enrol document signed by
// the new key, with the key's SubjectPublicKeyInfo in Signed.Key) and stores
// the device for subject. It checks the key (P-256, ErrBadKey), that the
// document names it, the signature (ErrSignature), the signed time
// (ErrRequestTime), the device name, and consumes the challenge, which must
// have been issued to subject (ErrChallenge, once only); then the device
// store's limits (ErrDeviceLimit, ErrDeviceExists).
func (s *Service) FinishEnrol(ctx context.Context, subject string, body []byte) (*Device, error) {
	now := s.cfg.Now()
	o, err := OpenSigned(body, DocEnrol)
	if err != nil {
		return nil, err
	}
	pub, err := ParsePublicKey(o.Key)
	if err != nil {
		return nil, err
	}
	if o.Doc.Key != KeyThumbprint(o.Key) {
		return nil, malformed("the document names another key")
	}
	if !VerifySignature(pub, o.Raw, o.Sig) {
		return nil, ErrSignature
	}
	if err := s.checkTime(o.Doc.Time, now); err != nil {
		return nil, err
	}
	b, err := s.cfg.Store.Consume(ctx, s.enrolKey(o.Doc.Challenge))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrChallenge
	}
	if err != nil {
		return nil, unavailable("store", err)
	}
	var rec enrolRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, unavailable("store", errors.New("corrupt enrolment record"))
	}
	if rec.Subject != subject || !now.Before(rec.Expires) {
		return nil, ErrChallenge
	}
	id, err := s.randomID(16)
	if err != nil {
		return nil, err
	}
	d := Device{ID: id, Subject: subject, Name: o.Doc.Name, PublicKey: o.Key, CreatedAt: now}
	if err := s.cfg.Devices.Add(ctx, d, s.cfg.MaxDevices); err != nil {
		if errors.Is(err, ErrDeviceExists) || errors.Is(err, ErrDeviceLimit) {
			return nil, err
		}
		return nil, unavailable("device store", err)
	}
	return &d, nil
}

// Devices lists subject's devices, oldest first.
func (s *Service) Devices(ctx context.Context, subject string) ([]Device, error) {
	ds, err := s.cfg.Devices.List(ctx, subject)
	if err != nil {
		return nil, unavailable("device store", err)
	}
	return ds, nil
}

// RemoveDevice removes subject's device id; its approvals that are not
// redeemed yet stop counting. Removing a missing device is not an error;
// another subject's device is ErrDeviceNotFound.
func (s *Service) RemoveDevice(ctx context.Context, subject, id string) error {
	err := s.cfg.Devices.Remove(ctx, subject, id)
	if err != nil && !errors.Is(err, ErrDeviceNotFound) {
		return unavailable("device store", err)
	}
	return err
}

// DefaultActionText describes the built-in actions in Kazakh, Russian and
// English ("" for others).
func DefaultActionText(action, lang string) string {
	var t [3]string
	switch action {
	case "login":
		t = [3]string{"Жүйеге кіру", "Вход в систему", "Sign in"}
	case "sign-document":
		t = [3]string{"Құжатқа қол қою", "Подписание документа", "Sign a document"}
	case "change-phone":
		t = [3]string{"Телефон нөмірін ауыстыру", "Смена номера телефона", "Change the phone number"}
	case "enrol-device":
		t = [3]string{"Жаңа құрылғыны тіркеу", "Привязка нового устройства", "Add a new device"}
	default:
		return ""
	}
	switch lang {
	case "kk":
		return t[0]
	case "ru":
		return t[1]
	default:
		return t[2]
	}
}
