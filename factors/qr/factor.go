package qr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/ecp"
	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/signature"
)

// Defaults and bounds.
const (
	// MaxEnrolAge is how old, at most, the strong evidence that gates a
	// device enrolment may be.
	MaxEnrolAge = 5 * time.Minute
	// evidenceSkew tolerates evidence a little in the future (clocks of
	// several instances).
	evidenceSkew = 30 * time.Second
)

// ErrEnrolGate reports an enrolment without strong evidence for the same
// subject within the enrolment age. It is classified as auth.ErrGate.
var ErrEnrolGate = errors.New("qr factor: enrolling a device needs a strong factor for this account within the last minutes")

// Config configures a Factor.
type Config struct {
	// Service runs the QR sessions and devices. Required.
	Service *qr.Service
	// Audit receives the factor's own events (fraud reports at the time
	// of the denial). Nil discards them; pass the engine's Auditor.
	Audit auth.Auditor
	// EnrolMaxAge is how old the strong evidence gating an enrolment may
	// be. Zero means MaxEnrolAge, which is also the maximum.
	EnrolMaxAge time.Duration
	// Log receives operator detail from the handlers (never a token,
	// number, key or signature: sessions appear by reference). Nil means
	// slog.Default().
	Log *slog.Logger
	// Mapper maps the ECP signer of a mode B session (eGov Mobile) to the
	// account it authenticates — the same mapper as the ECP factor's.
	// Required when the Service has mode B enabled.
	Mapper ecp.Mapper
}

// Factor is the cross-device QR factor (kind qr): an auth.Factor whose
// Begin starts an animated QR session for the flow and whose Finish redeems
// the session's approval by an enrolled device.
type Factor struct {
	svc      *qr.Service
	audit    auth.Auditor
	enrolAge time.Duration
	log      *slog.Logger
	mapper   ecp.Mapper
}

var _ auth.Factor = (*Factor)(nil)

// New validates cfg and returns a Factor.
func New(cfg Config) (*Factor, error) {
	if cfg.Service == nil {
		return nil, fmt.Errorf("%w: qr factor: Service is required", auth.ErrConfig)
	}
	switch {
	case cfg.EnrolMaxAge == 0:
		cfg.EnrolMaxAge = MaxEnrolAge
	case cfg.EnrolMaxAge < 0 || cfg.EnrolMaxAge > MaxEnrolAge:
		return nil, fmt.Errorf("%w: qr factor: EnrolMaxAge must be in (0, %v]", auth.ErrConfig, MaxEnrolAge)
	}
	if cfg.Audit == nil {
		cfg.Audit = auth.AuditorFunc(func(context.Context, auth.Event) {})
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if slices.Contains(cfg.Service.Modes(), qr.ModeMobileSign) && cfg.Mapper == nil {
		return nil, fmt.Errorf("%w: qr factor: a Mapper is required for mode B (mobile signing)", auth.ErrConfig)
	}
	return &Factor{svc: cfg.Service, audit: cfg.Audit, enrolAge: cfg.EnrolMaxAge, log: cfg.Log, mapper: cfg.Mapper}, nil
}

// Kind returns auth.KindQR.
func (f *Factor) Kind() auth.Kind { return auth.KindQR }

// Service returns the domain service (devices, sessions).
func (f *Factor) Service() *qr.Service { return f.svc }

// Begun is the Challenge.Data of Begin: the first frame. The browser then
// fetches the current frame each second from the BrowserHandler.
type Begun struct {
	// Mode is the session's mode: "device" (an animated code for the
	// host's app) or "mobile-sign" (a one-time mobileSign: code for eGov
	// Mobile, which does not change).
	Mode qr.Mode `json:"mode"`
	// Content is the first frame's text (the QR content).
	Content   string    `json:"content"`
	ExpiresAt time.Time `json:"expires_at"`
	// RefreshMillis is how often to fetch the next frame.
	RefreshMillis int `json:"refresh_ms"`
}

// BeginInput is the optional client input of Begin.
type BeginInput struct {
	// Mode chooses the mode: "device" or "mobile-sign". Empty means the
	// first mode the Service enables (device, when it has a DeviceStore).
	Mode qr.Mode `json:"mode,omitempty"`
}

// Begin implements auth.Factor: it starts the flow's QR session (replacing
// an earlier one, of either mode), with the browser's binding, the action
// and what the phone will show about the request. Input may choose the
// mode (BeginInput).
func (f *Factor) Begin(ctx context.Context, req *auth.BeginRequest) (*auth.Challenge, error) {
	var in BeginInput
	if err := decodeInput(req.Input, &in, `{"mode": …}`); err != nil {
		return nil, err
	}
	c := req.Client
	if c.IP == "" {
		c.IP = req.Flow.Client.IP
	}
	if c.UserAgent == "" {
		c.UserAgent = req.Flow.Client.UserAgent
	}
	if c.Location == "" {
		c.Location = req.Flow.Client.Location
	}
	st, err := f.svc.Begin(ctx, qr.BeginRequest{
		FlowID: req.Flow.ID, Binding: req.Flow.BindingHash, Action: req.Flow.Action, Subject: req.Flow.Subject,
		IP: c.IP, UserAgent: c.UserAgent, Location: c.Location, Now: req.Now,
		Mode: in.Mode, Origin: req.Flow.Client.Origin,
	})
	if err != nil {
		return nil, Classify(err)
	}
	refresh := 1000
	if st.Mode == qr.ModeMobileSign {
		refresh = 0
	}
	return &auth.Challenge{
		Data:      Begun{Mode: st.Mode, Content: st.Content, ExpiresAt: st.ExpiresAt, RefreshMillis: refresh},
		ExpiresAt: st.ExpiresAt,
	}, nil
}

// FinishInput is the client input of Finish.
type FinishInput struct {
	// Confirm is the browser's confirmation of who signed a mode B
	// session: the code the status gave beside the signer's name
	// (qr.SignedBy.Confirm), sent once the user answered "continue" to
	// "Signed in as <name>". Mode B cannot finish without it; mode A
	// ignores it.
	Confirm string `json:"confirm,omitempty"`
}

// Finish implements auth.Factor: it redeems the flow's approved QR session,
// once, for the browser holding the flow's binding. Mode A proves the
// approving device's subject with AMR mca, hwk and user (a hardware-held
// key unlocked by the user, on a second channel); mode B proves the mapped
// ECP signer with mca and sc (and hwk or swk by the key's storage), with
// the certificate's facts as attributes, and needs the browser's
// confirmation of the signer (FinishInput.Confirm; without it the error
// wraps auth.ErrInvalidInput and qr.ErrUnconfirmed, and the session stays
// approved). A flow the user denied on the phone fails with an error
// wrapping auth.ErrFraud, so the engine cancels it for good.
func (f *Factor) Finish(ctx context.Context, req *auth.FinishRequest) (*auth.Proof, error) {
	var in FinishInput
	if err := decodeInput(req.Input, &in, `{"confirm": …}`); err != nil {
		return nil, err
	}
	a, err := f.svc.Redeem(ctx, req.Flow.ID, req.Flow.BindingHash, req.Now, qr.WithConfirmation(in.Confirm))
	if err != nil {
		return nil, Classify(err)
	}
	if a.Mode == qr.ModeMobileSign {
		return mobileProof(a), nil
	}
	return &auth.Proof{
		Subject: a.Subject,
		AMR:     []string{auth.AMRMCA, auth.AMRHardware, auth.AMRUser},
		Attributes: map[string]string{
			"device":      a.Device,
			"device_name": a.DeviceName,
		},
	}, nil
}

// decodeInput reads a factor's small client input strictly (no unknown
// member, nothing after it, at most 256 bytes); empty or null is none.
func decodeInput(input json.RawMessage, v any, shape string) error {
	if len(input) == 0 || string(input) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(input))
	dec.DisallowUnknownFields()
	if len(input) > 256 || dec.Decode(v) != nil || dec.More() {
		return Classify(fmt.Errorf("%w: input must be %s", qr.ErrMalformed, shape))
	}
	return nil
}

func mobileProof(a *qr.Approval) *auth.Proof {
	s := a.Signer
	amr := []string{auth.AMRMCA, auth.AMRSmartCard}
	switch signature.KeyStorage(s.KeyStorage) {
	case signature.KeyStorageHardware:
		amr = append(amr, auth.AMRHardware)
	case signature.KeyStorageFile:
		amr = append(amr, auth.AMRSoftware)
	}
	attrs := map[string]string{"mode": string(qr.ModeMobileSign), "serial": s.Serial, "issuer": s.Issuer,
		"algorithm": s.Algorithm, "key_storage": s.KeyStorage, "sign_method": s.Method}
	if s.IIN != "" {
		attrs["iin"] = s.IIN
	}
	if s.BIN != "" {
		attrs["bin"] = s.BIN
	}
	if len(s.Roles) > 0 {
		attrs["roles"] = strings.Join(s.Roles, ",")
	}
	return &auth.Proof{Subject: a.Subject, AMR: amr, Attributes: attrs}
}

// Classify wraps an error of package qr in the auth sentinel that gives its
// client code (auth.Code), keeping the qr sentinel matchable with
// errors.Is. An error that already has a client code is returned as is.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	if auth.Code(err) != "internal" {
		return err // already classified
	}
	var s error
	switch {
	case errors.Is(err, qr.ErrSignatureRefused):
		return classifySignature(err)
	case errors.Is(err, qr.ErrUnavailable):
		s = auth.ErrUnavailable
	case errors.Is(err, qr.ErrDenied):
		s = auth.ErrFraud
	case errors.Is(err, qr.ErrRateLimited):
		s = auth.ErrRateLimited
	case errors.Is(err, qr.ErrMalformed), errors.Is(err, qr.ErrBadKey), errors.Is(err, qr.ErrDeviceLimit),
		errors.Is(err, qr.ErrDeviceExists), errors.Is(err, qr.ErrConfig), errors.Is(err, qr.ErrUnconfirmed):
		s = auth.ErrInvalidInput
	case errors.Is(err, qr.ErrModeNotAllowed):
		s = auth.ErrGate
	case errors.Is(err, qr.ErrStaleFrame), errors.Is(err, qr.ErrFutureFrame), errors.Is(err, qr.ErrExpired),
		errors.Is(err, qr.ErrRequestTime), errors.Is(err, qr.ErrNoSession):
		s = auth.ErrExpired
	case errors.Is(err, qr.ErrReplay), errors.Is(err, qr.ErrChallenge):
		s = auth.ErrReplay
	case errors.Is(err, qr.ErrBinding):
		s = auth.ErrBinding
	case errors.Is(err, qr.ErrBearer):
		s = auth.ErrVerification
	case errors.Is(err, qr.ErrWrongSubject):
		s = auth.ErrSubjectMismatch
	case errors.Is(err, ErrEnrolGate):
		s = auth.ErrGate
	default: // signature, unknown device, forged frame, other device, wrong number, details, failed, pending, not scanned
		s = auth.ErrVerification
	}
	return auth.Classify(s, err)
}

// classifySignature classifies a refused mode B signature like the ECP
// factor does; a mapper's own client code is kept.
func classifySignature(err error) error {
	if errors.Is(err, qr.ErrWrongSubject) {
		return auth.Classify(auth.ErrSubjectMismatch, err)
	}
	if signature.Code(err) == "internal" {
		var coded interface{ ErrorCode() string }
		if errors.As(err, &coded) {
			return err // the mapper chose a category
		}
	}
	switch {
	case errors.Is(err, signature.ErrRevoked):
		return auth.Classify(auth.ErrRevoked, err)
	case errors.Is(err, signature.ErrExpired), errors.Is(err, signature.ErrCertificateExpired):
		return auth.Classify(auth.ErrExpired, err)
	case errors.Is(err, qr.ErrMalformed), errors.Is(err, signature.ErrMalformed), errors.Is(err, qr.ErrSignMethod):
		return auth.Classify(auth.ErrInvalidInput, err)
	}
	return auth.Classify(auth.ErrVerification, err)
}

// Reason returns a short, non-secret, stable reason for a qr error, finer
// than its client code, for the phone app ("stale_frame", "wrong_number"…;
// for a refused mode B signature the signature package's code, such as
// "revoked", "key_usage" or "content_mismatch"); "" when none applies.
func Reason(err error) string {
	if errors.Is(err, qr.ErrSignatureRefused) {
		if c := signature.Code(err); c != "internal" {
			return c
		}
		if errors.Is(err, qr.ErrSignMethod) {
			return "sign_method"
		}
		if errors.Is(err, qr.ErrMalformed) {
			return "malformed"
		}
		if errors.Is(err, qr.ErrWrongSubject) {
			return "other_account"
		}
		return "signer_refused"
	}
	reasons := []struct {
		err    error
		reason string
	}{
		{qr.ErrStaleFrame, "stale_frame"}, {qr.ErrFutureFrame, "future_frame"}, {qr.ErrForgedFrame, "forged_frame"},
		{qr.ErrExpired, "session_expired"}, {qr.ErrNoSession, "no_session"}, {qr.ErrRequestTime, "clock"},
		{qr.ErrSignature, "signature"}, {qr.ErrUnknownDevice, "unknown_device"}, {qr.ErrOtherDevice, "other_device"},
		{qr.ErrWrongSubject, "other_account"}, {qr.ErrNotScanned, "not_scanned"}, {qr.ErrWrongNumber, "wrong_number"},
		{qr.ErrDetails, "other_details"}, {qr.ErrReplay, "already_approved"}, {qr.ErrFailed, "session_failed"},
		{qr.ErrDenied, "denied"}, {qr.ErrPending, "pending"}, {qr.ErrChallenge, "challenge"},
		{qr.ErrDeviceLimit, "device_limit"}, {qr.ErrDeviceExists, "device_exists"}, {qr.ErrBadKey, "bad_key"},
		{qr.ErrMalformed, "malformed"}, {ErrEnrolGate, "strong_factor_required"}, {qr.ErrBearer, "bearer"},
		{qr.ErrUnconfirmed, "unconfirmed"}, {qr.ErrModeNotAllowed, "mode_not_allowed"},
	}
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return r.reason
		}
	}
	return ""
}

// enrolGate refuses unless evidence holds strong evidence for subject at
// most enrolAge old at now.
func (f *Factor) enrolGate(subject string, evidence []auth.Evidence, now time.Time) error {
	if subject == "" {
		return Classify(ErrEnrolGate)
	}
	for _, e := range evidence {
		if e.Subject == subject && e.Strength == auth.Strong && auth.StrengthOf(e.Kind, e.AMR) == auth.Strong &&
			!e.Time.Before(now.Add(-f.enrolAge)) && !e.Time.After(now.Add(evidenceSkew)) {
			return nil
		}
	}
	return Classify(ErrEnrolGate)
}

// BeginEnrol issues a device-enrolment challenge for subject, gated like
// passkey enrolment: evidence (of a flow the host just completed, e.g.
// auth.Result.Evidence) must hold strong evidence for subject at most
// EnrolMaxAge old by the service's clock; otherwise the error wraps
// auth.ErrGate and ErrEnrolGate.
func (f *Factor) BeginEnrol(ctx context.Context, subject string, evidence []auth.Evidence) (*qr.EnrolChallenge, error) {
	if err := f.enrolGate(subject, evidence, f.svc.Now()); err != nil {
		return nil, err
	}
	ch, err := f.svc.BeginEnrol(ctx, subject)
	if err != nil {
		return nil, Classify(err)
	}
	return ch, nil
}

// FinishEnrol verifies the device's enrolment request (a qr.Signed of an
// enrol document, with the key) and stores the device for subject, after
// checking the same gate as BeginEnrol again.
func (f *Factor) FinishEnrol(ctx context.Context, subject string, evidence []auth.Evidence, body []byte) (*qr.Device, error) {
	if err := f.enrolGate(subject, evidence, f.svc.Now()); err != nil {
		return nil, err
	}
	d, err := f.svc.FinishEnrol(ctx, subject, body)
	if err != nil {
		return nil, Classify(err)
	}
	return d, nil
}
