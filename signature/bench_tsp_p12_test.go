package signature

import (
	"crypto/ecdsa"
	"crypto/sha1" //nolint:gosec // the PKCS #12 KDF of NCA files
	"crypto/sha256"
	"crypto/x509"
	"testing"
	"time"

	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// BenchmarkDecodePKCS12 reads a real NCA .p12 (certificate only, and with
// the key) beside the raw primitive that dominates it: one PKCS #12 key
// derivation of 1024 SHA-1 iterations (the MAC key; the certificate bag
// needs two more, for its key and IV, and the key bag two more again).
func BenchmarkDecodePKCS12(b *testing.B) {
	data := sigtest.ReadFile(b, "kz-nca/keys/individual_valid.p12")
	salt := make([]byte, 8)
	bmp := bmpPassword("Qwerty12")
	b.Run("raw-kdf-1024", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			pkcs12KDF(sha1.New, bmp, salt, 3, 1024, 20)
		}
	})
	b.Run("certificates", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodePKCS12(data, "Qwerty12", PKCS12Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("certificates-and-key", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodePKCS12(data, "Qwerty12", PKCS12Options{Keys: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCheckTimeStampToken checks an ECDSA P-256 time-stamp token
// (signature, imprint, TSA chain with a warm link cache) beside the raw
// ECDSA verification of its SignerInfo, interleaved for the ratio.
func BenchmarkCheckTimeStampToken(b *testing.B) {
	p := sigtest.NewPKI(b, devpki.ECDSAP256)
	tsa, err := p.CA.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "Метка", Name: "Время", IIN: sigtest.IIN, EKU: []string{devpki.OIDTimeStamping}})
	if err != nil {
		b.Fatal(err)
	}
	signed := []byte("the signature value")
	token, err := tsa.TimeStampToken(signed, devpki.TimeStampOptions{GenTime: sigtest.Epoch().Add(time.Hour)})
	if err != nil {
		b.Fatal(err)
	}
	v, err := NewVerifier(Config{Roots: p.Roots(), Intermediates: []*x509.Certificate{p.CA.Cert}, InsecureSkipRevocation: true})
	if err != nil {
		b.Fatal(err)
	}
	sd, err := parseCMS(token)
	if err != nil {
		b.Fatal(err)
	}
	si := sd.Signers[0]
	raw := func(b *testing.B) {
		h := sha256.Sum256(si.SignedAttrs)
		if !ecdsa.VerifyASN1(tsa.Cert.PublicKey.(*ecdsa.PublicKey), h[:], si.Signature) {
			b.Fatal("ECDSA")
		}
	}
	check := func(b *testing.B) {
		ts, err := v.CheckTimeStampToken(token, signed)
		if err != nil || !ts.SignatureVerified || !ts.ImprintVerified || !ts.ChainVerified {
			b.Fatal(err, ts)
		}
	}
	b.Run("raw-ecdsa", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			raw(b)
		}
	})
	b.Run("check-warm", func(b *testing.B) {
		check(b)
		b.ReportAllocs()
		for b.Loop() {
			check(b)
		}
	})
	b.Run("ratio-check-to-raw", func(b *testing.B) {
		check(b)
		sigtest.Ratio(b, raw, check)
	})
}
