package signature_test

import (
	"bytes"
	"encoding/pem"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// oracleFiles writes the PKI's signer material for openssl.
func oracleFiles(t *testing.T, p *sigtest.PKI, leaf *devpki.Leaf) (dir string) {
	t.Helper()
	dir = t.TempDir()
	key, err := leaf.PrivateKeyPEM()
	require.NoError(t, err)
	write := func(name string, b []byte) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o600))
	}
	write("signer.pem", devpki.CertificatePEM(leaf.Cert))
	write("key.pem", key)
	write("chain.pem", devpki.CertificatePEM(p.CA.Cert))
	write("root.pem", devpki.CertificatePEM(p.Root.Cert))
	write("data", content)
	return dir
}

// essV2OID is the DER of id-aa-signingCertificateV2.
var essV2OID = []byte{0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x2f}

// The independent oracle: CMS made by `openssl cms -sign` (RSA, RSA-PSS and
// ECDSA; attached and detached; DER and PEM; with and without the ESS
// signing-certificate-v2 attribute) verify; tampered ones fail; -noattr is
// refused.
func TestOpenSSLOracle(t *testing.T) {
	openssl := sigtest.Tool(t, "openssl")
	type variant struct {
		name string
		args []string
		algo string
	}
	for _, alg := range []devpki.Algorithm{devpki.RSA2048, devpki.ECDSAP256} {
		p := pkiFor(t, alg)
		dir := oracleFiles(t, p, p.Individual)
		v, _ := newVerifier(t, p)
		variants := []variant{
			{"detached", nil, ""},
			{"attached", []string{"-nodetach"}, ""},
			{"detached-cades", []string{"-cades"}, ""},
			{"attached-cades", []string{"-nodetach", "-cades"}, ""},
			{"sha384", []string{"-md", "sha384"}, "SHA384"},
			{"pem", []string{"-outform", "PEM"}, ""},
		}
		if alg == devpki.RSA2048 {
			variants = append(variants, variant{"pss", []string{"-keyopt", "rsa_padding_mode:pss"}, "RSA-PSS-SHA256"})
		}
		for _, vr := range variants {
			t.Run(string(alg)+"/"+vr.name, func(t *testing.T) {
				out := filepath.Join(dir, vr.name+".cms")
				args := append([]string{"cms", "-sign", "-binary", "-in", filepath.Join(dir, "data"), "-signer", filepath.Join(dir, "signer.pem"),
					"-inkey", filepath.Join(dir, "key.pem"), "-certfile", filepath.Join(dir, "chain.pem"), "-md", "sha256", "-outform", "DER", "-out", out}, vr.args...)
				before := time.Now().Add(-time.Second).Truncate(time.Second)
				sigtest.Run(t, openssl, args...)
				after := time.Now().Add(time.Second)
				cms, err := os.ReadFile(out)
				require.NoError(t, err)
				cades := strings.Contains(vr.name, "cades")
				require.Equal(t, cades, bytes.Contains(pemOrDER(t, cms), essV2OID), "ESS signing-certificate-v2 present exactly with -cades")

				res, err := v.Verify(ctx, cms, signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
				require.NoError(t, err)
				s := res.Signers[0]
				assert.Equal(t, sigtest.IIN, s.Identity.IIN)
				assert.Len(t, s.Chain, 3)
				assert.False(t, s.SigningTime.Before(before) || s.SigningTime.After(after), "signing time %s", s.SigningTime)
				if vr.algo != "" {
					assert.Contains(t, s.Algorithm, vr.algo)
				}

				der := pemOrDER(t, cms)
				_, err = v.Verify(ctx, flipLast(der), signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
				require.ErrorIs(t, err, signature.ErrBadSignature, "tampered signature")
				_, err = v.Verify(ctx, der, signature.VerifyOptions{Content: []byte("strongauth test contenT"), Purpose: signature.PurposeLogin()})
				require.Error(t, err, "other content")
				if i := bytes.Index(der, content); i >= 0 { // attached
					tampered := bytes.Clone(der)
					tampered[i] ^= 0x20
					_, err = v.Verify(ctx, tampered, signature.VerifyOptions{Purpose: signature.PurposeLogin()})
					require.ErrorIs(t, err, signature.ErrDigestMismatch, "tampered encapsulated content")
				}
				if cades {
					// The ESS certificate hash: 32 bytes after its OCTET STRING
					// header, inside the attribute.
					i := bytes.Index(der, essV2OID)
					j := bytes.Index(der[i:], []byte{0x04, 0x20})
					require.Positive(t, j)
					tampered := bytes.Clone(der)
					tampered[i+j+2] ^= 0xff
					_, err = v.Verify(ctx, tampered, signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
					require.ErrorIs(t, err, signature.ErrSigningCertMismatch, "tampered ESS hash")
				}
			})
		}
		t.Run(string(alg)+"/noattr", func(t *testing.T) {
			out := filepath.Join(dir, "noattr.cms")
			sigtest.Run(t, openssl, "cms", "-sign", "-binary", "-noattr", "-in", filepath.Join(dir, "data"), "-signer", filepath.Join(dir, "signer.pem"),
				"-inkey", filepath.Join(dir, "key.pem"), "-md", "sha256", "-outform", "DER", "-out", out)
			cms, err := os.ReadFile(out)
			require.NoError(t, err)
			_, err = v.Verify(ctx, cms, signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
			require.ErrorIs(t, err, signature.ErrMissingAttribute)
		})
	}
}

// The other direction: openssl verifies the CMS devpki makes (RSA, RSA-PSS,
// ECDSA; attached, detached, BER), so the development PKI speaks standard
// CMS.
func TestOpenSSLVerifiesDevPKI(t *testing.T) {
	openssl := sigtest.Tool(t, "openssl")
	for _, alg := range []devpki.Algorithm{devpki.RSA2048, devpki.ECDSAP256} {
		p := pkiFor(t, alg)
		dir := oracleFiles(t, p, p.Head)
		for name, o := range map[string]devpki.CMSOptions{
			"detached": {}, "attached": {Attached: true}, "ber": {Attached: true, BER: true}, "pss": {PSS: true}, "ski": {SubjectKeyID: true},
		} {
			if o.PSS && alg != devpki.RSA2048 {
				continue
			}
			t.Run(string(alg)+"/"+name, func(t *testing.T) {
				o.Chain = true
				cms := sign(t, p.Head, content, o)
				f := filepath.Join(dir, name+".der")
				require.NoError(t, os.WriteFile(f, cms, 0o600))
				args := []string{"cms", "-verify", "-binary", "-inform", "DER", "-in", f, "-CAfile", filepath.Join(dir, "root.pem"),
					"-purpose", "any", "-attime", strconv.FormatInt(testNow().Unix(), 10), "-out", filepath.Join(dir, name+".out")}
				if !o.Attached {
					args = append(args, "-content", filepath.Join(dir, "data"))
				}
				sigtest.Run(t, openssl, args...)
				got, err := os.ReadFile(filepath.Join(dir, name+".out"))
				require.NoError(t, err)
				assert.Equal(t, content, got)
			})
		}
	}
}

func pemOrDER(t *testing.T, b []byte) []byte {
	if blk, _ := pem.Decode(b); blk != nil {
		return blk.Bytes
	}
	return b
}
