package passkey

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-webauthn/webauthn/metadata"
	"github.com/google/uuid"
)

// Bounds of a metadata BLOB.
const (
	// MaxMetadataSize bounds a BLOB LoadMetadata reads (the production
	// BLOB is a few megabytes).
	MaxMetadataSize = 64 << 20
	// MetadataGrace is how long past its nextUpdate date a catalogue is
	// still fresh: enrolments and certification checks need a fresh one.
	MetadataGrace = 24 * time.Hour
)

// Metadata is a verified FIDO Metadata Service (MDS3) catalogue: the
// authenticator models, their attestation trust anchors and their
// certification status. Give it to Config.Metadata to refuse enrolments of
// unknown, revoked or compromised models, and to let ActionPolicy ask for a
// proven model or a certification level. Build it with LoadMetadata or
// OpenMetadata; the zero value is unusable.
//
// It is safe for concurrent use, and it may be refreshed while factors use
// it: Update (or Refresh, for a file) swaps in a newer BLOB atomically,
// keeping the current catalogue when the new one does not verify or is
// older (a rollback to an edition in which a revoked model was still good).
type Metadata struct {
	cfg     MetadataConfig
	root    *x509.Certificate
	rootB64 string
	now     func() time.Time
	path    string
	mu      sync.Mutex // serialises Update
	cur     atomic.Pointer[catalogue]
}

// catalogue is one verified edition of the BLOB.
type catalogue struct {
	entries    map[uuid.UUID]*metadata.Entry
	serial     int
	nextUpdate time.Time
}

// MetadataConfig configures LoadMetadata and OpenMetadata.
type MetadataConfig struct {
	// Root is the trust anchor that must sign the BLOB, in PEM or DER: the
	// FIDO Alliance root for the production service. Required.
	Root []byte
	// Now is the clock freshness, certificates and status reports are
	// judged by. Nil means time.Now.
	Now func() time.Time
	// InsecureAllowStale accepts a BLOB past its nextUpdate date (plus
	// MetadataGrace), and keeps using one. The status of authenticators
	// may then be out of date.
	InsecureAllowStale bool
}

// LoadMetadata verifies a MDS3 BLOB (a JWT whose x5c chain must lead to
// cfg.Root) and returns the catalogue. Authenticators are then checked at
// enrolment: the model (AAGUID) must be listed, its attestation type must
// be one the model uses, an attestation certificate must chain to the
// model's trust anchors, and no status report may say it is revoked or its
// keys compromised. Logins with a model revoked since are refused.
//
// Fetch the BLOB yourself (https://mds3.fidoalliance.org/, monthly) and
// keep it with the service. LoadMetadata fetches nothing itself: it
// verifies the BLOB's certificate chain against cfg.Root before anything
// else reads it. Only then does go-webauthn's decoder check the revocation
// of the BLOB's signing certificates, which downloads the CRL they name
// (the production BLOB's do; the test BLOBs of this package's tests name
// none and so make no request).
func LoadMetadata(blob []byte, cfg MetadataConfig) (*Metadata, error) {
	m, err := newMetadata(cfg)
	if err != nil {
		return nil, err
	}
	if err := m.Update(blob); err != nil {
		return nil, err
	}
	return m, nil
}

// OpenMetadata is LoadMetadata for a BLOB in a file, which Refresh reads
// again.
func OpenMetadata(path string, cfg MetadataConfig) (*Metadata, error) {
	m, err := newMetadata(cfg)
	if err != nil {
		return nil, err
	}
	m.path = path
	if _, err := m.Refresh(); err != nil {
		return nil, err
	}
	return m, nil
}

func newMetadata(cfg MetadataConfig) (*Metadata, error) {
	root := cfg.Root
	if p, _ := pem.Decode(root); p != nil {
		root = p.Bytes
	}
	if len(root) == 0 {
		return nil, fmt.Errorf("%w: MetadataConfig.Root is required", ErrConfig)
	}
	cert, err := x509.ParseCertificate(root)
	if err != nil {
		return nil, fmt.Errorf("%w: MetadataConfig.Root is not a certificate: %w", ErrConfig, err)
	}
	m := &Metadata{cfg: cfg, root: cert, rootB64: base64.StdEncoding.EncodeToString(root), now: cfg.Now}
	if m.now == nil {
		m.now = time.Now
	}
	return m, nil
}

// Refresh reads the file OpenMetadata was given again and applies it with
// Update. It reports whether the catalogue changed. On any error the
// current catalogue stays. Call it on a timer (daily, say) after the file
// is replaced by a newer download.
func (m *Metadata) Refresh() (bool, error) {
	if m.path == "" {
		return false, fmt.Errorf("%w: this Metadata was not opened from a file", ErrConfig)
	}
	f, err := os.Open(m.path)
	if err != nil {
		return false, fmt.Errorf("%w: metadata file: %w", ErrUnavailable, err)
	}
	defer f.Close()
	blob, err := io.ReadAll(io.LimitReader(f, MaxMetadataSize+1))
	if err != nil {
		return false, fmt.Errorf("%w: metadata file: %w", ErrUnavailable, err)
	}
	before := m.cur.Load()
	if err := m.Update(blob); err != nil {
		return false, err
	}
	return m.cur.Load() != before, nil
}

// Update verifies blob and makes it the current catalogue if its serial
// number ("no") is higher than the current one's; the same edition again
// changes nothing, an older one is refused (ErrAttestation). A BLOB that
// does not verify, does not parse, lists nothing or is stale is refused
// (ErrAttestation) and the current catalogue stays.
func (m *Metadata) Update(blob []byte) error {
	c, err := m.verify(blob)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur := m.cur.Load(); cur != nil {
		switch {
		case c.serial == cur.serial:
			return nil
		case c.serial < cur.serial:
			return fmt.Errorf("%w: metadata BLOB number %d is older than the current %d", ErrAttestation, c.serial, cur.serial)
		}
	}
	m.cur.Store(c)
	return nil
}

// verify checks and parses a BLOB.
func (m *Metadata) verify(blob []byte) (*catalogue, error) {
	if len(blob) == 0 || len(blob) > MaxMetadataSize {
		return nil, fmt.Errorf("%w: metadata BLOB is empty or larger than %d bytes", ErrAttestation, MaxMetadataSize)
	}
	now := m.now()
	if err := m.checkChain(blob, now); err != nil {
		return nil, err
	}
	dec, err := metadata.NewDecoder(metadata.WithRootCertificate(m.rootB64))
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
	c := &catalogue{entries: parsed.ToMap(), serial: parsed.Parsed.Number, nextUpdate: parsed.Parsed.NextUpdate}
	if !m.cfg.InsecureAllowStale && !c.fresh(now) {
		return nil, fmt.Errorf("%w: metadata BLOB is stale (next update was due %s)", ErrAttestation,
			c.nextUpdate.Format(time.DateOnly))
	}
	if len(c.entries) == 0 {
		return nil, fmt.Errorf("%w: metadata BLOB lists no authenticator", ErrAttestation)
	}
	return c, nil
}

// checkChain verifies, before the library reads the BLOB, that the x5c
// chain of its JWT header leads to the root at now: the library would
// otherwise look up revocation lists named by certificates that do not
// chain to the root, over the network.
func (m *Metadata) checkChain(blob []byte, now time.Time) error {
	head, _, ok := bytes.Cut(blob, []byte("."))
	if !ok {
		return fmt.Errorf("%w: metadata BLOB is not a JWT", ErrAttestation)
	}
	raw, err := base64.RawURLEncoding.DecodeString(string(head))
	if err != nil {
		return fmt.Errorf("%w: metadata BLOB header is not base64url", ErrAttestation)
	}
	var h struct {
		X5C []string `json:"x5c"`
		X5U any      `json:"x5u"`
	}
	if err := json.Unmarshal(raw, &h); err != nil || h.X5U != nil {
		return fmt.Errorf("%w: metadata BLOB header is not valid", ErrAttestation)
	}
	if len(h.X5C) == 0 {
		return nil // signed by the root itself; the library checks that
	}
	certs := make([]*x509.Certificate, len(h.X5C))
	for i, s := range h.X5C {
		der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("%w: metadata BLOB certificate %d is not base64", ErrAttestation, i)
		}
		if certs[i], err = x509.ParseCertificate(der); err != nil {
			return fmt.Errorf("%w: metadata BLOB certificate %d does not parse", ErrAttestation, i)
		}
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(m.root)
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	if _, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return fmt.Errorf("%w: metadata BLOB is not signed under the configured root: %w", ErrAttestation, err)
	}
	return nil
}

func (c *catalogue) fresh(now time.Time) bool { return !now.After(c.nextUpdate.Add(MetadataGrace)) }

// Len reports how many authenticator models the catalogue lists.
func (m *Metadata) Len() int { return len(m.cur.Load().entries) }

// NextUpdate is when the BLOB's issuer promised the next edition.
func (m *Metadata) NextUpdate() time.Time { return m.cur.Load().nextUpdate }

// Serial is the BLOB's serial number ("no").
func (m *Metadata) Serial() int { return m.cur.Load().serial }

// Fresh reports whether the catalogue is still fresh at now (not past
// NextUpdate plus MetadataGrace), or stale ones are allowed. Enrolments
// that need the metadata, and actions that need a certification level,
// are refused with a stale catalogue (ErrUnavailable): fetch a new BLOB.
func (m *Metadata) Fresh(now time.Time) bool {
	return m.cfg.InsecureAllowStale || m.cur.Load().fresh(now)
}

// Certification returns the current certification level of a model by
// the catalogue at now: the latest FIDO certification status report in
// effect, or CertificationNone.
func (m *Metadata) Certification(aaguid [16]byte, now time.Time) Certification {
	c, _ := m.certification(aaguid, now)
	return c
}

func (m *Metadata) certification(aaguid [16]byte, now time.Time) (Certification, bool) {
	cat := m.cur.Load()
	fresh := m.cfg.InsecureAllowStale || cat.fresh(now)
	e := cat.entries[uuid.UUID(aaguid)]
	if e == nil {
		return CertificationNone, fresh
	}
	var certs []metadata.StatusReport
	for _, r := range metadata.EffectiveStatusReports(e.StatusReports, now) {
		if certificationOf(string(r.Status)) != CertificationNone {
			certs = append(certs, r)
		}
	}
	cur := metadata.CurrentStatusReportAt(certs, now)
	if cur == nil {
		return CertificationNone, fresh
	}
	// A later report that is not a certification (REVOKED, …) is the
	// library's status check's to refuse; here only the level counts.
	return certificationOf(string(cur.Status)), fresh
}

// provider adapts the current catalogue to go-webauthn's metadata.Provider,
// with status reports judged by the Metadata's clock.
type provider struct{ m *Metadata }

var _ metadata.Provider = provider{}

func (p provider) GetEntry(_ context.Context, aaguid uuid.UUID) (*metadata.Entry, error) {
	cat := p.m.cur.Load()
	if cat == nil {
		return nil, metadata.ErrNotInitialized
	}
	return cat.entries[aaguid], nil
}

func (provider) GetValidateEntry(context.Context) bool                 { return true }
func (provider) GetValidateEntryPermitZeroAAGUID(context.Context) bool { return false }
func (provider) GetValidateTrustAnchor(context.Context) bool           { return true }
func (provider) GetValidateStatus(context.Context) bool                { return true }
func (provider) GetValidateAttestationTypes(context.Context) bool      { return true }

func (p provider) ValidateStatusReports(_ context.Context, reports []metadata.StatusReport) error {
	return metadata.ValidateStatusReportsAt(reports, nil, metadata.DefaultUndesiredAuthenticatorStatuses(), p.m.now())
}

// errNoMetadata guards against a zero Metadata.
var errNoMetadata = errors.New("passkey: Metadata was not built by LoadMetadata or OpenMetadata")
