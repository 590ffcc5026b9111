package devpki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha1" //nolint:gosec // OCSP CertIDs and responder key hashes use SHA-1 (RFC 6960)
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// ErrOCSPRequest reports an OCSP request ParseOCSPRequest cannot read.
var ErrOCSPRequest = errors.New("devpki: malformed OCSP request")

// OCSP object identifiers and limits.
var (
	oidOCSPBasic = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	oidOCSPNonce = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}
	oidSHA1      = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256    = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
)

const (
	// MaxOCSPRequests bounds the certificates one OCSP request may ask
	// about.
	MaxOCSPRequests = 16
	// MaxOCSPRequestSize bounds an OCSP request body.
	MaxOCSPRequestSize = 16 << 10
	// maxSerialOctets bounds a CertID serial number (RFC 5280 allows 20
	// octets; some CAs write a leading zero more).
	maxSerialOctets = 32
)

// OCSP responseStatus values (RFC 6960 §4.2.1).
const (
	ocspSuccessful       = 0
	ocspMalformedRequest = 1
	ocspInternalError    = 2
	ocspTryLater         = 3
	ocspUnauthorized     = 6
)

// OCSPCertID names one certificate in an OCSP request: the hashes of its
// issuer's name and key under Hash (SHA-1 or SHA-256; zero for another
// algorithm, which no responder here answers for) and its serial number.
type OCSPCertID struct {
	Hash              crypto.Hash
	HashOID           asn1.ObjectIdentifier
	NameHash, KeyHash []byte
	Serial            *big.Int
	// raw is the serial's INTEGER content octets, echoed in the answer.
	raw []byte
}

// OCSPRequest is a parsed OCSP request (RFC 6960 §4.1.1). A signature on
// the request, a requestor name and extensions other than the nonce are
// read past and ignored.
type OCSPRequest struct {
	CertIDs []OCSPCertID
	// Nonce is the extnValue of the nonce extension (RFC 8954: the DER of
	// an OCTET STRING holding the nonce), nil when absent. A responder
	// echoes it as it is.
	Nonce []byte
}

// ParseOCSPRequest parses a DER OCSP request. Every error wraps
// ErrOCSPRequest, and a request it returns has between one and
// MaxOCSPRequests CertIDs.
func ParseOCSPRequest(der []byte) (*OCSPRequest, error) {
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrOCSPRequest, what) }
	if len(der) > MaxOCSPRequestSize {
		return nil, bad("too large")
	}
	in := cryptobyte.String(der)
	var req, tbs, list cryptobyte.String
	if !in.ReadASN1(&req, cbasn1.SEQUENCE) || !in.Empty() || !req.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return nil, bad("not an OCSPRequest")
	}
	// optionalSignature [0] EXPLICIT: read past it.
	if !req.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) || !req.Empty() {
		return nil, bad("trailing data after the TBSRequest")
	}
	var version int64
	if !tbs.ReadOptionalASN1Integer(&version, cbasn1.Tag(0).Constructed().ContextSpecific(), int64(0)) || version != 0 {
		return nil, bad("version")
	}
	if !tbs.SkipOptionalASN1(cbasn1.Tag(1).Constructed().ContextSpecific()) || !tbs.ReadASN1(&list, cbasn1.SEQUENCE) {
		return nil, bad("requestList")
	}
	out := &OCSPRequest{}
	for !list.Empty() {
		if len(out.CertIDs) == MaxOCSPRequests {
			return nil, bad("too many certificates")
		}
		var r, id, alg cryptobyte.String
		var c OCSPCertID
		var nh, kh, serial cryptobyte.String
		if !list.ReadASN1(&r, cbasn1.SEQUENCE) || !r.ReadASN1(&id, cbasn1.SEQUENCE) ||
			!id.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&c.HashOID) ||
			!id.ReadASN1(&nh, cbasn1.OCTET_STRING) || !id.ReadASN1(&kh, cbasn1.OCTET_STRING) ||
			!id.ReadASN1(&serial, cbasn1.INTEGER) || !id.Empty() {
			return nil, bad("CertID")
		}
		// Hash parameters: absent or NULL.
		if !alg.Empty() {
			var null cryptobyte.String
			if !alg.ReadASN1(&null, cbasn1.NULL) || !null.Empty() || !alg.Empty() {
				return nil, bad("CertID hash parameters")
			}
		}
		if !r.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) || !r.Empty() {
			return nil, bad("Request")
		}
		// A DER INTEGER, minimal (no leading zero octet that is not needed):
		// the answer repeats the serial's octets, and a verifier that reads
		// DER strictly would refuse a CertID that carries a padded one.
		if len(serial) == 0 || len(serial) > maxSerialOctets || serial[0]&0x80 != 0 ||
			len(serial) > 1 && serial[0] == 0 && serial[1]&0x80 == 0 {
			return nil, bad("serial number")
		}
		switch {
		case c.HashOID.Equal(oidSHA1) && len(nh) == sha1.Size && len(kh) == sha1.Size:
			c.Hash = crypto.SHA1
		case c.HashOID.Equal(oidSHA256) && len(nh) == sha256.Size && len(kh) == sha256.Size:
			c.Hash = crypto.SHA256
		case c.HashOID.Equal(oidSHA1), c.HashOID.Equal(oidSHA256):
			return nil, bad("CertID hash length")
		}
		c.NameHash, c.KeyHash = bytes.Clone(nh), bytes.Clone(kh)
		c.raw = bytes.Clone(serial)
		c.Serial = new(big.Int).SetBytes(serial)
		out.CertIDs = append(out.CertIDs, c)
	}
	if len(out.CertIDs) == 0 {
		return nil, bad("no certificate")
	}
	var exts cryptobyte.String
	var present bool
	if !tbs.ReadOptionalASN1(&exts, &present, cbasn1.Tag(2).Constructed().ContextSpecific()) || !tbs.Empty() {
		return nil, bad("TBSRequest")
	}
	if present {
		var list cryptobyte.String
		if !exts.ReadASN1(&list, cbasn1.SEQUENCE) || !exts.Empty() {
			return nil, bad("extensions")
		}
		for !list.Empty() {
			var ext cryptobyte.String
			var oid asn1.ObjectIdentifier
			var value cryptobyte.String
			if !list.ReadASN1(&ext, cbasn1.SEQUENCE) || !ext.ReadASN1ObjectIdentifier(&oid) ||
				!ext.SkipOptionalASN1(cbasn1.BOOLEAN) || !ext.ReadASN1(&value, cbasn1.OCTET_STRING) || !ext.Empty() {
				return nil, bad("extension")
			}
			if oid.Equal(oidOCSPNonce) {
				if out.Nonce != nil {
					return nil, bad("two nonces")
				}
				out.Nonce = bytes.Clone(value)
			}
		}
	}
	return out, nil
}

// OCSPCertStatus is what a responder says about one certificate.
type OCSPCertStatus int

const (
	// OCSPGood: not revoked.
	OCSPGood OCSPCertStatus = iota
	// OCSPRevoked: revoked (with a time and, unless zero, a reason).
	OCSPRevoked
	// OCSPUnknown: the responder knows nothing of the certificate.
	OCSPUnknown
)

// OCSPResponderConfig configures an OCSPResponder.
type OCSPResponderConfig struct {
	// CAs are the issuers the responder answers for. Each signs the
	// answers about the certificates it issued, as the issuer itself (RFC
	// 6960 §4.2.2.2: no delegated responder certificate is needed).
	// Required.
	CAs []*CA
	// Status says whether the certificate with serial, issued by issuer,
	// is revoked (then revoked holds the time and the reason). An error
	// makes the responder answer tryLater: a client must not take it for
	// "good". Required.
	Status func(ctx context.Context, issuer *x509.Certificate, serial *big.Int) (st OCSPCertStatus, revoked Revoked, err error)
	// Validity is how long an answer is valid: nextUpdate is thisUpdate
	// plus Validity. Zero omits nextUpdate, as the NCA's responder does
	// (clients then cache an answer for a short time of their own).
	Validity time.Duration
	// Now is the clock of thisUpdate and producedAt. Nil means time.Now.
	Now func() time.Time
}

// OCSPResponder is a development OCSP responder (RFC 6960) over CAs of
// this package, for tests and development servers: it answers from
// Config.Status, which the caller may change at any time (a mutable
// revocation list), and signs with the issuing CA's key. It is an
// http.Handler (POST application/ocsp-request, or GET with the request in
// the path, base64) and safe for concurrent use.
//
// FOR DEVELOPMENT AND TESTS ONLY, like everything in this package.
type OCSPResponder struct {
	cfg     OCSPResponderConfig
	issuers []ocspIssuer
}

type ocspIssuer struct {
	ca         *CA
	signer     *Leaf
	nameSHA1   []byte
	keySHA1    []byte
	nameSHA256 []byte
	keySHA256  []byte
	sigAlg     []byte // the DER AlgorithmIdentifier of the response signature
	hash       crypto.Hash
}

// NewOCSPResponder validates cfg and returns a responder.
func NewOCSPResponder(cfg OCSPResponderConfig) (*OCSPResponder, error) {
	if len(cfg.CAs) == 0 || cfg.Status == nil {
		return nil, errors.New("devpki: an OCSP responder needs CAs and Status")
	}
	if cfg.Validity < 0 {
		return nil, errors.New("devpki: negative OCSP validity")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	r := &OCSPResponder{cfg: cfg}
	for _, ca := range cfg.CAs {
		if ca == nil || ca.Cert == nil || ca.key == nil {
			return nil, errors.New("devpki: an OCSP responder needs CAs with their keys")
		}
		keyBits, err := publicKeyBits(ca.Cert.RawSubjectPublicKeyInfo)
		if err != nil {
			return nil, err
		}
		n1, k1 := sha1.Sum(ca.Cert.RawSubject), sha1.Sum(keyBits) //nolint:gosec // CertID hashes
		n256, k256 := sha256.Sum256(ca.Cert.RawSubject), sha256.Sum256(keyBits)
		is := ocspIssuer{ca: ca, signer: &Leaf{Cert: ca.Cert, Chain: ca.Chain, Alg: ca.Alg, key: ca.key, g: ca.g},
			nameSHA1: n1[:], keySHA1: k1[:], nameSHA256: n256[:], keySHA256: k256[:]}
		is.sigAlg, is.hash, err = responseAlgorithm(ca.key)
		if err != nil {
			return nil, err
		}
		r.issuers = append(r.issuers, is)
	}
	return r, nil
}

// responseAlgorithm is the signature AlgorithmIdentifier and hash of
// responses signed with k: GOST in the NCA shape (NULL parameters),
// sha256WithRSAEncryption, ECDSA with SHA-256 or SHA-384.
func responseAlgorithm(k *key) ([]byte, crypto.Hash, error) {
	var oid string
	null, h := true, crypto.SHA256
	switch {
	case k.gost != nil:
		oid = k.gostAlgorithm().SignatureOID.String()
	case k.rsa != nil:
		oid = "1.2.840.113549.1.1.11"
	case k.ec != nil && k.alg == ECDSAP384:
		oid, null, h = "1.2.840.10045.4.3.3", false, crypto.SHA384
	case k.ec != nil:
		oid, null = "1.2.840.10045.4.3.2", false
	default:
		return nil, 0, errors.New("devpki: no key")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(mustOID(oid))
		if null {
			b.AddASN1NULL()
		}
	})
	der, err := b.Bytes()
	return der, h, err
}

// publicKeyBits returns the subjectPublicKey BIT STRING content of a
// SubjectPublicKeyInfo (what CertID key hashes are computed over).
func publicKeyBits(spki []byte) ([]byte, error) {
	in := cryptobyte.String(spki)
	var seq cryptobyte.String
	var bits asn1.BitString
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.SkipASN1(cbasn1.SEQUENCE) || !seq.ReadASN1BitString(&bits) {
		return nil, errors.New("devpki: malformed SubjectPublicKeyInfo")
	}
	return bits.Bytes, nil
}

// issuerOf returns the issuer a CertID names, or nil.
func (r *OCSPResponder) issuerOf(c *OCSPCertID) *ocspIssuer {
	for i := range r.issuers {
		is := &r.issuers[i]
		switch c.Hash {
		case crypto.SHA1:
			if bytes.Equal(c.NameHash, is.nameSHA1) && bytes.Equal(c.KeyHash, is.keySHA1) {
				return is
			}
		case crypto.SHA256:
			if bytes.Equal(c.NameHash, is.nameSHA256) && bytes.Equal(c.KeyHash, is.keySHA256) {
				return is
			}
		}
	}
	return nil
}

// Respond answers a DER OCSP request with a DER OCSP response: a signed
// answer for every certificate asked about, or an unsuccessful
// responseStatus — malformedRequest for a request it cannot read,
// unauthorized when a certificate is not of one of its CAs (or the CertIDs
// name several), tryLater when Status fails, internalError when signing
// fails (the error is returned too).
func (r *OCSPResponder) Respond(ctx context.Context, der []byte) ([]byte, error) {
	req, err := ParseOCSPRequest(der)
	if err != nil {
		return unsuccessful(ocspMalformedRequest), nil
	}
	var is *ocspIssuer
	for i := range req.CertIDs {
		got := r.issuerOf(&req.CertIDs[i])
		if got == nil || (is != nil && got != is) {
			return unsuccessful(ocspUnauthorized), nil
		}
		is = got
	}
	type answer struct {
		st  OCSPCertStatus
		rev Revoked
	}
	answers := make([]answer, len(req.CertIDs))
	for i, c := range req.CertIDs {
		st, rev, err := r.cfg.Status(ctx, is.ca.Cert, c.Serial)
		if err != nil || st < OCSPGood || st > OCSPUnknown {
			return unsuccessful(ocspTryLater), nil
		}
		answers[i] = answer{st, rev}
	}
	now := r.cfg.Now().UTC().Truncate(time.Second)
	var tbs cryptobyte.Builder
	tbs.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		// responderID byName: the issuer's own name.
		b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(is.ca.Cert.RawSubject) })
		b.AddASN1GeneralizedTime(now)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for i, c := range req.CertIDs {
				a := answers[i]
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier(c.HashOID)
							b.AddASN1NULL()
						})
						b.AddASN1OctetString(c.NameHash)
						b.AddASN1OctetString(c.KeyHash)
						b.AddASN1(cbasn1.INTEGER, func(b *cryptobyte.Builder) { b.AddBytes(c.raw) })
					})
					switch a.st {
					case OCSPGood:
						b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(*cryptobyte.Builder) {})
					case OCSPRevoked:
						b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
							b.AddASN1GeneralizedTime(a.rev.At.UTC().Truncate(time.Second))
							if a.rev.Reason != 0 {
								b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
									b.AddASN1Enum(int64(a.rev.Reason))
								})
							}
						})
					default:
						b.AddASN1(cbasn1.Tag(2).ContextSpecific(), func(*cryptobyte.Builder) {})
					}
					b.AddASN1GeneralizedTime(now)
					if r.cfg.Validity > 0 {
						b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
							b.AddASN1GeneralizedTime(now.Add(r.cfg.Validity))
						})
					}
				})
			}
		})
		if req.Nonce != nil {
			b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(oidOCSPNonce)
						b.AddASN1OctetString(req.Nonce)
					})
				})
			})
		}
	})
	tbsDER, err := tbs.Bytes()
	if err != nil {
		return unsuccessful(ocspInternalError), err
	}
	sig, err := is.signer.sign(CMSOptions{Hash: is.hash}, tbsDER)
	if err != nil {
		return unsuccessful(ocspInternalError), err
	}
	var basic cryptobyte.Builder
	basic.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbsDER)
		b.AddBytes(is.sigAlg)
		b.AddASN1BitString(sig)
	})
	basicDER, err := basic.Bytes()
	if err != nil {
		return unsuccessful(ocspInternalError), err
	}
	var out cryptobyte.Builder
	out.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Enum(ocspSuccessful)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidOCSPBasic)
				b.AddASN1OctetString(basicDER)
			})
		})
	})
	return out.Bytes()
}

// unsuccessful is an OCSPResponse with only a responseStatus.
func unsuccessful(status int64) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1Enum(status) })
	der, _ := b.Bytes() // a constant shape
	return der
}

// ServeHTTP answers POST requests (Content-Type application/ocsp-request,
// at most MaxOCSPRequestSize bytes) and GET requests with the request in
// the last path segment, base64 (RFC 6960 Appendix A).
func (r *OCSPResponder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var der []byte
	switch req.Method {
	case http.MethodPost:
		if req.Header.Get("Content-Type") != "application/ocsp-request" {
			http.Error(w, "Content-Type must be application/ocsp-request", http.StatusUnsupportedMediaType)
			return
		}
		b, err := io.ReadAll(http.MaxBytesReader(w, req.Body, MaxOCSPRequestSize))
		if err != nil {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return
		}
		der = b
	case http.MethodGet:
		seg := req.URL.EscapedPath()
		seg = seg[strings.LastIndexByte(seg, '/')+1:]
		if len(seg) > 2*MaxOCSPRequestSize {
			http.Error(w, "request too large", http.StatusRequestURITooLong)
			return
		}
		// The path is percent-encoded base64 ("+", "/" and "=" escaped).
		b, err := base64.StdEncoding.DecodeString(unescapeBase64(seg))
		if err != nil {
			der = nil // answered as malformedRequest
		} else {
			der = b
		}
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	resp, _ := r.Respond(req.Context(), der) // an unsuccessful response on error
	w.Header().Set("Content-Type", "application/ocsp-response")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(resp)
}

// unescapeBase64 undoes the percent-encoding of base64's "+", "/" and "=".
func unescapeBase64(s string) string {
	return strings.NewReplacer("%2B", "+", "%2b", "+", "%2F", "/", "%2f", "/", "%3D", "=", "%3d", "=").Replace(s)
}
