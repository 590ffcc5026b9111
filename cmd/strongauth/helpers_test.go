package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// update rewrites the golden files: go test ./cmd/strongauth -run Golden -update
var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// The development PKIs take a moment to make: one per algorithm.
var pkis sigtest.Cache

// testAt is the verification clock of the development PKI's tests, inside
// every certificate's validity.
func testAt() time.Time { return sigtest.Epoch().Add(time.Hour) }

const testAtText = "2026-06-01T10:00:00Z"

var content = []byte("strongauth cli test content\n")

// writeFile writes b to dir/name and returns the path.
func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, b, 0o600))
	return p
}

// pkiFiles writes a PKI's root and intermediate and returns their paths.
func pkiFiles(t testing.TB, p *sigtest.PKI) (dir, roots, inters string) {
	t.Helper()
	dir = t.TempDir()
	return dir, writeFile(t, dir, "roots.pem", devpki.CertificatePEM(p.Root.Cert)), writeFile(t, dir, "inters.pem", devpki.CertificatePEM(p.CA.Cert))
}

// signTo signs content with leaf and writes the CMS to dir.
func signTo(t testing.TB, dir, name string, leaf *devpki.Leaf, data []byte, o devpki.CMSOptions) string {
	t.Helper()
	if o.SigningTime.IsZero() {
		o.SigningTime = testAt().Add(-time.Minute)
	}
	cms, err := leaf.SignCMS(data, o)
	require.NoError(t, err)
	return writeFile(t, dir, name, cms)
}

// verifyJSON runs verify and decodes its JSON, which must always be there.
func verifyJSON(t testing.TB, args ...string) (int, verifyOutput, string) {
	t.Helper()
	code, out, errOut := runCmd(append([]string{"verify"}, args...)...)
	var v verifyOutput
	require.NoError(t, json.Unmarshal([]byte(out), &v), "stdout must be JSON: %q", out)
	require.NotNil(t, v.Signers, "signers is always a list")
	return code, v, errOut
}

// golden compares got with testdata/golden/name, after replacing the
// test-data root by $TESTDATA (or rewrites it with -update).
func golden(t *testing.T, name string, got string) {
	t.Helper()
	got = strings.ReplaceAll(got, sigtest.Root(t), "$TESTDATA")
	p := filepath.Join("testdata", "golden", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err, "golden file missing: run go test ./cmd/strongauth -run %s -update", t.Name())
	assert.Equal(t, string(want), got, "golden %s (rerun with -update after checking the change)", name)
}
