package ecptest_test

import (
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/factors/ecp/ecptest"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
)

// TestKeyDirRoundTrip: GOST, RSA and ECDSA keys written by WriteDir load
// back and sign as the same certificates.
func TestKeyDirRoundTrip(t *testing.T) {
	g := devpki.New(devpki.Config{})
	var leaves []*devpki.Leaf
	var roots []*x509.Certificate
	for i, alg := range []devpki.Algorithm{devpki.GOST2015, devpki.RSA2048, devpki.ECDSAP256} {
		root, err := g.Root(devpki.CAOptions{CommonName: "ROOT " + string(alg), Algorithm: alg})
		require.NoError(t, err)
		l, err := root.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "T", Name: "N", IIN: []string{"880101300123", "920202450012", "850715300459"}[i]})
		require.NoError(t, err)
		leaves = append(leaves, l)
		roots = append(roots, root.Cert)
	}
	dir := t.TempDir()
	require.NoError(t, ecptest.WriteDir(dir, leaves))
	for _, f := range []string{"880101300123.key.hex", "920202450012.key.pem", "850715300459.key.pem"} {
		st, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), f)
	}
	keys, err := ecptest.LoadDir(dir)
	require.NoError(t, err)
	require.Len(t, keys, 3)
	sim, err := ecptest.New(ecptest.Config{InsecureTestKeys: true, Keys: keys, Origins: []string{origin}})
	require.NoError(t, err)
	v, err := signature.NewVerifier(signature.Config{Roots: roots, InsecureSkipRevocation: true})
	require.NoError(t, err)
	for _, l := range leaves {
		iin := (&ecptest.Key{Certificate: l.Cert}).IIN()
		r := sim.Handle(context.Background(), []byte(signRequest("eA==", false, iin, "")))
		require.True(t, r.Status, r)
		res, err := v.Verify(context.Background(), []byte(r.Body.Result[0]), signature.VerifyOptions{Purpose: signature.PurposeLogin(), Content: []byte("x")})
		require.NoError(t, err, iin)
		assert.Equal(t, l.Cert.Raw, res.Signers[0].Cert.Raw, "%s signs as its certificate", iin)
	}
}

func TestKeyDirRefusals(t *testing.T) {
	_, err := ecptest.LoadDir(t.TempDir())
	assert.Error(t, err, "empty directory")

	g := devpki.New(devpki.Config{})
	root, err := g.Root(devpki.CAOptions{CommonName: "ROOT"})
	require.NoError(t, err)
	a, err := root.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "A", Name: "A", IIN: "880101300123"})
	require.NoError(t, err)
	b, err := root.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "B", Name: "B", IIN: "920202450012"})
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, ecptest.WriteDir(dir, []*devpki.Leaf{a, b}))
	// Swap the keys: each no longer matches its certificate.
	ka, _ := os.ReadFile(filepath.Join(dir, "880101300123.key.hex"))
	kb, _ := os.ReadFile(filepath.Join(dir, "920202450012.key.hex"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "880101300123.key.hex"), kb, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "920202450012.key.hex"), ka, 0o600))
	_, err = ecptest.LoadDir(dir)
	assert.ErrorContains(t, err, "does not match")

	require.NoError(t, os.Remove(filepath.Join(dir, "880101300123.key.hex")))
	_, err = ecptest.LoadDir(dir)
	assert.ErrorContains(t, err, "no .key.hex or .key.pem")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "880101300123.crt.pem"), []byte("not pem"), 0o600))
	_, err = ecptest.LoadDir(dir)
	assert.ErrorContains(t, err, "no certificate")
}
