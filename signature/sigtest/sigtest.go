// Package sigtest is test support for code that verifies ECP signatures: it
// locates the shared Kazakh NCA test material and external tools under the
// project's CI rule, and builds a ready-made development PKI (package
// devpki) in the Kazakh profile.
//
// # The CI rule
//
// Tests that need material outside the repository (the NCA test
// certificates and keys under ../shared/testdata/kz-nca, openssl) fail when
// the environment variable CI is "true" and the material is missing, and
// skip with a message saying what is missing otherwise. The test-data root
// is $STRONGAUTH_TESTDATA, or ../shared/testdata next to the repository
// root (the nearest directory above the working directory that holds
// go.mod). Nothing is ever copied into the repository.
//
// Never import this package from production code.
package sigtest

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/strongauth/strongauth/internal/testenv"
)

// CI reports whether the tests run under CI (CI=true).
func CI() bool { return testenv.CI() }

// Missing fails the test under CI and skips it otherwise.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	testenv.Missing(t, format, args...)
}

// Root returns the shared test-data directory (see the package
// documentation).
func Root(t testing.TB) string {
	t.Helper()
	return testenv.Root(t)
}

// ReadFile reads rel (slash-separated) under the test-data root, failing
// (CI) or skipping when it is missing.
func ReadFile(t testing.TB, rel string) []byte {
	t.Helper()
	p := filepath.Join(Root(t), filepath.FromSlash(rel))
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		Missing(t, "%s (set STRONGAUTH_TESTDATA): %v", rel, err)
	}
	if err != nil {
		t.Fatalf("read %s: %v", rel, err)
	}
	return b
}

// Certificate reads a PEM or DER certificate under the test-data root.
func Certificate(t testing.TB, rel string) *x509.Certificate {
	t.Helper()
	b := ReadFile(t, rel)
	if blk, _ := pem.Decode(b); blk != nil {
		b = blk.Bytes
	}
	c, err := x509.ParseCertificate(b)
	if err != nil {
		t.Fatalf("parse %s: %v", rel, err)
	}
	return c
}

// Tool returns the path of an executable, failing (CI) or skipping when it
// is not installed.
func Tool(t testing.TB, name string) string {
	t.Helper()
	return testenv.Tool(t, name)
}

// Run executes a tool and returns its standard output; a failure fails the
// test with the standard error.
func Run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, errOut.Bytes())
	}
	return out.Bytes()
}
