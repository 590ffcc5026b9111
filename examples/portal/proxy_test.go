package main

import (
	"net"
	"net/http"
	"runtime"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth/authhttp"
)

// proxyAddr is the loopback address the tests' "reverse proxy" connects
// from; the other clients connect from 127.0.0.1. Linux routes all of
// 127.0.0.0/8 to the loopback interface.
const proxyAddr = "127.0.0.2"

// headerTransport sends every request from the local address local, with
// the headers hdr: a client behind a proxy (the proxy adds the forwarding
// header) or one that forges the header itself.
type headerTransport struct {
	base *http.Transport
	hdr  map[string]string
}

func (t *headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range t.hdr {
		r.Header.Set(k, v)
	}
	return t.base.RoundTrip(r)
}

// clientVia is a client whose requests come from the local address with
// the given headers.
func (h *harness) clientVia(local string, hdr map[string]string) *client {
	h.t.Helper()
	if runtime.GOOS != "linux" {
		h.t.Skip("needs 127.0.0.0/8 on the loopback interface (Linux)")
	}
	c := h.client()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	c.c.Transport = &headerTransport{base: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}, hdr: hdr}
	return c
}

// startsUntilLimited starts login flows until one is refused and returns
// how many were accepted; it stops after max.
func startsUntilLimited(t *testing.T, c *client, max int) int {
	t.Helper()
	for i := range max {
		r := c.start("login")
		if r.status == http.StatusTooManyRequests {
			assert.Equal(t, "rate_limited", r.code())
			return i
		}
		require.Equal(t, http.StatusCreated, r.status, r.raw)
	}
	return max
}

// forged is a client at 127.0.0.1 that writes a different X-Forwarded-For
// into each request, hoping for a fresh budget each time.
func forged(h *harness) func(i int) *client {
	return func(i int) *client {
		return h.clientVia("127.0.0.1", map[string]string{"X-Forwarded-For": "203.0.113." + strconv.Itoa(i%250+1)})
	}
}

// TestProxyWithoutTrust: without -trusted-proxy the portal ignores every
// forwarding header: a client that forges X-Forwarded-For is counted by
// its TCP peer, and so is everyone behind a real proxy — one budget.
func TestProxyWithoutTrust(t *testing.T) {
	h := newHarness(t, nil)
	next := forged(h)
	for i := range authhttp.DefaultStartsPerIP {
		require.Equal(t, http.StatusCreated, next(i).start("login").status, "start %d", i)
	}
	r := next(authhttp.DefaultStartsPerIP).start("login")
	assert.Equal(t, http.StatusTooManyRequests, r.status, "a forged header buys no new budget")

	// Two users behind one proxy share its budget.
	a := h.clientVia(proxyAddr, map[string]string{"X-Forwarded-For": "198.51.100.7"})
	b := h.clientVia(proxyAddr, map[string]string{"X-Forwarded-For": "198.51.100.8"})
	assert.Equal(t, authhttp.DefaultStartsPerIP, startsUntilLimited(t, a, 40))
	assert.Equal(t, http.StatusTooManyRequests, b.start("login").status, "the other user behind the proxy is locked out too")
}

// TestProxyTrusted: with -trusted-proxy 127.0.0.2, a request from the
// proxy is counted by the client its X-Forwarded-For names (the rightmost
// hop that is not a trusted proxy), whatever the client prepended; a
// forged header from any other peer is still ignored.
func TestProxyTrusted(t *testing.T) {
	ip, err := clientIPFunc(proxyAddr+"/32", "x-forwarded-for")
	require.NoError(t, err)
	h := newHarness(t, func(c *Config) { c.ClientIP = ip })

	// An untrusted peer forging the header: counted by its own address.
	next := forged(h)
	for i := range authhttp.DefaultStartsPerIP {
		require.Equal(t, http.StatusCreated, next(i).start("login").status, "start %d", i)
	}
	assert.Equal(t, http.StatusTooManyRequests, next(99).start("login").status, "a forged header from an untrusted peer changes nothing")

	// Through the proxy: each client has its own budget, the untrusted
	// peer's exhaustion notwithstanding.
	a := h.clientVia(proxyAddr, map[string]string{"X-Forwarded-For": "198.51.100.7"})
	assert.Equal(t, authhttp.DefaultStartsPerIP, startsUntilLimited(t, a, 40), "198.51.100.7 has a budget of its own")
	// The client prepends a spoofed address; the proxy appends the real
	// one. The rightmost untrusted hop counts: still 198.51.100.7.
	spoof := h.clientVia(proxyAddr, map[string]string{"X-Forwarded-For": "192.0.2.99, 198.51.100.7"})
	assert.Equal(t, http.StatusTooManyRequests, spoof.start("login").status, "a prepended address is not believed")
	b := h.clientVia(proxyAddr, map[string]string{"X-Forwarded-For": "198.51.100.8"})
	assert.Equal(t, http.StatusCreated, b.start("login").status, "another user behind the proxy is not locked out")
	// Garbage in the header ends the walk at the proxy: the proxy's own
	// bucket, never a fresh one per string.
	g := h.clientVia(proxyAddr, map[string]string{"X-Forwarded-For": "not-an-address"})
	assert.Equal(t, authhttp.DefaultStartsPerIP, startsUntilLimited(t, g, 40))
	g2 := h.clientVia(proxyAddr, map[string]string{"X-Forwarded-For": "still-not-one"})
	assert.Equal(t, http.StatusTooManyRequests, g2.start("login").status)
}

// TestProxyForwardedHeader: -proxy-header forwarded reads RFC 7239 for=
// values, IPv6 in brackets with a port; X-Forwarded-For is then ignored.
func TestProxyForwardedHeader(t *testing.T) {
	ip, err := clientIPFunc(proxyAddr, "forwarded")
	require.NoError(t, err)
	h := newHarness(t, func(c *Config) { c.ClientIP = ip })
	a := h.clientVia(proxyAddr, map[string]string{"Forwarded": `for="[2001:db8:1::7]:4711";proto=https`})
	assert.Equal(t, authhttp.DefaultStartsPerIP, startsUntilLimited(t, a, 40))
	// The same /64: the same budget.
	same := h.clientVia(proxyAddr, map[string]string{"Forwarded": `for="[2001:db8:1::8]"`})
	assert.Equal(t, http.StatusTooManyRequests, same.start("login").status, "IPv6 clients are counted by /64")
	other := h.clientVia(proxyAddr, map[string]string{"Forwarded": `for="[2001:db8:2::7]"`, "X-Forwarded-For": "2001:db8:1::7"})
	assert.Equal(t, http.StatusCreated, other.start("login").status, "X-Forwarded-For is not read")
}

func TestProxyFlags(t *testing.T) {
	for _, tc := range []struct {
		trusted, header string
		ok, resolver    bool
	}{
		{"", "", true, false},
		{"10.0.0.0/8", "", true, true},
		{"10.0.0.0/8, 2001:db8::/32,192.0.2.1", "X-Forwarded-For", true, true},
		{"10.0.0.0/8", "forwarded", true, true},
		{"", "forwarded", false, false},
		{"10.0.0.0/8", "x-real-ip", false, false},
		{"10.0.0.0/33", "", false, false},
		{"10.0.0.0/8,", "", false, false},
		{"proxy.example", "", false, false},
	} {
		f, err := clientIPFunc(tc.trusted, tc.header)
		if !tc.ok {
			assert.Error(t, err, "%q %q", tc.trusted, tc.header)
			continue
		}
		require.NoError(t, err, "%q %q", tc.trusted, tc.header)
		assert.Equal(t, tc.resolver, f != nil, "%q %q", tc.trusted, tc.header)
	}
}

// TestProxyQRShowsClient: the address a flow records, and a linked phone
// shows, is the forwarded client's, not the proxy's.
func TestProxyQRShowsClient(t *testing.T) {
	ip, err := clientIPFunc(proxyAddr, "")
	require.NoError(t, err)
	h := newHarness(t, func(c *Config) { c.ClientIP = ip })
	p := h.newPhone(t)
	c := h.client()
	c.loginECPSMS(askar)
	c.linkPhone(p)

	b := h.clientVia(proxyAddr, map[string]string{"X-Forwarded-For": "192.0.2.1, 198.51.100.7"})
	require.Equal(t, http.StatusCreated, b.start("login").status)
	assert.Equal(t, "198.51.100.7", b.scanFirstFrame(p).Shown.IP)

	forger := h.clientVia("127.0.0.1", map[string]string{"X-Forwarded-For": "198.51.100.7"})
	require.Equal(t, http.StatusCreated, forger.start("login").status)
	assert.Equal(t, "127.0.0.1", forger.scanFirstFrame(p).Shown.IP, "a forged header is not shown to the phone")
}
