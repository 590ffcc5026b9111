package revocation

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/gosttest"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// ---- external test material ------------------------------------------------

// The shared NCA material is located by signature/sigtest (the CI rule:
// missing material fails under CI=true and skips otherwise).

// ncaFile reads a file of the NCA test material (kz-nca/rel).
func ncaFile(t testing.TB, rel string) []byte {
	t.Helper()
	return sigtest.ReadFile(t, "kz-nca/"+rel)
}

// ncaCert reads a certificate (DER or PEM) of the NCA test material.
func ncaCert(t testing.TB, rel string) *x509.Certificate {
	t.Helper()
	return sigtest.Certificate(t, "kz-nca/"+rel)
}

// ---- a test PKI (RSA, ECDSA, GOST) -------------------------------------------------

// signerFunc signs a TBS structure and names the signature algorithm.
type signerFunc func(tbs []byte) (asn1.ObjectIdentifier, []byte, error)

// testKey is a key pair of any of the algorithms: std for RSA and ECDSA,
// gost for GOST R 34.10-2015 512-bit (TC26-512-A, Kazakh OIDs).
type testKey struct {
	std  crypto.Signer
	gost *gosttest.PrivateKey
}

var oidGOST2015512 = gost.OID(gost.OIDKZSignature2015512)

// sign signs with SHA-256 (RSA, ECDSA) or Streebog-512 (GOST, NCA layout).
func (k *testKey) sign(tbs []byte) (asn1.ObjectIdentifier, []byte, error) {
	if k.gost != nil {
		sig, err := gosttest.SignMessage(rand.Reader, k.gost, oidGOST2015512, tbs)
		return oidGOST2015512, sig, err
	}
	h := sha256.Sum256(tbs)
	sig, err := k.std.Sign(rand.Reader, h[:], crypto.SHA256)
	oid := oidSHA256WithRSA
	if _, ok := k.std.(*ecdsa.PrivateKey); ok {
		oid = oidECDSAWithSHA256
	}
	return oid, sig, err
}

type testPKI struct {
	alg          string // "rsa", "ecdsa" or "gost"
	caKey        *testKey
	ca           *x509.Certificate
	responderKey *testKey
	responder    *x509.Certificate // delegated, OCSPSigning + nocheck
	now          time.Time
}

// newKey returns a key of p's algorithm. RSA key generation is slow, so
// after the CA's and the responder's keys an RSA PKI hands out the
// responder's key again: the cases only need it to differ from the CA's.
func (p *testPKI) newKey(t testing.TB) *testKey {
	t.Helper()
	switch p.alg {
	case "rsa":
		if p.responderKey != nil {
			return p.responderKey
		}
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
		return &testKey{std: k}
	case "gost":
		k, err := gosttest.GenerateKey(gost.CurveTC26512A(), rand.Reader)
		require.NoError(t, err)
		return &testKey{gost: k}
	default:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		return &testKey{std: k}
	}
}

// issue signs tmpl for the subject key pub with parentKey; parent nil means
// self-signed.
func issue(t testing.TB, tmpl, parent *x509.Certificate, pub, parentKey *testKey) *x509.Certificate {
	t.Helper()
	if parent == nil {
		parent = tmpl
	}
	var der []byte
	var err error
	if parentKey.gost != nil {
		der, err = gosttest.CreateCertificate(rand.Reader, tmpl, parent, pub.gost.Public(), parentKey.gost, oidGOST2015512)
	} else {
		der, err = x509.CreateCertificate(rand.Reader, tmpl, parent, pub.std.Public(), parentKey.std)
	}
	require.NoError(t, err)
	c, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return c
}

// caTemplate is a CA certificate template valid around now.
func caTemplate(subject pkix.Name, now time.Time) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               subject,
		NotBefore:             now.Add(-365 * 24 * time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
}

// newPKI makes a CA and a delegated OCSP responder valid around now.
func newPKI(t testing.TB, alg string, now time.Time) *testPKI {
	t.Helper()
	p := &testPKI{alg: alg, now: now}
	p.caKey = p.newKey(t)
	p.responderKey = p.newKey(t)
	p.ca = issue(t, caTemplate(pkix.Name{CommonName: "Test CA " + alg + " " + rand.Text()[:8], Country: []string{"KZ"}}, now),
		nil, p.caKey, p.caKey)
	p.responder = p.newResponder(t, true, []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}, p.responderKey)
	return p
}

// impostor is a self-signed CA with the same name as p's, another key.
func (p *testPKI) impostor(t testing.TB) (*x509.Certificate, *testKey) {
	key := p.newKey(t)
	return issue(t, caTemplate(p.ca.Subject, p.now), nil, key, key), key
}

// newResponder issues a delegated responder certificate.
func (p *testPKI) newResponder(t testing.TB, nocheck bool, eku []x509.ExtKeyUsage, key *testKey) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "OCSP RESPONDER " + p.alg, Country: []string{"KZ"}},
		NotBefore:    p.now.Add(-24 * time.Hour),
		NotAfter:     p.now.Add(30 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  eku,
	}
	if nocheck {
		tmpl.ExtraExtensions = []pkix.Extension{{Id: oidOCSPNoCheck, Value: []byte{5, 0}}}
	}
	return issue(t, tmpl, p.ca, key, p.caKey)
}

// leaf issues an end-entity certificate naming the given locations.
func (p *testPKI) leaf(t testing.TB, serial int64, ocspURL, crlURL, deltaURL string) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "ТЕСТОВ ТЕСТ", SerialNumber: "IIN123456789011"},
		NotBefore:    p.now.Add(-24 * time.Hour),
		NotAfter:     p.now.Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	if ocspURL != "" {
		tmpl.OCSPServer = []string{ocspURL}
	}
	if crlURL != "" {
		tmpl.CRLDistributionPoints = []string{crlURL}
	}
	if deltaURL != "" {
		tmpl.ExtraExtensions = []pkix.Extension{{Id: oidFreshestCRL, Value: dpValue(t, deltaURL)}}
	}
	return issue(t, tmpl, p.ca, p.leafKey(t), p.caKey)
}

// leafKey is a subject key for leaves; leaves share one key per PKI
// (their keys play no part in revocation).
func (p *testPKI) leafKey(t testing.TB) *testKey {
	return p.responderKey
}

// dpValue encodes a CRLDistributionPoints / FreshestCRL value with one URI.
func dpValue(t testing.TB, uri string) []byte {
	t.Helper()
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.Tag(6).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte(uri)) })
				})
			})
		})
	})
	return b.BytesOrPanic()
}

// ---- OCSP requests and responses --------------------------------------------------

// parsedRequest is what a test responder reads from a request.
type parsedRequest struct {
	hashOID                      asn1.ObjectIdentifier
	nameHash, keyHash, serial    []byte
	nonce                        []byte // the nonce itself (inside the OCTET STRING)
	nonceExtnValue               []byte
	requests                     int
	extraTBSFieldsOrTrailingData bool
}

func parseRequest(der []byte) (*parsedRequest, bool) {
	in := cryptobyte.String(der)
	var req, tbs, list, r, id, alg cryptobyte.String
	p := &parsedRequest{}
	if !in.ReadASN1(&req, cbasn1.SEQUENCE) || !in.Empty() || !req.ReadASN1(&tbs, cbasn1.SEQUENCE) ||
		!tbs.ReadASN1(&list, cbasn1.SEQUENCE) {
		return nil, false
	}
	for !list.Empty() {
		p.requests++
		if !list.ReadASN1(&r, cbasn1.SEQUENCE) || !r.ReadASN1(&id, cbasn1.SEQUENCE) ||
			!id.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&p.hashOID) {
			return nil, false
		}
		var nh, kh, sn cryptobyte.String
		if !id.ReadASN1(&nh, cbasn1.OCTET_STRING) || !id.ReadASN1(&kh, cbasn1.OCTET_STRING) ||
			!id.ReadASN1(&sn, cbasn1.INTEGER) || !id.Empty() {
			return nil, false
		}
		p.nameHash, p.keyHash, p.serial = nh, kh, sn
	}
	var exts cryptobyte.String
	var present bool
	if !tbs.ReadOptionalASN1(&exts, &present, cbasn1.Tag(2).Constructed().ContextSpecific()) {
		return nil, false
	}
	p.extraTBSFieldsOrTrailingData = !tbs.Empty() || !req.Empty()
	if present {
		err := readExtensions(exts, func(oid asn1.ObjectIdentifier, _ bool, v []byte) error {
			if oid.Equal(oidOCSPNonce) {
				p.nonceExtnValue = v
				s := cryptobyte.String(v)
				var inner cryptobyte.String
				if s.ReadASN1(&inner, cbasn1.OCTET_STRING) {
					p.nonce = inner
				}
			}
			return nil
		})
		if err != nil {
			return nil, false
		}
	}
	return p, true
}

// respSpec describes an OCSP response for buildResponse.
type respSpec struct {
	responseStatus int // non-zero: an unsuccessful response
	status         string
	reason         int // -1: none
	revokedAt      time.Time
	// CertID: taken from the request when req is set, else computed from
	// issuer and serial with SHA-256.
	req        *parsedRequest
	issuer     *x509.Certificate
	serial     *big.Int
	thisUpdate time.Time
	nextUpdate time.Time // zero: absent
	producedAt time.Time
	// nonce: the extnValue to put in the nonce extension; noNonce omits it.
	nonce   []byte
	noNonce bool
	// signer, the certificate named in responderID, and what to embed.
	sign     *testKey
	signer   *x509.Certificate
	byKey    bool
	embed    []*x509.Certificate
	tamper   bool // flip a bit of the signature
	critical bool // add an unknown critical response extension
}

func buildResponse(t testing.TB, s respSpec) []byte {
	t.Helper()
	var b cryptobyte.Builder
	if s.responseStatus != 0 {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1Enum(int64(s.responseStatus)) })
		return b.BytesOrPanic()
	}
	hashOID, nameHash, keyHash, serial := oidSHA256, []byte(nil), []byte(nil), []byte(nil)
	if s.req != nil {
		hashOID, nameHash, keyHash, serial = s.req.hashOID, s.req.nameHash, s.req.keyHash, s.req.serial
	} else {
		ii, err := newIssuerInfo(s.issuer)
		require.NoError(t, err)
		nameHash, keyHash = ii.nameSHA256[:], ii.keySHA256[:]
		serial = signature.SerialBytes(s.serial)
	}
	if s.producedAt.IsZero() {
		s.producedAt = s.thisUpdate
	}
	var tbs cryptobyte.Builder
	tbs.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		if s.byKey {
			kb, err := subjectPublicKeyBits(s.signer.RawSubjectPublicKeyInfo)
			require.NoError(t, err)
			h := sha1Sum(kb)
			b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddASN1OctetString(h) })
		} else {
			b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(s.signer.RawSubject) })
		}
		b.AddASN1GeneralizedTime(s.producedAt.UTC())
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(hashOID)
						b.AddASN1NULL()
					})
					b.AddASN1OctetString(nameHash)
					b.AddASN1OctetString(keyHash)
					b.AddASN1(cbasn1.INTEGER, func(b *cryptobyte.Builder) { b.AddBytes(serial) })
				})
				switch s.status {
				case StatusGood:
					b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(*cryptobyte.Builder) {})
				case StatusRevoked:
					b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
						b.AddASN1GeneralizedTime(s.revokedAt.UTC())
						if s.reason >= 0 {
							b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
								b.AddASN1Enum(int64(s.reason))
							})
						}
					})
				default:
					b.AddASN1(cbasn1.Tag(2).ContextSpecific(), func(*cryptobyte.Builder) {})
				}
				b.AddASN1GeneralizedTime(s.thisUpdate.UTC())
				if !s.nextUpdate.IsZero() {
					b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
						b.AddASN1GeneralizedTime(s.nextUpdate.UTC())
					})
				}
			})
		})
		if !s.noNonce || s.critical {
			b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					if !s.noNonce {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier(oidOCSPNonce)
							b.AddASN1OctetString(s.nonce)
						})
					}
					if s.critical {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 2, 3, 4})
							b.AddASN1Boolean(true)
							b.AddASN1OctetString([]byte{5, 0})
						})
					}
				})
			})
		}
	})
	tbsDER := tbs.BytesOrPanic()
	sigOID, sig, err := s.sign.sign(tbsDER)
	require.NoError(t, err)
	if s.tamper {
		sig[len(sig)/2] ^= 0x01
	}
	var basic cryptobyte.Builder
	basic.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbsDER)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(sigOID)
			if !sigOID.Equal(oidECDSAWithSHA256) {
				b.AddASN1NULL() // RSA, and GOST in the NCA shape
			}
		})
		b.AddASN1BitString(sig)
		if len(s.embed) > 0 {
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					for _, c := range s.embed {
						b.AddBytes(c.Raw)
					}
				})
			})
		}
	})
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Enum(0)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidOCSPBasic)
				b.AddASN1OctetString(basic.BytesOrPanic())
			})
		})
	})
	return b.BytesOrPanic()
}

func sha1Sum(b []byte) []byte {
	h := sha1.Sum(b)
	return h[:]
}

// nonceValue is the RFC 8954 extnValue of a nonce.
func nonceValue(nonce []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1OctetString(nonce)
	return b.BytesOrPanic()
}

// ---- servers ------------------------------------------------------------------------

// server is an httptest server whose handler a test can swap, counting
// requests.
type server struct {
	*httptest.Server
	hits    atomic.Int64
	mu      sync.Mutex
	handler http.HandlerFunc
}

func newServer(t testing.TB) *server {
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		h := s.handler
		s.mu.Unlock()
		if h == nil {
			http.Error(w, "no handler", http.StatusNotFound)
			return
		}
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) handle(h http.HandlerFunc) {
	s.mu.Lock()
	s.handler = h
	s.mu.Unlock()
}

// ocspHandler serves responses built by mk from each parsed request.
func ocspHandler(t testing.TB, mk func(req *parsedRequest) []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/ocsp-request" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		req, ok := parseRequest(body)
		if !ok {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/ocsp-response")
		_, _ = w.Write(mk(req))
	}
}

// hangHandler never answers: it waits until the client goes away or the
// test ends (registered after the server, its cleanup runs first).
func hangHandler(t testing.TB) http.HandlerFunc {
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}
}

// bytesHandler serves fixed bytes.
func bytesHandler(b []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(b) }
}

// ---- audit ----------------------------------------------------------------------------

type auditLog struct {
	mu     sync.Mutex
	events []auth.Event
}

func (a *auditLog) Audit(_ context.Context, e auth.Event) {
	a.mu.Lock()
	a.events = append(a.events, e)
	a.mu.Unlock()
}

func (a *auditLog) last(t testing.TB) auth.Event {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	require.NotEmpty(t, a.events)
	return a.events[len(a.events)-1]
}

func (a *auditLog) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.events)
}

// ---- misc -------------------------------------------------------------------------------

var testEpoch = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func newClock(t testing.TB) *fakeclock.Clock {
	_ = t
	return fakeclock.New(testEpoch)
}

func newChecker(t testing.TB, cfg Config) *Checker {
	t.Helper()
	c, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}
