package signature

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// FuzzBERToDER: the BER normaliser never panics; its output is DER that
// normalises to itself (idempotence), so that DER input passes through
// byte for byte; and parsing the output never panics.
func FuzzBERToDER(f *testing.F) {
	f.Add([]byte{0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00})
	f.Add([]byte{0x24, 0x80, 0x04, 0x01, 'a', 0x04, 0x01, 'b', 0x00, 0x00})
	f.Add([]byte{0x30, 0x81, 0x03, 0x02, 0x01, 0x05})
	f.Add([]byte{0x1f, 0x81, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := berToDER(in)
		if err != nil {
			if out != nil {
				t.Fatalf("error %v with output", err)
			}
			return
		}
		again, err := berToDER(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %x -> %x -> %x (%v)", in, out, again, err)
		}
		if sd, err := parseSignedData(out); (err == nil) == (sd == nil) {
			t.Fatalf("parse: %v with %v", sd, err)
		}
	})
}

// FuzzPKCS12Contents: the PKCS #12 content parser (what DecodePKCS12 reads
// after the MAC verified: AuthenticatedSafe, encrypted data, bags) never
// panics and never reads more bags than its bound, whatever the bytes.
func FuzzPKCS12Contents(f *testing.F) {
	cert := pkcs12FuzzCert(f)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // AuthenticatedSafe
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ContentInfo data
			b.AddASN1ObjectIdentifier(parseOID([]byte(derData)))
			b.AddASN1(tagPKCS12Explicit, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.OCTET_STRING, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SafeContents
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SafeBag
							b.AddASN1ObjectIdentifier(parseOID([]byte(derCertBag)))
							b.AddASN1(tagPKCS12Explicit, func(b *cryptobyte.Builder) {
								b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
									b.AddASN1ObjectIdentifier(parseOID([]byte(derX509Certificate)))
									b.AddASN1(tagPKCS12Explicit, func(b *cryptobyte.Builder) { b.AddASN1OctetString(cert) })
								})
							})
						})
					})
				})
			})
		})
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ContentInfo encryptedData, RC2-40
			b.AddASN1ObjectIdentifier(parseOID([]byte(derEncryptedData)))
			b.AddASN1(tagPKCS12Explicit, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1Int64(0)
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(parseOID([]byte(derData)))
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier(parseOID([]byte(derPBEWithSHARC240)))
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
								b.AddASN1OctetString(make([]byte, 8))
								b.AddASN1Int64(1)
							})
						})
						b.AddASN1(tagPKCS12ImplicitOctet, func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, 16)) })
					})
				})
			})
		})
	})
	seed, err := b.Bytes()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, in []byte) {
		r := &pkcs12Reader{password: "fuzz", bmp: bmpPassword("fuzz"), keys: true, out: &PKCS12{}}
		_ = r.authenticatedSafe(in)
		if len(r.out.Certificates)+len(r.out.Keys) > maxPKCS12Bags {
			t.Fatalf("read %d bags", len(r.out.Certificates)+len(r.out.Keys))
		}
	})
}

// pkcs12FuzzCert is a small self-signed certificate for the seed.
func pkcs12FuzzCert(f *testing.F) []byte {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "FUZZ"}, NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1e9, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		f.Fatal(err)
	}
	return der
}

// FuzzValidOrigin: the fast origin check accepts only what the URL-based
// one accepts.
func FuzzValidOrigin(f *testing.F) {
	for _, s := range []string{"https://portal.example.kz", "http://localhost:8080", "https://a:", "https://a:123456",
		"HTTPS://a", "https://a/b", "https://u@a", "http://[::1]:80", "https://a.b-c.kz:443", "h1://x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if simpleOrigin(s) && !validOriginURL(s) {
			t.Fatalf("%q: the fast check accepts what net/url refuses", s)
		}
	})
}
