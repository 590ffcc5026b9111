package passkey

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/go-webauthn/webauthn/webauthn"
)

// checkClientData checks the collected client data before the WebAuthn
// library does, so that each refusal has its own typed error: the ceremony
// type, the challenge (constant time), the exact origin, and no
// cross-origin frame unless its top origin is listed in Config.TopOrigins.
func (f *Factor) checkClientData(c *protocol.CollectedClientData, want protocol.CeremonyType, challenge []byte) error {
	if c.Type != want {
		return ErrCeremonyType
	}
	got, err := base64.RawURLEncoding.Strict().DecodeString(c.Challenge)
	if err != nil || subtle.ConstantTimeCompare(got, challenge) != 1 {
		return ErrChallenge
	}
	if !f.origins[c.Origin] {
		return ErrOrigin
	}
	// A frame of another origin reports crossOrigin and, from WebAuthn
	// Level 3 browsers on, the page's topOrigin: both or neither, and a
	// listed top origin. (A browser that reports crossOrigin without
	// topOrigin cannot say who framed it: refused.)
	if (c.CrossOrigin || c.TopOrigin != "") && (!c.CrossOrigin || !f.topOrigins[c.TopOrigin]) {
		return ErrOrigin
	}
	return nil
}

// checkAuthData checks the authenticator data: scoped to our RP ID, user
// present, and user verified — a response without UV is refused, never
// taken as a weaker factor.
func (f *Factor) checkAuthData(a *protocol.AuthenticatorData) error {
	if subtle.ConstantTimeCompare(a.RPIDHash, f.rpIDHash[:]) != 1 {
		return ErrRPID
	}
	if !a.Flags.HasUserPresent() {
		return ErrUserNotPresent
	}
	if !a.Flags.HasUserVerified() {
		return ErrUserNotVerified
	}
	if a.Flags.HasBackupState() && !a.Flags.HasBackupEligible() {
		return ErrVerification
	}
	return nil
}

// classify maps an error of the WebAuthn library to a package sentinel and
// an operator detail: the library's error type and message, never its
// DevInfo (which can quote the expected challenge).
func classify(err error, registration bool) (error, string) {
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		return ErrVerification, ""
	}
	detail := pe.Type + ": " + pe.Details
	for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
		if p, ok := e.(*protocol.Error); ok && p.Details != "" {
			detail += "; " + p.Type + ": " + p.Details // Details, never DevInfo
		}
	}
	if !registration {
		for e := err; e != nil; e = errors.Unwrap(e) {
			if p, ok := e.(*protocol.Error); ok && p.Type == protocol.ErrMetadata.Type {
				return ErrModelRevoked, detail
			}
		}
	}
	switch pe.Type {
	case protocol.ErrAssertionSignature.Type:
		return ErrSignature, detail
	case protocol.ErrChallengeMismatch.Type:
		return ErrChallenge, detail
	case protocol.ErrParsingData.Type:
		return ErrMalformed, detail
	case protocol.ErrAttestation.Type, protocol.ErrInvalidAttestation.Type, protocol.ErrAttestationCertificate.Type,
		protocol.ErrMetadata.Type, protocol.ErrUnsupportedAlgorithm.Type, protocol.ErrUnsupportedKey.Type:
		if registration {
			return ErrAttestation, detail
		}
		return ErrVerification, detail
	}
	return ErrVerification, detail
}

// waUser adapts a subject and its credentials to go-webauthn's User.
type waUser struct {
	handle []byte
	name   string
	creds  []webauthn.Credential
}

func (u *waUser) WebAuthnID() []byte                         { return u.handle }
func (u *waUser) WebAuthnName() string                       { return u.name }
func (u *waUser) WebAuthnDisplayName() string                { return u.name }
func (u *waUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// toLibrary converts a stored credential to go-webauthn's record.
func toLibrary(c *Credential) webauthn.Credential {
	flags := protocol.FlagUserPresent | protocol.FlagUserVerified
	if c.BackupEligible {
		flags |= protocol.FlagBackupEligible
	}
	if c.BackupState {
		flags |= protocol.FlagBackupState
	}
	return webauthn.Credential{
		ID:                c.ID,
		PublicKey:         c.PublicKey,
		AttestationType:   c.AttestationType,
		AttestationFormat: c.AttestationFormat,
		Flags:             webauthn.NewCredentialFlags(flags),
		Authenticator:     webauthn.Authenticator{AAGUID: c.AAGUID[:], SignCount: c.SignCount},
	}
}

// credParams converts COSE algorithm numbers to go-webauthn's parameters.
func credParams(algs []int64) []protocol.CredentialParameter {
	out := make([]protocol.CredentialParameter, len(algs))
	for i, a := range algs {
		out[i] = protocol.CredentialParameter{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.COSEAlgorithmIdentifier(a)}
	}
	return out
}
