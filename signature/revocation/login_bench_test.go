package revocation

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/gosttest"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// caTestKey turns a development CA's private key into a testKey.
func caTestKey(tb testing.TB, ca *devpki.CA) *testKey {
	tb.Helper()
	if ca.Alg == devpki.GOST2015 {
		h, err := ca.PrivateKeyHex()
		if err != nil {
			tb.Fatal(err)
		}
		k, err := gosttest.PrivateKeyFromHex(gost.CurveTC26512A(), h)
		if err != nil {
			tb.Fatal(err)
		}
		return &testKey{gost: k}
	}
	p, err := ca.PrivateKeyPEM()
	if err != nil {
		tb.Fatal(err)
	}
	blk, _ := pem.Decode(p)
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		tb.Fatal(err)
	}
	return &testKey{std: k.(crypto.Signer)}
}

// loginSetup is a development PKI, a login signature and an OCSP responder
// where each CA answers for the certificates it issued.
type loginSetup struct {
	input    []byte
	opts     signature.VerifyOptions
	base     signature.Config
	ocspURL  string
	requests func() int64
}

// leafStatus is the answer for the signer's certificate (the CA's is good).
func newLoginSetup(tb testing.TB, alg devpki.Algorithm, leafStatus string) *loginSetup {
	tb.Helper()
	p := sigtest.NewPKI(tb, alg)
	now := func() time.Time { return sigtest.Epoch().Add(time.Hour) }
	content := []byte("strongauth-challenge/v1\norigin=https://portal.example.kz\n")
	der, err := p.Individual.SignCMS(content, devpki.CMSOptions{SigningTime: now()})
	if err != nil {
		tb.Fatal(err)
	}
	signers := map[string]struct {
		cert *x509.Certificate
		key  *testKey
	}{}
	for _, ca := range []*devpki.CA{p.Root, p.CA} {
		ii, err := newIssuerInfo(ca.Cert)
		if err != nil {
			tb.Fatal(err)
		}
		signers[string(ii.nameSHA256[:])] = struct {
			cert *x509.Certificate
			key  *testKey
		}{ca.Cert, caTestKey(tb, ca)}
	}
	srv := newServer(tb)
	srv.handle(ocspHandler(tb, func(req *parsedRequest) []byte {
		s, ok := signers[string(req.nameHash)]
		if !ok {
			return buildResponse(tb, respSpec{responseStatus: OCSPUnauthorized})
		}
		st := StatusGood
		if s.cert == p.CA.Cert {
			st = leafStatus
		}
		return buildResponse(tb, respSpec{status: st, reason: 6, revokedAt: now().Add(-time.Hour), req: req,
			thisUpdate: now().Add(-time.Minute), nextUpdate: now().Add(time.Hour), nonce: req.nonceExtnValue,
			sign: s.key, signer: s.cert})
	}))
	return &loginSetup{
		input:    devpki.PEM(der),
		opts:     signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()},
		base:     signature.Config{Roots: p.Roots(), Intermediates: []*x509.Certificate{p.CA.Cert}, Now: now},
		ocspURL:  srv.URL,
		requests: srv.hits.Load,
	}
}

func (s *loginSetup) verifier(tb testing.TB, rc signature.RevocationChecker) *signature.Verifier {
	tb.Helper()
	cfg := s.base
	if rc == nil {
		cfg.InsecureSkipRevocation = true
	} else {
		cfg.Revocation = rc
	}
	v, err := signature.NewVerifier(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), s.input, s.opts); err != nil {
		tb.Fatal(err) // also warms the caches
	}
	return v
}

func (s *loginSetup) checker(tb testing.TB) *Checker {
	c, err := New(Config{Mode: OCSPOnly, Now: s.base.Now, OCSPURLs: []string{s.ocspURL}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// TestLoginWithOCSP: the verifier with this checker accepts a login after
// asking the responder once per chain certificate, then from the cache; a
// leaf on hold is refused through the verifier.
func TestLoginWithOCSP(t *testing.T) {
	s := newLoginSetup(t, devpki.ECDSAP256, StatusGood)
	v := s.verifier(t, s.checker(t))
	assert.Equal(t, int64(2), s.requests(), "one OCSP request per certificate below the root")
	res, err := v.Verify(context.Background(), s.input, s.opts)
	require.NoError(t, err)
	assert.Equal(t, int64(2), s.requests(), "the second login is answered from the cache")
	require.Len(t, res.Signers, 1)
	require.Len(t, res.Signers[0].Revocation, 2)
	assert.True(t, res.Signers[0].Revocation[0].Cached)
	assert.Equal(t, StatusGood, res.Signers[0].Revocation[0].Status)

	held := newLoginSetup(t, devpki.ECDSAP256, StatusRevoked)
	cfg := held.base
	cfg.Revocation = held.checker(t)
	hv, err := signature.NewVerifier(cfg)
	require.NoError(t, err)
	_, err = hv.Verify(context.Background(), held.input, held.opts)
	require.ErrorIs(t, err, signature.ErrRevoked)
}

// BenchmarkLoginVerify: a whole login signature verification
// (signature.Verifier, caches warm) without revocation and with this
// checker answering from a warm OCSP cache; ratio interleaves the two in
// one loop (goal ≤ 1.1).
func BenchmarkLoginVerify(b *testing.B) {
	for _, alg := range []devpki.Algorithm{devpki.RSA2048, devpki.ECDSAP256, devpki.GOST2015} {
		s := newLoginSetup(b, alg, StatusGood)
		plain := s.verifier(b, nil)
		withOCSP := s.verifier(b, s.checker(b))
		ctx := context.Background()
		run := func(v *signature.Verifier) func(b *testing.B) {
			return func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := v.Verify(ctx, s.input, s.opts); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
		b.Run(string(alg)+"/no-revocation", run(plain))
		b.Run(string(alg)+"/ocsp-warm", run(withOCSP))
		b.Run(string(alg)+"/ratio", func(b *testing.B) {
			var tPlain, tOCSP time.Duration
			for b.Loop() {
				t0 := time.Now()
				if _, err := plain.Verify(ctx, s.input, s.opts); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if _, err := withOCSP.Verify(ctx, s.input, s.opts); err != nil {
					b.Fatal(err)
				}
				tOCSP += time.Since(t1)
				tPlain += t1.Sub(t0)
			}
			b.ReportMetric(float64(tOCSP)/float64(tPlain), "x")
		})
		if n := s.requests(); n != 2 {
			b.Fatalf("%d OCSP requests, want 2 (the cache serves every other check)", n)
		}
	}
}
