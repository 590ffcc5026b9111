package passkey_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/store/memory"
)

func TestNewValidates(t *testing.T) {
	st := memory.New(memory.Config{SweepInterval: -1})
	defer st.Close()
	creds := passkey.NewMemoryCredentials()
	ok := func() passkey.Config {
		return passkey.Config{RPID: "example.kz", Origins: []string{"https://example.kz"}, Store: st, Credentials: creds}
	}
	_, err := passkey.New(ok())
	require.NoError(t, err)

	for name, mut := range map[string]func(*passkey.Config){
		"no RPID":                  func(c *passkey.Config) { c.RPID = "" },
		"RPID with scheme":         func(c *passkey.Config) { c.RPID = "https://example.kz" },
		"RPID with port":           func(c *passkey.Config) { c.RPID = "example.kz:443" },
		"RPID upper case":          func(c *passkey.Config) { c.RPID = "Example.kz" },
		"no origins":               func(c *passkey.Config) { c.Origins = nil },
		"origin with path":         func(c *passkey.Config) { c.Origins = []string{"https://example.kz/login"} },
		"origin with slash":        func(c *passkey.Config) { c.Origins = []string{"https://example.kz/"} },
		"origin upper case":        func(c *passkey.Config) { c.Origins = []string{"https://EXAMPLE.kz"} },
		"origin plain http":        func(c *passkey.Config) { c.Origins = []string{"http://example.kz"} },
		"origin other scheme":      func(c *passkey.Config) { c.Origins = []string{"ftp://example.kz"} },
		"origin outside RP ID":     func(c *passkey.Config) { c.Origins = []string{"https://example.com"} },
		"origin suffix trick":      func(c *passkey.Config) { c.Origins = []string{"https://evilexample.kz"} },
		"origin with user":         func(c *passkey.Config) { c.Origins = []string{"https://u@example.kz"} },
		"origin with query":        func(c *passkey.Config) { c.Origins = []string{"https://example.kz?x"} },
		"origin empty port":        func(c *passkey.Config) { c.Origins = []string{"https://example.kz:"} },
		"origin wildcard":          func(c *passkey.Config) { c.Origins = []string{"https://*.example.kz"} },
		"no store":                 func(c *passkey.Config) { c.Store = nil },
		"no credentials":           func(c *passkey.Config) { c.Credentials = nil },
		"brace in key prefix":      func(c *passkey.Config) { c.KeyPrefix = "sa:{pk}:" },
		"timeout too short":        func(c *passkey.Config) { c.Timeout = time.Second },
		"timeout too long":         func(c *passkey.Config) { c.Timeout = time.Hour },
		"negative window":          func(c *passkey.Config) { c.EnrolmentWindow = -time.Second },
		"window longer than 5 min": func(c *passkey.Config) { c.EnrolmentWindow = 5*time.Minute + time.Second },
		"unknown attachment":       func(c *passkey.Config) { c.Attachment = 9 },
		"unknown attestation":      func(c *passkey.Config) { c.Attestation = 9 },
		"bad AAGUID":               func(c *passkey.Config) { c.AllowedAAGUIDs = []string{"not-a-uuid"} },
		"zero AAGUID allowed":      func(c *passkey.Config) { c.AllowedAAGUIDs = []string{"00000000-0000-0000-0000-000000000000"} },
		"metadata without loading": func(c *passkey.Config) { c.Metadata = &passkey.Metadata{}; c.Attestation = passkey.AttestationDirect },
	} {
		c := ok()
		mut(&c)
		f, err := passkey.New(c)
		require.ErrorIs(t, err, passkey.ErrConfig, name)
		require.Nil(t, f, name)
	}

	for name, mut := range map[string]func(*passkey.Config){
		"localhost over http": func(c *passkey.Config) { c.RPID = "localhost"; c.Origins = []string{"http://localhost:8080"} },
		"subdomain and port":  func(c *passkey.Config) { c.Origins = []string{"https://login.example.kz:8443", "https://example.kz"} },
		"AAGUID list":         func(c *passkey.Config) { c.AllowedAAGUIDs = []string{"fbfc3007154e4ecc8c0b6e020557d7bd"} },
		"max window":          func(c *passkey.Config) { c.EnrolmentWindow = passkey.MaxEnrolmentWindow },
		"bounds of timeout":   func(c *passkey.Config) { c.Timeout = passkey.MaxTimeout },
	} {
		c := ok()
		mut(&c)
		_, err := passkey.New(c)
		require.NoError(t, err, name)
	}
}
