package signature

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// TestVerifyXMLWarmPathSkipsChainSignatures: once a signer's chain has
// verified, a repeated XML login takes the issuer→signer link from the
// Verifier's cache instead of verifying the certificate signature again,
// and the KeyInfo certificate's parsed entry from the certificate cache.
// Shown by giving the verifier's intermediate a wrong key after the first
// login: the warm verifier still accepts (no chain signature checked),
// while a cold verifier with the same wrong key refuses (the check is
// real).
func TestVerifyXMLWarmPathSkipsChainSignatures(t *testing.T) {
	p := sigtest.NewPKI(t, devpki.ECDSAP256)
	doc, err := p.Individual.SignXML([]byte(`<login><sessionid>n</sessionid></login>`), devpki.XMLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return sigtest.Epoch().Add(time.Hour) }
	newV := func() *Verifier {
		v, err := NewVerifier(Config{Roots: p.Roots(), Intermediates: []*x509.Certificate{p.CA.Cert}, Now: now, InsecureSkipRevocation: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	wrongKey := func(v *Verifier) {
		t.Helper()
		list := v.issuers[string(p.CA.Cert.RawSubject)]
		for i, e := range list {
			if e.cert.Equal(p.CA.Cert) {
				cert := *e.cert
				cert.PublicKey = &other.PublicKey
				// A copy of the entry but for its lazily prepared RSA key
				// (which holds a sync.Once and must not be copied).
				forged := &certEntry{cert: &cert, hash: e.hash, gostKey: e.gostKey, ekus: e.ekus, serial: e.serial,
					cn: e.cn, info: e.info, id: e.id, idErr: e.idErr, exts: e.exts}
				list[i] = forged
				return
			}
		}
		t.Fatal("the intermediate is not in the verifier's index")
	}
	opts := VerifyOptions{Purpose: PurposeLogin()}

	warm := newV()
	if _, err := warm.VerifyXML(context.Background(), doc, opts); err != nil {
		t.Fatal(err)
	}
	// The KeyInfo certificate is parsed once: the same entry comes back.
	x, err := parseXMLSignature(doc, DefaultMaxInputSize)
	if err != nil {
		t.Fatal(err)
	}
	e1, err1 := warm.parseCert(x.certDER)
	e2, err2 := warm.parseCert(x.certDER)
	if err1 != nil || err2 != nil || e1 != e2 {
		t.Fatalf("the signer's certificate is not cached: %v %v", err1, err2)
	}
	wrongKey(warm)
	if _, err := warm.VerifyXML(context.Background(), doc, opts); err != nil {
		t.Fatalf("the warm path checked a chain signature again: %v", err)
	}

	cold := newV()
	wrongKey(cold)
	if _, err := cold.VerifyXML(context.Background(), doc, opts); !errors.Is(err, ErrChainUntrusted) {
		t.Fatalf("a cold verifier with a wrong intermediate key: %v", err)
	}
}
