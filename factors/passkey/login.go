package passkey

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/strongauth/strongauth/auth"
)

// Audit event types the factor raises through Config.Audit.
const (
	// EventBackupChanged: a genuine assertion (its signature verified)
	// reported another backup eligibility (BE) than the credential had at
	// registration. Attrs: credential, aaguid, stored_be, reported_be,
	// accepted ("true" under Config.InsecureAcceptBackupChange, when the
	// new value was recorded; "false" when the login was refused).
	EventBackupChanged = "passkey_backup_changed"
	// EventCounterRegression: a login presented a signature counter that did
	// not increase (possible cloned authenticator); it was denied.
	EventCounterRegression = "passkey_counter_regression"
	// EventRegistered: a new credential was enrolled.
	EventRegistered = "passkey_registered"
	// EventRegistrationRefused: an enrolment was refused (gate or
	// verification).
	EventRegistrationRefused = "passkey_registration_refused"
)

// Begin implements auth.Factor: it starts a login ceremony in the flow and
// returns the options for navigator.credentials.get ({"publicKey": …},
// PublicKeyCredentialRequestOptionsJSON) as Challenge.Data. With a known
// subject the options list that subject's credentials (allowCredentials);
// without one the login is discoverable (a passkey chosen on the device).
// userVerification is always "required".
//
// A new Begin in the same flow replaces the pending ceremony.
func (f *Factor) Begin(ctx context.Context, req *auth.BeginRequest) (*auth.Challenge, error) {
	const op = "begin"
	if req == nil || req.Flow == nil || req.Flow.ID == "" {
		return nil, fail(op, ErrMalformed, "no flow")
	}
	now := req.Now
	if now.IsZero() {
		now = f.now()
	}
	c := &ceremony{Kind: ceremonyLogin, Flow: req.Flow.ID, Subject: req.Flow.Subject, Expires: now.Add(f.timeout)}
	var allowed []protocol.CredentialDescriptor
	if c.Subject != "" {
		creds, err := f.creds.List(ctx, c.Subject)
		if err != nil {
			return nil, fail(op, ErrUnavailable, "credential store: "+err.Error())
		}
		if len(creds) == 0 {
			return nil, fail(op, ErrNoCredentials, "")
		}
		var refusal error
		var detail string
		for i := range creds {
			if _, d, err := f.checkPolicy(req.Flow.Action, &creds[i], creds[i].BackupEligible, now); err != nil {
				if refusal == nil {
					refusal, detail = err, d
				}
				continue
			}
			c.Allowed = append(c.Allowed, creds[i].ID)
			allowed = append(allowed, descriptor(&creds[i]))
		}
		if len(allowed) == 0 {
			// None of the subject's passkeys may serve this action: say
			// so now rather than after the user touched the sensor.
			return nil, fail(op, refusal, detail)
		}
	}
	ch, err := f.challenge()
	if err != nil {
		return nil, fail(op, ErrUnavailable, "randomness: "+err.Error())
	}
	c.Challenge = ch
	assertion, _, err := f.wa.BeginDiscoverableLogin(
		webauthn.WithChallenge(ch),
		webauthn.WithUserVerification(protocol.VerificationRequired),
		webauthn.WithAllowedCredentials(allowed),
	)
	if err != nil {
		return nil, fail(op, ErrUnavailable, "options: "+err.Error())
	}
	opts, err := json.Marshal(assertion)
	if err != nil {
		return nil, fail(op, ErrUnavailable, "options: "+err.Error())
	}
	if err := f.put(ctx, f.loginKey(req.Flow.ID), c, now); err != nil {
		return nil, fail(op, err, "")
	}
	return &auth.Challenge{Data: json.RawMessage(opts), ExpiresAt: c.Expires}, nil
}

// descriptor is the allow/exclude-list entry of a stored credential.
func descriptor(c *Credential) protocol.CredentialDescriptor {
	d := protocol.CredentialDescriptor{Type: protocol.PublicKeyCredentialType, CredentialID: c.ID}
	for _, t := range c.Transports {
		d.Transport = append(d.Transport, protocol.AuthenticatorTransport(t))
	}
	return d
}

func (f *Factor) challenge() ([]byte, error) {
	b := make([]byte, challengeLen)
	if _, err := io.ReadFull(f.rand, b); err != nil {
		return nil, err
	}
	return b, nil
}

// Finish implements auth.Factor: it verifies the browser's assertion (the
// JSON of PublicKeyCredential.toJSON()) against the flow's pending ceremony,
// which it consumes whatever the outcome. It refuses, each with its own
// sentinel: a used or missing ceremony (ErrNoCeremony), one past its expiry
// by the request's clock (ErrCeremonyExpired), malformed input
// (ErrMalformed), another ceremony type, challenge, origin or RP ID
// (ErrCeremonyType, ErrChallenge, ErrOrigin, ErrRPID), missing user
// presence or verification (ErrUserNotPresent, ErrUserNotVerified), an
// unknown credential or one of another subject (ErrUnknownCredential), a bad
// signature (ErrSignature) and a counter that did not increase
// (ErrCounterRegression, with an audit event).
//
// With Config.Actions it also refuses, after the signature verified, a
// credential the flow's action does not accept (ErrSyncedPasskey,
// ErrModelNotAllowed); and a credential whose backup eligibility changed
// since registration (ErrBackupChanged, unless
// Config.InsecureAcceptBackupChange).
//
// The Proof's subject is the credential's; AMR is ["swk", "user"] for a
// backup-eligible (synced) passkey and ["hwk", "user"] for a device-bound
// one. Attributes: credential (CredentialRef), aaguid, uv ("true"),
// backup_eligible, backup_state, device_bound, model_verified,
// certification (the model's current level, with Config.Metadata and a
// verified model), backup_changed ("true" after an accepted change).
func (f *Factor) Finish(ctx context.Context, req *auth.FinishRequest) (*auth.Proof, error) {
	const op = "finish"
	if req == nil || req.Flow == nil || req.Flow.ID == "" {
		return nil, fail(op, ErrMalformed, "no flow")
	}
	now := req.Now
	if now.IsZero() {
		now = f.now()
	}
	c, err := f.take(ctx, f.loginKey(req.Flow.ID))
	if err != nil {
		return nil, fail(op, err, "")
	}
	if c.Kind != ceremonyLogin || c.Flow != req.Flow.ID {
		return nil, fail(op, ErrNoCeremony, "state of another ceremony")
	}
	if !now.Before(c.Expires) {
		return nil, fail(op, ErrCeremonyExpired, "")
	}
	cred, v, err := f.verifyAssertion(ctx, c, req.Flow, req.Input, now)
	if err != nil {
		return nil, err
	}
	attrs := map[string]string{
		"credential":      cred.Ref(),
		"aaguid":          AAGUIDString(cred.AAGUID),
		"uv":              "true",
		"backup_eligible": strconv.FormatBool(cred.BackupEligible),
		"backup_state":    strconv.FormatBool(cred.BackupState),
		"device_bound":    strconv.FormatBool(!cred.BackupEligible),
		"model_verified":  strconv.FormatBool(cred.ModelVerified),
	}
	if v.cert != CertificationNone {
		attrs["certification"] = v.cert.String()
	}
	if v.backupChanged {
		attrs["backup_changed"] = "true"
	}
	amr := auth.AMRHardware
	if cred.BackupEligible {
		amr = auth.AMRSoftware
	}
	return &auth.Proof{Subject: cred.Subject, AMR: []string{amr, auth.AMRUser}, Attributes: attrs}, nil
}

// verified is what verifyAssertion learnt beyond the credential.
type verified struct {
	cert          Certification
	backupChanged bool
}

// verifyAssertion checks an assertion against a login ceremony and records
// the use. It returns the credential as updated. Every error is an *Error.
func (f *Factor) verifyAssertion(ctx context.Context, c *ceremony, flow *auth.Flow, input []byte, now time.Time) (*Credential, verified, error) {
	const op = "finish"
	var v verified
	if len(input) == 0 || len(input) > MaxResponseSize {
		return nil, v, fail(op, ErrMalformed, "")
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(input)
	if err != nil {
		_, detail := classify(err, false)
		return nil, v, fail(op, ErrMalformed, detail)
	}
	if err := f.checkClientData(&parsed.Response.CollectedClientData, protocol.AssertCeremony, c.Challenge); err != nil {
		return nil, v, fail(op, err, "")
	}
	ad := &parsed.Response.AuthenticatorData
	if err := f.checkAuthData(ad); err != nil {
		return nil, v, fail(op, err, "")
	}
	cred, err := f.creds.Find(ctx, parsed.RawID)
	if errors.Is(err, ErrCredentialNotFound) {
		return nil, v, fail(op, ErrUnknownCredential, "")
	}
	if err != nil {
		return nil, v, fail(op, ErrUnavailable, "credential store: "+err.Error())
	}
	handle := parsed.Response.UserHandle
	switch {
	case c.Subject != "" && (cred.Subject != c.Subject || !c.allows(cred.ID)):
		return nil, v, fail(op, ErrUnknownCredential, "")
	case c.Subject == "" && len(handle) == 0:
		return nil, v, fail(op, ErrUnknownCredential, "discoverable login without a user handle")
	case len(handle) > 0 && !bytes.Equal(handle, cred.UserHandle):
		return nil, v, fail(op, ErrUnknownCredential, "user handle does not match the credential")
	case flow.Subject != "" && cred.Subject != flow.Subject:
		return nil, v, fail(op, ErrUnknownCredential, "")
	}

	// go-webauthn refuses a BE change with an opaque error; it is given
	// the reported BE, and our own rule decides below, once the signature
	// has verified.
	be := ad.Flags.HasBackupEligible()
	lib := toLibrary(cred)
	if be != cred.BackupEligible {
		lib.Flags.BackupEligible = be
	}
	user := &waUser{handle: cred.UserHandle, name: cred.Subject, creds: []webauthn.Credential{lib}}
	session := webauthn.SessionData{
		Challenge:        base64.RawURLEncoding.EncodeToString(c.Challenge),
		RelyingPartyID:   f.rpID,
		UserVerification: protocol.VerificationRequired,
	}
	if c.Subject != "" {
		session.UserID = cred.UserHandle
		_, err = f.wa.ValidateLogin(user, session, parsed)
	} else {
		_, err = f.wa.ValidateDiscoverableLogin(func(_, _ []byte) (webauthn.User, error) { return user, nil }, session, parsed)
	}
	if err != nil {
		sentinel, detail := classify(err, false)
		return nil, v, fail(op, sentinel, detail)
	}
	// Only a verified signature may speak of the counter or the flags: a
	// forged assertion must not raise an alarm about someone's credential.
	if !CounterAdvances(cred.SignCount, ad.Counter) {
		f.counterRegression(ctx, flow, cred, ad.Counter, now)
		return nil, v, fail(op, ErrCounterRegression, "")
	}
	if be != cred.BackupEligible {
		f.audit.Audit(ctx, auth.Event{
			Type: EventBackupChanged, Time: now, Flow: flow.Ref(), Action: flow.Action, Subject: cred.Subject,
			Kind: auth.KindWebAuthn, Code: auth.Code(fail(op, ErrBackupChanged, "")),
			Attrs: map[string]string{
				"credential": cred.Ref(), "aaguid": AAGUIDString(cred.AAGUID),
				"stored_be": strconv.FormatBool(cred.BackupEligible), "reported_be": strconv.FormatBool(be),
				"accepted": strconv.FormatBool(f.acceptBE),
			},
		})
		if !f.acceptBE {
			return nil, v, fail(op, ErrBackupChanged, "stored BE "+strconv.FormatBool(cred.BackupEligible)+
				", reported "+strconv.FormatBool(be))
		}
		v.backupChanged = true
	}
	cert, detail, err := f.checkPolicy(flow.Action, cred, be, now)
	if err != nil {
		return nil, v, fail(op, err, detail)
	}
	v.cert = cert

	err = f.creds.Update(ctx, cred.ID, Use{SignCount: ad.Counter, BackupEligible: be, BackupState: ad.Flags.HasBackupState(), At: now})
	switch {
	case errors.Is(err, ErrCounterRegression):
		// Another login with the same counter won the race: a clone.
		f.counterRegression(ctx, flow, cred, ad.Counter, now)
		return nil, v, fail(op, ErrCounterRegression, "")
	case errors.Is(err, ErrCredentialNotFound):
		return nil, v, fail(op, ErrUnknownCredential, "credential removed during the login")
	case err != nil:
		return nil, v, fail(op, ErrUnavailable, "credential store: "+err.Error())
	}
	cred.SignCount = ad.Counter
	cred.BackupEligible = be
	cred.BackupState = ad.Flags.HasBackupState()
	cred.LastUsedAt = now
	return cred, v, nil
}

func (f *Factor) counterRegression(ctx context.Context, flow *auth.Flow, cred *Credential, got uint32, now time.Time) {
	f.audit.Audit(ctx, auth.Event{
		Type: EventCounterRegression, Time: now, Flow: flow.Ref(), Action: flow.Action, Subject: cred.Subject,
		Kind: auth.KindWebAuthn, Code: auth.Code(auth.ErrVerification),
		Attrs: map[string]string{
			"credential": cred.Ref(), "aaguid": AAGUIDString(cred.AAGUID),
			"stored_count": strconv.FormatUint(uint64(cred.SignCount), 10), "reported_count": strconv.FormatUint(uint64(got), 10),
		},
	})
}
