package revocation

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ocsp"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/signature"
)

// ocspCase is one responder behaviour and the verdict it must produce.
type ocspCase struct {
	name string
	// mk builds the response for a request; spec is pre-filled with a
	// good, correctly signed answer (delegated responder, nonce echoed).
	mk func(t *testing.T, p *testPKI, spec *respSpec)
	// handler replaces the OCSP handler entirely.
	handler func(t *testing.T, p *testPKI) http.HandlerFunc
	cfg     func(cfg *Config)
	// want is nil for good; otherwise the errors the result must wrap.
	want   []error
	reason int
	// noCache: a good answer that must not be cached (valid only by skew).
	noCache bool
	// ownBuilderOnly: the case needs what x/crypto/ocsp cannot make (a
	// response nonce, a by-key responderID, a forged CertID hash).
	ownBuilderOnly bool
}

var unavailableErr = signature.ErrRevocationUnavailable

func ocspCases() []ocspCase {
	return []ocspCase{
		{name: "good"},
		{name: "good signed by the CA itself, by key", ownBuilderOnly: true, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.sign, s.signer, s.byKey, s.embed = p.caKey, p.ca, true, nil
		}},
		{name: "good with a SHA-1 CertID in the answer", mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.req.hashOID = oidSHA1
			ii, _ := newIssuerInfo(p.ca)
			s.req.nameHash, s.req.keyHash = ii.nameSHA1[:], ii.keySHA1[:]
		}},
		{name: "good, nonce echoed bare", ownBuilderOnly: true, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.nonce = s.req.nonce
		}},
		{name: "revoked keyCompromise", reason: 1, want: []error{signature.ErrRevoked}, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.status, s.reason = StatusRevoked, 1
		}},
		{name: "certificateHold", reason: 6, want: []error{signature.ErrRevoked}, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.status, s.reason = StatusRevoked, 6
		}},
		{name: "revoked without reason", reason: -1, want: []error{signature.ErrRevoked}, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.status, s.reason = StatusRevoked, -1
		}},
		{name: "unknown", want: []error{signature.ErrRevocationUnknown}, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.status = StatusUnknown
		}},
		{name: "wrong nonce", ownBuilderOnly: true, want: []error{unavailableErr, ErrNonce}, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.nonce = nonceValue([]byte("0123456789abcdef"))
		}},
		{name: "nonce missing", ownBuilderOnly: true, want: []error{unavailableErr, ErrNonce}, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.noNonce = true
		}},
		{name: "nonce missing, InsecureOCSPNoNonce", ownBuilderOnly: true, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.noNonce = true
		}, cfg: func(c *Config) { c.InsecureOCSPNoNonce = true }},
		{name: "wrong nonce, InsecureOCSPNoNonce", ownBuilderOnly: true, want: []error{unavailableErr, ErrNonce}, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.nonce = nonceValue([]byte("0123456789abcdef"))
		}, cfg: func(c *Config) { c.InsecureOCSPNoNonce = true }},
		{name: "wrong CertID serial", want: []error{unavailableErr, ErrCertIDMismatch}, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.req.serial = []byte{0x7f}
		}},
		{name: "wrong CertID issuer key hash", ownBuilderOnly: true, want: []error{unavailableErr, ErrCertIDMismatch}, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.req.keyHash = bytes.Repeat([]byte{1}, 32)
		}},
		{name: "CertID with MD5", ownBuilderOnly: true, want: []error{unavailableErr, ErrCertIDMismatch}, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.req.hashOID = []int{1, 2, 840, 113549, 2, 5}
		}},
		{name: "expired response", want: []error{unavailableErr, ErrStale}, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.thisUpdate, s.nextUpdate = p.now.Add(-3*time.Hour), p.now.Add(-2*time.Minute)
		}},
		{name: "expired within skew", noCache: true, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.thisUpdate, s.nextUpdate = p.now.Add(-3*time.Hour), p.now.Add(-30*time.Second)
		}},
		{name: "thisUpdate in the future", want: []error{unavailableErr, ErrStale}, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.thisUpdate, s.nextUpdate = p.now.Add(10*time.Minute), p.now.Add(time.Hour)
		}},
		{name: "no nextUpdate and too old", want: []error{unavailableErr, ErrStale}, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.thisUpdate, s.nextUpdate = p.now.Add(-time.Hour), time.Time{}
		}},
		{name: "no nextUpdate, fresh (NCA style)", mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.thisUpdate, s.nextUpdate = p.now, time.Time{}
		}},
		{name: "responder without OCSPSigning EKU", want: []error{unavailableErr, ErrNotAuthorized}, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			delegate(t, s, p, true, x509.ExtKeyUsageClientAuth)
		}},
		{name: "responder issued by another CA", want: []error{unavailableErr, ErrNotAuthorized}, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			other := *p
			other.ca, other.caKey = p.impostor(t)
			delegate(t, s, &other, true, x509.ExtKeyUsageOCSPSigning)
		}},
		{name: "self-signed responder", want: []error{unavailableErr, ErrNotAuthorized}, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			key := p.newKey(t)
			s.signer = issue(t, &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "evil"},
				NotBefore: p.now.Add(-time.Hour), NotAfter: p.now.Add(time.Hour),
				ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}}, nil, key, key)
			s.sign, s.embed = key, []*x509.Certificate{s.signer}
		}},
		{name: "responder certificate expired", want: []error{unavailableErr, ErrNotAuthorized}, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			old := *p
			old.now = p.now.Add(-90 * 24 * time.Hour)
			delegate(t, s, &old, true, x509.ExtKeyUsageOCSPSigning)
		}},
		{name: "responder certificate not sent", want: []error{unavailableErr, ErrNotAuthorized}, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.embed = nil
		}},
		{name: "responder without ocsp-nocheck and no CRL", want: []error{unavailableErr, ErrNotAuthorized}, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			delegate(t, s, p, false, x509.ExtKeyUsageOCSPSigning)
		}},
		{name: "tampered signature", want: []error{unavailableErr, ErrSignature}, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.tamper = true
		}},
		{name: "signed by the responder key but named as the CA", want: []error{unavailableErr, ErrSignature}, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.signer, s.embed = p.ca, nil
		}},
		{name: "unknown critical extension", want: []error{unavailableErr, ErrMalformed}, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.critical = true
		}},
		{name: "tryLater", want: []error{unavailableErr, ErrResponderStatus}, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.responseStatus = OCSPTryLater
		}},
		{name: "unauthorized for both hashes", want: []error{unavailableErr, ErrResponderStatus}, mk: func(t *testing.T, p *testPKI, s *respSpec) {
			s.responseStatus = OCSPUnauthorized
		}},
		{name: "SHA-1-only responder", mk: func(t *testing.T, p *testPKI, s *respSpec) {
			if !s.req.hashOID.Equal(oidSHA1) {
				s.responseStatus = OCSPMalformedRequest
			}
		}},
		{name: "HTTP 500", want: []error{unavailableErr, ErrFetch}, handler: func(t *testing.T, p *testPKI) http.HandlerFunc {
			return func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) }
		}},
		{name: "timeout", want: []error{unavailableErr, ErrFetch, context.DeadlineExceeded}, handler: func(t *testing.T, p *testPKI) http.HandlerFunc {
			return hangHandler(t)
		}, cfg: func(c *Config) { c.Timeout = 50 * time.Millisecond }},
		{name: "oversized body", want: []error{unavailableErr, ErrTooLarge}, handler: func(t *testing.T, p *testPKI) http.HandlerFunc {
			return func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Length", "")
				for range 100 {
					_, _ = w.Write(make([]byte, 1024))
				}
			}
		}, cfg: func(c *Config) { c.MaxResponseSize = 8 << 10 }},
		{name: "malformed DER", want: []error{unavailableErr, ErrMalformed}, handler: func(t *testing.T, p *testPKI) http.HandlerFunc {
			return bytesHandler([]byte{0x30, 0x82, 0xff, 0xff, 0x0a, 0x01, 0x00})
		}},
		{name: "a CRL instead of a response", want: []error{unavailableErr, ErrMalformed}, handler: func(t *testing.T, p *testPKI) http.HandlerFunc {
			return bytesHandler(testCRL(t, p, nil, 1, p.now))
		}},
	}
}

// delegate makes s signed by a new responder certificate that issuer's CA
// issued with the given EKUs (and id-pkix-ocsp-nocheck if nocheck).
func delegate(t *testing.T, s *respSpec, issuer *testPKI, nocheck bool, eku ...x509.ExtKeyUsage) {
	key := issuer.newKey(t)
	s.signer = issuer.newResponder(t, nocheck, eku, key)
	s.sign, s.embed = key, []*x509.Certificate{s.signer}
}

// TestOCSPCases runs every case against a test responder whose answers
// this package's builder makes (RSA, ECDSA, GOST), and, for RSA and ECDSA,
// against one whose answers x/crypto/ocsp.CreateResponse makes (those carry
// no nonce, so that run waives it with InsecureOCSPNoNonce).
func TestOCSPCases(t *testing.T) {
	for _, run := range []struct {
		alg    string
		xcrypt bool
	}{{"rsa", false}, {"ecdsa", false}, {"gost", false}, {"rsa", true}, {"ecdsa", true}} {
		name := run.alg
		if run.xcrypt {
			name += "/x-crypto-ocsp"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			clock := newClock(t)
			p := newPKI(t, run.alg, clock.Now())
			for _, tc := range ocspCases() {
				if run.xcrypt && (tc.ownBuilderOnly || tc.handler != nil) {
					continue
				}
				t.Run(tc.name, func(t *testing.T) {
					runOCSPCase(t, p, clock.Now, tc, run.xcrypt)
				})
			}
		})
	}
}

// xcryptoResponse makes the response s describes with
// x/crypto/ocsp.CreateResponse.
func xcryptoResponse(t testing.TB, p *testPKI, s respSpec) []byte {
	t.Helper()
	switch s.responseStatus {
	case 0:
	case OCSPTryLater:
		return ocsp.TryLaterErrorResponse
	case OCSPUnauthorized:
		return ocsp.UnauthorizedErrorResponse
	case OCSPMalformedRequest:
		return ocsp.MalformedRequestErrorResponse
	default:
		t.Fatalf("no x/crypto/ocsp response for status %d", s.responseStatus)
	}
	tmpl := ocsp.Response{
		SerialNumber: new(big.Int).SetBytes(s.req.serial),
		IssuerHash:   crypto.SHA256,
		ThisUpdate:   s.thisUpdate,
		NextUpdate:   s.nextUpdate,
		RevokedAt:    s.revokedAt,
	}
	if s.req.hashOID.Equal(oidSHA1) {
		tmpl.IssuerHash = crypto.SHA1
	}
	switch s.status {
	case StatusGood:
		tmpl.Status = ocsp.Good
	case StatusRevoked:
		tmpl.Status, tmpl.RevocationReason = ocsp.Revoked, max(s.reason, 0) // 0 is left out
	default:
		tmpl.Status = ocsp.Unknown
	}
	if len(s.embed) > 0 {
		tmpl.Certificate = s.embed[0]
	}
	if s.critical {
		tmpl.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3, 4}, Critical: true, Value: []byte{5, 0}}}
	}
	der, err := ocsp.CreateResponse(p.ca, s.signer, tmpl, s.sign.std)
	require.NoError(t, err)
	if s.tamper {
		r, err := ParseOCSPResponse(der)
		require.NoError(t, err)
		r.Signature[len(r.Signature)/2] ^= 1 // a sub-slice of der
	}
	return der
}

// goodSpec is a correct answer to req from p's delegated responder.
func goodSpec(p *testPKI, req *parsedRequest) respSpec {
	return respSpec{
		status: StatusGood, reason: -1, req: req, revokedAt: p.now.Add(-time.Hour),
		thisUpdate: p.now.Add(-time.Minute), nextUpdate: p.now.Add(time.Hour),
		nonce: req.nonceExtnValue,
		sign:  p.responderKey, signer: p.responder, embed: []*x509.Certificate{p.responder},
	}
}

func runOCSPCase(t *testing.T, p *testPKI, now func() time.Time, tc ocspCase, xcrypt bool) {
	srv := newServer(t)
	var mkMu sync.Mutex
	if tc.handler != nil {
		srv.handle(tc.handler(t, p))
	} else {
		srv.handle(ocspHandler(t, func(req *parsedRequest) []byte {
			mkMu.Lock()
			defer mkMu.Unlock()
			spec := goodSpec(p, req)
			if tc.mk != nil {
				tc.mk(t, p, &spec)
			}
			if xcrypt {
				return xcryptoResponse(t, p, spec)
			}
			return buildResponse(t, spec)
		}))
	}
	audit := &auditLog{}
	cfg := Config{Mode: OCSPOnly, Now: now, Audit: audit, InsecureOCSPNoNonce: xcrypt}
	if tc.cfg != nil {
		tc.cfg(&cfg)
	}
	c := newChecker(t, cfg)
	leaf := p.leaf(t, 0x1234567, srv.URL, "", "")
	st, err := c.CheckRevocation(auth.ContextWithFlowRef(context.Background(), "0123456789abcdef"), leaf, p.ca)
	ev := audit.last(t)
	assert.Equal(t, EventRevocation, ev.Type)
	assert.Equal(t, "0123456789abcdef", ev.Flow, "the event names the flow the engine put in the context")
	assert.Equal(t, "01234567", ev.Attrs["serial"], "hex of the serial octets, as OpenSSL prints it")
	assert.NotContains(t, ev.Attrs, "subject", "the subject is personal data and off by default")
	if tc.want == nil {
		require.NoError(t, err)
		assert.Equal(t, StatusGood, st.Status)
		assert.Equal(t, SourceOCSP, st.Source)
		assert.True(t, ev.Allowed)
		// A second check is served from the cache: no new request.
		hits := srv.hits.Load()
		st2, err := c.CheckRevocation(context.Background(), leaf, p.ca)
		require.NoError(t, err)
		if tc.noCache {
			assert.False(t, st2.Cached)
			assert.Equal(t, hits+1, srv.hits.Load())
			return
		}
		assert.True(t, st2.Cached)
		assert.Equal(t, hits, srv.hits.Load())
		return
	}
	require.Error(t, err)
	assert.False(t, ev.Allowed)
	for _, w := range tc.want {
		assert.ErrorIs(t, err, w)
	}
	switch {
	case errors.Is(err, signature.ErrRevoked):
		assert.Equal(t, StatusRevoked, st.Status)
		assert.Equal(t, tc.reason, st.Reason)
		assert.Equal(t, ReasonString(tc.reason), ev.Attrs["reason"])
		var se *StatusError
		require.ErrorAs(t, err, &se)
		assert.False(t, errors.Is(err, unavailableErr))
	case errors.Is(err, signature.ErrRevocationUnknown):
		assert.Equal(t, StatusUnknown, st.Status)
		assert.False(t, errors.Is(err, unavailableErr))
	default:
		var ce *CheckError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, SourceOCSP, ce.Source)
		assert.Equal(t, srv.URL, ce.URL)
		assert.Equal(t, "unavailable", ev.Attrs["status"])
		assert.Contains(t, err.Error(), srv.URL, "the error names the check that failed")
	}
}

func TestOCSPRequestEncoding(t *testing.T) {
	p := newPKI(t, "ecdsa", testEpoch)
	leaf := p.leaf(t, 77, "", "", "")
	ii, err := newIssuerInfo(p.ca)
	require.NoError(t, err)
	nonce := bytes.Repeat([]byte{0xab}, 16)
	der, err := buildOCSPRequest(&ocspQuery{issuer: p.ca, ii: ii, serial: signature.SerialBytes(leaf.SerialNumber), nonce: nonce})
	require.NoError(t, err)
	// x/crypto/ocsp reads the same CertID.
	req, err := ocsp.ParseRequest(der)
	require.NoError(t, err)
	assert.Equal(t, 0, req.SerialNumber.Cmp(leaf.SerialNumber))
	assert.Equal(t, ii.nameSHA256[:], req.IssuerNameHash)
	assert.Equal(t, ii.keySHA256[:], req.IssuerKeyHash)
	pr, ok := parseRequest(der)
	require.True(t, ok)
	assert.Equal(t, nonce, pr.nonce)
	assert.Equal(t, 1, pr.requests)
	assert.False(t, pr.extraTBSFieldsOrTrailingData)

	// Our CertID equals the one x/crypto/ocsp computes, for both hashes.
	for _, h := range []struct {
		oid  []int
		name string
	}{{oidSHA256, "sha256"}, {oidSHA1, "sha1"}} {
		var opts ocsp.RequestOptions
		if h.name == "sha256" {
			opts.Hash = 5 // crypto.SHA256
		} else {
			opts.Hash = 3 // crypto.SHA1
		}
		ref, err := ocsp.CreateRequest(leaf, p.ca, &opts)
		require.NoError(t, err)
		rr, err := ocsp.ParseRequest(ref)
		require.NoError(t, err)
		name, key := ii.hashes(rr.HashAlgorithm)
		assert.Equal(t, rr.IssuerNameHash, name, h.name)
		assert.Equal(t, rr.IssuerKeyHash, key, h.name)
	}
}

// TestOCSPXCryptoResponse: a response made by x/crypto/ocsp (RSA and ECDSA),
// which cannot carry a response nonce, is accepted only when the host
// waives the nonce, and its status is read correctly.
func TestOCSPXCryptoResponse(t *testing.T) {
	for _, alg := range []string{"rsa", "ecdsa"} {
		t.Run(alg, func(t *testing.T) {
			clock := newClock(t)
			p := newPKI(t, alg, clock.Now())
			srv := newServer(t)
			leafGood := p.leaf(t, 100, srv.URL, "", "")
			leafHold := p.leaf(t, 101, srv.URL, "", "")
			srv.handle(func(w http.ResponseWriter, r *http.Request) {
				var body bytes.Buffer
				_, _ = body.ReadFrom(r.Body)
				req, err := ocsp.ParseRequest(body.Bytes())
				if err != nil {
					http.Error(w, "bad", http.StatusBadRequest)
					return
				}
				tmpl := ocsp.Response{
					Status: ocsp.Good, SerialNumber: req.SerialNumber, IssuerHash: req.HashAlgorithm,
					ThisUpdate: clock.Now().Add(-time.Minute), NextUpdate: clock.Now().Add(time.Hour),
					Certificate: p.responder,
				}
				if req.SerialNumber.Int64() == 101 {
					tmpl.Status, tmpl.RevocationReason, tmpl.RevokedAt = ocsp.Revoked, ocsp.CertificateHold, clock.Now().Add(-time.Hour)
				}
				der, err := ocsp.CreateResponse(p.ca, p.responder, tmpl, p.responderKey.std)
				if err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				_, _ = w.Write(der)
			})
			strict := newChecker(t, Config{Mode: OCSPOnly, Now: clock.Now})
			_, err := strict.CheckRevocation(context.Background(), leafGood, p.ca)
			require.ErrorIs(t, err, ErrNonce)

			lax := newChecker(t, Config{Mode: OCSPOnly, Now: clock.Now, InsecureOCSPNoNonce: true})
			st, err := lax.CheckRevocation(context.Background(), leafGood, p.ca)
			require.NoError(t, err)
			assert.Equal(t, StatusGood, st.Status)
			assert.Contains(t, st.Responder, "OCSP RESPONDER")
			st, err = lax.CheckRevocation(context.Background(), leafHold, p.ca)
			require.ErrorIs(t, err, signature.ErrRevoked)
			assert.Equal(t, 6, st.Reason)
		})
	}
}

// TestOCSPParserAgreesWithXCrypto parses responses of our builder with both
// parsers.
func TestOCSPParserAgreesWithXCrypto(t *testing.T) {
	p := newPKI(t, "ecdsa", testEpoch)
	for _, status := range []string{StatusGood, StatusRevoked, StatusUnknown} {
		spec := respSpec{status: status, reason: 4, revokedAt: testEpoch.Add(-time.Hour), issuer: p.ca,
			serial: big.NewInt(4242), thisUpdate: testEpoch, nextUpdate: testEpoch.Add(time.Hour),
			nonce: nonceValue([]byte("12345678")), sign: p.responderKey, signer: p.responder,
			embed: []*x509.Certificate{p.responder}}
		der := buildResponse(t, spec)
		ours, err := ParseOCSPResponse(der)
		require.NoError(t, err)
		ref, err := ocsp.ParseResponse(der, p.ca)
		require.NoError(t, err, "x/crypto/ocsp verifies our builder's %s response", status)
		require.Len(t, ours.Responses, 1)
		sr := ours.Responses[0]
		assert.Equal(t, 0, new(big.Int).SetBytes(sr.SerialNumber).Cmp(ref.SerialNumber))
		assert.Equal(t, map[string]int{StatusGood: ocsp.Good, StatusRevoked: ocsp.Revoked, StatusUnknown: ocsp.Unknown}[status], ref.Status)
		assert.True(t, sr.ThisUpdate.Equal(ref.ThisUpdate))
		assert.True(t, sr.NextUpdate.Equal(ref.NextUpdate))
		assert.Equal(t, ref.RawResponderName, ours.ResponderName)
		assert.Equal(t, ref.Signature, ours.Signature)
		assert.Equal(t, ref.TBSResponseData, ours.TBSResponseData)
		if status == StatusRevoked {
			assert.Equal(t, ref.RevocationReason, sr.Reason)
			assert.True(t, sr.RevokedAt.Equal(ref.RevokedAt))
		}
	}
}

// TestOCSPSingleFlightCold: 100 concurrent checks of one certificate with
// a cold cache make exactly one HTTP request and all get the answer.
func TestOCSPSingleFlightCold(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	srv := newServer(t)
	release := make(chan struct{})
	srv.handle(ocspHandler(t, func(req *parsedRequest) []byte {
		<-release // hold the request until every check is waiting
		return buildResponse(t, goodSpec(p, req))
	}))
	c := newChecker(t, Config{Mode: OCSPOnly, Now: clock.Now})
	leaf := p.leaf(t, 555, srv.URL, "", "")
	const n = 100
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := c.CheckRevocation(context.Background(), leaf, p.ca)
			errs <- err
		})
	}
	require.Eventually(t, func() bool { return srv.hits.Load() == 1 }, 5*time.Second, time.Millisecond)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, int64(1), srv.hits.Load(), "one request for 100 concurrent cold checks")
}

// TestOCSPRevokedConcurrent: many goroutines checking a revoked
// certificate all deny, and none is served "good" from any path.
func TestOCSPRevokedConcurrent(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	srv := newServer(t)
	srv.handle(ocspHandler(t, func(req *parsedRequest) []byte {
		s := goodSpec(p, req)
		s.status, s.reason, s.revokedAt = StatusRevoked, 1, clock.Now().Add(-time.Hour)
		return buildResponse(t, s)
	}))
	c := newChecker(t, Config{Mode: OCSPOnly, Now: clock.Now})
	leaf := p.leaf(t, 556, srv.URL, "", "")
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			_, err := c.CheckRevocation(context.Background(), leaf, p.ca)
			assert.ErrorIs(t, err, signature.ErrRevoked)
		})
	}
	wg.Wait()
	_, err := c.CheckRevocation(context.Background(), leaf, p.ca)
	require.ErrorIs(t, err, signature.ErrRevoked, "a cached revocation still denies")
}

// TestOCSPCacheExpiry: a cached answer is reused until min(nextUpdate,
// MaxCacheAge), then the responder is asked again; a revocation that
// happened meanwhile is then seen.
func TestOCSPCacheExpiry(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	srv := newServer(t)
	var mu sync.Mutex
	status := StatusGood
	srv.handle(ocspHandler(t, func(req *parsedRequest) []byte {
		mu.Lock()
		defer mu.Unlock()
		s := goodSpec(p, req)
		s.thisUpdate, s.nextUpdate = clock.Now(), clock.Now().Add(24*time.Hour)
		s.status, s.revokedAt = status, clock.Now()
		return buildResponse(t, s)
	}))
	c := newChecker(t, Config{Mode: OCSPOnly, Now: clock.Now, MaxCacheAge: 10 * time.Minute})
	leaf := p.leaf(t, 557, srv.URL, "", "")
	_, err := c.CheckRevocation(context.Background(), leaf, p.ca)
	require.NoError(t, err)
	mu.Lock()
	status = StatusRevoked
	mu.Unlock()
	clock.Advance(9 * time.Minute)
	st, err := c.CheckRevocation(context.Background(), leaf, p.ca)
	require.NoError(t, err, "still within MaxCacheAge: the cached good answer")
	assert.True(t, st.Cached)
	assert.Equal(t, int64(1), srv.hits.Load())
	clock.Advance(2 * time.Minute)
	_, err = c.CheckRevocation(context.Background(), leaf, p.ca)
	require.ErrorIs(t, err, signature.ErrRevoked, "after MaxCacheAge the revocation is seen")
	assert.Equal(t, int64(2), srv.hits.Load())
}

// TestOCSPForget: Forget drops the cached answer, so that a revocation the
// host learned of is seen at the next check, by every checker sharing the
// cache; the other certificates' answers stay cached.
func TestOCSPForget(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	srv := newServer(t)
	var mu sync.Mutex
	revoked := map[string]bool{}
	srv.handle(ocspHandler(t, func(req *parsedRequest) []byte {
		mu.Lock()
		defer mu.Unlock()
		s := goodSpec(p, req)
		s.thisUpdate, s.nextUpdate = clock.Now(), clock.Now().Add(24*time.Hour)
		if revoked[string(req.serial)] {
			s.status, s.revokedAt = StatusRevoked, clock.Now()
		}
		return buildResponse(t, s)
	}))
	shared := newMemoryStore(t, clock.Now)
	a := newChecker(t, Config{Mode: OCSPOnly, Now: clock.Now, Cache: shared})
	b := newChecker(t, Config{Mode: OCSPOnly, Now: clock.Now, Cache: shared})
	leaf, other := p.leaf(t, 561, srv.URL, "", ""), p.leaf(t, 562, srv.URL, "", "")
	for _, c := range []*x509.Certificate{leaf, other} {
		_, err := a.CheckRevocation(context.Background(), c, p.ca)
		require.NoError(t, err)
	}
	mu.Lock()
	revoked[string(signature.SerialBytes(leaf.SerialNumber))] = true
	mu.Unlock()
	st, err := b.CheckRevocation(context.Background(), leaf, p.ca)
	require.NoError(t, err, "the cached good answer")
	assert.True(t, st.Cached)

	require.NoError(t, a.Forget(context.Background(), leaf, p.ca))
	_, err = b.CheckRevocation(context.Background(), leaf, p.ca)
	require.ErrorIs(t, err, signature.ErrRevoked, "the other instance sees it at once")
	assert.Equal(t, int64(3), srv.hits.Load())
	st, err = b.CheckRevocation(context.Background(), other, p.ca)
	require.NoError(t, err)
	assert.True(t, st.Cached, "only that certificate's answer was dropped")
	require.NoError(t, a.Forget(context.Background(), other, p.ca), "idempotent")
	require.NoError(t, a.Forget(context.Background(), other, p.ca))
	require.ErrorIs(t, a.Forget(context.Background(), nil, p.ca), ErrInvalidInput)
}

// TestOCSPSharedCache: two checkers sharing one store (as two instances
// sharing Redis would) make one request between them.
func TestOCSPSharedCache(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	srv := newServer(t)
	srv.handle(ocspHandler(t, func(req *parsedRequest) []byte { return buildResponse(t, goodSpec(p, req)) }))
	shared := newMemoryStore(t, clock.Now)
	a := newChecker(t, Config{Mode: OCSPOnly, Now: clock.Now, Cache: shared})
	b := newChecker(t, Config{Mode: OCSPOnly, Now: clock.Now, Cache: shared})
	leaf := p.leaf(t, 558, srv.URL, "", "")
	_, err := a.CheckRevocation(context.Background(), leaf, p.ca)
	require.NoError(t, err)
	st, err := b.CheckRevocation(context.Background(), leaf, p.ca)
	require.NoError(t, err)
	assert.True(t, st.Cached)
	assert.Equal(t, int64(1), srv.hits.Load())
}

// TestOCSPForgedCertificateNotFetched: a certificate not signed by the
// given issuer is refused before its (attacker-chosen) responder is asked.
func TestOCSPForgedCertificateNotFetched(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	evil := newPKI(t, "ecdsa", clock.Now())
	srv := newServer(t)
	srv.handle(ocspHandler(t, func(req *parsedRequest) []byte { return buildResponse(t, goodSpec(p, req)) }))
	forged := issue(t, &x509.Certificate{SerialNumber: big.NewInt(5), Subject: pkix.Name{CommonName: "x"},
		NotBefore: clock.Now(), NotAfter: clock.Now().Add(time.Hour), OCSPServer: []string{srv.URL},
		CRLDistributionPoints: []string{srv.URL}},
		&x509.Certificate{Subject: p.ca.Subject, SubjectKeyId: []byte{1}}, evil.caKey, evil.caKey)
	c := newChecker(t, Config{Now: clock.Now})
	_, err := c.CheckRevocation(context.Background(), forged, p.ca)
	require.ErrorIs(t, err, ErrNotIssuedBy)
	require.ErrorIs(t, err, unavailableErr)
	assert.Equal(t, int64(0), srv.hits.Load())

	other := evil.leaf(t, 6, srv.URL, "", "")
	_, err = c.CheckRevocation(context.Background(), other, p.ca)
	require.ErrorIs(t, err, ErrNotIssuedBy, "issuer name differs")
	assert.Equal(t, int64(0), srv.hits.Load())
}

func TestOCSPNoResponder(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	c := newChecker(t, Config{Now: clock.Now})
	leaf := p.leaf(t, 9, "", "", "")
	_, err := c.CheckRevocation(context.Background(), leaf, p.ca)
	require.ErrorIs(t, err, ErrNoSource)
	require.ErrorIs(t, err, unavailableErr)
	var ue *UnavailableError
	require.ErrorAs(t, err, &ue)
	require.Len(t, ue.Attempts, 2, "OCSP and CRL were both tried")
	assert.Equal(t, SourceOCSP, ue.Attempts[0].Source)
	assert.Equal(t, SourceCRL, ue.Attempts[1].Source)
	assert.True(t, strings.HasPrefix(err.Error(), "revocation: status unavailable: ocsp: "), err.Error())

	// ldap:// and file:// locations from a certificate are never used.
	leaf = p.leaf(t, 10, "file:///etc/passwd", "ldap://example/crl", "")
	_, err = c.CheckRevocation(context.Background(), leaf, p.ca)
	require.ErrorIs(t, err, ErrNoSource)
}

// TestOCSPCallerCancel: a caller whose context ends stops waiting; the
// flight itself completes for others.
func TestOCSPCallerCancel(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	srv := newServer(t)
	release := make(chan struct{})
	srv.handle(ocspHandler(t, func(req *parsedRequest) []byte {
		<-release
		return buildResponse(t, goodSpec(p, req))
	}))
	c := newChecker(t, Config{Mode: OCSPOnly, Now: clock.Now})
	leaf := p.leaf(t, 11, srv.URL, "", "")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := c.CheckRevocation(ctx, leaf, p.ca)
		done <- err
	}()
	require.Eventually(t, func() bool { return srv.hits.Load() == 1 }, 5*time.Second, time.Millisecond)
	cancel()
	err := <-done
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, unavailableErr)
	close(release)
	// The flight finished in the background and cached its answer.
	require.Eventually(t, func() bool {
		st, err := c.CheckRevocation(context.Background(), leaf, p.ca)
		return err == nil && st.Cached
	}, 5*time.Second, time.Millisecond)
	assert.Equal(t, int64(1), srv.hits.Load())
}

// TestOCSPEveryReasonDenies: "revoked" denies whatever the reason.
func TestOCSPEveryReasonDenies(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	ii, err := newIssuerInfo(p.ca)
	require.NoError(t, err)
	c := newChecker(t, Config{Mode: OCSPOnly, Now: clock.Now})
	for _, reason := range []int{-1, 0, 1, 2, 3, 4, 5, 6, 8, 9, 10} {
		der := buildResponse(t, respSpec{status: StatusRevoked, reason: reason, revokedAt: clock.Now().Add(-time.Hour),
			issuer: p.ca, serial: big.NewInt(31), thisUpdate: clock.Now(), nonce: nonceValue([]byte("12345678")),
			sign: p.responderKey, signer: p.responder, embed: []*x509.Certificate{p.responder}})
		r, err := ParseOCSPResponse(der)
		require.NoError(t, err)
		ans, err := c.verifyOCSP(context.Background(), r, &ocspQuery{issuer: p.ca, ii: ii,
			serial: signature.SerialBytes(big.NewInt(31)), nonce: []byte("12345678")}, clock.Now())
		require.NoError(t, err)
		st := ans.status()
		require.ErrorIs(t, statusErr(st), signature.ErrRevoked, ReasonString(reason))
		assert.Equal(t, reason, st.Reason)
	}
	// Reason 7 is unassigned in RFC 5280 and refused as malformed.
	der := buildResponse(t, respSpec{status: StatusRevoked, reason: 7, issuer: p.ca, serial: big.NewInt(31),
		thisUpdate: clock.Now(), sign: p.responderKey, signer: p.responder, noNonce: true})
	_, err = ParseOCSPResponse(der)
	require.ErrorIs(t, err, ErrMalformed)
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("entropy exhausted") }

// TestOCSPNonceSource: nonces come from Config.Rand in Config.NonceSize
// bytes; without randomness nothing is sent and the check denies.
func TestOCSPNonceSource(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	srv := newServer(t)
	var mu sync.Mutex
	var got []byte
	srv.handle(ocspHandler(t, func(req *parsedRequest) []byte {
		mu.Lock()
		got = req.nonce
		mu.Unlock()
		return buildResponse(t, goodSpec(p, req))
	}))
	nonce := bytes.Repeat([]byte{0x42}, 24)
	c := newChecker(t, Config{Mode: OCSPOnly, Now: clock.Now, Rand: bytes.NewReader(nonce), NonceSize: 24})
	_, err := c.CheckRevocation(context.Background(), p.leaf(t, 1, srv.URL, "", ""), p.ca)
	require.NoError(t, err)
	mu.Lock()
	assert.Equal(t, nonce, got)
	mu.Unlock()

	bad := newChecker(t, Config{Mode: OCSPOnly, Now: clock.Now, Rand: failingReader{}})
	hits := srv.hits.Load()
	_, err = bad.CheckRevocation(context.Background(), p.leaf(t, 2, srv.URL, "", ""), p.ca)
	require.ErrorIs(t, err, signature.ErrRevocationUnavailable)
	assert.Equal(t, hits, srv.hits.Load())
}
