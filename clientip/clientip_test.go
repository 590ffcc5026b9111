package clientip_test

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/clientip"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"203.0.113.7", "203.0.113.7"},
		{"203.0.113.7:51234", "203.0.113.7"},
		{" 203.0.113.7 ", "203.0.113.7"},
		{"2001:db8::1", "2001:db8::1"},
		{"[2001:db8::1]", "2001:db8::1"},
		{"[2001:db8::1]:443", "2001:db8::1"},
		{"::ffff:203.0.113.7", "203.0.113.7"},
		{"[::ffff:203.0.113.7]:80", "203.0.113.7"},
		{"fe80::1%eth0", "fe80::1"},
	} {
		a, ok := clientip.Parse(tc.in)
		if assert.True(t, ok, tc.in) {
			assert.Equal(t, tc.want, a.String(), tc.in)
		}
	}
	for _, bad := range []string{"", "unknown", "_hidden", "203.0.113.7:", "[203.0.113.7]", "2001:db8::1:443x",
		"203.0.113.7:99999", "[2001:db8::1", "localhost", "1.2.3.4.5"} {
		_, ok := clientip.Parse(bad)
		assert.False(t, ok, bad)
	}
}

// A source port must not give a client a budget of its own (the finding of
// the review: "203.0.113.7:51234" was an opaque bucket per port).
func TestBucketIgnoresPortsAndGroupsIPv6(t *testing.T) {
	same := [][]string{
		{"203.0.113.7", "203.0.113.7:51234", "203.0.113.7:1", "::ffff:203.0.113.7", "[::ffff:203.0.113.7]:9"},
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "[2001:db8:1:2::5]:443", "[2001:db8:1:2::7]"},
	}
	for _, group := range same {
		for _, s := range group[1:] {
			assert.Equal(t, clientip.Bucket(group[0]), clientip.Bucket(s), s)
		}
	}
	assert.Equal(t, "2001:db8:1:2::/64", clientip.Bucket("2001:db8:1:2::1"))
	assert.NotEqual(t, clientip.Bucket("2001:db8:1:2::1"), clientip.Bucket("2001:db8:1:3::1"))
	assert.NotEqual(t, clientip.Bucket("203.0.113.7"), clientip.Bucket("203.0.113.8"))
	// Not an address: one shared bucket, whatever the string.
	assert.Equal(t, clientip.Invalid, clientip.Bucket(string(make([]byte, 4096))))
	assert.Equal(t, clientip.Invalid, clientip.Bucket("unknown-proxy-value"))
	assert.Equal(t, clientip.Invalid, clientip.Bucket(""))
	assert.Equal(t, clientip.Invalid, clientip.Bucket("203.0.113.7, 198.51.100.1"))
	assert.Equal(t, "fe80::/64", clientip.Bucket("fe80::1%eth0"))
}

func TestResolver(t *testing.T) {
	xff, err := clientip.NewResolver(clientip.XForwardedFor, "10.0.0.0/8", "2001:db8:ffff::1")
	require.NoError(t, err)
	fwd, err := clientip.NewResolver(clientip.Forwarded, "10.0.0.0/8")
	require.NoError(t, err)
	none, err := clientip.NewResolver(clientip.XForwardedFor)
	require.NoError(t, err)

	for _, tc := range []struct {
		name   string
		r      *clientip.Resolver
		remote string
		header string
		value  []string
		want   string
	}{
		{"no proxy: header ignored", xff, "198.51.100.9:4000", "X-Forwarded-For", []string{"1.1.1.1"}, "198.51.100.9"},
		{"no trusted proxies configured", none, "10.0.0.5:4000", "X-Forwarded-For", []string{"1.1.1.1"}, "10.0.0.5"},
		{"one trusted proxy", xff, "10.0.0.5:4000", "X-Forwarded-For", []string{"198.51.100.9"}, "198.51.100.9"},
		{"port in the header (Azure)", xff, "10.0.0.5:4000", "X-Forwarded-For", []string{"198.51.100.9:51234"}, "198.51.100.9"},
		{"spoofed left entries skipped", xff, "10.0.0.5:4000", "X-Forwarded-For", []string{"6.6.6.6, 198.51.100.9"}, "198.51.100.9"},
		{"two lines, two proxies", xff, "10.0.0.5:4000", "X-Forwarded-For", []string{"6.6.6.6, 198.51.100.9", "10.1.1.1"}, "198.51.100.9"},
		{"IPv6 proxy by address", xff, "[2001:db8:ffff::1]:443", "X-Forwarded-For", []string{"[2001:db8:1::7]:1"}, "2001:db8:1::7"},
		{"garbage hop stops the walk", xff, "10.0.0.5:4000", "X-Forwarded-For", []string{"6.6.6.6, garbage, 10.2.2.2"}, "10.2.2.2"},
		{"only trusted hops", xff, "10.0.0.5:4000", "X-Forwarded-For", []string{"10.9.9.9"}, "10.9.9.9"},
		{"empty header", xff, "10.0.0.5:4000", "X-Forwarded-For", nil, "10.0.0.5"},
		{"Forwarded", fwd, "10.0.0.5:4000", "Forwarded", []string{`for=6.6.6.6, for="[2001:db8::9]:4711";proto=https`}, "2001:db8::9"},
		{"Forwarded obfuscated", fwd, "10.0.0.5:4000", "Forwarded", []string{`for=6.6.6.6, for=_hidden`}, "10.0.0.5"},
		{"Forwarded ignores X-Forwarded-For", fwd, "10.0.0.5:4000", "X-Forwarded-For", []string{"6.6.6.6"}, "10.0.0.5"},
		{"bad peer", xff, "not-an-address", "X-Forwarded-For", []string{"6.6.6.6"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = tc.remote
			for _, v := range tc.value {
				req.Header.Add(tc.header, v)
			}
			assert.Equal(t, tc.want, tc.r.ClientIP(req))
		})
	}
	var zero *clientip.Resolver
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "10.0.0.5:1"
	req.Header.Set("X-Forwarded-For", "6.6.6.6")
	assert.Equal(t, "10.0.0.5", zero.ClientIP(req), "a nil Resolver trusts no header")

	_, err = clientip.NewResolver(clientip.XForwardedFor, "10.0.0.0/33")
	assert.Error(t, err)
	_, err = clientip.NewResolver(clientip.Header(7))
	assert.Error(t, err)
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"203.0.113.7:51234", "[2001:db8::1]:443", "::ffff:1.2.3.4", "fe80::1%eth0", "[", "]:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := clientip.Parse(s)
		b := clientip.Bucket(s)
		if len(b) > 64 {
			t.Fatalf("bucket too long: %q", b)
		}
		if !ok {
			return
		}
		if a.Zone() != "" || a.Is4In6() {
			t.Fatalf("not normalised: %v", a)
		}
		// An address's bucket is stable under re-parsing its text.
		if a2, ok2 := clientip.Parse(a.String()); !ok2 || a2 != a {
			t.Fatalf("round trip %q -> %v -> %v", s, a, a2)
		}
		if b != clientip.BucketOf(a) {
			t.Fatalf("bucket mismatch for %q", s)
		}
	})
}
