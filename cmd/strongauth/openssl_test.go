package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// `strongauth verify` accepts what `openssl cms -sign` produces (RSA and
// ECDSA; detached and attached; DER and PEM; with the chain or with the
// intermediate given separately), and refuses -noattr (no signed
// attributes) with missing_attribute.
func TestVerifyOpenSSL(t *testing.T) {
	openssl := sigtest.Tool(t, "openssl")
	for _, alg := range []devpki.Algorithm{devpki.RSA2048, devpki.ECDSAP256} {
		p := pkis.Get(t, alg)
		dir, roots, inters := pkiFiles(t, p)
		key, err := p.Individual.PrivateKeyPEM()
		require.NoError(t, err)
		signer := writeFile(t, dir, "signer.pem", devpki.CertificatePEM(p.Individual.Cert))
		keyFile := writeFile(t, dir, "key.pem", key)
		data := writeFile(t, dir, "data", content)
		for _, v := range []struct {
			name    string
			args    []string
			inter   bool // the intermediate is passed with --intermediates (not in the CMS)
			code    int
			errCode string
		}{
			{"detached DER", []string{"-certfile", inters}, false, exitOK, ""},
			{"attached PEM", []string{"-nodetach", "-outform", "PEM", "-certfile", inters}, false, exitOK, ""},
			{"detached, intermediate separate", nil, true, exitOK, ""},
			{"CAdES (ESS signing-certificate-v2)", []string{"-cades", "-certfile", inters}, false, exitOK, ""},
			{"SHA-512", []string{"-md", "sha512", "-certfile", inters}, false, exitOK, ""},
			{"no signed attributes", []string{"-noattr", "-certfile", inters}, false, exitInvalid, "missing_attribute"},
		} {
			t.Run(string(alg)+"/"+v.name, func(t *testing.T) {
				out := filepath.Join(dir, "sig")
				args := append([]string{"cms", "-sign", "-binary", "-in", data, "-signer", signer, "-inkey", keyFile, "-md", "sha256", "-outform", "DER", "-out", out}, v.args...)
				sigtest.Run(t, openssl, args...)
				// openssl stamps the real signing time, which verify reports
				// but never validates against: the PKI's clock is used.
				vargs := []string{"--roots", roots, "--revocation", "none", "--at", testAtText}
				if v.inter {
					vargs = append(vargs, "--intermediates", inters)
				}
				attached := len(v.args) > 0 && v.args[0] == "-nodetach"
				if !attached {
					vargs = append(vargs, "--data", data)
				}
				code, res, _ := verifyJSON(t, append(vargs, out)...)
				assert.Equal(t, v.code, code, "%+v", res.Error)
				if v.code != exitOK {
					require.NotNil(t, res.Error)
					assert.Equal(t, v.errCode, res.Error.Code)
					return
				}
				assert.True(t, res.Valid)
				assert.Equal(t, sigtest.IIN, res.Signers[0].Identity.IIN)
				assert.Equal(t, !attached, res.Detached)
			})
		}
	}
}

// `strongauth cert` reads what `openssl pkcs12 -export` writes (OpenSSL
// 3's default PBES2/AES and -legacy RC2/3DES) with --password and
// --password-file; a wrong password is bad_password (exit 1).
func TestCertOpenSSLPKCS12(t *testing.T) {
	openssl := sigtest.Tool(t, "openssl")
	p := pkis.Get(t, devpki.RSA2048)
	dir := t.TempDir()
	key, err := p.Head.PrivateKeyPEM()
	require.NoError(t, err)
	signer := writeFile(t, dir, "signer.pem", devpki.CertificatePEM(p.Head.Cert))
	keyFile := writeFile(t, dir, "key.pem", key)
	pass := writeFile(t, dir, "pass", []byte("секрет 1\nignored second line\n"))
	for _, legacy := range []bool{false, true} {
		out := filepath.Join(dir, "key.p12")
		args := []string{"pkcs12", "-export", "-in", signer, "-inkey", keyFile, "-passout", "pass:секрет 1", "-out", out}
		if legacy {
			args = append(args, "-legacy")
		}
		sigtest.Run(t, openssl, args...)
		for _, auth := range [][]string{{"--password", "секрет 1"}, {"--password-file", pass}} {
			code, res := runCertJSON(t, append(auth, out)...)
			require.Equal(t, exitOK, code, "%+v", res.Error)
			require.Len(t, res.Certificates, 1)
			c := res.Certificates[0]
			assert.Equal(t, "pkcs12", c.Format)
			assert.Equal(t, sigtest.BIN, c.Identity.BIN)
			assert.Equal(t, "RSA-2048", c.PublicKeyAlgorithm)
		}
		code, res := runCertJSON(t, "--password", "секрет 2", out)
		assert.Equal(t, exitInvalid, code)
		assert.Equal(t, "bad_password", res.Error.Code)
		assert.NotContains(t, res.Error.Message, "секрет")
		require.NoError(t, os.Remove(out))
	}
}
