package passkey

import (
	"errors"
	"fmt"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/internal/errcode"
)

// Sentinel errors. Every error a Factor returns wraps one of these and one of
// the auth sentinels (auth.ErrVerification, auth.ErrReplay, …), so callers
// match with errors.Is and auth.Code gives the client-safe code. No error
// message carries a challenge, key, signature, binding or credential ID.
var (
	// ErrConfig reports an invalid Config.
	ErrConfig = errcode.Sentinel("passkey: invalid configuration", errcode.Config)

	// ErrMalformed reports a response that is not a well-formed WebAuthn
	// credential (JSON, base64url, CBOR, authenticator data, sizes).
	ErrMalformed = errors.New("passkey: malformed response")
	// ErrNoCeremony reports that no ceremony is pending under this flow or
	// ID: it was used already (a replay), it expired from the store, or it
	// was never begun.
	ErrNoCeremony = errors.New("passkey: no pending ceremony (already used, expired or never begun)")
	// ErrCeremonyExpired reports a ceremony past its expiry by our clock.
	ErrCeremonyExpired = errors.New("passkey: ceremony expired")
	// ErrStateVersion reports stored ceremony state written by an
	// incompatible version of this package; the ceremony must be begun again.
	ErrStateVersion = errors.New("passkey: stored ceremony state has an unknown version")
	// ErrBinding reports a registration finished by another browser than
	// the one that began it.
	ErrBinding = errors.New("passkey: ceremony is bound to another browser")

	// ErrCeremonyType reports client data of the wrong ceremony
	// ("webauthn.create" where "webauthn.get" was expected, or back).
	ErrCeremonyType = errors.New("passkey: wrong ceremony type in client data")
	// ErrChallenge reports client data for another challenge.
	ErrChallenge = errors.New("passkey: challenge mismatch")
	// ErrOrigin reports client data from an origin not in Config.Origins
	// (or Config.RelatedOrigins), or from a cross-origin frame whose top
	// origin is not in Config.TopOrigins. Its client code is "origin".
	ErrOrigin = coded("origin", "passkey: origin not allowed", nil)
	// ErrRPID reports authenticator data scoped to another relying party
	// (RP ID hash mismatch).
	ErrRPID = errors.New("passkey: relying party ID hash mismatch")
	// ErrUserNotPresent reports authenticator data without the UP flag.
	ErrUserNotPresent = errors.New("passkey: authenticator did not test user presence")
	// ErrUserNotVerified reports authenticator data without the UV flag:
	// the authenticator did not verify the user (biometric or PIN). It is
	// refused, never downgraded to a weak factor.
	ErrUserNotVerified = errors.New("passkey: authenticator did not verify the user")
	// ErrSignature reports an assertion or attestation whose signature
	// does not verify.
	ErrSignature = errors.New("passkey: signature does not verify")
	// ErrUnknownCredential reports a credential that is not registered, or
	// not registered to the flow's subject, or whose user handle disagrees.
	ErrUnknownCredential = errors.New("passkey: unknown credential")
	// ErrCounterRegression reports a signature counter that did not
	// increase: a sign of a cloned authenticator. The login is denied and an
	// audit event raised.
	ErrCounterRegression = errors.New("passkey: signature counter did not increase (possible cloned authenticator)")
	// ErrVerification reports any other verification failure.
	ErrVerification = errors.New("passkey: verification failed")

	// ErrEnrolmentGate reports a registration begun without strong evidence
	// for the same subject within the enrolment window.
	ErrEnrolmentGate = errors.New("passkey: enrolment needs a fresh strong factor for the same subject")
	// ErrNoCredentials reports a login for a subject with no registered
	// credential.
	ErrNoCredentials = errors.New("passkey: subject has no registered credential")
	// ErrAttestation reports an attestation this relying party does not
	// accept (format, statement, metadata).
	ErrAttestation = errors.New("passkey: attestation not accepted")
	// ErrModelRevoked reports a login with a credential whose authenticator
	// model the metadata service (Config.Metadata) no longer vouches for:
	// revoked, compromised, or delisted since it was enrolled.
	ErrModelRevoked = errors.New("passkey: authenticator model refused by the metadata service")
	// ErrAAGUID reports an authenticator model outside Config.AllowedAAGUIDs
	// at enrolment. It is an ErrCredentialPolicy; its client code is
	// "authenticator_not_allowed".
	ErrAAGUID = coded("authenticator_not_allowed", "passkey: authenticator model (AAGUID) not allowed", ErrCredentialPolicy)

	// ErrCredentialPolicy is what every refusal of a valid credential by
	// the relying party's policy matches (errors.Is): ErrBackupChanged,
	// ErrSyncedPasskey, ErrModelNotAllowed, ErrAAGUID. The assertion was
	// genuine; the credential is not accepted (here, or for this action).
	// Its auth class is auth.ErrNotAllowed; each refusal has its own client
	// code, with kk/ru/en messages (auth.ClientMessage).
	ErrCredentialPolicy = coded("credential_not_allowed", "passkey: credential not allowed by policy", nil)
	// ErrBackupChanged reports a credential whose backup eligibility (the
	// BE flag: may it be synced to other devices?) differs from what it
	// was at registration. WebAuthn says BE never changes for a
	// credential; a change means another authenticator, a bug, or a
	// device-bound key that can now leave the device. Denied unless
	// Config.InsecureAcceptBackupChange; audited either way
	// (EventBackupChanged). Client code "passkey_backup_changed".
	ErrBackupChanged = coded("passkey_backup_changed", "passkey: backup eligibility of the credential changed since registration", ErrCredentialPolicy)
	// ErrSyncedPasskey reports a synced (backup-eligible) passkey used for
	// an action whose ActionPolicy requires a device-bound one. Client code
	// "passkey_synced".
	ErrSyncedPasskey = coded("passkey_synced", "passkey: this action needs a device-bound passkey, not a synced one", ErrCredentialPolicy)
	// ErrModelNotAllowed reports a credential whose authenticator model
	// does not meet the action's ActionPolicy: not in its AAGUID list, not
	// proven by attestation, or not certified at the level it needs.
	// Client code "authenticator_not_allowed".
	ErrModelNotAllowed = coded("authenticator_not_allowed", "passkey: authenticator model not allowed for this action", ErrCredentialPolicy)
	// ErrAttachment reports an authenticator of another attachment than
	// Config.Attachment allows.
	ErrAttachment = errors.New("passkey: authenticator attachment not allowed")

	// ErrCredentialNotFound is returned by a CredentialStore for an unknown
	// credential ID.
	ErrCredentialNotFound = errors.New("passkey: credential not found")
	// ErrCredentialExists is returned by CredentialStore.Add for a
	// credential ID that is already registered.
	ErrCredentialExists = errors.New("passkey: credential already registered")
	// ErrInvalidRequest reports a RegistrationRequest the host got wrong
	// (binding too short, user handle out of bounds or not the subject's).
	ErrInvalidRequest = errors.New("passkey: invalid registration request")
	// ErrInvalidCredential reports a Credential record that fails Validate.
	ErrInvalidCredential = errors.New("passkey: invalid credential record")
	// ErrUnavailable reports a store that could not answer; it denies.
	ErrUnavailable = errors.New("passkey: storage unavailable")
)

// codedSentinel is a package sentinel with its own client-safe code
// (auth.Code reads it before the auth class), optionally matching a parent
// sentinel with errors.Is.
type codedSentinel struct {
	code, msg string
	parent    error
}

func coded(code, msg string, parent error) error {
	return &codedSentinel{code: code, msg: msg, parent: parent}
}

func (e *codedSentinel) Error() string     { return e.msg }
func (e *codedSentinel) ErrorCode() string { return e.code }
func (e *codedSentinel) Unwrap() error     { return e.parent }

// Codes lists the client codes of this package's own refusals (besides
// the auth codes its errors also carry), each with kk, ru and en messages
// in auth.MessageForCode.
func Codes() []string {
	return []string{"origin", "credential_not_allowed", "passkey_backup_changed", "passkey_synced", "authenticator_not_allowed"}
}

// Error is the error the Factor's operations return. It names the
// operation and wraps a classified cause: both the package sentinel and the
// auth sentinel match with errors.Is. Detail, for operators only, may name
// what the underlying WebAuthn library reported; it never holds a secret,
// and it is not part of Error().
type Error struct {
	// Op is "begin", "finish", "begin-registration" or
	// "finish-registration".
	Op string
	// Err is the cause: auth.Classify(auth sentinel, package sentinel).
	Err error
	// Detail is an operator-facing description, possibly empty.
	Detail string
}

func (e *Error) Error() string { return fmt.Sprintf("passkey %s: %v", e.Op, e.Err) }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// classOf maps a package sentinel to the auth sentinel that gives its
// client-facing code.
func classOf(err error) error {
	switch err {
	case ErrMalformed, ErrInvalidCredential, ErrInvalidRequest:
		return auth.ErrInvalidInput
	case ErrNoCeremony:
		return auth.ErrReplay
	case ErrCeremonyExpired, ErrStateVersion:
		return auth.ErrExpired
	case ErrBinding:
		return auth.ErrBinding
	case ErrEnrolmentGate, ErrNoCredentials:
		return auth.ErrGate
	case ErrUnavailable:
		return auth.ErrUnavailable
	case ErrModelRevoked:
		return auth.ErrRevoked
	case ErrCredentialPolicy, ErrBackupChanged, ErrSyncedPasskey, ErrModelNotAllowed, ErrAAGUID:
		return auth.ErrNotAllowed
	default:
		return auth.ErrVerification
	}
}

// fail returns the operation's *Error for a package sentinel. A sentinel
// with its own client code comes first in the chain, so that auth.Code
// reports it; errors.Is matches the auth class either way.
func fail(op string, sentinel error, detail string) *Error {
	if _, ok := sentinel.(*codedSentinel); ok {
		return &Error{Op: op, Err: fmt.Errorf("%w: %w", sentinel, classOf(sentinel)), Detail: detail}
	}
	return &Error{Op: op, Err: auth.Classify(classOf(sentinel), sentinel), Detail: detail}
}
