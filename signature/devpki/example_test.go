package devpki_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/revocation"
)

// A GOST development PKI in the NCA profile: root, intermediate, a first
// head's certificate, and a detached CMS over a challenge.
func Example() {
	now := func() time.Time { return time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) }
	g := devpki.New(devpki.Config{Rand: rand.NewChaCha8([32]byte{7}), Now: now})
	root, err := g.Root(devpki.CAOptions{CommonName: "DEV ROOT"}) // GOST 34.10-2015 512 by default
	if err != nil {
		panic(err)
	}
	ca, _ := root.Intermediate(devpki.CAOptions{CommonName: "DEV NCA", CRLURL: "http://pki.example/dev.crl"})
	head, _ := ca.Issue(devpki.LeafOptions{Kind: devpki.FirstHead, Surname: "Тестов", Name: "Тест",
		Patronymic: "Тестович", IIN: "900101300017", BIN: "050607500041", Organization: `ТОО "ТЕСТ"`, Email: "ceo@example.kz"})
	id, _ := signature.IdentityOf(head.Cert, nil)
	fmt.Printf("%s | %s | %s | IIN %s | BIN %s | %s | %s\n", id.CommonName, id.Surname, id.GivenName, id.IIN, id.BIN, id.Organization, id.Roles)
	fmt.Println(head.Cert.UnknownExtKeyUsage, head.Cert.EmailAddresses, head.Cert.CRLDistributionPoints)
	cms, _ := head.SignCMS([]byte("challenge"), devpki.CMSOptions{})
	fmt.Println(string(devpki.PEM(cms)[:19]))
	// Output:
	// ТЕСТОВ ТЕСТ | ТЕСТОВ | ТЕСТОВИЧ | IIN 900101300017 | BIN 050607500041 | ТОО "ТЕСТ" | [legal_entity first_head]
	// [1.2.398.3.3.4.1.2 1.2.398.3.3.4.1.2.1] [ceo@example.kz] [http://pki.example/dev.crl]
	// -----BEGIN CMS-----
}

// A development OCSP responder over a mutable revocation list, asked by
// the library's revocation checker: the same certificate is good, then
// revoked once it is on the list.
func ExampleOCSPResponder() {
	now := func() time.Time { return time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) }
	g := devpki.New(devpki.Config{Rand: rand.NewChaCha8([32]byte{7}), Now: now})
	root, _ := g.Root(devpki.CAOptions{CommonName: "DEV ROOT", Algorithm: devpki.ECDSAP256})
	ca, _ := root.Intermediate(devpki.CAOptions{CommonName: "DEV CA"})
	leaf, _ := ca.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "Тестов", Name: "Тест", IIN: "900101300017"})

	var mu sync.Mutex
	revoked := map[string]devpki.Revoked{} // by serial; the responder reads it on every request
	resp, err := devpki.NewOCSPResponder(devpki.OCSPResponderConfig{CAs: []*devpki.CA{root, ca}, Now: now,
		Status: func(_ context.Context, _ *x509.Certificate, serial *big.Int) (devpki.OCSPCertStatus, devpki.Revoked, error) {
			mu.Lock()
			defer mu.Unlock()
			if r, ok := revoked[serial.String()]; ok {
				return devpki.OCSPRevoked, r, nil
			}
			return devpki.OCSPGood, devpki.Revoked{}, nil
		}})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(resp)
	defer srv.Close()

	check := func() {
		// A new checker each time: a checker caches answers.
		c, _ := revocation.New(revocation.Config{Mode: revocation.OCSPOnly, OCSPURLs: []string{srv.URL}, Now: now})
		defer c.Close()
		st, err := c.CheckRevocation(context.Background(), leaf.Cert, ca.Cert)
		fmt.Println(st.Source, st.Status, errors.Is(err, signature.ErrRevoked))
	}
	check()
	mu.Lock()
	revoked[leaf.Cert.SerialNumber.String()] = devpki.Revoked{At: now().Add(-time.Minute), Reason: 1} // keyCompromise
	mu.Unlock()
	check()
	// Output:
	// ocsp good false
	// ocsp revoked true
}
