package signature

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"slices"
	"testing"
	"time"

	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// The cost of a full verification (decode, parse, signed attributes, the
// signer's signature, the chain, purpose, identity) beside the raw
// signature checks it wraps, in the same run:
//
//	raw-signer        one signature verification of the signer (hashing the
//	                  signed attributes included): the floor
//	raw-signer+chain  that plus the two certificate signatures of the chain:
//	                  what a verifier without a link cache must pay
//	full-warm         Verify with the chain-link and certificate caches warm
//	                  (a repeated login)
//	full-cold         Verify with a fresh verifier (no cache)
//
// The goal is full-warm ≤ 1.3 × raw-signer.
func BenchmarkVerify(b *testing.B) {
	for _, alg := range []devpki.Algorithm{devpki.RSA2048, devpki.GOST2015, devpki.ECDSAP256} {
		p := sigtest.NewPKI(b, alg)
		now := func() time.Time { return sigtest.Epoch().Add(time.Hour) }
		content := []byte("strongauth-challenge/v1\norigin=https://portal.example.kz\n")
		// As NCALayer sends it: PEM, detached, the signer's certificate only.
		der, err := p.Individual.SignCMS(content, devpki.CMSOptions{SigningTime: now()})
		if err != nil {
			b.Fatal(err)
		}
		input := devpki.PEM(der)
		cfg := Config{Roots: p.Roots(), Intermediates: []*x509.Certificate{p.CA.Cert}, Now: now, InsecureSkipRevocation: true}
		opts := VerifyOptions{Content: content, Purpose: PurposeLogin()}
		sd, err := parseCMS(der)
		if err != nil {
			b.Fatal(err)
		}
		si := sd.Signers[0]
		leaf, ca, root := p.Individual.Cert, p.CA.Cert, p.Root.Cert

		var gostPub *gost.PublicKey
		if alg == devpki.GOST2015 {
			if gostPub, err = gost.PublicKeyFromCertificate(leaf); err != nil {
				b.Fatal(err)
			}
		}
		digestOID, sigOID := si.DigestAlg.oid(), si.SigAlg.oid()
		rawSigner := func(b *testing.B) {
			switch alg {
			case devpki.GOST2015:
				if err := gost.CheckSignerInfoSignature(digestOID, sigOID, gostPub, si.SignedAttrs, si.Signature); err != nil {
					b.Fatal(err)
				}
			case devpki.RSA2048:
				h := crypto.SHA256.New()
				h.Write(si.SignedAttrs)
				if err := rsa.VerifyPKCS1v15(leaf.PublicKey.(*rsa.PublicKey), crypto.SHA256, h.Sum(nil), si.Signature); err != nil {
					b.Fatal(err)
				}
			default:
				h := crypto.SHA256.New()
				h.Write(si.SignedAttrs)
				if !ecdsa.VerifyASN1(leaf.PublicKey.(*ecdsa.PublicKey), h.Sum(nil), si.Signature) {
					b.Fatal("ECDSA")
				}
			}
		}
		rawLink := func(b *testing.B, child, parent *x509.Certificate) {
			var err error
			if alg == devpki.GOST2015 {
				err = gost.CheckCertificateSignature(child, parent)
			} else {
				err = parent.CheckSignature(child.SignatureAlgorithm, child.RawTBSCertificate, child.Signature)
			}
			if err != nil {
				b.Fatal(err)
			}
		}

		b.Run(string(alg)+"/raw-signer", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rawSigner(b)
			}
		})
		b.Run(string(alg)+"/raw-signer+chain", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rawSigner(b)
				rawLink(b, leaf, ca)
				rawLink(b, ca, root)
			}
		})
		b.Run(string(alg)+"/full-warm", func(b *testing.B) {
			v, err := NewVerifier(cfg)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := v.Verify(context.Background(), input, opts); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(context.Background(), input, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
		// The ratio, measured by interleaving the two in one loop so that a
		// busy machine slows both alike; reported from the fastest and the
		// median iteration of each (the fastest is the least disturbed).
		b.Run(string(alg)+"/ratio-warm-to-raw-signer", func(b *testing.B) {
			v, err := NewVerifier(cfg)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := v.Verify(context.Background(), input, opts); err != nil {
				b.Fatal(err)
			}
			var raw, full []time.Duration
			for b.Loop() {
				t0 := time.Now()
				rawSigner(b)
				t1 := time.Now()
				if _, err := v.Verify(context.Background(), input, opts); err != nil {
					b.Fatal(err)
				}
				full = append(full, time.Since(t1))
				raw = append(raw, t1.Sub(t0))
			}
			slices.Sort(raw)
			slices.Sort(full)
			b.ReportMetric(float64(full[0])/float64(raw[0]), "x-fastest")
			b.ReportMetric(float64(full[len(full)/2])/float64(raw[len(raw)/2]), "x-median")
		})
		b.Run(string(alg)+"/full-cold", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				v, err := NewVerifier(cfg)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := v.Verify(context.Background(), input, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseSubject is the identity reading alone.
func BenchmarkParseSubject(b *testing.B) {
	p := sigtest.NewPKI(b, devpki.ECDSAP256)
	prof := NCAProfile()
	raw := p.Head.Cert.RawSubject
	b.ReportAllocs()
	for b.Loop() {
		if _, err := prof.ParseSubject(raw); err != nil {
			b.Fatal(err)
		}
	}
}
