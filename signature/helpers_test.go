package signature_test

import (
	"context"
	"crypto/x509"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// The development PKIs are expensive to make (RSA keys): one per algorithm
// per test binary.
var pkis sigtest.Cache

func pkiFor(t testing.TB, alg devpki.Algorithm) *sigtest.PKI { return pkis.Get(t, alg) }

// allAlgorithms are the algorithms every behaviour is checked with.
var allAlgorithms = []devpki.Algorithm{devpki.GOST2015, devpki.RSA2048, devpki.ECDSAP256}

// testNow is the verifier's clock in most tests: an hour after the PKI's
// epoch, inside every certificate's validity.
func testNow() time.Time { return sigtest.Epoch().Add(time.Hour) }

// okChecker answers "good" for everything and records what it was asked.
type okChecker struct {
	mu    sync.Mutex
	calls []string // "serial<-issuerSerial"
}

func (c *okChecker) CheckRevocation(_ context.Context, cert, issuer *x509.Certificate) (signature.RevocationStatus, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, cert.SerialNumber.Text(16)+"<-"+issuer.SerialNumber.Text(16))
	return signature.RevocationStatus{Source: "test", Status: "good", Reason: -1}, nil
}

// funcChecker answers with f.
type funcChecker func(cert, issuer *x509.Certificate) (signature.RevocationStatus, error)

func (f funcChecker) CheckRevocation(_ context.Context, cert, issuer *x509.Certificate) (signature.RevocationStatus, error) {
	return f(cert, issuer)
}

type verifierOpt func(*signature.Config)

func newVerifier(t testing.TB, p *sigtest.PKI, opts ...verifierOpt) (*signature.Verifier, *fakeclock.Clock) {
	t.Helper()
	clock := fakeclock.New(testNow())
	cfg := signature.Config{Roots: p.Roots(), Now: clock.Now, InsecureSkipRevocation: true}
	for _, o := range opts {
		o(&cfg)
	}
	v, err := signature.NewVerifier(cfg)
	require.NoError(t, err)
	return v, clock
}

func withChecker(c signature.RevocationChecker) verifierOpt {
	return func(cfg *signature.Config) { cfg.Revocation, cfg.InsecureSkipRevocation = c, false }
}

func withIntermediates(p *sigtest.PKI) verifierOpt {
	return func(cfg *signature.Config) { cfg.Intermediates = []*x509.Certificate{p.CA.Cert} }
}

// sign signs content with leaf, failing the test on error. The CMS carries
// the chain unless the options say otherwise.
func sign(t testing.TB, leaf *devpki.Leaf, content []byte, o devpki.CMSOptions) []byte {
	t.Helper()
	if o.SigningTime.IsZero() {
		o.SigningTime = testNow()
	}
	cms, err := leaf.SignCMS(content, o)
	require.NoError(t, err)
	return cms
}

var ctx = context.Background()
