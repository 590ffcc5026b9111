package passkey

import (
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/go-webauthn/webauthn/metadata"
	"github.com/go-webauthn/webauthn/metadata/providers/memory"
)

// Metadata is a verified FIDO Metadata Service (MDS3) BLOB: the catalogue of
// authenticator models, their attestation trust anchors and their
// certification status. Give it to Config.Metadata to refuse enrolments of
// unknown, revoked or compromised authenticator models. Build it with
// LoadMetadata; the zero value is unusable.
type Metadata struct {
	provider   metadata.Provider
	entries    int
	nextUpdate time.Time
}

// MetadataConfig configures LoadMetadata.
type MetadataConfig struct {
	// Root is the trust anchor that must sign the BLOB, in PEM or DER: the
	// FIDO Alliance root for the production service. Required.
	Root []byte
	// Now is the clock the BLOB's freshness is judged by. Nil means
	// time.Now.
	Now func() time.Time
	// InsecureAllowStale accepts a BLOB past its nextUpdate date. The
	// status of authenticators may then be out of date.
	InsecureAllowStale bool
}

// LoadMetadata verifies a MDS3 BLOB (a JWT whose x5c chain must lead to
// cfg.Root) and returns the catalogue. Authenticators are then checked at
// enrolment: the model (AAGUID) must be listed, its attestation type must
// be one the model uses, an attestation certificate must chain to the
// model's trust anchors, and no status report may say it is revoked or its
// keys compromised.
//
// Fetch the BLOB yourself (https://mds3.fidoalliance.org/, monthly) and keep
// it with the service; LoadMetadata makes no network request of its own
// except what revocation checking of the BLOB's own signing certificates
// may do when they name a CRL.
func LoadMetadata(blob []byte, cfg MetadataConfig) (*Metadata, error) {
	root := cfg.Root
	if p, _ := pem.Decode(root); p != nil {
		root = p.Bytes
	}
	if len(root) == 0 {
		return nil, fmt.Errorf("%w: MetadataConfig.Root is required", ErrConfig)
	}
	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
	}
	dec, err := metadata.NewDecoder(metadata.WithRootCertificate(base64.StdEncoding.EncodeToString(root)))
	if err != nil {
		return nil, fmt.Errorf("%w: metadata decoder: %w", ErrConfig, err)
	}
	payload, err := dec.DecodeBytes(blob)
	if err != nil {
		return nil, fmt.Errorf("%w: metadata BLOB does not verify: %w", ErrAttestation, err)
	}
	parsed, err := dec.Parse(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: metadata BLOB does not parse: %w", ErrAttestation, err)
	}
	if !cfg.InsecureAllowStale && now().After(parsed.Parsed.NextUpdate.Add(24*time.Hour)) {
		return nil, fmt.Errorf("%w: metadata BLOB is stale (next update was due %s)", ErrAttestation,
			parsed.Parsed.NextUpdate.Format(time.DateOnly))
	}
	entries := parsed.ToMap()
	if len(entries) == 0 {
		return nil, fmt.Errorf("%w: metadata BLOB lists no authenticator", ErrAttestation)
	}
	p, err := memory.New(
		memory.WithMetadata(entries),
		memory.WithValidateEntry(true),
		memory.WithValidateEntryPermitZeroAAGUID(false),
		memory.WithValidateTrustAnchor(true),
		memory.WithValidateStatus(true),
		memory.WithValidateAttestationTypes(true),
	)
	if err != nil {
		return nil, errors.Join(ErrConfig, err)
	}
	return &Metadata{provider: p, entries: len(entries), nextUpdate: parsed.Parsed.NextUpdate}, nil
}

// Len reports how many authenticator models the catalogue lists.
func (m *Metadata) Len() int { return m.entries }

// NextUpdate is when the BLOB's issuer promised the next edition.
func (m *Metadata) NextUpdate() time.Time { return m.nextUpdate }
