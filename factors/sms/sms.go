package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/otp"
)

// Defaults and bounds of Config.
const (
	DefaultStrongWithin = 5 * time.Minute
	MaxStrongWithin     = time.Hour
	// maxInput bounds the client input this factor reads.
	maxInput = 1024
)

// Errors of the adapter. Each is wrapped with auth.Classify so that
// auth.Code gives a stable client code; errors.Is sees both.
var (
	// ErrPhoneInRequest refuses a Begin whose input carries a phone number
	// or anything that looks like one: the number comes only from the
	// host's binding. Nothing is sent. (auth.ErrInvalidInput)
	ErrPhoneInRequest = errors.New("sms: a phone number in the request is refused")
	// ErrNoStrongFactor refuses a flow without fresh strong evidence for
	// its subject. (auth.ErrGate)
	ErrNoStrongFactor = errors.New("sms: no recent strong factor in this flow")
	// ErrNoBoundPhone refuses an account with no phone bound to it, or one
	// that cannot receive codes (not mobile, not an allowed country).
	// (auth.ErrGate)
	ErrNoBoundPhone = errors.New("sms: no usable phone bound to the account")
)

// Languages gives an account's preferred language for messages: "kk", "ru"
// or "en" (or an Accept-Language value the host stored). A PhoneBook may
// implement it too.
type Languages interface {
	Language(ctx context.Context, subject string) (string, error)
}

// Config configures a Factor.
type Config struct {
	// OTP issues and verifies the codes. Required. Give it the engine's
	// store and clock, and an action phrase (otp.Config.Actions) for every
	// action whose policy includes sms: a code is never sent with a
	// message that does not say what it confirms.
	OTP *otp.Service
	// Phones gives the phone bound to an account; codes go only there.
	// Required.
	Phones auth.PhoneBook
	// Languages gives each account's language. Nil means Phones, if it
	// implements Languages. The message goes out in the account's
	// language; in the flow's language (auth.Flow.Lang, the page's) only
	// when the account has none ("" without an error); otherwise in the
	// OTP service's default. The request can never override an account's
	// language: the person at the browser may be the fraudster, who would
	// pick a language the victim cannot read the warning in. To keep the
	// page out of it entirely, return a language for every account.
	Languages Languages
	// StrongWithin is how recent the flow's strong evidence for its
	// subject must be for a code to be sent or accepted. Zero means 5
	// minutes; at most one hour.
	StrongWithin time.Duration
}

// Factor is the SMS factor: auth.KindSMS, weak by construction. It
// implements auth.Factor.
type Factor struct {
	otp    *otp.Service
	phones auth.PhoneBook
	langs  Languages
	within time.Duration
}

var _ auth.Factor = (*Factor)(nil)

// New validates cfg and returns a Factor.
func New(cfg Config) (*Factor, error) {
	f := &Factor{otp: cfg.OTP, phones: cfg.Phones, langs: cfg.Languages, within: cfg.StrongWithin}
	if f.within == 0 {
		f.within = DefaultStrongWithin
	}
	switch {
	case f.otp == nil:
		return nil, fmt.Errorf("%w: sms: OTP is required", auth.ErrConfig)
	case f.phones == nil:
		return nil, fmt.Errorf("%w: sms: Phones is required", auth.ErrConfig)
	case f.within < 0 || f.within > MaxStrongWithin:
		return nil, fmt.Errorf("%w: sms: StrongWithin must be positive and at most %v", auth.ErrConfig, MaxStrongWithin)
	}
	if f.langs == nil {
		f.langs, _ = cfg.Phones.(Languages)
	}
	return f, nil
}

var _ auth.ActionChecker = (*Factor)(nil)

// CheckAction implements auth.ActionChecker: auth.New refuses a policy that
// can reach SMS for an action with no message text in the OTP service
// (otp.Config.Actions), instead of failing after the user has signed.
func (f *Factor) CheckAction(action string) error {
	if _, err := f.otp.Preview(action, ""); err != nil {
		return fmt.Errorf("sms: no message text for action %q (set otp.Config.Actions): %w", action, err)
	}
	return nil
}

// Kind returns auth.KindSMS.
func (f *Factor) Kind() auth.Kind { return auth.KindSMS }

// Challenge is the Data of the challenge Begin returns: nothing secret.
type Challenge struct {
	// Phone is the masked destination ("+7 7** *** **12").
	Phone    string    `json:"phone"`
	Digits   int       `json:"digits"`
	ResendAt time.Time `json:"resend_at"`
	// ResendIn is the seconds until ResendAt by the server's clock, so
	// that a page counts down without trusting its own clock.
	ResendIn int `json:"resend_in"`
}

// Begin sends a code to the phone bound to the flow's subject. It refuses a
// flow without a subject or without recent strong evidence for it
// (auth.ErrGate), and any input at all but an empty object; input that
// carries a phone number fails with ErrPhoneInRequest. Nothing is sent on
// any refusal.
func (f *Factor) Begin(ctx context.Context, req *auth.BeginRequest) (*auth.Challenge, error) {
	if err := checkBeginInput(req.Input); err != nil {
		return nil, err
	}
	phone, err := f.gate(ctx, req.Flow, req.Now)
	if err != nil {
		return nil, err
	}
	lang := f.language(ctx, req.Flow)
	ip := req.Client.IP
	if ip == "" {
		ip = req.Flow.Client.IP
	}
	sent, err := f.otp.Issue(ctx, otp.Request{Purpose: req.Flow.Action, FlowID: req.Flow.ID, Account: req.Flow.Subject,
		Phone: phone, ClientIP: ip, Lang: lang})
	if err != nil {
		return nil, classify(err)
	}
	return &auth.Challenge{Kind: auth.KindSMS, ExpiresAt: sent.ExpiresAt,
		Data: Challenge{Phone: sent.To, Digits: sent.Digits, ResendAt: sent.ResendAt, ResendIn: secondsUntil(sent.ResendAt, req.Now)}}, nil
}

// language chooses the language of the message: the account's, when
// Languages knows one; the flow's (the page's, auth.Flow.Lang) only when
// the account has none; otherwise "" (the otp.Service's default). A
// failing lookup is not "none": it gives the default, never the page's
// choice.
func (f *Factor) language(ctx context.Context, fl *auth.Flow) string {
	if f.langs == nil {
		return fl.Lang
	}
	lang, err := f.langs.Language(ctx, fl.Subject)
	switch {
	case err != nil:
		return "" // the default language: the code still goes out
	case lang != "":
		return lang
	default:
		return fl.Lang
	}
}

// secondsUntil is the whole seconds from now until t, rounded up; zero
// when t has passed.
func secondsUntil(t, now time.Time) int {
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}

// FinishInput is what Finish accepts: {"code": "123456"}.
type FinishInput struct {
	Code string `json:"code"`
}

// Finish verifies the code the user typed against the phone bound to the
// flow's subject now (a rebinding in between makes it fail) and proves the
// subject with AMR "sms" and "otp". The engine rates it weak.
func (f *Factor) Finish(ctx context.Context, req *auth.FinishRequest) (*auth.Proof, error) {
	code, err := parseFinishInput(req.Input)
	if err != nil {
		return nil, err
	}
	phone, err := f.gate(ctx, req.Flow, req.Now)
	if err != nil {
		return nil, err
	}
	err = f.otp.Verify(ctx, otp.Attempt{Purpose: req.Flow.Action, FlowID: req.Flow.ID, Account: req.Flow.Subject,
		Phone: phone, Code: code})
	if err != nil {
		return nil, classify(err)
	}
	return &auth.Proof{
		Subject:    req.Flow.Subject,
		AMR:        []string{auth.AMRSMS, auth.AMROTP},
		Attributes: map[string]string{"phone": phone.Masked()},
	}, nil
}

// gate is the adapter's own SMS gate, in depth behind the engine's: a
// subject, fresh strong evidence for it, and a usable bound phone.
func (f *Factor) gate(ctx context.Context, fl *auth.Flow, now time.Time) (otp.Phone, error) {
	if fl == nil || fl.ID == "" {
		return otp.Phone{}, auth.Classify(auth.ErrInvalidInput, errors.New("sms: no flow"))
	}
	if fl.Subject == "" {
		return otp.Phone{}, auth.Classify(auth.ErrGate, auth.ErrNoSubject)
	}
	if !strongFor(fl, now.Add(-f.within)) {
		return otp.Phone{}, auth.Classify(auth.ErrGate, ErrNoStrongFactor)
	}
	raw, err := f.phones.BoundPhone(ctx, fl.Subject)
	if err != nil {
		return otp.Phone{}, auth.Classify(auth.ErrUnavailable, fmt.Errorf("sms: phone book: %w", err))
	}
	if raw == "" {
		return otp.Phone{}, auth.Classify(auth.ErrGate, ErrNoBoundPhone)
	}
	p, err := f.otp.Phone(raw)
	if err != nil {
		return otp.Phone{}, auth.Classify(auth.ErrGate, fmt.Errorf("%w: %w", ErrNoBoundPhone, err))
	}
	return p, nil
}

// strongFor reports whether the flow holds strong evidence for its subject
// from since or later.
func strongFor(fl *auth.Flow, since time.Time) bool {
	for _, e := range fl.Evidence {
		if e.Strength == auth.Strong && e.Subject == fl.Subject && !e.Time.Before(since) {
			return true
		}
	}
	return false
}

// classify maps the errors of package otp to the engine's sentinels.
func classify(err error) error {
	var s error
	switch {
	case errors.Is(err, otp.ErrMalformedCode), errors.Is(err, otp.ErrInvalidRequest):
		s = auth.ErrInvalidInput
	case errors.Is(err, otp.ErrWrongCode):
		s = auth.ErrVerification
	case errors.Is(err, otp.ErrNoCode), errors.Is(err, otp.ErrExpired):
		s = auth.ErrExpired
	case errors.Is(err, otp.ErrUsed):
		s = auth.ErrReplay
	case errors.Is(err, otp.ErrLocked), errors.Is(err, otp.ErrAttemptsExhausted):
		s = auth.ErrLocked
	case errors.Is(err, otp.ErrCooldown), errors.Is(err, otp.ErrBudget):
		s = auth.ErrRateLimited
	case errors.Is(err, otp.ErrPhoneInvalid), errors.Is(err, otp.ErrPhoneNotMobile), errors.Is(err, otp.ErrPhoneNotAllowed):
		s = auth.ErrGate
	case errors.Is(err, otp.ErrUnknownPurpose):
		s = auth.ErrConfig
	default: // ErrCircuitOpen, ErrSend, ErrStore, anything else
		s = auth.ErrUnavailable
	}
	return auth.Classify(s, err)
}

// checkBeginInput accepts only no input: empty, null or {}. Anything else
// is refused, as ErrPhoneInRequest when it carries something phone-like.
func checkBeginInput(in json.RawMessage) error {
	t := bytes.TrimSpace(in)
	if len(t) == 0 || string(t) == "null" || string(t) == "{}" {
		return nil
	}
	if len(in) <= maxInput && looksLikePhone(in) {
		return auth.Classify(auth.ErrInvalidInput, ErrPhoneInRequest)
	}
	return auth.Classify(auth.ErrInvalidInput, errors.New("sms: begin takes no input"))
}

// looksLikePhone reports whether JSON input names a phone field or holds a
// string of seven or more digits anywhere.
func looksLikePhone(in []byte) bool {
	phoneWords := [...]string{"phone", "tel", "msisdn", "mobile", "number", "to", "recipient", "destination"}
	dec := json.NewDecoder(bytes.NewReader(in))
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if s, ok := tok.(string); ok {
			low := strings.ToLower(s)
			for _, w := range phoneWords {
				if strings.Contains(low, w) {
					return true
				}
			}
			if digitCount(s) >= 7 {
				return true
			}
		}
		if n, ok := tok.(float64); ok && n >= 1e6 {
			return true
		}
	}
	return digitCount(string(in)) >= 7 // not JSON, or JSON with digits in numbers
}

func digitCount(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// parseFinishInput reads {"code": "…"} strictly: one JSON object, no
// other fields, a string code. The code's format is otp's to judge.
func parseFinishInput(in json.RawMessage) (string, error) {
	bad := func(why string) (string, error) {
		return "", auth.Classify(auth.ErrInvalidInput, errors.New("sms: finish input: "+why))
	}
	if len(in) == 0 || len(in) > maxInput {
		return bad(`want {"code": "…"}`)
	}
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.DisallowUnknownFields()
	var v FinishInput
	if err := dec.Decode(&v); err != nil {
		return bad("not a JSON object with a string code")
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad("trailing data")
	}
	if v.Code == "" {
		return bad("no code")
	}
	return v.Code, nil
}
