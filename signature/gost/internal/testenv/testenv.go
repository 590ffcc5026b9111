// Package testenv locates the external material and tools that the GOST
// tests use, and applies the project rule for their absence: with CI=true a
// missing file or tool fails the test, otherwise the test is skipped with a
// message saying what is missing.
package testenv

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
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

// Root returns the shared testdata directory (see internal/testenv).
func Root(t testing.TB) string {
	t.Helper()
	return testenv.Root(t)
}

// File returns the path of rel under the testdata root, failing (CI) or
// skipping when it does not exist.
func File(t testing.TB, rel string) string {
	t.Helper()
	return testenv.File(t, rel)
}

// ReadFile reads rel under the testdata root (see File).
func ReadFile(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(File(t, rel))
	if err != nil {
		t.Fatalf("read %s: %v", rel, err)
	}
	return b
}

// ReadDER reads rel under the testdata root and returns its DER bytes,
// decoding PEM when the file is PEM (NCA files are either, whatever their
// name says).
func ReadDER(t testing.TB, rel string) []byte {
	t.Helper()
	b := ReadFile(t, rel)
	if blk, _ := pem.Decode(b); blk != nil {
		return blk.Bytes
	}
	return b
}

// Certificate parses the certificate rel under the testdata root.
func Certificate(t testing.TB, rel string) *x509.Certificate {
	t.Helper()
	c, err := x509.ParseCertificate(ReadDER(t, rel))
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

// Run executes a tool with stdin and returns its standard output; a non-zero
// exit fails the test with the standard error.
func Run(t testing.TB, stdin []byte, name string, args ...string) []byte {
	t.Helper()
	out, errOut, err := TryRun(stdin, name, args...)
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, errOut)
	}
	return out
}

// TryRun executes a tool with stdin and returns its standard output and
// standard error.
func TryRun(stdin []byte, name string, args ...string) (stdout, stderr []byte, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return nil, e.Bytes(), err
	}
	return o.Bytes(), e.Bytes(), err
}

// OpenSSLGost returns the openssl binary after checking that its GOST engine
// (Debian package libengine-gost-openssl) loads, failing (CI) or skipping
// otherwise.
func OpenSSLGost(t testing.TB) string {
	t.Helper()
	bin := Tool(t, "openssl")
	if _, errOut, err := TryRun(nil, bin, "engine", "-t", "gost"); err != nil {
		Missing(t, "openssl GOST engine (apt-get install libengine-gost-openssl): %v %s", err, errOut)
	}
	return bin
}
