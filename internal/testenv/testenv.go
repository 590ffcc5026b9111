// Package testenv applies the project's rule for tests that need something
// outside the repository — the shared NCA test material, a tool such as
// openssl, zbarimg, redis-server or chromium: when the environment variable
// CI is "true" its absence fails the test (CI must run everything);
// elsewhere the test is skipped with a message saying what is missing, so
// that `go test ./...` passes on any fresh machine.
//
// The shared test material lives in $STRONGAUTH_TESTDATA or, by default,
// ../shared/testdata next to the repository root (the nearest directory
// above the working directory holding go.mod). It is read from there and
// never copied into the repository.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// CI reports whether the tests run under CI (CI=true).
func CI() bool { return os.Getenv("CI") == "true" }

// Missing fails the test under CI and skips it otherwise.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if CI() {
		t.Fatalf("CI=true and required test material is missing: "+format, args...)
	}
	t.Skipf("skipping, test material missing: "+format, args...)
}

// Root returns the shared test-data directory.
func Root(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("STRONGAUTH_TESTDATA"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "testdata")
		}
		if filepath.Dir(dir) == dir {
			t.Fatalf("no go.mod above %s", wd)
		}
	}
}

// File returns the path of rel (slash-separated) under the test-data root,
// failing (CI) or skipping when it does not exist.
func File(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Root(t), filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		Missing(t, "%s (set STRONGAUTH_TESTDATA): %v", rel, err)
	}
	return p
}

// Tool returns the path of an executable, failing (CI) or skipping when it
// is not installed.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, "tool %q not on PATH: %v", name, err)
	}
	return p
}
