// Package origins holds the module's one rule for the web origins a
// service is configured with (authhttp, the ecp and passkey factors, the
// QR factor's browser handler): an origin is exact and canonical
// ("scheme://host[:port]", lower case, no path); https is required, and
// plain http is accepted only for a loopback host (localhost, *.localhost,
// 127.0.0.0/8, [::1]), which browsers treat as a secure context for
// development. A list must not mix the two: the binding cookie's name and
// Secure flag follow from the list, never from a request's Host header,
// which a TLS-terminating proxy rewrites ("Host: 127.0.0.1:8080" behind
// nginx's proxy_pass).
package origins

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// Cookie names of the browser binding: the __Host- prefix makes browsers
// require Secure, Path=/ and no Domain, so a sibling subdomain cannot
// plant or overwrite the cookie.
const (
	SecureCookie   = "__Host-strongauth"
	LoopbackCookie = "strongauth"
)

// ErrOrigin is wrapped by every error of this package.
var ErrOrigin = errors.New("origin not allowed")

// Check validates one origin and reports whether it is https.
func Check(o string) (secure bool, err error) {
	u, perr := url.Parse(o)
	if perr != nil || u.Host == "" || u.User != nil || u.Opaque != "" || o != u.Scheme+"://"+u.Host ||
		o != strings.ToLower(o) || strings.HasSuffix(u.Host, ":") {
		return false, fmt.Errorf("%w: %q is not a canonical origin such as https://example.kz (scheme://host[:port], lower case, no path)", ErrOrigin, o)
	}
	switch u.Scheme {
	case "https":
		return true, nil
	case "http":
		if !IsLoopbackHost(u.Hostname()) {
			return false, fmt.Errorf("%w: %q: plain http is allowed only for localhost and loopback addresses; use https", ErrOrigin, o)
		}
		return false, nil
	default:
		return false, fmt.Errorf("%w: %q: the scheme must be https (or http on localhost)", ErrOrigin, o)
	}
}

// CheckAll validates a non-empty list of origins and reports whether they
// are https; a list mixing https and loopback http origins is refused,
// since one binding cookie cannot be both Secure and readable over http.
func CheckAll(list []string) (secure bool, err error) {
	if len(list) == 0 {
		return false, fmt.Errorf("%w: at least one origin is required", ErrOrigin)
	}
	for i, o := range list {
		s, err := Check(o)
		if err != nil {
			return false, err
		}
		if i > 0 && s != secure {
			return false, fmt.Errorf("%w: %q and %q: the origins mix https and http; configure one kind per deployment", ErrOrigin, list[0], o)
		}
		secure = s
	}
	return secure, nil
}

// CookieName returns the binding cookie's name for origins that are (or
// are not) https.
func CookieName(secure bool) string {
	if secure {
		return SecureCookie
	}
	return LoopbackCookie
}

// IsLoopbackHost reports whether host (as url.URL.Hostname returns it) is
// localhost, a subdomain of localhost, or a loopback address.
func IsLoopbackHost(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}
