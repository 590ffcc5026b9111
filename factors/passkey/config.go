package passkey

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/internal/origins"
	"github.com/strongauth/strongauth/store"
)

// Defaults and bounds of the configuration.
const (
	// DefaultTimeout is how long a ceremony may take when Config.Timeout is
	// zero: the browser's timeout and our expiry of the stored challenge.
	DefaultTimeout = 2 * time.Minute
	// MinTimeout and MaxTimeout bound Config.Timeout.
	MinTimeout = 10 * time.Second
	MaxTimeout = 10 * time.Minute
	// MaxEnrolmentWindow is the longest time after a strong factor in which
	// a new authenticator may be enrolled, and the default.
	MaxEnrolmentWindow = 5 * time.Minute
	// MaxResponseSize bounds the JSON of a response the factor parses.
	MaxResponseSize = 64 << 10
	// challengeLen is the number of random bytes in a challenge.
	challengeLen = 32
	// stateGrace keeps ceremony state in the store a little past its
	// expiry, so a late answer is told "expired" rather than "unknown".
	stateGrace = time.Minute
	// maxSkew is how far in the future strong evidence may be dated (clock
	// skew between instances) and still open an enrolment.
	maxSkew = time.Minute
)

// Attachment restricts which authenticators may be enrolled.
type Attachment uint8

const (
	// AttachmentPlatform (the zero value) asks for the device's own
	// authenticator — Face ID, Touch ID, Windows Hello, Android biometrics —
	// and refuses a registration the client reports as cross-platform.
	AttachmentPlatform Attachment = iota
	// AttachmentCrossPlatform asks for a roaming authenticator (security
	// key, phone via hybrid) and refuses one reported as platform.
	AttachmentCrossPlatform
	// AttachmentAny lets the user choose either.
	AttachmentAny
)

// Attestation is the attestation conveyance the factor asks for.
type Attestation uint8

const (
	// AttestationNone (the zero value) asks for no attestation: the
	// authenticator's make (AAGUID) is then self-reported.
	AttestationNone Attestation = iota
	// AttestationDirect asks for the authenticator's attestation statement
	// and verifies it. Config.Metadata requires it.
	AttestationDirect
)

// Config configures a Factor. RPID, Origins, Store and Credentials are
// required; every zero value of the rest is the strictest setting.
type Config struct {
	// RPID is the WebAuthn relying party ID: the registrable domain the
	// credentials are scoped to ("example.kz"). Required.
	RPID string
	// RPName is the relying party name authenticators may show. Zero means
	// RPID.
	RPName string
	// Origins are the exact web origins allowed to run ceremonies
	// ("https://example.kz", "https://login.example.kz:8443"): scheme,
	// host and port only, compared byte for byte with the origin the browser
	// reports. Every host must be RPID or a subdomain of it. Plain http is
	// accepted only for localhost (a secure context, for development and
	// tests). Required.
	//
	// A ceremony on an origin not listed is refused (ErrOrigin): a
	// subdomain is not accepted because its parent is listed, nor another
	// port of a listed host.
	Origins []string
	// RelatedOrigins are exact origins outside the RP ID's domain that may
	// use its passkeys ("https://example.com" for RP ID example.kz):
	// WebAuthn's related origin requests. The browser accepts them only if
	// https://RPID/.well-known/webauthn lists them; serve
	// Factor.RelatedOriginsHandler there. At most five registrable domains.
	// Zero: none.
	RelatedOrigins []string
	// TopOrigins are the exact origins of pages that may embed a ceremony
	// in a cross-origin iframe (the iframe's own origin must still be in
	// Origins or RelatedOrigins, and the page must grant the iframe the
	// publickey-credentials-get / -create permission). Zero: a ceremony
	// in a cross-origin frame is refused (ErrOrigin), so a page of another
	// site cannot frame the login and collect an assertion.
	TopOrigins []string
	// Store keeps ceremony state (challenges), single-use. Required.
	Store store.Store
	// Credentials keeps registered credentials. Required.
	Credentials CredentialStore
	// KeyPrefix prefixes the factor's store keys; a login ceremony's key
	// is KeyPrefix + "login:{<flow ID>}", the flow's hash tag
	// (store.HashTag). Zero means "sa:passkey:". It may not contain '{'
	// or '}'.
	KeyPrefix string
	// Attachment restricts enrolment to platform authenticators (the
	// zero value), cross-platform ones, or either.
	Attachment Attachment
	// RequireResidentKey makes enrolment require a discoverable credential
	// (a passkey usable without a username). Zero asks for one ("preferred")
	// but accepts a non-discoverable credential, usable once the subject is
	// known.
	RequireResidentKey bool
	// Timeout is how long a ceremony may take. Zero means DefaultTimeout;
	// it must be within [MinTimeout, MaxTimeout].
	Timeout time.Duration
	// EnrolmentWindow is how recent the strong evidence that opens an
	// enrolment must be. Zero means MaxEnrolmentWindow; it may only be
	// shorter.
	EnrolmentWindow time.Duration
	// Attestation is the attestation conveyance asked for. Zero: none.
	Attestation Attestation
	// AllowedAAGUIDs, if not empty, restricts enrolment to these
	// authenticator models (UUID form). The all-zero AAGUID of anonymised
	// authenticators is then refused. Without Attestation or Metadata the
	// AAGUID is only what the authenticator claims.
	AllowedAAGUIDs []string
	// Actions narrow, per action (auth.Flow.Action), which passkeys count:
	// device-bound only, certain models, a certification level. An action
	// not listed accepts any enrolled passkey.
	Actions map[string]ActionPolicy
	// InsecureAcceptBackupChange accepts a login whose credential's backup
	// eligibility (BE flag) differs from what it was at registration,
	// records the new value and raises EventBackupChanged. Zero: such a
	// login is refused (ErrBackupChanged) and the event raised. See
	// "Synced and device-bound passkeys" in the package doc.
	InsecureAcceptBackupChange bool
	// Metadata, if set, checks each enrolled authenticator against the
	// FIDO Metadata Service: its attestation must chain to the model's
	// trust anchors and its status must not be compromised or revoked. It
	// requires Attestation to be AttestationDirect; enrolments without an
	// attestation statement are then refused.
	Metadata *Metadata
	// Now is the clock that decides expiry. Nil means time.Now. (The
	// engine's requests carry their own time, which Begin and Finish use.)
	Now func() time.Time
	// Rand is the source of challenges, ceremony IDs and user handles. Nil
	// means crypto/rand.
	Rand io.Reader
	// Audit receives the factor's own events (registration, refused
	// registration, counter regression). Nil discards them.
	Audit auth.Auditor
}

// Factor is the WebAuthn / passkey factor: it implements auth.Factor for
// login (kind "webauthn") and offers BeginRegistration/FinishRegistration
// for enrolment. It is safe for concurrent use and keeps no state of its
// own: ceremonies live in the Store and credentials in the CredentialStore.
type Factor struct {
	wa          *webauthn.WebAuthn
	rpID        string
	rpIDHash    [32]byte
	origins     map[string]bool
	topOrigins  map[string]bool
	related     http.Handler
	actions     map[string]*actionPolicy
	acceptBE    bool
	store       store.Store
	creds       CredentialStore
	prefix      string
	attachment  Attachment
	residentKey bool
	timeout     time.Duration
	window      time.Duration
	attestation Attestation
	aaguids     map[[16]byte]bool
	metadata    *Metadata
	now         func() time.Time
	rand        io.Reader
	audit       auth.Auditor
}

var _ auth.Factor = (*Factor)(nil)

// New validates cfg and returns a Factor.
func New(cfg Config) (*Factor, error) {
	f := &Factor{
		rpID:        cfg.RPID,
		store:       cfg.Store,
		creds:       cfg.Credentials,
		prefix:      cfg.KeyPrefix,
		attachment:  cfg.Attachment,
		residentKey: cfg.RequireResidentKey,
		timeout:     cfg.Timeout,
		window:      cfg.EnrolmentWindow,
		attestation: cfg.Attestation,
		metadata:    cfg.Metadata,
		now:         cfg.Now,
		rand:        cfg.Rand,
		audit:       cfg.Audit,
		origins:     make(map[string]bool),
		topOrigins:  make(map[string]bool),
		acceptBE:    cfg.InsecureAcceptBackupChange,
	}
	if f.rpID == "" || f.rpID != strings.ToLower(f.rpID) || strings.ContainsAny(f.rpID, ":/ ") {
		return nil, fmt.Errorf("%w: RPID is required: a lower-case domain such as example.kz", ErrConfig)
	}
	if err := protocol.ValidateRPID(f.rpID); err != nil {
		return nil, fmt.Errorf("%w: RPID %q is not a valid domain", ErrConfig, f.rpID)
	}
	f.rpIDHash = sha256.Sum256([]byte(f.rpID))
	if len(cfg.Origins) == 0 {
		return nil, fmt.Errorf("%w: at least one origin is required", ErrConfig)
	}
	rpOrigins := make([]string, 0, len(cfg.Origins))
	for _, o := range cfg.Origins {
		if err := checkOrigin(o, f.rpID); err != nil {
			return nil, err
		}
		if !f.origins[o] {
			f.origins[o] = true
			rpOrigins = append(rpOrigins, o)
		}
	}
	if len(cfg.RelatedOrigins) > 0 {
		for _, o := range cfg.RelatedOrigins {
			if err := checkRelatedOrigin(o, f.rpID); err != nil {
				return nil, err
			}
			if !f.origins[o] {
				f.origins[o] = true
				rpOrigins = append(rpOrigins, o)
			}
		}
		doc, err := protocol.NewRelatedOrigins(cfg.RelatedOrigins...)
		if err != nil {
			return nil, fmt.Errorf("%w: RelatedOrigins: %w", ErrConfig, err)
		}
		f.related = doc
	}
	for _, o := range cfg.TopOrigins {
		if _, err := origins.Check(o); err != nil {
			return nil, fmt.Errorf("%w: TopOrigins: %w", ErrConfig, err)
		}
		f.topOrigins[o] = true
	}
	if f.store == nil {
		return nil, fmt.Errorf("%w: Store is required", ErrConfig)
	}
	if f.creds == nil {
		return nil, fmt.Errorf("%w: Credentials is required", ErrConfig)
	}
	if f.prefix == "" {
		f.prefix = "sa:passkey:"
	}
	if !store.ValidKeyPrefix(f.prefix) {
		return nil, fmt.Errorf("%w: KeyPrefix may not contain '{' or '}'", ErrConfig)
	}
	if f.attachment > AttachmentAny {
		return nil, fmt.Errorf("%w: unknown Attachment %d", ErrConfig, f.attachment)
	}
	switch {
	case f.timeout == 0:
		f.timeout = DefaultTimeout
	case f.timeout < MinTimeout || f.timeout > MaxTimeout:
		return nil, fmt.Errorf("%w: Timeout must be within [%v, %v]", ErrConfig, MinTimeout, MaxTimeout)
	}
	switch {
	case f.window == 0:
		f.window = MaxEnrolmentWindow
	case f.window < 0 || f.window > MaxEnrolmentWindow:
		return nil, fmt.Errorf("%w: EnrolmentWindow must be within (0, %v]", ErrConfig, MaxEnrolmentWindow)
	}
	if f.attestation > AttestationDirect {
		return nil, fmt.Errorf("%w: unknown Attestation %d", ErrConfig, f.attestation)
	}
	if len(cfg.AllowedAAGUIDs) > 0 {
		f.aaguids = make(map[[16]byte]bool, len(cfg.AllowedAAGUIDs))
		for _, s := range cfg.AllowedAAGUIDs {
			a, err := ParseAAGUID(s)
			if err != nil {
				return nil, err
			}
			if a == ([16]byte{}) {
				return nil, fmt.Errorf("%w: the all-zero AAGUID cannot be allowed", ErrConfig)
			}
			f.aaguids[a] = true
		}
	}
	if err := f.setActions(cfg.Actions); err != nil {
		return nil, err
	}
	if f.metadata != nil && f.metadata.cur.Load() == nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, errNoMetadata)
	}
	if f.metadata != nil && f.attestation != AttestationDirect {
		return nil, fmt.Errorf("%w: Metadata needs Attestation: AttestationDirect", ErrConfig)
	}
	if f.now == nil {
		f.now = time.Now
	}
	if f.rand == nil {
		f.rand = rand.Reader
	}
	if f.audit == nil {
		f.audit = auth.AuditorFunc(func(context.Context, auth.Event) {})
	}

	name := cfg.RPName
	if name == "" {
		name = f.rpID
	}
	conveyance := protocol.PreferNoAttestation
	if f.attestation == AttestationDirect {
		conveyance = protocol.PreferDirectAttestation
	}
	wcfg := &webauthn.Config{
		RPID:               f.rpID,
		RPDisplayName:      name,
		RPOrigins:          rpOrigins,
		RPTopOrigins:       cfg.TopOrigins,
		RPAllowCrossOrigin: len(cfg.TopOrigins) > 0,

		RPTopOriginVerificationMode: protocol.TopOriginExplicitVerificationMode,
		AttestationPreference:       conveyance,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			UserVerification: protocol.VerificationRequired,
		},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Timeout: f.timeout, TimeoutUVD: f.timeout},
			Registration: webauthn.TimeoutConfig{Timeout: f.timeout, TimeoutUVD: f.timeout},
		},
	}
	if f.metadata != nil {
		wcfg.MDS = provider{f.metadata}
	}
	wa, err := webauthn.New(wcfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	f.wa = wa
	return f, nil
}

// checkOrigin accepts an exact, canonical web origin (the module's one
// rule, internal/origins: https, or http on localhost) whose host is rpID
// or a subdomain of it.
func checkOrigin(o, rpID string) error {
	if _, err := origins.Check(o); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	u, _ := url.Parse(o)
	host := u.Hostname()
	if !validHostname(host) {
		return fmt.Errorf("%w: origin %q: host is not a DNS name", ErrConfig, o)
	}
	if net.ParseIP(host) != nil {
		return fmt.Errorf("%w: origin %q: an IP address cannot carry a relying party ID", ErrConfig, o)
	}
	if host != rpID && !strings.HasSuffix(host, "."+rpID) {
		return fmt.Errorf("%w: origin %q is not within the relying party ID %q", ErrConfig, o, rpID)
	}
	return nil
}

// checkRelatedOrigin accepts an exact, canonical web origin outside rpID's
// domain (one inside it belongs in Origins).
func checkRelatedOrigin(o, rpID string) error {
	if _, err := origins.Check(o); err != nil {
		return fmt.Errorf("%w: RelatedOrigins: %w", ErrConfig, err)
	}
	u, _ := url.Parse(o)
	host := u.Hostname()
	if !validHostname(host) || net.ParseIP(host) != nil {
		return fmt.Errorf("%w: related origin %q: host is not a DNS name", ErrConfig, o)
	}
	if host == rpID || strings.HasSuffix(host, "."+rpID) {
		return fmt.Errorf("%w: related origin %q is within the relying party ID %q: list it in Origins", ErrConfig, o, rpID)
	}
	return nil
}

// validHostname accepts lower-case DNS names: labels of letters, digits and
// inner hyphens.
func validHostname(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// Kind implements auth.Factor: auth.KindWebAuthn.
func (f *Factor) Kind() auth.Kind { return auth.KindWebAuthn }

// RPID returns the relying party ID.
func (f *Factor) RPID() string { return f.rpID }

// RelatedOriginsHandler serves the related origins document
// ({"origins": [...]}, Config.RelatedOrigins) that
// browsers fetch from https://RPID/.well-known/webauthn before they let a
// related origin use the RP ID's passkeys. It is nil when
// Config.RelatedOrigins is empty (nothing to serve).
func (f *Factor) RelatedOriginsHandler() http.Handler { return f.related }
