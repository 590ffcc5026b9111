package main

import (
	"context"
	"crypto/x509"
	"io"
	"testing"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// BenchmarkVerifyCommand is one whole `strongauth verify` (flags, reading
// the files, a fresh verifier, verification, JSON) beside the library
// calls it wraps: a fresh signature.NewVerifier and Verify (the floor for
// a one-shot command) and Verify with a warm verifier. The ratio is the
// command's own overhead.
func BenchmarkVerifyCommand(b *testing.B) {
	for _, alg := range []devpki.Algorithm{devpki.ECDSAP256, devpki.GOST2015} {
		p := sigtest.NewPKI(b, alg)
		dir := b.TempDir()
		roots := writeFile(b, dir, "roots.pem", devpki.CertificatePEM(p.Root.Cert))
		inters := writeFile(b, dir, "inters.pem", devpki.CertificatePEM(p.CA.Cert))
		der, err := p.Individual.SignCMS(content, devpki.CMSOptions{SigningTime: testAt()})
		if err != nil {
			b.Fatal(err)
		}
		input := devpki.PEM(der)
		cms := writeFile(b, dir, "sig.cms", input)
		data := writeFile(b, dir, "data", content)
		args := []string{"verify", "--roots", roots, "--intermediates", inters, "--revocation", "none", "--at", testAtText, "--data", data, cms}
		cfg := signature.Config{Roots: []*x509.Certificate{p.Root.Cert}, Intermediates: []*x509.Certificate{p.CA.Cert},
			Now: testAt, InsecureSkipRevocation: true}
		opts := signature.VerifyOptions{Content: content, Purpose: signature.PurposeSign()}
		library := func(b *testing.B) {
			v, err := signature.NewVerifier(cfg)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := v.Verify(context.Background(), input, opts); err != nil {
				b.Fatal(err)
			}
		}
		command := func(b *testing.B) {
			if code := run(args, io.Discard, io.Discard); code != exitOK {
				b.Fatalf("exit %d", code)
			}
		}
		b.Run(string(alg)+"/library-warm", func(b *testing.B) {
			v, err := signature.NewVerifier(cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(context.Background(), input, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(string(alg)+"/library-fresh-verifier", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				library(b)
			}
		})
		b.Run(string(alg)+"/command", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				command(b)
			}
		})
		b.Run(string(alg)+"/ratio-command-to-library", func(b *testing.B) { sigtest.Ratio(b, library, command) })
	}
}
