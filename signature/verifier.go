package signature

import (
	"bytes"
	"context"
	"crypto/sha1" //nolint:gosec // ESS signing-certificate (v1) names the certificate by SHA-1; used for matching only
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"fmt"
	"hash"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/strongauth/strongauth/signature/gost"
)

// Defaults of Config.
const (
	// DefaultSigningTimeSkew is the tolerated difference between the
	// signer's clock (the signing-time attribute) and the challenge window.
	DefaultSigningTimeSkew = 5 * time.Minute
	// DefaultCacheSize bounds the chain-link and certificate caches.
	DefaultCacheSize = 4096
)

// Config configures a Verifier. The zero value is invalid: Roots are
// required, and so is a RevocationChecker unless InsecureSkipRevocation is
// set.
type Config struct {
	// Roots are the trust anchors. Required; the system roots are never
	// used. Each must be a CA certificate with keyCertSign.
	Roots []*x509.Certificate
	// Intermediates are CA certificates that may complete a path when the
	// CMS does not carry them.
	Intermediates []*x509.Certificate
	// Now is the verifier's clock: certificates are validated at Now(),
	// never at the signer's claimed signing time. Nil means time.Now.
	Now func() time.Time
	// Revocation is called for every certificate of a verified chain except
	// the trust anchor; any answer but "good" denies. Required unless
	// InsecureSkipRevocation.
	Revocation RevocationChecker
	// InsecureSkipRevocation verifies without revocation checking. For
	// tests and development only: a revoked key would be accepted.
	InsecureSkipRevocation bool
	// InsecureAcceptUnchecked accepts a checker's nil-error answer with
	// status "unchecked": the soft-fail answer of a checker that could not
	// reach any revocation source and was itself configured to soft-fail
	// (signature/revocation's InsecureSoftFail). Both opt-ins are needed;
	// revoked and unknown still deny. It defeats revocation against anyone
	// who can block the network path.
	InsecureAcceptUnchecked bool
	// Profile reads identities from certificates. Nil means NCAProfile().
	Profile *Profile
	// MaxSigners is the number of SignerInfos accepted. Zero means 1 (a
	// login has exactly one signer); documents may allow more.
	MaxSigners int
	// MaxInputSize bounds the input of Verify in bytes. Zero means
	// DefaultMaxInputSize (1 MiB).
	MaxInputSize int
	// SigningTimeSkew widens the window the signing time must fall in.
	// Zero means DefaultSigningTimeSkew; negative means no tolerance. The
	// signing time is the signer's claim, so this is a sanity check, not
	// the freshness guarantee (the single-use challenge is).
	SigningTimeSkew time.Duration
	// CacheSize bounds the cache of verified chain links and parsed
	// certificates. Zero means DefaultCacheSize.
	CacheSize int
}

// Verifier verifies CMS signatures, their chains to configured roots, the
// signer's key purpose and identity. It is safe for concurrent use.
type Verifier struct {
	roots      map[[32]byte]*certEntry
	issuers    map[string][]*certEntry // roots then intermediates, by raw subject
	now        func() time.Time
	revocation RevocationChecker
	unchecked  bool
	profile    *Profile
	maxSigners int
	maxInput   int
	skew       time.Duration
	links      *boundedCache[linkKey, struct{}]
	certs      *certCache
}

// NewVerifier validates cfg and returns a Verifier.
func NewVerifier(cfg Config) (*Verifier, error) {
	v := &Verifier{
		roots:      make(map[[32]byte]*certEntry),
		issuers:    make(map[string][]*certEntry),
		now:        cfg.Now,
		revocation: cfg.Revocation,
		unchecked:  cfg.InsecureAcceptUnchecked,
		maxSigners: cfg.MaxSigners,
		maxInput:   cfg.MaxInputSize,
		skew:       cfg.SigningTimeSkew,
	}
	if len(cfg.Roots) == 0 {
		return nil, fmt.Errorf("%w: no roots (the system roots are never used)", ErrConfig)
	}
	if cfg.Revocation == nil && !cfg.InsecureSkipRevocation {
		return nil, fmt.Errorf("%w: a RevocationChecker is required (or InsecureSkipRevocation)", ErrConfig)
	}
	if cfg.Revocation != nil && cfg.InsecureSkipRevocation {
		return nil, fmt.Errorf("%w: both a RevocationChecker and InsecureSkipRevocation", ErrConfig)
	}
	if v.now == nil {
		v.now = time.Now
	}
	switch {
	case v.maxSigners == 0:
		v.maxSigners = 1
	case v.maxSigners < 0 || v.maxSigners > maxSignerInfos:
		return nil, fmt.Errorf("%w: MaxSigners must be in [1, %d]", ErrConfig, maxSignerInfos)
	}
	switch {
	case v.maxInput == 0:
		v.maxInput = DefaultMaxInputSize
	case v.maxInput < 0 || v.maxInput > 64<<20:
		return nil, fmt.Errorf("%w: MaxInputSize must be in [1, 64 MiB]", ErrConfig)
	}
	switch {
	case v.skew == 0:
		v.skew = DefaultSigningTimeSkew
	case v.skew < 0:
		v.skew = 0
	case v.skew > time.Hour:
		return nil, fmt.Errorf("%w: SigningTimeSkew above one hour", ErrConfig)
	}
	size := cfg.CacheSize
	switch {
	case size == 0:
		size = DefaultCacheSize
	case size < 0 || size > 1<<20:
		return nil, fmt.Errorf("%w: CacheSize must be in [1, 1Mi]", ErrConfig)
	}
	v.links = newBoundedCache[linkKey, struct{}](size)
	v.certs = newCertCache(size)
	if cfg.Profile == nil {
		v.profile = NCAProfile()
	} else {
		if err := cfg.Profile.validate(); err != nil {
			return nil, err
		}
		v.profile = cfg.Profile.clone()
	}
	add := func(c *x509.Certificate, root bool) error {
		if c == nil {
			return fmt.Errorf("%w: nil certificate", ErrConfig)
		}
		e, err := entryFor(c, sha256.Sum256(c.Raw), v.profile)
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrConfig, c.Subject.CommonName, err)
		}
		if !c.BasicConstraintsValid || !c.IsCA || c.KeyUsage&x509.KeyUsageCertSign == 0 {
			return fmt.Errorf("%w: %q is not a CA certificate with keyCertSign", ErrConfig, c.Subject.CommonName)
		}
		if root {
			if _, dup := v.roots[e.hash]; dup {
				return nil
			}
			v.roots[e.hash] = e
		} else if _, isRoot := v.roots[e.hash]; isRoot {
			return nil
		}
		for _, x := range v.issuers[string(c.RawSubject)] {
			if x.hash == e.hash {
				return nil
			}
		}
		v.issuers[string(c.RawSubject)] = append(v.issuers[string(c.RawSubject)], e)
		return nil
	}
	for _, c := range cfg.Roots {
		if err := add(c, true); err != nil {
			return nil, err
		}
	}
	for _, c := range cfg.Intermediates {
		if err := add(c, false); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// Now returns the verifier's clock reading.
func (v *Verifier) Now() time.Time { return v.now() }

// VerifyOptions shape one verification.
type VerifyOptions struct {
	// Content is the expected content. For a detached CMS it is the content
	// the signature covers (required); for an attached CMS the
	// encapsulated content must equal it. Nil accepts an attached CMS's
	// content as it is (document verification) and refuses a detached one.
	Content []byte
	// Purpose is what the signature is for (PurposeLogin, PurposeSign…).
	// Required: the zero Purpose is refused.
	Purpose Purpose
	// SignedAfter and SignedBefore, when set, bound the signing-time
	// attribute (widened by Config.SigningTimeSkew).
	SignedAfter, SignedBefore time.Time
	// TimeStamps reads and checks the RFC 3161 time-stamp tokens among
	// the signers' unsigned attributes into Signer.TimeStamps (at most four
	// per signer, each costing a signature verification or more). Off by
	// default: a login needs none, and whoever signs could add tokens to
	// make verification costlier. Time stamps never decide validity.
	TimeStamps bool
}

// CertificateInfo describes one certificate of a result.
type CertificateInfo struct {
	Serial string `json:"serial"` // upper-case hex
	// Subject and Issuer are the distinguished names as crypto/x509 prints
	// them, with SURNAME and GIVENNAME as SN= and GN= (crypto/x509 prints
	// them as hex).
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	// SHA256 is the certificate's fingerprint, lower-case hex.
	SHA256 string `json:"sha256"`
}

// Signer is one verified signer.
type Signer struct {
	Identity Identity `json:"identity"`
	// Algorithm names the signature algorithm ("RSA-PKCS1v15-SHA256",
	// "RSA-PSS-SHA256", "ECDSA-P256-SHA256", "GOST-34.10-2015-512"…).
	Algorithm   string          `json:"algorithm"`
	Certificate CertificateInfo `json:"certificate"`
	// Chain is the verified path, signer first, trust anchor last.
	Chain []CertificateInfo `json:"chain"`
	// Revocation holds the checker's answer for every chain certificate
	// except the anchor, in chain order; empty when revocation checking was
	// skipped (RevocationChecked false).
	Revocation        []RevocationStatus `json:"revocation,omitempty"`
	RevocationChecked bool               `json:"revocation_checked"`
	// SigningTime is the signer's claimed signing time (never used to
	// validate certificates). Zero for XML-DSig and bare signatures, which
	// carry none.
	SigningTime time.Time `json:"signing_time,omitzero"`
	// TimeStamps are the RFC 3161 time-stamp tokens among the signer's
	// unsigned attributes, each with the outcome of its checks (see
	// TimeStamp), when VerifyOptions.TimeStamps asked for them. They are
	// reported only: they never make a signature valid or invalid.
	TimeStamps []TimeStamp `json:"time_stamps,omitempty"`
	// Cert is the signer's certificate. It is shared with the verifier's
	// cache: read it, never modify it.
	Cert *x509.Certificate `json:"-"`
}

// Result is a verified signature: a CMS, an XML-DSig document (VerifyXML)
// or a bare signature (VerifyBytes).
type Result struct {
	// Format is what was verified: "cms", "xml" or "bytes".
	Format string `json:"format"`
	// Content is the signed content (the challenge, for a login).
	Content  []byte `json:"content"`
	Detached bool   `json:"detached"`
	// Purpose is the purpose the signers were checked for.
	Purpose string   `json:"purpose"`
	Signers []Signer `json:"signers"`
	// VerifiedAt is the verifier's clock reading used for validation.
	VerifiedAt time.Time `json:"verified_at"`
}

// Verify verifies a CMS SignedData (PEM, base64 or DER; see DecodeCMS): the
// structure, every signer's signed attributes and signature, its chain to a
// configured root at the verifier's clock, its key's purpose, the
// revocation status of the chain, and the signer's identity. Every failure
// denies with an error wrapping one of the package's sentinels; on error
// the result is nil.
func (v *Verifier) Verify(ctx context.Context, input []byte, opts VerifyOptions) (*Result, error) {
	if err := opts.Purpose.Validate(); err != nil {
		return nil, err
	}
	der, err := DecodeCMS(input, v.maxInput)
	if err != nil {
		return nil, err
	}
	sd, err := parseCMS(der)
	if err != nil {
		return nil, err
	}
	if string(sd.ContentType) != derData {
		return nil, fmt.Errorf("%w: encapsulated content type %s is not id-data", ErrUnsupportedAlgorithm, oidString(sd.ContentType))
	}
	switch n := len(sd.Signers); {
	case n == 0:
		return nil, malformed("no signer")
	case n > v.maxSigners:
		return nil, fmt.Errorf("%w: %d signers, at most %d allowed", ErrTooManySigners, n, v.maxSigners)
	}
	content := sd.Content
	switch {
	case sd.Attached && opts.Content != nil:
		if subtle.ConstantTimeCompare(sd.Content, opts.Content) != 1 {
			return nil, fmt.Errorf("%w: the encapsulated content differs", ErrContentMismatch)
		}
	case !sd.Attached && opts.Content == nil:
		return nil, fmt.Errorf("%w: detached signature without content", ErrContentMismatch)
	case !sd.Attached:
		content = opts.Content
	}
	pool := make([]*certEntry, 0, len(sd.Certs))
	for _, der := range sd.Certs {
		e, err := v.parseCert(der)
		if err != nil {
			return nil, err
		}
		pool = append(pool, e)
	}
	now := v.now()
	res := &Result{
		Format:     FormatCMS,
		Content:    bytes.Clone(content),
		Detached:   !sd.Attached,
		Purpose:    opts.Purpose.Name,
		Signers:    make([]Signer, 0, len(sd.Signers)),
		VerifiedAt: now,
	}
	for i := range sd.Signers {
		s, err := v.verifySigner(ctx, &sd.Signers[i], content, pool, now, opts)
		if err != nil {
			if len(sd.Signers) > 1 {
				return nil, fmt.Errorf("signer %d: %w", i, err)
			}
			return nil, err
		}
		res.Signers = append(res.Signers, *s)
	}
	return res, nil
}

// parseCMS parses DER, or BER re-encoded as DER when the input uses
// indefinite lengths or chunked strings (Java CMS producers do).
func parseCMS(b []byte) (*signedData, error) {
	sd, err := parseSignedData(b)
	if err == nil {
		return sd, nil
	}
	d, berr := berToDER(b)
	if berr != nil || bytes.Equal(d, b) {
		return nil, err
	}
	return parseSignedData(d)
}

func (v *Verifier) findSigner(si *signerInfo, pool []*certEntry) (*certEntry, error) {
	for _, e := range pool {
		if si.SKI != nil {
			if len(e.cert.SubjectKeyId) > 0 && bytes.Equal(e.cert.SubjectKeyId, si.SKI) {
				return e, nil
			}
			continue
		}
		if bytes.Equal(e.cert.RawIssuer, si.IssuerRaw) && e.cert.SerialNumber.Cmp(si.Serial) == 0 {
			return e, nil
		}
	}
	return nil, fmt.Errorf("%w: the CMS carries no certificate matching the signer identifier", ErrSignerNotFound)
}

func (v *Verifier) verifySigner(ctx context.Context, si *signerInfo, content []byte, pool []*certEntry, now time.Time, opts VerifyOptions) (*Signer, error) {
	leaf, err := v.findSigner(si, pool)
	if err != nil {
		return nil, err
	}
	alg, err := resolveAlgorithm(si.DigestAlg, si.SigAlg, leaf)
	if err != nil {
		return nil, err
	}
	if si.SignedAttrs == nil {
		return nil, fmt.Errorf("%w: no signed attributes", ErrMissingAttribute)
	}
	signingTime, err := v.checkAttributes(si, alg, content, leaf)
	if err != nil {
		return nil, err
	}
	if err := checkSignerSignature(alg, leaf, si.SignedAttrs, si.Signature); err != nil {
		return nil, err
	}
	if err := v.checkSigningTime(signingTime, opts); err != nil {
		return nil, err
	}
	s, err := v.trustSigner(ctx, leaf, pool, now, opts.Purpose)
	if err != nil {
		return nil, err
	}
	s.Algorithm, s.SigningTime = alg.Name, signingTime
	if opts.TimeStamps {
		s.TimeStamps = v.timeStamps(si)
	}
	return s, nil
}

// trustSigner is the trust path every signature format shares once its
// signature has verified: the chain from leaf (through pool and the
// configured intermediates) to a root at now, the key's purpose, the
// identity, and the revocation status of every chain certificate but the
// anchor. The Signer it returns lacks Algorithm and SigningTime.
func (v *Verifier) trustSigner(ctx context.Context, leaf *certEntry, pool []*certEntry, now time.Time, purpose Purpose) (*Signer, error) {
	chain, err := v.buildChain(leaf, pool, now)
	if err != nil {
		return nil, err
	}
	if err := purpose.check(leaf); err != nil {
		return nil, &CertificateError{Index: 0, Serial: leaf.serial, Subject: leaf.cn, Err: err}
	}
	if leaf.idErr != nil {
		return nil, leaf.idErr
	}
	s := &Signer{
		Identity:    *leaf.id.clone(),
		Certificate: leaf.info,
		Chain:       make([]CertificateInfo, len(chain)),
		Cert:        leaf.cert,
	}
	for i, e := range chain {
		s.Chain[i] = e.info
	}
	if v.revocation != nil {
		s.RevocationChecked = true
		for i := 0; i+1 < len(chain); i++ {
			st, err := v.revocation.CheckRevocation(ctx, chain[i].cert, chain[i+1].cert)
			if err == nil && st.Status != "good" && !(v.unchecked && st.Status == "unchecked") {
				err = fmt.Errorf("%w: checker answered %q without an error", ErrRevocationUnavailable, st.Status)
			}
			if err != nil {
				if !errors.Is(err, ErrRevoked) && !errors.Is(err, ErrRevocationUnknown) && !errors.Is(err, ErrRevocationUnavailable) {
					err = fmt.Errorf("%w: %w", ErrRevocationUnavailable, err)
				}
				return nil, &CertificateError{Index: i, Serial: chain[i].serial, Subject: chain[i].cn, Err: err}
			}
			s.Revocation = append(s.Revocation, st)
		}
	}
	return s, nil
}

// checkAttributes checks the signed attributes: content type, message
// digest over content, signing time (returned), and the ESS signing
// certificate attributes when present.
func (v *Verifier) checkAttributes(si *signerInfo, alg *signerAlgorithm, content []byte, leaf *certEntry) (time.Time, error) {
	t, _, err := checkSignedAttributes(si, alg, content, leaf, derData, true)
	return t, err
}

// checkSignedAttributes checks the signed attributes of si: the content
// type must be contentType (OID content octets), the message digest must
// match content, the signing time is returned (hasTime false when absent;
// absence is an error when needTime), and the ESS signing-certificate
// attributes, when present, must name leaf.
func checkSignedAttributes(si *signerInfo, alg *signerAlgorithm, content []byte, leaf *certEntry, contentType string, needTime bool) (signingTime time.Time, hasTime bool, err error) {
	ct, ok, err := si.attr(derContentType)
	if err != nil {
		return time.Time{}, false, err
	}
	if !ok {
		return time.Time{}, false, fmt.Errorf("%w: content type", ErrMissingAttribute)
	}
	cts := cryptobyte.String(ct)
	if ctOID, ok := readOID(&cts); !ok || !cts.Empty() || string(ctOID) != contentType {
		return time.Time{}, false, fmt.Errorf("%w: the content-type attribute is not %s", ErrContentMismatch, oidString([]byte(contentType)))
	}
	md, ok, err := si.attr(derMessageDigest)
	if err != nil {
		return time.Time{}, false, err
	}
	if !ok {
		return time.Time{}, false, fmt.Errorf("%w: message digest", ErrMissingAttribute)
	}
	var digest cryptobyte.String
	if s := cryptobyte.String(md); !s.ReadASN1(&digest, cbasn1.OCTET_STRING) || !s.Empty() {
		return time.Time{}, false, malformed("message digest is not an OCTET STRING")
	}
	h := alg.newHash()
	h.Write(content)
	if subtle.ConstantTimeCompare(h.Sum(nil), digest) != 1 {
		return time.Time{}, false, fmt.Errorf("%w: the content's %s digest differs", ErrDigestMismatch, alg.Name)
	}
	st, hasTime, err := si.attr(derSigningTime)
	if err != nil {
		return time.Time{}, false, err
	}
	if !hasTime && needTime {
		return time.Time{}, false, fmt.Errorf("%w: signing time", ErrMissingAttribute)
	}
	if hasTime {
		if signingTime, err = parseTime(st); err != nil {
			return time.Time{}, false, err
		}
	}
	if ess, ok, err := si.attr(derSigningCertV2); err != nil {
		return time.Time{}, false, err
	} else if ok {
		if err := checkESS(ess, leaf, true); err != nil {
			return time.Time{}, false, err
		}
	}
	if ess, ok, err := si.attr(derSigningCert); err != nil {
		return time.Time{}, false, err
	} else if ok {
		if err := checkESS(ess, leaf, false); err != nil {
			return time.Time{}, false, err
		}
	}
	return signingTime, hasTime, nil
}

// checkESS checks an ESS SigningCertificate (v1, SHA-1) or
// SigningCertificateV2 (RFC 5035; SHA-256 by default) attribute: its first
// ESSCertID must name the signer's certificate by hash, and by issuer and
// serial when it gives them.
func checkESS(val []byte, leaf *certEntry, v2 bool) error {
	in := cryptobyte.String(val)
	var sc, certs, first cryptobyte.String
	if !in.ReadASN1(&sc, cbasn1.SEQUENCE) || !in.Empty() ||
		!sc.ReadASN1(&certs, cbasn1.SEQUENCE) || !certs.ReadASN1(&first, cbasn1.SEQUENCE) {
		return malformed("bad signing-certificate attribute")
	}
	var h hash.Hash // nil: SHA-256, which the certificate entry holds already
	if v2 {
		if first.PeekASN1Tag(cbasn1.SEQUENCE) {
			a, err := readAlgorithm(&first)
			if err != nil {
				return err
			}
			if !a.is(derSHA256) || !a.hasNoParams() {
				if h = essHash(a); h == nil {
					return fmt.Errorf("%w: signing-certificate-v2 hash %s", ErrUnsupportedAlgorithm, oidString(a.OID))
				}
			}
		}
	} else {
		h = sha1.New()
	}
	var certHash cryptobyte.String
	if !first.ReadASN1(&certHash, cbasn1.OCTET_STRING) {
		return malformed("bad ESSCertID")
	}
	want := leaf.hash[:]
	if h != nil {
		h.Write(leaf.cert.Raw)
		want = h.Sum(nil)
	}
	if subtle.ConstantTimeCompare(want, certHash) != 1 {
		return fmt.Errorf("%w: certificate hash differs", ErrSigningCertMismatch)
	}
	if first.Empty() {
		return nil
	}
	// IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber }
	var is, names, dn cryptobyte.String
	serial := new(big.Int)
	if !first.ReadASN1(&is, cbasn1.SEQUENCE) || !first.Empty() || !is.ReadASN1(&names, cbasn1.SEQUENCE) ||
		!is.ReadASN1Integer(serial) || !is.Empty() {
		return malformed("bad IssuerSerial")
	}
	// The directoryName [4] of the issuer's GeneralNames.
	match := false
	for !names.Empty() {
		var gn cryptobyte.String
		var tag cbasn1.Tag
		if !names.ReadAnyASN1(&gn, &tag) {
			return malformed("bad IssuerSerial names")
		}
		if tag == cbasn1.Tag(4).Constructed().ContextSpecific() {
			dn = gn
			match = bytes.Equal(dn, leaf.cert.RawIssuer)
		}
	}
	if !match || serial.Cmp(leaf.cert.SerialNumber) != 0 {
		return fmt.Errorf("%w: issuer and serial differ", ErrSigningCertMismatch)
	}
	return nil
}

// essHash returns the hash an ESSCertIDv2 names: SHA-2 or a GOST hash.
func essHash(a algorithmIdentifier) hash.Hash {
	if !a.hasNoParams() {
		return nil
	}
	switch {
	case a.is(derSHA256):
		return sha256.New()
	case a.is(derSHA384):
		return sha512.New384()
	case a.is(derSHA512):
		return sha512.New()
	}
	if f, ok := gost.DigestByOID(a.oid()); ok {
		return f()
	}
	return nil
}

func (v *Verifier) checkSigningTime(t time.Time, opts VerifyOptions) error {
	if !opts.SignedAfter.IsZero() && t.Before(opts.SignedAfter.Add(-v.skew)) {
		return fmt.Errorf("%w: signed at %s, before %s", ErrSigningTime, t.Format(time.RFC3339), opts.SignedAfter.UTC().Format(time.RFC3339))
	}
	if !opts.SignedBefore.IsZero() && t.After(opts.SignedBefore.Add(v.skew)) {
		return fmt.Errorf("%w: signed at %s, after %s", ErrSigningTime, t.Format(time.RFC3339), opts.SignedBefore.UTC().Format(time.RFC3339))
	}
	return nil
}

// VerifyChallenge verifies a CMS signature over a login challenge: the
// challenge must have been issued for want and be unexpired at now (ErrExpired,
// ErrChallengeMismatch), the CMS must sign exactly its canonical bytes, and
// its signing time must fall within the challenge's lifetime. Single use is
// the caller's duty (the ECP factor consumes the stored challenge first).
func (v *Verifier) VerifyChallenge(ctx context.Context, input []byte, ch *Challenge, want Binding, now time.Time, purpose Purpose) (*Result, error) {
	if ch == nil {
		return nil, fmt.Errorf("%w: no challenge", ErrChallengeMismatch)
	}
	if err := ch.Check(want, now); err != nil {
		return nil, err
	}
	return v.Verify(ctx, input, VerifyOptions{
		Content:      ch.Marshal(),
		Purpose:      purpose,
		SignedAfter:  ch.IssuedAt,
		SignedBefore: ch.ExpiresAt,
	})
}

// Algorithms lists the algorithm names Verify may report, for
// documentation and tests.
func Algorithms() []string {
	out := []string{}
	for _, h := range []string{"SHA256", "SHA384", "SHA512"} {
		out = append(out, "RSA-PKCS1v15-"+h, "RSA-PSS-"+h, "ECDSA-P256-"+h, "ECDSA-P384-"+h)
	}
	for _, a := range gost.Algorithms() {
		out = append(out, a.Name)
	}
	return dedupe(out)
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
