// Package clientip reads client addresses the way a rate limiter and a
// trusted proxy chain need them: one parser for every address form a
// client, a proxy header or a load balancer produces, one rule for grouping
// addresses into budgets, and a Resolver that walks X-Forwarded-For and
// RFC 7239 Forwarded headers from the right, trusting only the proxies it
// is told to trust.
//
// # Address forms
//
// Parse accepts "203.0.113.7", "203.0.113.7:51234" (Azure Application
// Gateway writes this into X-Forwarded-For; RFC 7239 allows it),
// "2001:db8::1", "[2001:db8::1]", "[2001:db8::1]:443", IPv4-mapped IPv6
// ("::ffff:203.0.113.7", returned as the IPv4 address) and a zone
// ("fe80::1%eth0", dropped). Anything else is not an address.
//
// # Budgets
//
// Bucket names the budget an address is counted in: the IPv4 address
// itself, or the /64 of an IPv6 address (one subscriber usually holds a
// whole /64, so counting single IPv6 addresses would give each client 2^64
// budgets). Every package of the module that counts per client address
// uses it, so a client has one budget wherever it is counted.
//
// # Behind proxies
//
// Without a trusted proxy, the client is the peer of the TCP connection
// (http.Request.RemoteAddr) and forwarding headers are ignored: anyone can
// write them. A Resolver with the proxies' networks walks the forwarding
// chain from the right (the hop nearest to the server) and returns the
// first address that is not one of the trusted proxies, so a client cannot
// choose its own address by prepending to the header.
package clientip

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// Parse returns the address in s, which may carry a port and IPv6 brackets
// (see the package doc for the forms). IPv4-mapped IPv6 addresses are
// returned as IPv4 and zones are dropped. ok is false when s is not an
// address.
func Parse(s string) (addr netip.Addr, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return netip.Addr{}, false
	}
	// What a request's RemoteAddr holds ("ip:port", "[ipv6]:port") is
	// tried first: a failed parse allocates its error. No string parses
	// both ways, so the order changes no answer.
	withPort := s[0] == '[' || strings.Count(s, ":") == 1
	if withPort {
		if ap, err := netip.ParseAddrPort(s); err == nil {
			return norm(ap.Addr()), true
		}
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return norm(a), true
	}
	if !withPort {
		if ap, err := netip.ParseAddrPort(s); err == nil {
			return norm(ap.Addr()), true
		}
	}
	// "[2001:db8::1]" without a port.
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil && a.Is6() {
			return norm(a), true
		}
	}
	return netip.Addr{}, false
}

func norm(a netip.Addr) netip.Addr { return a.Unmap().WithZone("") }

// Bucket names the rate-limit budget of a client address given in any form
// Parse accepts: the IPv4 address, or the /64 of an IPv6 address, as text.
// Every string that is not an address (what a misconfigured proxy header
// may hold) shares the one bucket Invalid: a client that can choose such
// strings must not get a fresh budget with each of them.
func Bucket(s string) string {
	if a, ok := Parse(s); ok {
		return BucketOf(a)
	}
	return Invalid
}

// Invalid is the bucket of every string that is not an address.
const Invalid = "invalid"

// BucketOf is Bucket for a parsed address.
func BucketOf(a netip.Addr) string {
	a = norm(a)
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// Remote returns the address of the request's TCP peer (RemoteAddr) as
// text, or "" when it is not an address. It never reads a header.
func Remote(r *http.Request) string {
	if a, ok := Parse(r.RemoteAddr); ok {
		return a.String()
	}
	return ""
}

// Resolver finds the client address of a request that came through
// trusted proxies. The zero value trusts no proxy: it returns the TCP
// peer. Create one with NewResolver; it is safe for concurrent use.
type Resolver struct {
	trusted []netip.Prefix
	header  Header
}

// Header selects which forwarding header a Resolver reads.
type Header int

const (
	// XForwardedFor reads X-Forwarded-For (every field of every header
	// line, in order).
	XForwardedFor Header = iota
	// Forwarded reads RFC 7239 Forwarded's for= parameters.
	Forwarded
)

// NewResolver returns a Resolver that trusts the proxies in the given
// networks ("10.0.0.0/8", "2001:db8::/48", or a single address) and reads
// the given header. An empty list is allowed: the Resolver then returns
// the TCP peer.
func NewResolver(header Header, trustedProxies ...string) (*Resolver, error) {
	if header != XForwardedFor && header != Forwarded {
		return nil, fmt.Errorf("clientip: unknown header %d", header)
	}
	r := &Resolver{header: header}
	for _, s := range trustedProxies {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, ok := Parse(s)
			if !ok {
				return nil, fmt.Errorf("clientip: trusted proxy %q is not a network or an address", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		r.trusted = append(r.trusted, netip.PrefixFrom(norm(p.Addr()), p.Bits()).Masked())
	}
	return r, nil
}

func (r *Resolver) isTrusted(a netip.Addr) bool {
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientIP returns the client address of req as text ("" when even the
// TCP peer is not an address). When the peer is a trusted proxy, the
// forwarding header is walked from the right: trusted proxies are skipped,
// and the first other hop is the client. A hop that is not an address
// ("unknown", an obfuscated RFC 7239 identifier, garbage) ends the walk at
// the last trusted hop before it, since nothing before it can be believed.
// When every hop is trusted, the leftmost is returned.
func (r *Resolver) ClientIP(req *http.Request) string {
	peer, ok := Parse(req.RemoteAddr)
	if !ok {
		return ""
	}
	if r == nil || !r.isTrusted(peer) {
		return peer.String()
	}
	hops := r.hops(req)
	last := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := Parse(hops[i])
		if !ok {
			return last.String()
		}
		if !r.isTrusted(a) {
			return a.String()
		}
		last = a
	}
	return last.String()
}

// maxHops bounds the forwarding chain read from headers.
const maxHops = 32

func (r *Resolver) hops(req *http.Request) []string {
	var out []string
	switch r.header {
	case XForwardedFor:
		for _, line := range req.Header.Values("X-Forwarded-For") {
			for _, f := range strings.Split(line, ",") {
				out = append(out, strings.TrimSpace(f))
			}
		}
	case Forwarded:
		for _, line := range req.Header.Values("Forwarded") {
			for _, elem := range strings.Split(line, ",") {
				out = append(out, forwardedFor(elem))
			}
		}
	}
	if len(out) > maxHops {
		out = out[len(out)-maxHops:]
	}
	return out
}

// forwardedFor returns the for= value of one RFC 7239 forwarded-element
// ("for=192.0.2.60;proto=http;by=203.0.113.43", quoted IPv6 with brackets
// and an optional port), or "" when it has none.
func forwardedFor(elem string) string {
	for _, pair := range strings.Split(elem, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "for") {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		return v
	}
	return ""
}
