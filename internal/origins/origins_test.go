package origins_test

import (
	"errors"
	"testing"

	"github.com/strongauth/strongauth/internal/origins"
)

func TestCheck(t *testing.T) {
	for o, secure := range map[string]bool{
		"https://example.kz":      true,
		"https://egov.kz:8443":    true,
		"https://[2001:db8::1]":   true,
		"http://localhost:8080":   false,
		"http://localhost":        false,
		"http://app.localhost:80": false,
		"http://127.0.0.1:9000":   false,
		"http://127.8.9.1":        false,
		"http://[::1]:8080":       false,
	} {
		s, err := origins.Check(o)
		if err != nil || s != secure {
			t.Errorf("Check(%q) = %v, %v; want %v, nil", o, s, err, secure)
		}
	}
	for _, o := range []string{
		"http://example.kz", "http://10.0.0.1:8080", "http://localhost.example.kz", "ftp://localhost",
		"https://Example.kz", "https://example.kz/", "https://example.kz/login", "https://example.kz:",
		"https://user@example.kz", "example.kz", "", "https://", "https://example.kz?x=1", "https://example.kz#f",
		"javascript:alert(1)", "http://[::ffff:10.0.0.1]:1",
	} {
		if _, err := origins.Check(o); !errors.Is(err, origins.ErrOrigin) {
			t.Errorf("Check(%q) = %v; want ErrOrigin", o, err)
		}
	}
}

func TestCheckAll(t *testing.T) {
	if s, err := origins.CheckAll([]string{"https://a.kz", "https://b.kz"}); err != nil || !s {
		t.Fatalf("https list: %v %v", s, err)
	}
	if s, err := origins.CheckAll([]string{"http://localhost:1", "http://127.0.0.1:1"}); err != nil || s {
		t.Fatalf("loopback list: %v %v", s, err)
	}
	for _, bad := range [][]string{nil, {}, {"https://a.kz", "http://localhost:1"}, {"http://localhost:1", "https://a.kz"}, {"https://a.kz", "http://b.kz"}} {
		if _, err := origins.CheckAll(bad); !errors.Is(err, origins.ErrOrigin) {
			t.Errorf("CheckAll(%q) = %v; want ErrOrigin", bad, err)
		}
	}
	if origins.CookieName(true) != "__Host-strongauth" || origins.CookieName(false) != "strongauth" {
		t.Fatal("cookie names changed")
	}
}
