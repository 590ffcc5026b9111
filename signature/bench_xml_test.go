package signature

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// benchLoginXML is a login document of about 1 KiB once signed… before
// signing it is the short eGov shape padded with an extra element, so that
// the canonicalised document is about 1 KiB.
func benchLoginXML() string {
	return `<login><timeTicket>1780304400000</timeTicket><sessionid>3q2-7wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGho</sessionid>` +
		`<origin>https://portal.example.kz</origin><note>` + strings.Repeat("x", 800) + `</note></login>`
}

// BenchmarkVerifyXML: VerifyXML with the chain-link and certificate caches
// warm (a repeated login) beside one raw signature verification of the same
// algorithm over the same canonical SignedInfo, interleaved
// (sigtest.Ratio). Goals: ≤ 1.5 for GOST-2015-512, ≤ 2.5 for RSA-2048.
func BenchmarkVerifyXML(b *testing.B) {
	for _, alg := range []devpki.Algorithm{devpki.GOST2015, devpki.RSA2048} {
		b.Run(string(alg), func(b *testing.B) {
			p := sigtest.NewPKI(b, alg)
			now := func() time.Time { return sigtest.Epoch().Add(time.Hour) }
			doc, err := p.Individual.SignXML([]byte(benchLoginXML()), devpki.XMLOptions{CR: true})
			if err != nil {
				b.Fatal(err)
			}
			v, err := NewVerifier(Config{Roots: p.Roots(), Intermediates: []*x509.Certificate{p.CA.Cert}, Now: now, InsecureSkipRevocation: true})
			if err != nil {
				b.Fatal(err)
			}
			opts := VerifyOptions{Purpose: PurposeLogin()}
			if _, err := v.VerifyXML(context.Background(), doc, opts); err != nil { // warms the caches
				b.Fatal(err)
			}
			x, err := parseXMLSignature(doc, DefaultMaxInputSize)
			if err != nil {
				b.Fatal(err)
			}
			var raw func(b *testing.B)
			switch alg {
			case devpki.GOST2015:
				pub, err := gost.PublicKeyFromCertificate(p.Individual.Cert)
				if err != nil {
					b.Fatal(err)
				}
				raw = func(b *testing.B) {
					if err := gost.CheckSignature(gost.OID(gost.OIDKZSignature2015512), pub, x.signedInfo, x.sigValue); err != nil {
						b.Fatal(err)
					}
				}
			default:
				pub := p.Individual.Cert.PublicKey.(*rsa.PublicKey)
				raw = func(b *testing.B) {
					d := sha256.Sum256(x.signedInfo)
					if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], x.sigValue); err != nil {
						b.Fatal(err)
					}
				}
			}
			full := func(b *testing.B) {
				if _, err := v.VerifyXML(context.Background(), doc, opts); err != nil {
					b.Fatal(err)
				}
			}
			b.Run("raw", func(b *testing.B) {
				for b.Loop() {
					raw(b)
				}
			})
			b.Run("full-warm", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					full(b)
				}
			})
			b.Run("ratio", func(b *testing.B) { sigtest.Ratio(b, raw, full) })
		})
	}
}

// BenchmarkCanonicalXML: the cost of parsing and canonicalising a signed
// login document of about 1 KiB (structure checks, C14N of SignedInfo and
// of the document), without any cryptography: "reader" is what VerifyXML
// does (xmlparse.go, xmlc14n.go), "etree-goxmldsig" the same work by the
// previous implementation, kept as the tests' oracle, and "ratio" the
// oracle's time over the reader's (interleaved). "c14n" is the
// canonicalisation of the parsed document alone.
func BenchmarkCanonicalXML(b *testing.B) {
	p := sigtest.NewPKI(b, devpki.ECDSAP256)
	doc, err := p.Individual.SignXML([]byte(benchLoginXML()), devpki.XMLOptions{CR: true})
	if err != nil {
		b.Fatal(err)
	}
	reader := func(b *testing.B) {
		x, err := parseXMLSignature(doc, DefaultMaxInputSize)
		if err != nil {
			b.Fatal(err)
		}
		_ = x.canonicalContent()
	}
	oracle := func(b *testing.B) {
		if _, err := oracleParseSignature(doc, DefaultMaxInputSize); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range []struct {
		name string
		f    func(b *testing.B)
	}{{"reader", reader}, {"etree-goxmldsig", oracle}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				c.f(b)
			}
		})
	}
	b.Run("c14n", func(b *testing.B) {
		x, err := parseXMLSignature(doc, DefaultMaxInputSize)
		if err != nil {
			b.Fatal(err)
		}
		parts, err := x.doc.dsChildren(x.sig, "SignedInfo", "SignatureValue", "KeyInfo")
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			_ = x.canonicalContent()
			_ = x.doc.canonical(parts[0], xmlNone)
		}
	})
	b.Run("ratio", func(b *testing.B) { sigtest.Ratio(b, reader, oracle) })
}
