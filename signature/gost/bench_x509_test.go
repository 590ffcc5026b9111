package gost_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/gosttest"
)

// Benchmarks of the wrappers, each beside the primitive it wraps, so that the
// overhead shows as a ratio: CheckCertificateSignature ⊃ CheckSignature ⊃
// VerifyDigest, and ParsePublicKey ⊃ NewPublicKey.
func BenchmarkLayers(b *testing.B) {
	for _, c := range []struct {
		name  string
		curve *gost.Curve
		alg   string
	}{
		{"KZ2015-512", gost.CurveTC26512A(), gost.OIDKZSignature2015512},
		{"KZ2004", gost.CurveCryptoProA(), gost.OIDKZSignature2004},
	} {
		rng := rand.NewChaCha8([32]byte{9})
		key, err := gosttest.GenerateKey(c.curve, rng)
		if err != nil {
			b.Fatal(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bench"},
			NotBefore: time.Unix(0, 0), NotAfter: time.Unix(2e9, 0),
			KeyUsage: x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		}
		alg := gost.OID(c.alg)
		der, err := gosttest.CreateCertificate(rng, tmpl, tmpl, key.Public(), key, alg)
		if err != nil {
			b.Fatal(err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			b.Fatal(err)
		}
		algo, _ := gost.SignatureAlgorithmByOID(alg)
		h := algo.NewHash()
		h.Write(cert.RawTBSCertificate)
		digest := h.Sum(nil)
		pub := key.Public()

		b.Run(c.name+"/VerifyDigest", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := gost.VerifyDigest(pub, digest, cert.Signature, gost.LayoutNCA); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/CheckSignature", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := gost.CheckSignature(alg, pub, cert.RawTBSCertificate, cert.Signature); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/CheckCertificateSignature", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := gost.CheckCertificateSignature(cert, cert); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/NewPublicKey", func(b *testing.B) {
			xy := pub.Bytes()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := gost.NewPublicKey(c.curve, xy); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/ParsePublicKey", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := gost.ParsePublicKey(cert.RawSubjectPublicKeyInfo); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
