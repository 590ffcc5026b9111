package passkey

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/go-webauthn/webauthn/protocol/webauthncose"
)

// RecordVersion is the version of the credential records ExportCredential
// writes and ImportCredential reads.
const RecordVersion = 1

// MaxRecordSize bounds an exported record ImportCredential parses.
const MaxRecordSize = 16 << 10

// record is the exported form: a version and the credential's own JSON.
type record struct {
	V          int             `json:"v"`
	Credential json.RawMessage `json:"credential"`
}

// ExportCredential writes a credential as a versioned JSON record
// ({"v": 1, "credential": {…}}) that ImportCredential reads back, for
// backups and for moving credentials between stores (memory, Redis,
// PostgreSQL, a host's own). It holds a public key, no secret; it does
// name the subject.
func ExportCredential(c *Credential) ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	body, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidCredential, err)
	}
	return json.Marshal(record{V: RecordVersion, Credential: body})
}

// ImportCredential reads a record of ExportCredential. It is strict: an
// unknown version, an unknown field, trailing data, a public key that is
// not a COSE key, or a record that fails Validate is ErrInvalidCredential,
// with no credential.
func ImportCredential(b []byte) (*Credential, error) {
	if len(b) == 0 || len(b) > MaxRecordSize {
		return nil, fmt.Errorf("%w: record size %d", ErrInvalidCredential, len(b))
	}
	var r record
	if err := strictJSON(b, &r); err != nil {
		return nil, fmt.Errorf("%w: record: %w", ErrInvalidCredential, err)
	}
	if r.V != RecordVersion {
		return nil, fmt.Errorf("%w: record version %d (this release reads %d)", ErrInvalidCredential, r.V, RecordVersion)
	}
	var c Credential
	if err := strictJSON(r.Credential, &c); err != nil {
		return nil, fmt.Errorf("%w: credential: %w", ErrInvalidCredential, err)
	}
	if err := checkImported(&c); err != nil {
		return nil, err
	}
	return &c, nil
}

// strictJSON decodes exactly one JSON value with no unknown fields.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data")
	}
	return nil
}

// checkImported validates a credential from outside: the record bounds, a
// COSE public key the factor can use, and no promise it cannot keep.
func checkImported(c *Credential) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if _, err := webauthncose.ParsePublicKey(c.PublicKey); err != nil {
		return fmt.Errorf("%w: public key is not a COSE key", ErrInvalidCredential)
	}
	if len(c.Transports) > 8 {
		return fmt.Errorf("%w: %d transports", ErrInvalidCredential, len(c.Transports))
	}
	for _, t := range c.Transports {
		if len(t) == 0 || len(t) > 32 {
			return fmt.Errorf("%w: transport name length %d", ErrInvalidCredential, len(t))
		}
	}
	if len(c.Subject) > 1024 || len(c.AttestationFormat) > 64 || len(c.AttestationType) > 64 || len(c.Attachment) > 32 {
		return fmt.Errorf("%w: a text field is too long", ErrInvalidCredential)
	}
	return nil
}

// GoWebAuthnRecord is one credential of a user table kept for
// github.com/go-webauthn/webauthn: the account, its WebAuthn user handle
// (what the table's User.WebAuthnID returned) and the JSON of the
// library's webauthn.Credential as it was stored (json.Marshal of it, any
// release since v0.11).
type GoWebAuthnRecord struct {
	// Subject is the account in this service's terms. Required.
	Subject string
	// UserHandle is the user's WebAuthn ID: the authenticator returns it
	// in discoverable logins, so it must be kept as it was. Required.
	UserHandle []byte
	// Credential is the stored JSON of webauthn.Credential. Required.
	Credential []byte
	// CreatedAt is when the credential was registered, if the table knows.
	CreatedAt time.Time
}

// goWebAuthnCredential mirrors the JSON of go-webauthn's Credential (not
// imported: this package keeps that library's types out of its API).
type goWebAuthnCredential struct {
	ID                []byte   `json:"id"`
	PublicKey         []byte   `json:"publicKey"`
	AttestationType   string   `json:"attestationType"`
	AttestationFormat string   `json:"attestationFormat"`
	Transport         []string `json:"transport"`
	Flags             struct {
		UserPresent    bool `json:"userPresent"`
		UserVerified   bool `json:"userVerified"`
		BackupEligible bool `json:"backupEligible"`
		BackupState    bool `json:"backupState"`
	} `json:"flags"`
	Authenticator struct {
		AAGUID       []byte `json:"AAGUID"`
		SignCount    uint32 `json:"signCount"`
		CloneWarning bool   `json:"cloneWarning"`
		Attachment   string `json:"attachment"`
	} `json:"authenticator"`
}

// attestationFormats are the attestation statement formats, which old
// go-webauthn releases stored in attestationType.
var attestationFormats = map[string]bool{"none": true, "packed": true, "tpm": true, "android-key": true,
	"android-safetynet": true, "fido-u2f": true, "apple": true, "compound": true}

// FromGoWebAuthn maps a go-webauthn credential to this package's record,
// so a service can adopt strongauth without re-enrolling its users:
//
//	webauthn.Credential            passkey.Credential
//	id                             ID
//	publicKey                      PublicKey (COSE, checked)
//	attestationFormat              AttestationFormat (or attestationType,
//	                               where old releases kept the format)
//	attestationType                AttestationType
//	transport                      Transports
//	flags.backupEligible / State   BackupEligible / BackupState
//	authenticator.AAGUID           AAGUID (16 bytes, or none: all zero)
//	authenticator.signCount        SignCount
//	authenticator.attachment       Attachment
//	User.WebAuthnID()              UserHandle (r.UserHandle)
//	(the table's account)          Subject (r.Subject)
//
// An imported credential's model is never ModelVerified (its attestation
// is not checked again). A credential go-webauthn marked with a clone
// warning is refused (ErrInvalidCredential): enrol it again. Fields of the
// library's record that have no place here (the attestation object,
// extensions, flags.userPresent and userVerified — every login here needs
// user verification anyway) are dropped. Unknown fields, from other
// releases, are ignored.
func FromGoWebAuthn(r GoWebAuthnRecord) (*Credential, error) {
	if len(r.Credential) == 0 || len(r.Credential) > MaxRecordSize {
		return nil, fmt.Errorf("%w: go-webauthn credential size %d", ErrInvalidCredential, len(r.Credential))
	}
	var g goWebAuthnCredential
	dec := json.NewDecoder(bytes.NewReader(r.Credential))
	if err := dec.Decode(&g); err != nil {
		return nil, fmt.Errorf("%w: go-webauthn credential: %w", ErrInvalidCredential, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: go-webauthn credential has trailing data", ErrInvalidCredential)
	}
	if g.Authenticator.CloneWarning {
		return nil, fmt.Errorf("%w: go-webauthn flagged the credential as possibly cloned", ErrInvalidCredential)
	}
	format, typ := g.AttestationFormat, g.AttestationType
	if format == "" && attestationFormats[typ] {
		format, typ = typ, ""
	}
	c := &Credential{
		ID: g.ID, Subject: r.Subject, UserHandle: bytes.Clone(r.UserHandle), PublicKey: g.PublicKey,
		AttestationFormat: format, AttestationType: typ, SignCount: g.Authenticator.SignCount,
		Attachment: g.Authenticator.Attachment, BackupEligible: g.Flags.BackupEligible, BackupState: g.Flags.BackupState,
		Transports: g.Transport, CreatedAt: r.CreatedAt,
	}
	switch len(g.Authenticator.AAGUID) {
	case 0:
	case 16:
		copy(c.AAGUID[:], g.Authenticator.AAGUID)
	default:
		return nil, fmt.Errorf("%w: AAGUID of %d bytes", ErrInvalidCredential, len(g.Authenticator.AAGUID))
	}
	if err := checkImported(c); err != nil {
		return nil, err
	}
	return c, nil
}

// Import adds credentials to a store, for a migration that may be run
// again: a credential already stored under the same subject and handle
// counts as imported. It refuses (ErrInvalidCredential) a credential that
// fails the checks of ImportCredential, or whose user handle differs from
// the handle of its subject's credentials already in the store or earlier
// in creds (the factor keeps one handle per account), and a credential ID
// registered to another subject (ErrCredentialExists). It stops at the
// first error and reports how many it added.
func Import(ctx context.Context, store CredentialStore, creds ...Credential) (added int, err error) {
	handles := map[string][]byte{}
	for i := range creds {
		c := &creds[i]
		if err := checkImported(c); err != nil {
			return added, fmt.Errorf("credential %d: %w", i, err)
		}
		h, ok := handles[c.Subject]
		if !ok {
			existing, err := store.List(ctx, c.Subject)
			if err != nil {
				return added, fmt.Errorf("%w: credential store: %w", ErrUnavailable, err)
			}
			if len(existing) > 0 {
				h, ok = existing[0].UserHandle, true
			}
		}
		if ok && !bytes.Equal(h, c.UserHandle) {
			return added, fmt.Errorf("credential %d: %w: its user handle differs from its subject's other credentials", i, ErrInvalidCredential)
		}
		handles[c.Subject] = c.UserHandle
		switch err := store.Add(ctx, *c); {
		case err == nil:
			added++
		case errors.Is(err, ErrCredentialExists):
			got, ferr := store.Find(ctx, c.ID)
			if ferr != nil {
				return added, fmt.Errorf("%w: credential store: %w", ErrUnavailable, ferr)
			}
			if got.Subject != c.Subject || !bytes.Equal(got.UserHandle, c.UserHandle) {
				return added, fmt.Errorf("credential %d: %w (to another account)", i, ErrCredentialExists)
			}
		case errors.Is(err, ErrInvalidCredential):
			return added, fmt.Errorf("credential %d: %w", i, err)
		default:
			return added, fmt.Errorf("%w: credential store: %w", ErrUnavailable, err)
		}
	}
	return added, nil
}
