package gosttest_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"math/rand/v2"
	"time"

	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/gosttest"
)

// A two-level GOST-2015 chain with Kazakh OIDs, as a test fixture.
func ExampleCreateCertificate() {
	rng := rand.NewChaCha8([32]byte{7}) // reproducible test material
	caKey, _ := gosttest.GenerateKey(gost.CurveTC26512A(), rng)
	userKey, _ := gosttest.GenerateKey(gost.CurveTC26512A(), rng)
	alg := gost.OID(gost.OIDKZSignature2015512)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "TEST CA"},
		NotBefore: start, NotAfter: start.AddDate(5, 0, 0),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, IsCA: true, BasicConstraintsValid: true,
	}
	caDER, _ := gosttest.CreateCertificate(rng, caTmpl, caTmpl, caKey.Public(), caKey, alg)
	ca, _ := x509.ParseCertificate(caDER)

	userTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "ТЕСТОВ ТЕСТ", SerialNumber: "IIN123456789011"},
		NotBefore:    start, NotAfter: start.AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	userDER, err := gosttest.CreateCertificate(rng, userTmpl, ca, userKey.Public(), caKey, alg)
	if err != nil {
		panic(err)
	}
	user, _ := x509.ParseCertificate(userDER)
	fmt.Println(user.Subject.SerialNumber, gost.CheckCertificateSignature(user, ca))

	// The user signs a challenge; the relying party checks it with the
	// certificate's key.
	challenge := []byte("login challenge 5f1c")
	sig, _ := gosttest.SignMessage(rng, userKey, alg, challenge)
	pub, _ := gost.PublicKeyFromCertificate(user)
	fmt.Println(gost.CheckSignature(alg, pub, challenge, sig))
	// Output:
	// IIN123456789011 <nil>
	// <nil>
}
