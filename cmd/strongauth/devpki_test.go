package main

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/gosttest"
)

// devpkiLeaf loads a leaf written by `strongauth devpki` (certificate and
// key files) so that it signs.
func devpkiLeaf(t *testing.T, dir string, l devpkiLeafOut, alg string) *devpki.Leaf {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, l.Cert))
	require.NoError(t, err)
	blk, _ := pem.Decode(b)
	require.NotNil(t, blk)
	cert, err := x509.ParseCertificate(blk.Bytes)
	require.NoError(t, err)
	key, err := os.ReadFile(filepath.Join(dir, l.Key))
	require.NoError(t, err)
	fi, err := os.Stat(filepath.Join(dir, l.Key))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "keys are private to the user")
	var priv any
	switch l.KeyFormat {
	case "gost-scalar-hex":
		curve := gost.CurveTC26512A()
		if alg == string(devpki.GOST2004) {
			curve = gost.CurveCryptoProA()
		}
		priv, err = gosttest.PrivateKeyFromHex(curve, string(key))
	case "pkcs8-pem":
		kb, _ := pem.Decode(key)
		require.NotNil(t, kb)
		priv, err = x509.ParsePKCS8PrivateKey(kb.Bytes)
	}
	require.NoError(t, err)
	leaf, err := devpki.New(devpki.Config{}).Leaf(cert, nil, priv)
	require.NoError(t, err)
	return leaf
}

// `strongauth devpki DIR` writes a PKI whose files work with `strongauth
// verify` offline: every leaf's signature verifies with the written roots,
// intermediates and CRLs (its roles as the manifest says), and the revoked
// leaf is refused with certificateHold.
func TestDevPKI(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	code, out, errOut := runCmd("devpki", "--algorithms", "gost2015,gost2004,ecdsa-p256", "--now", testAtText, dir)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, errOut, "DEVELOPMENT")
	var m devpkiManifest
	require.NoError(t, json.Unmarshal([]byte(out), &m))
	onDisk, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	require.NoError(t, err)
	assert.JSONEq(t, out, string(onDisk))
	readme, err := os.ReadFile(filepath.Join(dir, "README.txt"))
	require.NoError(t, err)
	assert.Contains(t, string(readme), "NEVER trust")
	require.Len(t, m.PKIs, 3)
	data := writeFile(t, t.TempDir(), "data", content)
	for _, p := range m.PKIs {
		require.Len(t, p.Leaves, 6, p.Algorithm)
		kinds := map[string]bool{}
		for _, l := range p.Leaves {
			kinds[l.Kind] = true
			leaf := devpkiLeaf(t, dir, l, p.Algorithm)
			cms := signTo(t, t.TempDir(), "sig.cms", leaf, content, devpki.CMSOptions{})
			args := []string{"--roots", filepath.Join(dir, m.Roots), "--intermediates", filepath.Join(dir, m.Intermediates),
				"--revocation", "crl", "--crl", filepath.Join(dir, p.CRL.File), "--crl", filepath.Join(dir, p.RootCRL),
				"--at", testAtText, "--data", data, cms}
			if l.Kind == string(devpki.InformationSystem) {
				// A machine's key: not a person's signature, as the library
				// refuses by default.
				code, v, _ := verifyJSON(t, args...)
				assert.Equal(t, exitInvalid, code)
				assert.Equal(t, "key_usage", v.Error.Code)
				continue
			}
			code, v, _ := verifyJSON(t, args...)
			if l.Revoked {
				assert.Equal(t, exitInvalid, code, l.Name)
				assert.Equal(t, "revoked", v.Error.Code, l.Name)
				assert.Equal(t, "certificateHold", v.Error.Revocation.ReasonName, l.Name)
				assert.Equal(t, []string{l.Serial}, p.CRL.Revoked)
				continue
			}
			require.Equal(t, exitOK, code, "%s %s: %+v", p.Algorithm, l.Name, v.Error)
			s := v.Signers[0]
			assert.Equal(t, l.IIN, s.Identity.IIN, l.Name)
			assert.Equal(t, l.BIN, s.Identity.BIN, l.Name)
			assert.Equal(t, l.Roles, s.Identity.Roles, l.Name)
			assert.Equal(t, l.Serial, s.Certificate.Serial, l.Name)
			assert.Len(t, s.Revocation, 2)
		}
		for _, k := range []devpki.Kind{devpki.Individual, devpki.FirstHead, devpki.RightToSign, devpki.Employee, devpki.InformationSystem} {
			assert.True(t, kinds[string(k)], "%s: kind %s", p.Algorithm, k)
		}
		assert.Equal(t, []signature.Role{signature.RoleLegalEntity, signature.RoleFirstHead}, p.Leaves[1].Roles)
	}

	// A directory that is not empty is refused unless --force.
	code, out, _ = runCmd("devpki", "--algorithms", "gost2015", dir)
	assert.Equal(t, exitUsage, code)
	require.NoError(t, json.Unmarshal([]byte(out), &m))
	assert.Equal(t, codeUsage, m.Error.Code)
	code, _, _ = runCmd("devpki", "--algorithms", "gost2015", "--force", dir)
	assert.Equal(t, exitOK, code)
}

// --seed and --now make the GOST PKI reproducible (same files), and
// different seeds make different keys.
func TestDevPKISeed(t *testing.T) {
	base := t.TempDir()
	run := func(name, seed string) string {
		d := filepath.Join(base, name)
		code, _, errOut := runCmd("devpki", "--algorithms", "gost2015", "--now", testAtText, "--seed", seed, d)
		require.Equal(t, exitOK, code, errOut)
		return d
	}
	a, b, c := run("a", "fixtures"), run("b", "fixtures"), run("c", "other")
	for _, f := range []string{"gost2015-512/individual.pem", "gost2015-512/individual.key.hex", "gost2015-512/ca.crl", "manifest.json"} {
		x, err := os.ReadFile(filepath.Join(a, f))
		require.NoError(t, err)
		y, err := os.ReadFile(filepath.Join(b, f))
		require.NoError(t, err)
		z, err := os.ReadFile(filepath.Join(c, f))
		require.NoError(t, err)
		assert.Equal(t, x, y, f)
		assert.NotEqual(t, x, z, f)
	}
}

// Usage errors exit 2 with JSON.
func TestDevPKIUsage(t *testing.T) {
	file := writeFile(t, t.TempDir(), "file", []byte("x"))
	for name, args := range map[string][]string{
		"no DIR":            {},
		"two DIRs":          {"a", "b"},
		"unknown algorithm": {"--algorithms", "dsa", t.TempDir()},
		"algorithm twice":   {"--algorithms", "rsa,rsa-2048", t.TempDir()},
		"bad --now":         {"--now", "now", t.TempDir()},
		"DIR is a file":     {filepath.Join(file, "sub")},
	} {
		code, out, _ := runCmd(append([]string{"devpki"}, args...)...)
		assert.Equal(t, exitUsage, code, name)
		var m devpkiManifest
		require.NoError(t, json.Unmarshal([]byte(out), &m), name)
		require.NotNil(t, m.Error, name)
	}
	code, out, _ := runCmd("devpki", "--help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "Examples:")
}
