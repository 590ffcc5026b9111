package devpki_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ocsp"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/internal/testenv"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/gosttest"
	"github.com/strongauth/strongauth/signature/revocation"
)

// revocationList is a mutable revocation list for a responder.
type revocationList struct {
	mu      sync.Mutex
	revoked map[string]devpki.Revoked
	unknown map[string]bool
	fail    error
	asked   []string
}

func newList() *revocationList {
	return &revocationList{revoked: map[string]devpki.Revoked{}, unknown: map[string]bool{}}
}

func (l *revocationList) status(_ context.Context, _ *x509.Certificate, serial *big.Int) (devpki.OCSPCertStatus, devpki.Revoked, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asked = append(l.asked, serial.Text(16))
	if l.fail != nil {
		return 0, devpki.Revoked{}, l.fail
	}
	if r, ok := l.revoked[serial.Text(16)]; ok {
		return devpki.OCSPRevoked, r, nil
	}
	if l.unknown[serial.Text(16)] {
		return devpki.OCSPUnknown, devpki.Revoked{}, nil
	}
	return devpki.OCSPGood, devpki.Revoked{}, nil
}

func (l *revocationList) revoke(c *x509.Certificate, r devpki.Revoked) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.revoked[c.SerialNumber.Text(16)] = r
}

type ocspPKI struct {
	root, ca *devpki.CA
	leaf     *devpki.Leaf
	list     *revocationList
	resp     *devpki.OCSPResponder
	url      string
}

func newOCSPPKI(t *testing.T, alg devpki.Algorithm, validity time.Duration) *ocspPKI {
	t.Helper()
	return newOCSPPKIAt(t, 7, alg, validity, epoch)
}

// newOCSPPKIAt makes a root, a CA, a leaf and a responder for both CAs
// from the generator seed, with the responder's clock now.
func newOCSPPKIAt(t testing.TB, seed byte, alg devpki.Algorithm, validity time.Duration, now func() time.Time) *ocspPKI {
	t.Helper()
	g := devpki.New(devpki.Config{Rand: rand.NewChaCha8([32]byte{seed}), Now: now})
	root, err := g.Root(devpki.CAOptions{CommonName: "OCSP ROOT", Algorithm: alg})
	require.NoError(t, err)
	ca, err := root.Intermediate(devpki.CAOptions{CommonName: "OCSP CA"})
	require.NoError(t, err)
	leaf, err := ca.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "Тестов", Name: "Тест", IIN: "900101300017"})
	require.NoError(t, err)
	p := &ocspPKI{root: root, ca: ca, leaf: leaf, list: newList()}
	p.resp, err = devpki.NewOCSPResponder(devpki.OCSPResponderConfig{CAs: []*devpki.CA{root, ca}, Status: p.list.status,
		Validity: validity, Now: now})
	require.NoError(t, err)
	srv := httptest.NewServer(p.resp)
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

func (p *ocspPKI) checker(t *testing.T, mode revocation.Mode) (*revocation.Checker, *authtest.Recorder) {
	t.Helper()
	a := &authtest.Recorder{}
	c, err := revocation.New(revocation.Config{Mode: mode, OCSPURLs: []string{p.url}, Now: epoch, Audit: a})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c, a
}

// TestOCSPResponderWithChecker: the library's own checker (nonce required,
// every signature and CertID verified) accepts the responder's answers for
// each algorithm — good, revoked with its reason, unknown — and takes a
// failing status source for "no answer", never for "good".
func TestOCSPResponderWithChecker(t *testing.T) {
	for _, alg := range []devpki.Algorithm{devpki.GOST2015, devpki.ECDSAP256, devpki.ECDSAP384, devpki.RSA2048} {
		t.Run(string(alg), func(t *testing.T) {
			p := newOCSPPKI(t, alg, 0)
			c, audit := p.checker(t, revocation.OCSPOnly)
			ctx := context.Background()
			st, err := c.CheckRevocation(ctx, p.leaf.Cert, p.ca.Cert)
			require.NoError(t, err)
			assert.Equal(t, revocation.StatusGood, st.Status)
			assert.Equal(t, revocation.SourceOCSP, st.Source)
			assert.True(t, st.NextUpdate.IsZero(), "no nextUpdate by default, as the NCA")
			st, err = c.CheckRevocation(ctx, p.ca.Cert, p.root.Cert)
			require.NoError(t, err, "the root answers for the CA")
			assert.Equal(t, revocation.StatusGood, st.Status)

			// Revoked: a new checker (the first one cached "good").
			p.list.revoke(p.leaf.Cert, devpki.Revoked{Serial: p.leaf.Cert.SerialNumber, At: epoch().Add(-time.Hour), Reason: 1})
			c, audit = p.checker(t, revocation.OCSPOnly)
			st, err = c.CheckRevocation(ctx, p.leaf.Cert, p.ca.Cert)
			require.ErrorIs(t, err, signature.ErrRevoked)
			assert.Equal(t, revocation.StatusRevoked, st.Status)
			assert.Equal(t, 1, st.Reason)
			assert.Equal(t, epoch().Add(-time.Hour), st.RevokedAt)
			ev := lastEvent(t, audit)
			assert.Equal(t, "ocsp", ev.Attrs["source"])
			assert.Equal(t, "revoked", ev.Attrs["status"])

			p.list.mu.Lock()
			p.list.unknown[p.ca.Cert.SerialNumber.Text(16)] = true
			p.list.mu.Unlock()
			_, err = c.CheckRevocation(ctx, p.ca.Cert, p.root.Cert)
			require.ErrorIs(t, err, signature.ErrRevocationUnknown)

			p.list.mu.Lock()
			p.list.fail = errors.New("list unavailable")
			p.list.mu.Unlock()
			leaf2, err := p.ca.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "Екінші", Name: "Тест", IIN: "850505400028"})
			require.NoError(t, err)
			_, err = c.CheckRevocation(ctx, leaf2.Cert, p.ca.Cert)
			require.ErrorIs(t, err, signature.ErrRevocationUnavailable, "tryLater is no answer")
			assert.NotErrorIs(t, err, signature.ErrRevoked)
		})
	}
}

// TestOCSPResponderNextUpdate: with a Validity, answers carry nextUpdate
// and the checker keeps them until then (bounded by its own MaxCacheAge).
func TestOCSPResponderNextUpdate(t *testing.T) {
	p := newOCSPPKI(t, devpki.ECDSAP256, 10*time.Minute)
	c, _ := p.checker(t, revocation.OCSPOnly)
	st, err := c.CheckRevocation(context.Background(), p.leaf.Cert, p.ca.Cert)
	require.NoError(t, err)
	assert.Equal(t, epoch().Add(10*time.Minute), st.NextUpdate)
	p.list.revoke(p.leaf.Cert, devpki.Revoked{Serial: p.leaf.Cert.SerialNumber, At: epoch()})
	st, err = c.CheckRevocation(context.Background(), p.leaf.Cert, p.ca.Cert)
	require.NoError(t, err, "answered from the checker's cache")
	assert.True(t, st.Cached)
}

// TestOCSPResponderXCrypto: x/crypto/ocsp, an independent implementation,
// builds the requests (SHA-1 and SHA-256 CertIDs) and verifies the
// responses, signed by the issuer.
func TestOCSPResponderXCrypto(t *testing.T) {
	for _, alg := range []devpki.Algorithm{devpki.ECDSAP256, devpki.RSA2048} {
		for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256} {
			t.Run(string(alg)+"/"+h.String(), func(t *testing.T) {
				p := newOCSPPKI(t, alg, time.Hour)
				req, err := ocsp.CreateRequest(p.leaf.Cert, p.ca.Cert, &ocsp.RequestOptions{Hash: h})
				require.NoError(t, err)
				parsed, err := devpki.ParseOCSPRequest(req)
				require.NoError(t, err)
				require.Len(t, parsed.CertIDs, 1)
				assert.Equal(t, h, parsed.CertIDs[0].Hash)
				assert.Equal(t, p.leaf.Cert.SerialNumber, parsed.CertIDs[0].Serial)

				der := post(t, p.url, req)
				r, err := ocsp.ParseResponseForCert(der, p.leaf.Cert, p.ca.Cert)
				require.NoError(t, err)
				assert.Equal(t, ocsp.Good, r.Status)
				assert.Equal(t, epoch(), r.ThisUpdate)
				assert.Equal(t, epoch().Add(time.Hour), r.NextUpdate)
				require.NoError(t, r.CheckSignatureFrom(p.ca.Cert))

				p.list.revoke(p.leaf.Cert, devpki.Revoked{Serial: p.leaf.Cert.SerialNumber, At: epoch().Add(-time.Minute), Reason: ocsp.CertificateHold})
				// GET, with the request base64 and percent-encoded in the path.
				resp, err := http.Get(p.url + "/" + url.PathEscape(base64.StdEncoding.EncodeToString(req)))
				require.NoError(t, err)
				der, err = io.ReadAll(resp.Body)
				resp.Body.Close()
				require.NoError(t, err)
				r, err = ocsp.ParseResponseForCert(der, p.leaf.Cert, p.ca.Cert)
				require.NoError(t, err)
				assert.Equal(t, ocsp.Revoked, r.Status)
				assert.Equal(t, ocsp.CertificateHold, r.RevocationReason)
			})
		}
	}
}

// TestOCSPResponderOpenSSL: openssl ocsp asks the responder over HTTP and
// verifies its answers against the root (the issuer signs them).
func TestOCSPResponderOpenSSL(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	// openssl checks the answer's times against the real clock.
	p := newOCSPPKIAt(t, 7, devpki.ECDSAP256, time.Hour, time.Now)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		f := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(f, b, 0o600))
		return f
	}
	root := write("root.pem", devpki.CertificatePEM(p.root.Cert))
	ca := write("ca.pem", devpki.CertificatePEM(p.ca.Cert))
	leaf := write("leaf.pem", devpki.CertificatePEM(p.leaf.Cert))
	ask := func() string {
		out, err := exec.Command(openssl, "ocsp", "-issuer", ca, "-cert", leaf, "-url", p.url, "-CAfile", root).CombinedOutput()
		require.NoError(t, err, "%s", out)
		return string(out)
	}
	out := ask()
	assert.Contains(t, out, "Response verify OK")
	assert.Contains(t, out, leaf+": good")
	p.list.revoke(p.leaf.Cert, devpki.Revoked{Serial: p.leaf.Cert.SerialNumber, At: epoch().Add(-time.Minute), Reason: 1})
	out = ask()
	assert.Contains(t, out, "Response verify OK")
	assert.Contains(t, out, leaf+": revoked")
	assert.Contains(t, out, "Reason: keyCompromise")
}

// TestOCSPResponderRefusals: what it cannot or must not answer.
func TestOCSPResponderRefusals(t *testing.T) {
	p := newOCSPPKI(t, devpki.ECDSAP256, 0)
	other := newOCSPPKIAt(t, 8, devpki.ECDSAP256, 0, epoch)
	statusOf := func(der []byte) int {
		r, err := revocation.ParseOCSPResponse(der)
		require.NoError(t, err)
		return r.ResponseStatus
	}
	good, err := ocsp.CreateRequest(p.leaf.Cert, p.ca.Cert, nil)
	require.NoError(t, err)
	foreign, err := ocsp.CreateRequest(other.leaf.Cert, other.ca.Cert, nil)
	require.NoError(t, err)
	assert.Equal(t, revocation.OCSPSuccessful, statusOf(post(t, p.url, good)))
	assert.Equal(t, revocation.OCSPUnauthorized, statusOf(post(t, p.url, foreign)), "not one of its CAs")
	assert.Equal(t, revocation.OCSPMalformedRequest, statusOf(post(t, p.url, []byte("garbage"))))
	assert.Equal(t, revocation.OCSPMalformedRequest, statusOf(post(t, p.url, append(bytes.Clone(good), 0))), "trailing data")
	resp, err := http.Get(p.url + "/not-base64!")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, revocation.OCSPMalformedRequest, statusOf(b))

	resp, err = http.Post(p.url, "text/plain", bytes.NewReader(good))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode)
	resp, err = http.Post(p.url, "application/ocsp-request", bytes.NewReader(make([]byte, devpki.MaxOCSPRequestSize+1)))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)

	_, err = devpki.NewOCSPResponder(devpki.OCSPResponderConfig{CAs: []*devpki.CA{p.ca}})
	assert.Error(t, err, "no Status")
	_, err = devpki.NewOCSPResponder(devpki.OCSPResponderConfig{Status: p.list.status})
	assert.Error(t, err, "no CA")
}

// TestGeneratorCA: a CA reloaded from its certificate and key issues, and
// answers OCSP, like the original; a key that is not the certificate's is
// refused.
func TestGeneratorCA(t *testing.T) {
	p := newOCSPPKI(t, devpki.GOST2015, 0)
	h, err := p.ca.PrivateKeyHex()
	require.NoError(t, err)
	priv := gostKeyFromHex(t, h)
	again, err := gen(9).CA(p.ca.Cert, p.ca.Chain, priv)
	require.NoError(t, err)
	leaf, err := again.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "Жаңа", Name: "Тест", IIN: "850505400028"})
	require.NoError(t, err)
	require.NoError(t, gost.CheckCertificateSignature(leaf.Cert, p.ca.Cert), "issued with the same key")
	r, err := devpki.NewOCSPResponder(devpki.OCSPResponderConfig{CAs: []*devpki.CA{again}, Status: p.list.status, Now: epoch})
	require.NoError(t, err)
	srv := httptest.NewServer(r)
	defer srv.Close()
	c, err := revocation.New(revocation.Config{Mode: revocation.OCSPOnly, OCSPURLs: []string{srv.URL}, Now: epoch})
	require.NoError(t, err)
	defer c.Close()
	_, err = c.CheckRevocation(context.Background(), leaf.Cert, p.ca.Cert)
	require.NoError(t, err)

	rootHex, err := p.root.PrivateKeyHex()
	require.NoError(t, err)
	_, err = gen(9).CA(p.ca.Cert, p.ca.Chain, gostKeyFromHex(t, rootHex))
	assert.Error(t, err, "another key")
	_, err = gen(9).CA(p.ca.Cert, nil, "not a key")
	assert.Error(t, err)
}

func post(t *testing.T, u string, body []byte) []byte {
	t.Helper()
	resp, err := http.Post(u, "application/ocsp-request", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, "application/ocsp-response", resp.Header.Get("Content-Type"))
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return b
}

// lastEvent is the recorder's latest event.
func lastEvent(t *testing.T, r *authtest.Recorder) auth.Event {
	t.Helper()
	ev := r.Events()
	require.NotEmpty(t, ev)
	return ev[len(ev)-1]
}

func gostKeyFromHex(t *testing.T, h string) *gosttest.PrivateKey {
	t.Helper()
	k, err := gosttest.PrivateKeyFromHex(gost.CurveTC26512A(), h)
	require.NoError(t, err)
	return k
}
