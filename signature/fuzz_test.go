package signature_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// fuzzPKI is a reproducible ECDSA development PKI (the same keys on every
// run, so that the seed corpus verifies; the certificates' ECDSA signatures
// differ between runs, since crypto/ecdsa ignores the reader) and a
// verifier for it.
func fuzzPKI(f *testing.F) (*devpki.Leaf, *signature.Verifier) {
	g := devpki.New(devpki.Config{Rand: rand.NewChaCha8([32]byte{'s', 't', 'r', 'o', 'n', 'g'}), Now: sigtest.Epoch})
	root, err := g.Root(devpki.CAOptions{CommonName: "FUZZ ROOT", Algorithm: devpki.ECDSAP256})
	if err != nil {
		f.Fatal(err)
	}
	leaf, err := root.Issue(devpki.LeafOptions{Kind: devpki.FirstHead, Surname: "Фаззов", Name: "Фазз", IIN: sigtest.IIN, BIN: sigtest.BIN})
	if err != nil {
		f.Fatal(err)
	}
	v, err := signature.NewVerifier(signature.Config{Roots: []*x509.Certificate{root.Cert}, Now: func() time.Time { return testNow() }, InsecureSkipRevocation: true})
	if err != nil {
		f.Fatal(err)
	}
	return leaf, v
}

// FuzzVerify: whatever the input (PEM, base64, DER, BER or garbage),
// Verify never panics, returns a result only without an error, and a
// result always signs exactly the expected content with a known signer.
func FuzzVerify(f *testing.F) {
	leaf, v := fuzzPKI(f)
	for _, o := range []devpki.CMSOptions{{}, {Attached: true}, {BER: true, Attached: true}, {SubjectKeyID: true}} {
		o.SigningTime = testNow()
		der, err := leaf.SignCMS(content, o)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(der)
		f.Add(devpki.PEM(der))
		f.Add([]byte(base64.StdEncoding.EncodeToString(der)))
		f.Add(der[:len(der)/3])
	}
	f.Add([]byte("-----BEGIN CMS-----\n-----END CMS-----\n"))
	f.Add([]byte{0x30, 0x80, 0x30, 0x80, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		res, err := v.Verify(ctx, in, signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
		if err != nil {
			if res != nil {
				t.Fatalf("error %v with a result", err)
			}
			if signature.Code(err) == "internal" {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		if res == nil || len(res.Signers) != 1 || !bytes.Equal(res.Content, content) ||
			res.Signers[0].Identity.BIN != sigtest.BIN || !leaf.Cert.PublicKey.(*ecdsa.PublicKey).Equal(res.Signers[0].Cert.PublicKey) {
			t.Fatalf("accepted a CMS that does not sign the content with the known key: %+v", res)
		}
	})
}

// FuzzDecodeCMS: DecodeCMS never panics; an error means no output; output
// is a SEQUENCE within the bound; and DER survives the PEM and base64
// round trips.
func FuzzDecodeCMS(f *testing.F) {
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x01})
	f.Add([]byte("MAMCAQE="))
	f.Add([]byte("MAMCAQE"))
	f.Add(devpki.PEM([]byte{0x30, 0x03, 0x02, 0x01, 0x01}))
	f.Add([]byte("-----BEGIN PKCS7-----\r\nMAMCAQE=\r\n-----END PKCS7-----\r\n"))
	f.Add([]byte("junk-----BEGIN CMS-----"))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := signature.DecodeCMS(in, 4096)
		if err != nil {
			if out != nil {
				t.Fatalf("error %v with output", err)
			}
			return
		}
		if len(out) == 0 || out[0] != 0x30 || len(out) > 4096 {
			t.Fatalf("bad output %x", out)
		}
		for _, enc := range [][]byte{devpki.PEM(out), []byte(base64.StdEncoding.EncodeToString(out))} {
			again, err := signature.DecodeCMS(enc, 1<<20)
			if err != nil || !bytes.Equal(again, out) {
				t.Fatalf("round trip of %x: %x, %v", out, again, err)
			}
		}
	})
}

// FuzzParseSubject: ParseSubject never panics; an error means no identity;
// an IIN or BIN is always 12 ASCII digits.
func FuzzParseSubject(f *testing.F) {
	p := pkiFor(f, devpki.ECDSAP256)
	for _, l := range []*devpki.Leaf{p.Individual, p.Head, p.InfoSystem} {
		f.Add(l.Cert.RawSubject)
	}
	f.Add([]byte{0x30, 0x00})
	prof := signature.NCAProfile()
	f.Fuzz(func(t *testing.T, der []byte) {
		id, err := prof.ParseSubject(der)
		if err != nil {
			if id != nil {
				t.Fatalf("error %v with an identity", err)
			}
			return
		}
		for _, n := range []string{id.IIN, id.BIN} {
			if n == "" {
				continue
			}
			if len(n) != 12 {
				t.Fatalf("identifier %q is not 12 digits", n)
			}
			for _, c := range n {
				if c < '0' || c > '9' {
					t.Fatalf("identifier %q is not 12 digits", n)
				}
			}
		}
	})
}

// FuzzParseChallenge: ParseChallenge never panics; an error means no
// challenge; an accepted challenge is exactly its canonical form.
func FuzzParseChallenge(f *testing.F) {
	c, err := signature.NewChallenge(bytes.NewReader(make([]byte, 32)), binding, testNow(), 0)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(c.Marshal())
	f.Add(bytes.ReplaceAll(c.Marshal(), []byte("\n"), []byte("\r\n")))
	f.Add([]byte("strongauth-challenge/v1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := signature.ParseChallenge(b)
		if err != nil {
			if c != nil {
				t.Fatalf("error %v with a challenge", err)
			}
			return
		}
		if !bytes.Equal(c.Marshal(), b) {
			t.Fatalf("accepted a non-canonical challenge %q", b)
		}
	})
}

// FuzzParseNCALayerResponse: never panics; an error means no CMS.
func FuzzParseNCALayerResponse(f *testing.F) {
	f.Add([]byte(`{"status":true,"body":{"result":["-----BEGIN CMS-----"]}}`))
	f.Add([]byte(`{"status":true,"body":{"result":"MII="}}`))
	f.Add([]byte(`{"status":false,"code":"X"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := signature.ParseNCALayerResponse(b)
		if (err != nil) == (s != "") {
			t.Fatalf("result %q with error %v", s, err)
		}
	})
}

// fuzzTSA issues a reproducible time-stamping authority under the fuzz
// PKI's root.
func fuzzTSA(f *testing.F) (*devpki.Leaf, *signature.Verifier) {
	g := devpki.New(devpki.Config{Rand: rand.NewChaCha8([32]byte{'t', 's', 'a'}), Now: sigtest.Epoch})
	root, err := g.Root(devpki.CAOptions{CommonName: "FUZZ TSA ROOT", Algorithm: devpki.ECDSAP256})
	if err != nil {
		f.Fatal(err)
	}
	tsa, err := root.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "Метка", Name: "Время", IIN: sigtest.IIN, EKU: []string{devpki.OIDTimeStamping}})
	if err != nil {
		f.Fatal(err)
	}
	v, err := signature.NewVerifier(signature.Config{Roots: []*x509.Certificate{root.Cert}, Now: func() time.Time { return testNow() }, InsecureSkipRevocation: true})
	if err != nil {
		f.Fatal(err)
	}
	return tsa, v
}

// FuzzCheckTimeStampToken: whatever the token, CheckTimeStampToken never
// panics, returns a report only without an error, every failed check has
// a known code, and a verified token names its TSA and algorithm and a
// verified chain ends at the root.
func FuzzCheckTimeStampToken(f *testing.F) {
	tsa, v := fuzzTSA(f)
	signed := []byte("the signature value")
	negative := new(big.Int).Sub(big.NewInt(0x1234), new(big.Int).Lsh(big.NewInt(1), 159)) // 20 octets, first one 0x80
	for _, o := range []devpki.TimeStampOptions{{}, {Hash: crypto.SHA1, Nonce: big.NewInt(42)}, {Hash: crypto.SHA512}, {Serial: negative}} {
		tok, err := tsa.TimeStampToken(signed, o)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(tok)
		f.Add(tok[:len(tok)/2])
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		ts, err := v.CheckTimeStampToken(in, signed)
		if err != nil {
			if ts != nil {
				t.Fatalf("error %v with a report", err)
			}
			return
		}
		for _, p := range ts.Problems {
			if p.Code == "" || p.Code == "internal" || p.Message == "" {
				t.Fatalf("problem without a code: %+v", p)
			}
		}
		if ts.Serial == "" || len(ts.Serial)%2 != 0 || strings.ToUpper(ts.Serial) != ts.Serial {
			t.Fatalf("serial %q is not the INTEGER's octets in upper-case hex", ts.Serial)
		}
		if ts.SignatureVerified && (ts.TSA == nil || ts.Algorithm == "") {
			t.Fatalf("verified signature without a TSA: %+v", ts)
		}
		if ts.ChainVerified && (len(ts.Chain) < 2 || ts.Chain[len(ts.Chain)-1].Subject != "CN=FUZZ TSA ROOT,C=KZ") {
			t.Fatalf("verified chain not ending at the root: %+v", ts.Chain)
		}
	})
}

// FuzzInspect: Inspect never panics, returns a report only without an
// error, and a signer's certificate comes with its parsed form.
func FuzzInspect(f *testing.F) {
	leaf, v := fuzzPKI(f)
	tsa, _ := fuzzTSA(f)
	for _, o := range []devpki.CMSOptions{{}, {Attached: true, BER: true}, {UnsignedAttributes: devpki.TimeStampAttribute(tsa, devpki.TimeStampOptions{})}} {
		der, err := leaf.SignCMS(content, o)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(der)
		f.Add(der[:len(der)-3])
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		res, err := v.Inspect(in)
		if err != nil {
			if res != nil {
				t.Fatalf("error %v with a report", err)
			}
			return
		}
		for _, s := range res.Signers {
			if (s.Certificate == nil) != (s.Cert == nil) || (s.Identity != nil && s.IdentityError != "") {
				t.Fatalf("inconsistent claim %+v", s)
			}
		}
	})
}

// FuzzDecodePKCS12: whatever the file, DecodePKCS12 never panics, returns
// contents only without an error, every error has a known code, and what
// it accepts it reads the same way twice. (The seed corpus holds files made
// by openssl pkcs12 -export, default and -legacy, password "fuzz".)
func FuzzDecodePKCS12(f *testing.F) {
	f.Add([]byte{0x30, 0x80, 0x02, 0x01, 0x03, 0x00, 0x00})
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x03})
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := signature.DecodePKCS12(in, "fuzz", signature.PKCS12Options{Keys: true})
		if err != nil {
			if p != nil {
				t.Fatalf("error %v with contents", err)
			}
			if c := signature.Code(err); c == "internal" {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		again, err := signature.DecodePKCS12(in, "fuzz", signature.PKCS12Options{Keys: true})
		if err != nil || len(again.Certificates) != len(p.Certificates) || len(again.Keys) != len(p.Keys) {
			t.Fatalf("not deterministic: %v", err)
		}
	})
}
