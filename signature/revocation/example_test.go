package revocation_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/revocation"
)

// exampleNow is the fixed clock of the examples.
var exampleNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// examplePKI makes a CA, two certificates (serials 1 and 2, with no OCSP
// or CRL locations) and a CRL of the CA that puts serial 2 on hold.
func examplePKI() (ca, good, held *x509.Certificate, crl []byte) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(100), Subject: pkix.Name{CommonName: "Example CA"},
		NotBefore: exampleNow.Add(-time.Hour), NotAfter: exampleNow.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	ca, _ = x509.ParseCertificate(der)
	leaf := func(serial int64) *x509.Certificate {
		t := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "user"},
			NotBefore: exampleNow.Add(-time.Hour), NotAfter: exampleNow.Add(time.Hour)}
		der, _ := x509.CreateCertificate(rand.Reader, t, ca, &key.PublicKey, key)
		c, _ := x509.ParseCertificate(der)
		return c
	}
	crl, _ = x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: exampleNow.Add(-time.Hour), NextUpdate: exampleNow.Add(24 * time.Hour),
		RevokedCertificateEntries: []x509.RevocationListEntry{
			{SerialNumber: big.NewInt(2), RevocationTime: exampleNow.Add(-time.Hour), ReasonCode: 6},
		},
	}, ca, key)
	return ca, leaf(1), leaf(2), crl
}

// A checker reading a CRL the host supplies (as the CLI's --crl does).
// A certificate on hold is refused like any revoked one.
func ExampleNew() {
	ca, good, held, crl := examplePKI()
	rc, err := revocation.New(revocation.Config{
		Mode: revocation.CRLOnly,
		CRLs: []revocation.StaticCRL{{CRL: crl, Issuer: ca}},
		Now:  func() time.Time { return exampleNow },
	})
	if err != nil {
		panic(err)
	}
	defer rc.Close()

	st, err := rc.CheckRevocation(context.Background(), good, ca)
	fmt.Println(st.Source, st.Status, err)

	st, err = rc.CheckRevocation(context.Background(), held, ca)
	fmt.Println(st.Status, revocation.ReasonString(st.Reason), errors.Is(err, signature.ErrRevoked))
	// Output:
	// crl good <nil>
	// revoked certificateHold true
}

// With no way to learn the status, the check denies and says why.
func ExampleUnavailableError() {
	ca, good, _, _ := examplePKI()
	rc, _ := revocation.New(revocation.Config{Now: func() time.Time { return exampleNow }})
	defer rc.Close()

	_, err := rc.CheckRevocation(context.Background(), good, ca)
	fmt.Println(errors.Is(err, signature.ErrRevocationUnavailable), errors.Is(err, revocation.ErrNoSource))
	var ue *revocation.UnavailableError
	if errors.As(err, &ue) {
		for _, a := range ue.Attempts {
			fmt.Println(a.Source, "failed")
		}
	}
	// Output:
	// true true
	// ocsp failed
	// crl failed
}

// Parsing and indexing a CRL: lookups by serial number.
func ExampleParseCRL() {
	ca, _, _, der := examplePKI()
	crl, err := revocation.ParseCRL(der)
	if err != nil {
		panic(err)
	}
	fmt.Println(crl.CheckSignatureFrom(ca), crl.Len(), crl.Number)
	e, found := crl.Lookup(big.NewInt(2))
	fmt.Println(found, revocation.ReasonString(e.Reason))
	_, found = crl.Lookup(big.NewInt(1))
	fmt.Println(found)
	// Output:
	// <nil> 1 1
	// true certificateHold
	// false
}
