package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// FuzzVerifyCommand: whatever the CMS file holds, `strongauth verify`
// never panics, always prints JSON, exits 0 only for a valid signature of
// the content by the known signer and 1 otherwise (a readable file is
// never a usage error).
func FuzzVerifyCommand(f *testing.F) {
	g := devpki.New(devpki.Config{Rand: rand.NewChaCha8([32]byte{'c', 'l', 'i'}), Now: sigtest.Epoch})
	root, err := g.Root(devpki.CAOptions{CommonName: "FUZZ ROOT", Algorithm: devpki.ECDSAP256})
	if err != nil {
		f.Fatal(err)
	}
	leaf, err := root.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "Фаззов", Name: "Фазз", IIN: sigtest.IIN})
	if err != nil {
		f.Fatal(err)
	}
	dir := f.TempDir()
	roots := filepath.Join(dir, "roots.pem")
	if err := os.WriteFile(roots, devpki.CertificatePEM(root.Cert), 0o600); err != nil {
		f.Fatal(err)
	}
	for _, o := range []devpki.CMSOptions{{Attached: true}, {Attached: true, BER: true}, {Attached: true, SubjectKeyID: true}} {
		o.SigningTime = testAt()
		der, err := leaf.SignCMS(content, o)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(der)
		f.Add(devpki.PEM(der))
		f.Add([]byte(base64.StdEncoding.EncodeToString(der)))
		f.Add(der[:len(der)/2])
	}
	f.Add([]byte("-----BEGIN PKCS7-----\n-----END PKCS7-----\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		p := filepath.Join(t.TempDir(), "in.cms")
		if err := os.WriteFile(p, in, 0o600); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		code := run([]string{"verify", "--roots", roots, "--revocation", "none", "--at", testAtText, p}, &out, &errOut)
		var v verifyOutput
		if err := json.Unmarshal(out.Bytes(), &v); err != nil {
			t.Fatalf("stdout is not JSON (exit %d): %q", code, out.Bytes())
		}
		switch code {
		case exitOK:
			if !v.Valid || len(v.Signers) != 1 || v.Signers[0].Identity == nil || v.Signers[0].Identity.IIN != sigtest.IIN || v.ContentSize != len(content) {
				t.Fatalf("exit 0 without a valid signature of the content by the known signer: %s", out.Bytes())
			}
		case exitInvalid:
			if v.Valid || v.Error == nil || v.Error.Code == "" || v.Error.Code == "internal" {
				t.Fatalf("exit 1 without a coded error: %s", out.Bytes())
			}
		default:
			t.Fatalf("exit %d for a readable file: %s", code, out.Bytes())
		}
	})
}
