package signature_test

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// gostScalar reads the private scalar of a GOST PKCS #8 key as the NCA
// writes it — privateKey = OCTET STRING { OCTET STRING (little-endian d) }
// for GOST-2015, OCTET STRING { INTEGER d } for GOST-2004 — and returns
// it big-endian.
func gostScalar(t *testing.T, pkcs8 []byte) []byte {
	t.Helper()
	in := cryptobyte.String(pkcs8)
	var seq, outer, inner cryptobyte.String
	var version int
	require.True(t, in.ReadASN1(&seq, cbasn1.SEQUENCE) && seq.ReadASN1Integer(&version) && seq.SkipASN1(cbasn1.SEQUENCE) &&
		seq.ReadASN1(&outer, cbasn1.OCTET_STRING), "GOST PKCS #8 shape")
	if outer.PeekASN1Tag(cbasn1.INTEGER) {
		d := new(big.Int)
		require.True(t, outer.ReadASN1Integer(d))
		return d.FillBytes(make([]byte, 32))
	}
	require.True(t, outer.ReadASN1(&inner, cbasn1.OCTET_STRING), "GOST PKCS #8 shape")
	d := bytes.Clone(inner)
	slices.Reverse(d)
	return d
}

// Every real NCA .p12 (BER, MAC SHA-1, certificate bag RC2-40, key bag
// 3DES) is read: its certificate is the .cert.pem beside it and its key
// the .key.hex (GOST, little-endian in the file) or .key.pem (RSA).
func TestPKCS12NCA(t *testing.T) {
	root := sigtest.Root(t)
	files, err := filepath.Glob(filepath.Join(root, "kz-nca", "*", "*.p12"))
	require.NoError(t, err)
	legacy, err := filepath.Glob(filepath.Join(root, "kz-nca", "legacy", "keys", "*.p12"))
	require.NoError(t, err)
	files = append(files, legacy...)
	if len(files) < 8 {
		sigtest.Missing(t, "the kz-nca .p12 files (found %d)", len(files))
	}
	for _, f := range files {
		rel, _ := filepath.Rel(filepath.Join(root, "kz-nca"), f)
		base := strings.TrimSuffix(filepath.ToSlash(rel), ".p12")
		t.Run(base, func(t *testing.T) {
			data := sigtest.ReadFile(t, "kz-nca/"+base+".p12")
			p, err := signature.DecodePKCS12(data, "Qwerty12", signature.PKCS12Options{Keys: true})
			require.NoError(t, err)
			want := sigtest.Certificate(t, "kz-nca/"+base+".cert.pem")
			require.Len(t, p.Certificates, 1)
			assert.True(t, want.Equal(p.Certificates[0]))
			require.Len(t, p.Keys, 1)
			if strings.HasPrefix(base, "legacy/keys/key_individual") {
				blk, _ := pem.Decode(sigtest.ReadFile(t, "kz-nca/"+base+".key.pem"))
				require.NotNil(t, blk)
				assert.Equal(t, blk.Bytes, p.Keys[0].PKCS8())
			} else {
				d := strings.TrimSpace(string(sigtest.ReadFile(t, "kz-nca/"+base+".key.hex")))
				assert.Equal(t, d, hex.EncodeToString(gostScalar(t, p.Keys[0].PKCS8())))
			}
			// The key never prints.
			for _, s := range []string{fmt.Sprint(p.Keys[0]), fmt.Sprintf("%v %+v %#v %s %x", p.Keys[0], p.Keys[0], p.Keys[0], p.Keys[0], p.Keys[0])} {
				assert.NotContains(t, s, hex.EncodeToString(p.Keys[0].PKCS8()[20:28]))
				assert.Contains(t, s, "REDACTED")
			}

			// Without Keys, only certificates.
			p, err = signature.DecodePKCS12(data, "Qwerty12", signature.PKCS12Options{})
			require.NoError(t, err)
			assert.Len(t, p.Certificates, 1)
			assert.Empty(t, p.Keys)

			// A wrong password, and an altered file, are refused.
			p, err = signature.DecodePKCS12(data, "Qwerty13", signature.PKCS12Options{})
			assert.ErrorIs(t, err, signature.ErrPassword)
			assert.Equal(t, "bad_password", signature.Code(err))
			assert.Nil(t, p)
			assert.NotContains(t, err.Error(), "Qwerty")
			for _, at := range []int{len(data) / 2, len(data) - 30} {
				bad := bytes.Clone(data)
				bad[at] ^= 0x40
				p, err = signature.DecodePKCS12(bad, "Qwerty12", signature.PKCS12Options{Keys: true})
				require.Error(t, err)
				assert.Nil(t, p)
				assert.Contains(t, []string{"bad_password", "malformed"}, signature.Code(err))
			}
		})
	}
}

// RC2 against the RFC 2268 test vectors (decryption: ciphertext → plain).
func TestRC2Vectors(t *testing.T) {
	for _, v := range []struct {
		key        string
		bits       int
		plain, enc string
	}{
		{"0000000000000000", 63, "0000000000000000", "ebb773f993278eff"},
		{"ffffffffffffffff", 64, "ffffffffffffffff", "278b27e42e2f0d49"},
		{"3000000000000000", 64, "1000000000000001", "30649edf9be7d2c2"},
		{"88", 64, "0000000000000000", "61a8a244adacccf0"},
		{"88bca90e90875a", 64, "0000000000000000", "6ccf4308974c267f"},
		{"88bca90e90875a7f0f79c384627bafb2", 64, "0000000000000000", "1a807d272bbe5db1"},
		{"88bca90e90875a7f0f79c384627bafb2", 128, "0000000000000000", "2269552ab0f85ca6"},
		{"88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e", 129, "0000000000000000", "5b78d3a43dfff1f1"},
	} {
		key, _ := hex.DecodeString(v.key)
		enc, _ := hex.DecodeString(v.enc)
		got, err := signature.RC2DecryptBlock(key, v.bits, enc)
		require.NoError(t, err)
		assert.Equal(t, v.plain, hex.EncodeToString(got), "%s/%d", v.key, v.bits)
	}
}

// The independent oracle: files made by `openssl pkcs12 -export` — OpenSSL
// 3's default (PBES2, PBKDF2-SHA256, AES-256-CBC, MAC SHA-256) and -legacy
// (RC2-40 and 3DES, MAC SHA-1) — are read; -nomac is refused.
func TestPKCS12OpenSSL(t *testing.T) {
	openssl := sigtest.Tool(t, "openssl")
	for _, alg := range []devpki.Algorithm{devpki.RSA2048, devpki.ECDSAP256} {
		p := pkiFor(t, alg)
		dir := oracleFiles(t, p, p.Individual)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "cas.pem"), devpki.CertificatePEM(p.CA.Cert, p.Root.Cert), 0o600))
		for name, extra := range map[string][]string{
			"default":     nil,
			"legacy":      {"-legacy"},
			"aes128-sha1": {"-keypbe", "AES-128-CBC", "-certpbe", "AES-128-CBC", "-macalg", "sha1"},
			"sha512 mac":  {"-macalg", "sha512", "-chain", "-CAfile", filepath.Join(dir, "cas.pem")},
		} {
			t.Run(string(alg)+"/"+name, func(t *testing.T) {
				out := filepath.Join(dir, "out.p12")
				args := append([]string{"pkcs12", "-export", "-in", filepath.Join(dir, "signer.pem"), "-inkey", filepath.Join(dir, "key.pem"),
					"-passout", "pass:пароль-123", "-out", out}, extra...)
				sigtest.Run(t, openssl, args...)
				data, err := os.ReadFile(out)
				require.NoError(t, err)
				got, err := signature.DecodePKCS12(data, "пароль-123", signature.PKCS12Options{Keys: true})
				require.NoError(t, err)
				require.NotEmpty(t, got.Certificates)
				assert.True(t, p.Individual.Cert.Equal(got.Certificates[0]))
				require.Len(t, got.Keys, 1)
				k, err := x509.ParsePKCS8PrivateKey(got.Keys[0].PKCS8())
				require.NoError(t, err)
				pub := k.(crypto.Signer).Public().(interface{ Equal(crypto.PublicKey) bool })
				assert.True(t, pub.Equal(p.Individual.Cert.PublicKey), "the key of the certificate")
				_, err = signature.DecodePKCS12(data, "пароль-12", signature.PKCS12Options{})
				assert.ErrorIs(t, err, signature.ErrPassword)
			})
		}
		out := filepath.Join(dir, "nomac.p12")
		sigtest.Run(t, openssl, "pkcs12", "-export", "-in", filepath.Join(dir, "signer.pem"), "-inkey", filepath.Join(dir, "key.pem"),
			"-passout", "pass:x", "-nomac", "-out", out)
		data, err := os.ReadFile(out)
		require.NoError(t, err)
		got, err := signature.DecodePKCS12(data, "x", signature.PKCS12Options{})
		assert.ErrorIs(t, err, signature.ErrMalformed)
		assert.Nil(t, got)
	}
}
