package gosttest

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/internal/testenv"
)

// The OpenSSL GOST engine (Debian libengine-gost-openssl) is an independent
// implementation: signatures go both ways between it and this code. It knows
// the Russian OIDs only, and lays signatures out as RFC 4491 (s‖r big-endian).

type oracle struct {
	t       *testing.T
	openssl string
	dir     string
}

func newOracle(t *testing.T) *oracle {
	return &oracle{t: t, openssl: testenv.OpenSSLGost(t), dir: t.TempDir()}
}

func (o *oracle) file(name string, data []byte) string {
	p := filepath.Join(o.dir, name)
	require.NoError(o.t, os.WriteFile(p, data, 0o600))
	return p
}

func (o *oracle) run(args ...string) string {
	o.t.Helper()
	return string(testenv.Run(o.t, nil, o.openssl, args...))
}

func (o *oracle) read(name string) []byte {
	b, err := os.ReadFile(filepath.Join(o.dir, name))
	require.NoError(o.t, err)
	return b
}

var oracleCurves = []struct {
	name, algorithm, paramset string
	curve                     func() *gost.Curve
	sigOID                    string
	mdFlag                    string
}{
	{"TC26-512-A", "gost2012_512", "A", gost.CurveTC26512A, gost.OIDRUSignature2012512, "-md_gost12_512"},
	{"TC26-256-A", "gost2012_256", "TCA", gost.CurveTC26256A, gost.OIDRUSignature2012256, "-md_gost12_256"},
	{"CryptoPro-A", "gost2001", "A", gost.CurveCryptoProA, gost.OIDRUSignature2001, "-md_gost94"},
}

// TestOracleOpenSSLSignsWeVerify: keys and signatures made by the engine
// verify here, over a raw digest (pkeyutl) and over a message (dgst -sign,
// which also checks that both sides hash alike).
func TestOracleOpenSSLSignsWeVerify(t *testing.T) {
	o := newOracle(t)
	for _, c := range oracleCurves {
		t.Run(c.name, func(t *testing.T) {
			o.t = t
			key := filepath.Join(o.dir, c.name+".key.pem")
			o.run("genpkey", "-engine", "gost", "-algorithm", c.algorithm, "-pkeyopt", "paramset:"+c.paramset, "-out", key)
			pubDER := filepath.Join(o.dir, c.name+".pub.der")
			o.run("pkey", "-engine", "gost", "-in", key, "-pubout", "-outform", "DER", "-out", pubDER)
			spki, err := os.ReadFile(pubDER)
			require.NoError(t, err)
			pub, err := gost.ParsePublicKey(spki)
			require.NoError(t, err)
			require.Equal(t, c.curve(), pub.Curve())

			msg := []byte("message signed by the OpenSSL GOST engine")
			msgFile := o.file(c.name+".msg", msg)
			alg, ok := gost.SignatureAlgorithmByOID(gost.OID(c.sigOID))
			require.True(t, ok)
			h := alg.NewHash()
			h.Write(msg)
			digest := h.Sum(nil)
			digestFile := o.file(c.name+".digest", digest)

			o.run("pkeyutl", "-engine", "gost", "-sign", "-inkey", key, "-in", digestFile, "-out", filepath.Join(o.dir, c.name+".sig"))
			sig := o.read(c.name + ".sig")
			require.NoError(t, gost.VerifyDigest(pub, digest, sig, gost.LayoutRFC4491))
			digest[3] ^= 0x10
			require.ErrorIs(t, gost.VerifyDigest(pub, digest, sig, gost.LayoutRFC4491), gost.ErrVerification)

			o.run("dgst", "-engine", "gost", c.mdFlag, "-sign", key, "-out", filepath.Join(o.dir, c.name+".msig"), msgFile)
			msig := o.read(c.name + ".msig")
			require.NoError(t, gost.CheckSignature(alg.SignatureOID, pub, msg, msig))
		})
	}
}

// TestOracleWeSignOpenSSLVerifies: signatures and a certificate made here
// verify in the engine.
func TestOracleWeSignOpenSSLVerifies(t *testing.T) {
	o := newOracle(t)
	for i, c := range oracleCurves {
		t.Run(c.name, func(t *testing.T) {
			o.t = t
			k, err := GenerateKey(c.curve(), detRand(byte(50+i)))
			require.NoError(t, err)
			spki, err := MarshalPublicKey(k.Public(), false)
			require.NoError(t, err)
			pubFile := o.file(c.name+".pub.der", spki)
			digest := make([]byte, c.curve().Size())
			for j := range digest {
				digest[j] = byte(j*7 + i)
			}
			sig, err := Sign(detRand(byte(60+i)), k, digest, gost.LayoutRFC4491)
			require.NoError(t, err)
			out := o.run("pkeyutl", "-engine", "gost", "-verify", "-pubin", "-keyform", "DER", "-inkey", pubFile,
				"-in", o.file(c.name+".digest", digest), "-sigfile", o.file(c.name+".sig", sig))
			require.Contains(t, out, "Signature Verified Successfully")
			// A tampered signature is refused by the engine too.
			sig[0] ^= 1
			_, _, err = testenv.TryRun(nil, o.openssl, "pkeyutl", "-engine", "gost", "-verify", "-pubin", "-keyform", "DER",
				"-inkey", pubFile, "-in", filepath.Join(o.dir, c.name+".digest"), "-sigfile", o.file(c.name+".bad", sig))
			require.Error(t, err)
		})
	}
	t.Run("certificate", func(t *testing.T) {
		o.t = t
		k, err := GenerateKey(gost.CurveTC26512A(), detRand(70))
		require.NoError(t, err)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "oracle root", Country: []string{"KZ"}},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
			BasicConstraintsValid: true, IsCA: true,
		}
		der, err := CreateCertificate(detRand(71), tmpl, tmpl, k.Public(), k, gost.OID(gost.OIDRUSignature2012512))
		require.NoError(t, err)
		certFile := o.file("root.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
		out := o.run("verify", "-engine", "gost", "-CAfile", certFile, certFile)
		require.Contains(t, out, ": OK")
	})
}

// TestOracleNCASignatureRewrapped repeats the check of the testdata README
// with the engine: the NCA intermediate's key re-wrapped with Russian OIDs
// verifies a real NCA certificate signature once its bytes are reversed.
func TestOracleNCASignatureRewrapped(t *testing.T) {
	o := newOracle(t)
	inter := readCert(t, "kz-nca/ca/nca_gost2022_test.cer")
	leaf := readCert(t, "kz-nca/keys/individual_valid.cert.pem")
	pub, err := gost.PublicKeyFromCertificate(inter)
	require.NoError(t, err)
	ru, err := MarshalPublicKey(pub, false)
	require.NoError(t, err)
	h := gost.New512()
	h.Write(leaf.RawTBSCertificate)
	sig := append([]byte(nil), leaf.Signature...)
	for i, j := 0, len(sig)-1; i < j; i, j = i+1, j-1 {
		sig[i], sig[j] = sig[j], sig[i]
	}
	out := o.run("pkeyutl", "-engine", "gost", "-verify", "-pubin", "-keyform", "DER", "-inkey", o.file("inter.der", ru),
		"-in", o.file("tbs.digest", h.Sum(nil)), "-sigfile", o.file("leaf.sig", sig))
	require.True(t, strings.Contains(out, "Signature Verified Successfully"), out)
}

// TestOracleCMS: a SignedData built here verifies in `openssl cms -verify`,
// and one built by `openssl cms -sign` verifies here (the engine writes the
// public-key OID as the SignerInfo signatureAlgorithm).
func TestOracleCMS(t *testing.T) {
	o := newOracle(t)
	ch := buildChain(t, gost.CurveTC26512A(), gost.OID(gost.OIDRUSignature2012512), 97)
	content := []byte("challenge for the OpenSSL engine")
	der, err := CreateSignedData(detRand(98), content, ch.leaf, ch.leafKey, gost.OID(gost.OIDRUSignature2012512),
		SignedDataOptions{Detached: true, SigningTime: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC),
			ExtraCertificates: []*x509.Certificate{ch.inter}})
	require.NoError(t, err)
	root := o.file("root.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ch.rootDER}))
	dataFile := o.file("data", content)
	_, stderr, err := testenv.TryRun(nil, o.openssl, "cms", "-verify", "-engine", "gost", "-binary", "-inform", "DER",
		"-in", o.file("ours.cms", der), "-content", dataFile, "-CAfile", root, "-purpose", "any", "-no_check_time", "-out", os.DevNull)
	require.NoError(t, err, "%s", stderr)
	require.Contains(t, string(stderr), "Verification successful")
	// Other content: the engine refuses it too.
	_, _, err = testenv.TryRun(nil, o.openssl, "cms", "-verify", "-engine", "gost", "-binary", "-inform", "DER",
		"-in", filepath.Join(o.dir, "ours.cms"), "-content", o.file("other", []byte("x")), "-CAfile", root,
		"-purpose", "any", "-no_check_time", "-out", os.DevNull)
	require.Error(t, err)

	// The engine signs; we verify.
	key := filepath.Join(o.dir, "k.pem")
	o.run("genpkey", "-engine", "gost", "-algorithm", "gost2012_512", "-pkeyopt", "paramset:A", "-out", key)
	certPEM := filepath.Join(o.dir, "c.pem")
	o.run("req", "-x509", "-new", "-engine", "gost", "-key", key, "-subj", "/CN=oracle signer", "-days", "2", "-out", certPEM)
	o.run("cms", "-sign", "-engine", "gost", "-binary", "-in", dataFile, "-signer", certPEM, "-inkey", key,
		"-outform", "DER", "-out", filepath.Join(o.dir, "theirs.cms"))
	p := parseCMS(t, o.read("theirs.cms"))
	assert.Equal(t, gost.OIDRUPublicKey2012512, p.SignatureAlgorithm.String())
	signer, err := verifyCMS(t, p, content)
	require.NoError(t, err)
	require.NoError(t, gost.CheckCertificateSignature(signer, signer), "the engine's self-signed certificate")
	_, err = verifyCMS(t, p, []byte("tampered"))
	require.ErrorIs(t, err, gost.ErrVerification)
}
