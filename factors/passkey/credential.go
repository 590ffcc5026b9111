package passkey

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"
)

// Bounds of a credential record.
const (
	// MaxCredentialIDLen is the longest credential ID accepted (WebAuthn
	// Level 3 caps it at 1023 bytes).
	MaxCredentialIDLen = 1023
	// MaxUserHandleLen is the longest user handle (WebAuthn: 64 bytes).
	MaxUserHandleLen = 64
	// maxPublicKeyLen bounds a COSE public key (RSA-4096 fits easily).
	maxPublicKeyLen = 2048
)

// Credential is a registered WebAuthn credential: what the host stores per
// authenticator of an account. It holds a public key, never a secret.
type Credential struct {
	// ID is the credential ID the authenticator chose.
	ID []byte `json:"id"`
	// Subject is the account it belongs to.
	Subject string `json:"subject"`
	// UserHandle is the opaque user handle (WebAuthn user.id) registered
	// with the authenticator; a discoverable login returns it.
	UserHandle []byte `json:"user_handle"`
	// PublicKey is the credential public key, COSE-encoded.
	PublicKey []byte `json:"public_key"`
	// AttestationFormat is the attestation statement format at
	// registration ("none", "packed", …) and AttestationType its type.
	AttestationFormat string `json:"attestation_format,omitempty"`
	AttestationType   string `json:"attestation_type,omitempty"`
	// AAGUID names the authenticator model (all zeros when unknown or
	// anonymised). Unless ModelVerified, it is what the authenticator
	// claimed.
	AAGUID [16]byte `json:"aaguid"`
	// ModelVerified is set when the enrolment's attestation certificate
	// chained to the trust anchors that Config.Metadata lists for AAGUID:
	// the model is proven, not claimed. (Self and "none" attestation never
	// set it.)
	ModelVerified bool `json:"model_verified,omitempty"`
	// SignCount is the last signature counter seen (0: the authenticator
	// keeps none).
	SignCount uint32 `json:"sign_count"`
	// Transports are the transports the client reported ("internal",
	// "usb", "hybrid", …), as hints for later allow-lists.
	Transports []string `json:"transports,omitempty"`
	// Attachment is "platform" or "cross-platform" as the client reported
	// it at registration, or empty.
	Attachment string `json:"attachment,omitempty"`
	// BackupEligible (BE) marks a multi-device credential — a synced
	// passkey; BackupState (BS) whether it is currently backed up. BE
	// is fixed at registration (a change is refused unless
	// Config.InsecureAcceptBackupChange); BS follows every login.
	BackupEligible bool `json:"backup_eligible"`
	BackupState    bool `json:"backup_state"`
	// Name is the user's name for the credential ("My laptop"), empty
	// until they give one. Stores that support renaming keep it (see
	// lifecycle); the factor never reads it.
	Name string `json:"name,omitempty"`
	// CreatedAt and LastUsedAt are by the factor's clock.
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
}

// Ref returns the credential's log reference (see CredentialRef).
func (c *Credential) Ref() string { return CredentialRef(c.ID) }

// CredentialRef returns a short, non-reversible reference to a credential
// for logs, audit events and evidence: the first 16 hex digits of SHA-256
// of its ID.
func CredentialRef(id []byte) string {
	h := sha256.Sum256(id)
	return hex.EncodeToString(h[:8])
}

// AAGUIDString formats an AAGUID as a UUID ("00000000-0000-…").
func AAGUIDString(a [16]byte) string {
	h := hex.EncodeToString(a[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// ParseAAGUID parses an AAGUID in UUID form (with or without dashes).
func ParseAAGUID(s string) ([16]byte, error) {
	var a [16]byte
	clean := make([]byte, 0, 32)
	for i := 0; i < len(s); i++ {
		if s[i] != '-' {
			clean = append(clean, s[i])
		}
	}
	if len(clean) != 32 {
		return a, fmt.Errorf("%w: AAGUID %q is not 16 hex bytes", ErrConfig, s)
	}
	if _, err := hex.Decode(a[:], clean); err != nil {
		return a, fmt.Errorf("%w: AAGUID %q is not hex", ErrConfig, s)
	}
	return a, nil
}

// Validate checks that a record is complete and within bounds; the factor
// never stores a record that fails it, and CredentialStore implementations
// call it in Add.
func (c *Credential) Validate() error {
	switch {
	case len(c.ID) == 0 || len(c.ID) > MaxCredentialIDLen:
		return fmt.Errorf("%w: credential ID length %d", ErrInvalidCredential, len(c.ID))
	case c.Subject == "":
		return fmt.Errorf("%w: empty subject", ErrInvalidCredential)
	case len(c.UserHandle) == 0 || len(c.UserHandle) > MaxUserHandleLen:
		return fmt.Errorf("%w: user handle length %d", ErrInvalidCredential, len(c.UserHandle))
	case len(c.PublicKey) == 0 || len(c.PublicKey) > maxPublicKeyLen:
		return fmt.Errorf("%w: public key length %d", ErrInvalidCredential, len(c.PublicKey))
	case c.BackupState && !c.BackupEligible:
		return fmt.Errorf("%w: backup state without backup eligibility", ErrInvalidCredential)
	}
	return nil
}

// Clone returns a deep copy of c.
func (c *Credential) Clone() *Credential {
	d := *c
	d.ID = bytes.Clone(c.ID)
	d.UserHandle = bytes.Clone(c.UserHandle)
	d.PublicKey = bytes.Clone(c.PublicKey)
	d.Transports = slices.Clone(c.Transports)
	return &d
}

// Synced reports whether the credential is a synced (backup-eligible)
// passkey rather than a device-bound one.
func (c *Credential) Synced() bool { return c.BackupEligible }

// Use records one successful login with a credential.
type Use struct {
	// SignCount is the counter the authenticator reported.
	SignCount uint32
	// BackupEligible is the BE flag the authenticator reported: the
	// stored one, except after a change accepted under
	// Config.InsecureAcceptBackupChange.
	BackupEligible bool
	// BackupState is the BS flag the authenticator reported.
	BackupState bool
	// At is when the login happened (the factor's clock).
	At time.Time
}

// CounterAdvances reports whether a signature counter may follow the stored
// one: it must increase, except that an authenticator without a counter
// reports 0 every time (both zero). Anything else suggests a cloned
// authenticator (WebAuthn §6.1.1).
func CounterAdvances(stored, reported uint32) bool {
	return reported > stored || (reported == 0 && stored == 0)
}

// CredentialStore keeps registered credentials. The host implements it over
// its own database (the package's MemoryCredentials is an in-process one),
// and proves an implementation with passkeytest.RunCredentialStore.
//
// Every method must be safe for concurrent use. Errors other than the
// package sentinels below are treated as an unavailable store: the factor
// denies.
type CredentialStore interface {
	// List returns the subject's credentials (an empty list, not an error,
	// when there are none).
	List(ctx context.Context, subject string) ([]Credential, error)
	// Find returns the credential with this ID, or ErrCredentialNotFound.
	Find(ctx context.Context, id []byte) (*Credential, error)
	// Add stores a new credential after c.Validate; a credential ID that
	// is already stored (for any subject) fails with ErrCredentialExists,
	// atomically: of concurrent Adds of one ID exactly one succeeds.
	Add(ctx context.Context, c Credential) error
	// Update records a use of the credential: SignCount, BackupEligible,
	// BackupState and LastUsedAt. It must refuse, atomically and without storing anything,
	// a counter that does not advance (CounterAdvances false) with
	// ErrCounterRegression: of concurrent Updates with the same counter
	// exactly one succeeds. An unknown ID is ErrCredentialNotFound.
	Update(ctx context.Context, id []byte, u Use) error
	// Remove deletes the subject's credential with this ID. Removing a
	// missing credential, or another subject's, removes nothing and is not
	// an error.
	Remove(ctx context.Context, subject string, id []byte) error
}
