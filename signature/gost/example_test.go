package gost_test

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"time"

	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/gosttest"
)

func ExampleNew512() {
	h := gost.New512()
	h.Write([]byte("abc"))
	fmt.Println(hex.EncodeToString(h.Sum(nil)))
	// Output: 28156e28317da7c98f4fe2bed6b542d0dab85bb224445fcedaf75d46e26d7eb8d5997f3e0915dd6b7f0aab08d9c8beb0d8c64bae2ab8b3c8c6bc53b3bf0db728
}

func ExampleNew34311() {
	// GOST 34.311-95 (GOST R 34.11-94 with the test parameters), the hash of
	// Kazakh GOST 34.310-2004 signatures.
	h := gost.New34311()
	h.Write([]byte("abc"))
	fmt.Println(hex.EncodeToString(h.Sum(nil)))
	// Output: f3134348c44fb1b2a277729e2285ebb5cb5e0f29c975bc753b70497c06a4d51d
}

// A certificate in the NCA shape, from a test key generated
// deterministically, checked the way a relying party checks one.
func ExampleCheckCertificateSignature() {
	rng := rand.NewChaCha8([32]byte{42}) // deterministic, for the example only
	key, err := gosttest.GenerateKey(gost.CurveTC26512A(), rng)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "EXAMPLE ROOT", Country: []string{"KZ"}},
		NotBefore:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := gosttest.CreateCertificate(rng, tmpl, tmpl, key.Public(), key, gost.OID(gost.OIDKZSignature2015512))
	if err != nil {
		panic(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	fmt.Println("x509 knows the algorithm:", cert.SignatureAlgorithm != x509.UnknownSignatureAlgorithm)
	fmt.Println("signature:", gost.CheckCertificateSignature(cert, cert))

	// One flipped bit in the signed part.
	bad := bytes.Clone(der)
	bad[100] ^= 1
	badCert, err := x509.ParseCertificate(bad)
	if err != nil {
		panic(err)
	}
	err = gost.CheckCertificateSignature(badCert, cert)
	fmt.Println("tampered:", err, errors.Is(err, gost.ErrVerification))
	// Output:
	// x509 knows the algorithm: false
	// signature: <nil>
	// tampered: gost: verification failed true
}

// The NCA layout is the byte reversal of the RFC 4491 one.
func ExampleVerifyDigest() {
	key, err := gosttest.GenerateKey(gost.CurveCryptoProA(), rand.NewChaCha8([32]byte{1}))
	if err != nil {
		panic(err)
	}
	h := gost.New34311()
	h.Write([]byte("document"))
	digest := h.Sum(nil)

	nca, _ := gosttest.Sign(rand.NewChaCha8([32]byte{2}), key, digest, gost.LayoutNCA)
	rfc, _ := gosttest.Sign(rand.NewChaCha8([32]byte{2}), key, digest, gost.LayoutRFC4491) // same nonce
	reversed := make([]byte, len(rfc))
	for i := range rfc {
		reversed[len(rfc)-1-i] = rfc[i]
	}
	fmt.Println("NCA = reverse(RFC 4491):", bytes.Equal(nca, reversed))
	fmt.Println(gost.VerifyDigest(key.Public(), digest, nca, gost.LayoutNCA))
	fmt.Println(gost.VerifyDigest(key.Public(), digest, rfc, gost.LayoutRFC4491))
	fmt.Println(gost.VerifyDigest(key.Public(), digest, nca, gost.LayoutRFC4491))
	// Output:
	// NCA = reverse(RFC 4491): true
	// <nil>
	// <nil>
	// gost: verification failed
}

func ExampleSignatureAlgorithmByOID() {
	for _, oid := range []string{gost.OIDKZSignature2015512, gost.OIDKZSignature2004, gost.OIDRUSignature2012512} {
		alg, ok := gost.SignatureAlgorithmByOID(gost.OID(oid))
		fmt.Println(ok, alg.Name, alg.DigestOID, alg.NewHash().Size()*8, alg.Layout)
	}
	// Output:
	// true GOST 34.10-2015 512 (KZ) 1.2.398.3.10.1.3.3 512 NCA (r‖s little-endian)
	// true GOST 34.310-2004 (KZ) 1.2.398.3.10.1.3.1 256 NCA (r‖s little-endian)
	// true GOST R 34.10-2012 512 1.2.643.7.1.1.2.3 512 RFC 4491 (s‖r big-endian)
}

func ExampleParsePublicKey() {
	key, err := gosttest.GenerateKey(gost.CurveTC26512A(), rand.NewChaCha8([32]byte{3}))
	if err != nil {
		panic(err)
	}
	spki, _ := gosttest.MarshalPublicKey(key.Public(), true) // Kazakh OIDs
	pub, err := gost.ParsePublicKey(spki)
	fmt.Println(err, pub.Curve().Name(), len(pub.Bytes()))

	_, err = gost.ParsePublicKey(spki[:len(spki)-1])
	fmt.Println(errors.Is(err, gost.ErrInvalidPublicKey))
	// Output:
	// <nil> id-tc26-gost-3410-12-512-paramSetA 128
	// true
}
