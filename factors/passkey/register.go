package passkey

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/strongauth/strongauth/auth"
)

// UserInfo describes the account a credential is enrolled for, as the
// authenticator will show it.
type UserInfo struct {
	// Handle is the WebAuthn user handle (user.id): 1 to 64 opaque bytes,
	// never personal data. Leave it nil: the factor reuses the handle of
	// the subject's existing credentials, or makes a random one. A handle
	// given for a subject that already has credentials must equal theirs.
	Handle []byte
	// Name is the account name the authenticator shows (a login name,
	// masked phone, e-mail). Zero means the subject.
	Name string
	// DisplayName is a friendly name. Zero means Name.
	DisplayName string
}

// RegistrationRequest begins the enrolment of a new authenticator.
// Enrolment is a sensitive action: it needs strong evidence for the same
// subject, completed at most Config.EnrolmentWindow (5 minutes) ago by the
// factor's clock — for example the Result of a flow just completed with ECP
// or an existing passkey. Evidence from SMS alone is refused: otherwise a
// scammer who talked a code out of a victim could add their own device.
type RegistrationRequest struct {
	// Result is the result of the flow just completed (auth.Engine.Finish).
	Result *auth.Result
	// Evidence may be given instead of Result (with Subject).
	Evidence []auth.Evidence
	// Subject is the account to enrol for: required with Evidence; with a
	// Result it must be empty or equal Result.Subject.
	Subject string
	// Binding is the browser-binding secret of the enrolling browser
	// (at least 16 bytes, for example the flow's binding cookie).
	// FinishRegistration must present the same.
	Binding string
	// User is what the authenticator shows.
	User UserInfo
}

// Registration is a pending enrolment ceremony.
type Registration struct {
	// ID names the ceremony (32 hex digits); FinishRegistration needs it
	// together with the browser binding.
	ID string `json:"id"`
	// Options are the options for navigator.credentials.create
	// ({"publicKey": …}, PublicKeyCredentialCreationOptionsJSON).
	Options json.RawMessage `json:"options"`
	// ExpiresAt is when the ceremony stops being accepted.
	ExpiresAt time.Time `json:"expires_at"`
}

// String redacts the ceremony: its ID and options (which hold the
// challenge) stay out of logs.
func (r *Registration) String() string {
	return "passkey.Registration{expires " + r.ExpiresAt.UTC().Format(time.RFC3339) + ", redacted}"
}

// GoString redacts like String.
func (r *Registration) GoString() string { return r.String() }

// LogValue redacts like String.
func (r *Registration) LogValue() slog.Value {
	return slog.GroupValue(slog.Time("expires_at", r.ExpiresAt), slog.String("id", "REDACTED"))
}

// BeginRegistration checks the enrolment gate and starts a registration
// ceremony: userVerification "required", the configured attachment,
// resident key preferred (or required), attestation none (or direct), and
// the subject's existing credentials excluded. A refusal by the gate is
// ErrEnrolmentGate (auth code "factor_not_allowed") and is audited.
func (f *Factor) BeginRegistration(ctx context.Context, req RegistrationRequest) (*Registration, error) {
	const op = "begin-registration"
	now := f.now()
	subject := req.Subject
	evidence := req.Evidence
	ref := ""
	if req.Result != nil {
		ref = req.Result.Flow
		if subject != "" && subject != req.Result.Subject {
			return nil, f.refuseRegistration(ctx, op, ErrEnrolmentGate, subject, now, "subject differs from the result's")
		}
		subject = req.Result.Subject
		evidence = req.Result.Evidence
	}
	if subject == "" {
		return nil, f.refuseRegistration(ctx, op, ErrEnrolmentGate, "", now, "no subject")
	}
	if !f.strongEnough(subject, evidence, now) {
		return nil, f.refuseRegistration(ctx, op, ErrEnrolmentGate, subject, now, "no fresh strong evidence for the subject")
	}
	if len(req.Binding) < 16 {
		return nil, fail(op, ErrInvalidRequest, "binding secret shorter than 16 bytes")
	}
	existing, err := f.creds.List(ctx, subject)
	if err != nil {
		return nil, fail(op, ErrUnavailable, "credential store: "+err.Error())
	}
	handle := req.User.Handle
	if len(existing) > 0 {
		if handle != nil && !bytes.Equal(handle, existing[0].UserHandle) {
			return nil, fail(op, ErrInvalidRequest, "user handle differs from the subject's credentials")
		}
		handle = existing[0].UserHandle
	}
	if handle == nil {
		handle = make([]byte, 32)
		if _, err := io.ReadFull(f.rand, handle); err != nil {
			return nil, fail(op, ErrUnavailable, "randomness: "+err.Error())
		}
	}
	if len(handle) == 0 || len(handle) > MaxUserHandleLen {
		return nil, fail(op, ErrInvalidRequest, "user handle must be 1 to 64 bytes")
	}
	name := req.User.Name
	if name == "" {
		name = subject
	}
	display := req.User.DisplayName
	if display == "" {
		display = name
	}
	ch, err := f.challenge()
	if err != nil {
		return nil, fail(op, ErrUnavailable, "randomness: "+err.Error())
	}
	idb := make([]byte, 16)
	if _, err := io.ReadFull(f.rand, idb); err != nil {
		return nil, fail(op, ErrUnavailable, "randomness: "+err.Error())
	}
	id := hex.EncodeToString(idb)

	exclude := make([]protocol.CredentialDescriptor, len(existing))
	for i := range existing {
		exclude[i] = descriptor(&existing[i])
	}
	sel := protocol.AuthenticatorSelection{
		ResidentKey:      protocol.ResidentKeyRequirementPreferred,
		UserVerification: protocol.VerificationRequired,
	}
	if f.residentKey {
		yes := true
		sel.ResidentKey = protocol.ResidentKeyRequirementRequired
		sel.RequireResidentKey = &yes
	}
	switch f.attachment {
	case AttachmentPlatform:
		sel.AuthenticatorAttachment = protocol.Platform
	case AttachmentCrossPlatform:
		sel.AuthenticatorAttachment = protocol.CrossPlatform
	}
	user := &userEntity{waUser: waUser{handle: handle, name: name}, display: display}
	creation, session, err := f.wa.BeginRegistration(user,
		func(o *protocol.PublicKeyCredentialCreationOptions) error { o.Challenge = ch; return nil },
		webauthn.WithAuthenticatorSelection(sel),
		webauthn.WithExclusions(exclude),
	)
	if err != nil {
		return nil, fail(op, ErrUnavailable, "options: "+err.Error())
	}
	opts, err := json.Marshal(creation)
	if err != nil {
		return nil, fail(op, ErrUnavailable, "options: "+err.Error())
	}
	c := &ceremony{
		Kind: ceremonyRegister, Binding: auth.BindingHash(req.Binding), Challenge: ch, Subject: subject,
		UserHandle: handle, Expires: now.Add(f.timeout), Ref: ref,
	}
	for _, p := range session.CredParams {
		c.Algs = append(c.Algs, int64(p.Algorithm))
	}
	if err := f.put(ctx, f.regKey(id), c, now); err != nil {
		return nil, fail(op, err, "")
	}
	return &Registration{ID: id, Options: opts, ExpiresAt: c.Expires}, nil
}

// userEntity is a waUser with its own display name.
type userEntity struct {
	waUser
	display string
}

func (u *userEntity) WebAuthnDisplayName() string { return u.display }

// strongEnough reports whether evidence holds strong evidence for subject,
// dated within the enrolment window. Strength is recomputed from the AMR
// (auth.StrengthOf), so evidence labelled strong by hand does not pass.
func (f *Factor) strongEnough(subject string, evidence []auth.Evidence, now time.Time) bool {
	since := now.Add(-f.window)
	for _, e := range evidence {
		if e.Subject == subject && e.Strength == auth.Strong && auth.StrengthOf(e.Kind, e.AMR) == auth.Strong &&
			!e.Time.Before(since) && !e.Time.After(now.Add(maxSkew)) {
			return true
		}
	}
	return false
}

func (f *Factor) refuseRegistration(ctx context.Context, op string, sentinel error, subject string, now time.Time, detail string) *Error {
	err := fail(op, sentinel, detail)
	f.audit.Audit(ctx, auth.Event{Type: EventRegistrationRefused, Time: now, Subject: subject, Kind: auth.KindWebAuthn,
		Code: auth.Code(err)})
	return err
}

// FinishRegistration verifies the browser's attestation (the JSON of
// PublicKeyCredential.toJSON() from navigator.credentials.create) against
// the pending ceremony id, which it consumes whatever the outcome, and
// stores the new credential. binding must be the secret given to
// BeginRegistration (ErrBinding otherwise). Besides the refusals of Finish
// it refuses an attestation the policy does not accept (ErrAttestation), a
// model outside Config.AllowedAAGUIDs (ErrAAGUID), the wrong attachment
// (ErrAttachment) and an already registered credential
// (ErrCredentialExists).
func (f *Factor) FinishRegistration(ctx context.Context, id, binding string, response json.RawMessage) (*Credential, error) {
	const op = "finish-registration"
	now := f.now()
	if !validCeremonyID(id) {
		return nil, fail(op, ErrNoCeremony, "")
	}
	c, err := f.take(ctx, f.regKey(id))
	if err != nil {
		return nil, fail(op, err, "")
	}
	if c.Kind != ceremonyRegister {
		return nil, fail(op, ErrNoCeremony, "state of another ceremony")
	}
	if binding == "" || subtle.ConstantTimeCompare(c.Binding, auth.BindingHash(binding)) != 1 {
		return nil, f.refuseRegistration(ctx, op, ErrBinding, c.Subject, now, "")
	}
	if !now.Before(c.Expires) {
		return nil, fail(op, ErrCeremonyExpired, "")
	}
	cred, err := f.verifyAttestation(c, response, now)
	if err != nil {
		f.audit.Audit(ctx, auth.Event{Type: EventRegistrationRefused, Time: now, Flow: c.Ref, Subject: c.Subject, Kind: auth.KindWebAuthn,
			Code: auth.Code(err)})
		return nil, err
	}
	switch err := f.creds.Add(ctx, *cred); {
	case errors.Is(err, ErrCredentialExists):
		return nil, fail(op, ErrCredentialExists, "")
	case errors.Is(err, ErrInvalidCredential):
		return nil, fail(op, ErrMalformed, err.Error())
	case err != nil:
		return nil, fail(op, ErrUnavailable, "credential store: "+err.Error())
	}
	f.audit.Audit(ctx, auth.Event{Type: EventRegistered, Time: now, Flow: c.Ref, Subject: c.Subject, Kind: auth.KindWebAuthn,
		Attrs: map[string]string{"credential": cred.Ref(), "aaguid": AAGUIDString(cred.AAGUID),
			"backup_eligible": boolString(cred.BackupEligible), "attestation": cred.AttestationFormat}})
	return cred, nil
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// verifyAttestation checks a registration response against its ceremony
// and returns the credential to store. Every error is an *Error.
func (f *Factor) verifyAttestation(c *ceremony, response []byte, now time.Time) (*Credential, error) {
	const op = "finish-registration"
	if len(response) == 0 || len(response) > MaxResponseSize {
		return nil, fail(op, ErrMalformed, "")
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		_, detail := classify(err, true)
		return nil, fail(op, ErrMalformed, detail)
	}
	if err := f.checkClientData(&parsed.Response.CollectedClientData, protocol.CreateCeremony, c.Challenge); err != nil {
		return nil, fail(op, err, "")
	}
	obj := &parsed.Response.AttestationObject
	if err := f.checkAuthData(&obj.AuthData); err != nil {
		return nil, fail(op, err, "")
	}
	if !bytes.Equal(parsed.RawID, obj.AuthData.AttData.CredentialID) {
		return nil, fail(op, ErrMalformed, "credential ID differs from the attested one")
	}
	switch att := parsed.AuthenticatorAttachment; {
	case f.attachment == AttachmentPlatform && att == protocol.CrossPlatform,
		f.attachment == AttachmentCrossPlatform && att == protocol.Platform:
		return nil, fail(op, ErrAttachment, string(att))
	}
	if f.metadata != nil && obj.Format == string(protocol.AttestationFormatNone) {
		return nil, fail(op, ErrAttestation, "no attestation statement to check against the metadata")
	}
	if f.metadata != nil && !f.metadata.Fresh(now) {
		return nil, fail(op, ErrUnavailable, "metadata is stale: fetch a new BLOB")
	}
	user := &waUser{handle: c.UserHandle, name: c.Subject}
	session := webauthn.SessionData{
		Challenge:        base64.RawURLEncoding.EncodeToString(c.Challenge),
		RelyingPartyID:   f.rpID,
		UserID:           c.UserHandle,
		UserVerification: protocol.VerificationRequired,
		CredParams:       credParams(c.Algs),
	}
	wc, err := f.wa.CreateCredential(user, session, parsed)
	if err != nil {
		sentinel, detail := classify(err, true)
		return nil, fail(op, sentinel, detail)
	}
	cred := &Credential{
		ID:                wc.ID,
		Subject:           c.Subject,
		UserHandle:        c.UserHandle,
		PublicKey:         wc.PublicKey,
		AttestationFormat: wc.AttestationFormat,
		AttestationType:   wc.AttestationType,
		SignCount:         wc.Authenticator.SignCount,
		Attachment:        string(parsed.AuthenticatorAttachment),
		BackupEligible:    wc.Flags.BackupEligible,
		BackupState:       wc.Flags.BackupState,
		CreatedAt:         now,
		// go-webauthn checked the certificate path against the model's
		// trust anchors (Metadata sets GetValidateTrustAnchor).
		ModelVerified: f.metadata != nil && certificatePath(wc.AttestationType) && len(x5c(obj)) > 0,
	}
	copy(cred.AAGUID[:], wc.Authenticator.AAGUID)
	for _, t := range wc.Transport {
		cred.Transports = append(cred.Transports, string(t))
	}
	if f.aaguids != nil && !f.aaguids[cred.AAGUID] {
		return nil, fail(op, ErrAAGUID, AAGUIDString(cred.AAGUID))
	}
	if err := cred.Validate(); err != nil {
		return nil, fail(op, ErrMalformed, err.Error())
	}
	return cred, nil
}

// validCeremonyID accepts 32 lower-case hex digits.
func validCeremonyID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// certificatePath reports whether an attestation type proves the model with
// an attestation certificate (basic, attestation CA, anonymisation CA), as
// self attestation and "none" do not.
func certificatePath(attestationType string) bool {
	switch attestationType {
	case "basic_full", "attca", "anonca":
		return true
	}
	return false
}

// x5c returns the attestation statement's certificate chain, if any.
func x5c(obj *protocol.AttestationObject) []any {
	chain, _ := obj.AttStatement["x5c"].([]any)
	return chain
}
