package revocation

import (
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/store"
)

// Mode chooses the revocation sources and their order.
type Mode int

const (
	// OCSPThenCRL (the zero value) asks the OCSP responder first and reads
	// the CRL only when OCSP gave no usable answer. A definitive OCSP
	// answer (good, revoked, unknown) is final.
	OCSPThenCRL Mode = iota
	// CRLOnly reads CRLs only.
	CRLOnly
	// OCSPOnly asks OCSP responders only. A delegated responder
	// certificate without id-pkix-ocsp-nocheck is still checked against
	// its issuer's CRL.
	OCSPOnly
)

func (m Mode) String() string {
	switch m {
	case OCSPThenCRL:
		return "ocsp-then-crl"
	case CRLOnly:
		return "crl-only"
	case OCSPOnly:
		return "ocsp-only"
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// Defaults applied to zero Config fields.
const (
	DefaultTimeout         = 5 * time.Second
	DefaultCRLTimeout      = 60 * time.Second
	DefaultMaxResponseSize = 64 << 10
	DefaultMaxCRLSize      = 64 << 20
	DefaultSkew            = time.Minute
	DefaultMaxCacheAge     = 5 * time.Minute
	DefaultCRLRefresh      = time.Hour
	DefaultNonceSize       = 16
	DefaultCachePrefix     = "revocation:"
)

// Config configures a Checker. The zero value is a working, strict checker:
// OCSP then CRL from the locations in the certificates, fail closed, nonce
// required, answers cached in memory for at most five minutes.
type Config struct {
	// Mode chooses the sources; zero is OCSPThenCRL.
	Mode Mode

	// HTTPClient fetches OCSP responses and CRLs. Nil means a client of
	// the Checker's own (no cookie jar, at most three redirects). Its own
	// Timeout, if any, applies on top of Timeout and CRLTimeout.
	HTTPClient *http.Client
	// Timeout bounds each OCSP request; zero means DefaultTimeout (5 s).
	Timeout time.Duration
	// CRLTimeout bounds each CRL download; zero means DefaultCRLTimeout
	// (60 s: national CRLs are large and their servers far away).
	CRLTimeout time.Duration
	// MaxResponseSize bounds an OCSP response body; zero means
	// DefaultMaxResponseSize (64 KiB).
	MaxResponseSize int64
	// MaxCRLSize bounds a CRL download; zero means DefaultMaxCRLSize
	// (64 MiB).
	MaxCRLSize int64

	// OCSPURLs, if set, replace the OCSP responders named in certificates
	// (authorityInfoAccess); they are tried in order.
	OCSPURLs []string
	// CRLURLs, if set, replace the certificates' CRL distribution points
	// for full CRLs; DeltaCRLURLs replace their freshest-CRL (delta)
	// locations. A CRL from any URL is used only if it verifies against
	// the certificate's issuer.
	CRLURLs      []string
	DeltaCRLURLs []string
	// CRLs are loaded at New, verified against their issuer like
	// downloaded ones. An issuer with a static full CRL is checked against
	// it only (nothing is downloaded for it); see also Checker.AddCRL.
	CRLs []StaticCRL

	// Skew is the clock tolerance for thisUpdate and nextUpdate; zero
	// means DefaultSkew (one minute). It must not be negative.
	Skew time.Duration
	// MaxCacheAge bounds how long an OCSP answer is reused: until its
	// nextUpdate, but never longer than MaxCacheAge after it was fetched.
	// An answer without nextUpdate (the NCA's) is valid for MaxCacheAge
	// after its thisUpdate. Zero means DefaultMaxCacheAge (five minutes).
	MaxCacheAge time.Duration
	// CRLRefresh is the age after which a downloaded CRL is refreshed in
	// the background (it is also refreshed once 90% of its validity has
	// passed); zero means DefaultCRLRefresh (one hour).
	CRLRefresh time.Duration

	// Cache holds verified OCSP answers, keyed by CertID, so that many
	// instances can share them (store/redis). Nil means a private
	// in-memory store. Entries are the Checker's own versioned encoding
	// under CachePrefix (zero: DefaultCachePrefix). The cache is trusted
	// like the flow store: whoever can write it can change answers.
	Cache       store.Store
	CachePrefix string

	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand supplies OCSP nonces; nil means crypto/rand.
	Rand io.Reader
	// NonceSize is the OCSP nonce length in bytes, 8 to 32; zero means
	// DefaultNonceSize (16).
	NonceSize int

	// Audit receives one event per decision (see EventRevocation); nil
	// means none. AuditSubject adds the certificate's subject name to the
	// events: for national ID certificates that is personal data (name,
	// IIN), so it is off unless the host enables it.
	Audit        auth.Auditor
	AuditSubject bool

	// InsecureSoftFail turns "no usable answer" into a nil error with
	// status StatusUnchecked. Revoked and unknown still deny. It defeats
	// revocation against anyone who can block the network path. A
	// signature.Verifier accepts such answers only when its own
	// InsecureAcceptUnchecked is set too.
	InsecureSoftFail bool
	// InsecureOCSPNoNonce accepts OCSP responses that do not echo the
	// nonce (pre-produced or CDN-served responses). A different nonce
	// still denies. Without a nonce, a captured response may be replayed
	// until its nextUpdate.
	InsecureOCSPNoNonce bool
}

// StaticCRL is a CRL supplied by the host (a file, an offline copy) with the
// certificate of its issuer. DER or PEM ("X509 CRL").
type StaticCRL struct {
	CRL    []byte
	Issuer *x509.Certificate
}

// normalize validates cfg and fills in the defaults.
func (cfg Config) normalize() (Config, error) {
	bad := func(format string, args ...any) (Config, error) {
		return cfg, fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...)
	}
	switch cfg.Mode {
	case OCSPThenCRL, CRLOnly, OCSPOnly:
	default:
		return bad("unknown mode %d", int(cfg.Mode))
	}
	durations := []struct {
		name string
		p    *time.Duration
		def  time.Duration
	}{
		{"Timeout", &cfg.Timeout, DefaultTimeout},
		{"CRLTimeout", &cfg.CRLTimeout, DefaultCRLTimeout},
		{"Skew", &cfg.Skew, DefaultSkew},
		{"MaxCacheAge", &cfg.MaxCacheAge, DefaultMaxCacheAge},
		{"CRLRefresh", &cfg.CRLRefresh, DefaultCRLRefresh},
	}
	for _, d := range durations {
		if *d.p < 0 {
			return bad("negative %s", d.name)
		}
		if *d.p == 0 {
			*d.p = d.def
		}
	}
	if cfg.MaxResponseSize < 0 || cfg.MaxCRLSize < 0 {
		return bad("negative size limit")
	}
	if cfg.MaxResponseSize == 0 {
		cfg.MaxResponseSize = DefaultMaxResponseSize
	}
	if cfg.MaxCRLSize == 0 {
		cfg.MaxCRLSize = DefaultMaxCRLSize
	}
	if cfg.NonceSize == 0 {
		cfg.NonceSize = DefaultNonceSize
	}
	if cfg.NonceSize < 8 || cfg.NonceSize > 32 {
		return bad("NonceSize %d not in 8..32", cfg.NonceSize)
	}
	for _, list := range [][]string{cfg.OCSPURLs, cfg.CRLURLs, cfg.DeltaCRLURLs} {
		for _, u := range list {
			if !httpURL(u) {
				return bad("not an http(s) URL: %q", u)
			}
		}
	}
	if cfg.CachePrefix == "" {
		cfg.CachePrefix = DefaultCachePrefix
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("too many redirects")
			}
			if !httpURL(req.URL.String()) {
				return errors.New("redirect to a non-http URL")
			}
			return nil
		}}
	}
	return cfg, nil
}

// httpURL reports whether s is an absolute http or https URL with a host.
// Only such locations are fetched: ldap:// and file:// never are.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil
}
