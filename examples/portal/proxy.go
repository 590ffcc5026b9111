package main

// Behind a reverse proxy or a load balancer every request comes from the
// proxy's address. The rate limits of the library count per client address
// (authhttp: flow starts and steps per minute; the QR browser handler:
// open status requests and rendered frames), so without being told which
// proxies to trust, the portal counts every user behind one proxy in one
// budget — and a busy office behind NAT, or all users behind the load
// balancer, lock each other out. -trusted-proxy names the proxies; their
// forwarding header (-proxy-header) then gives the client. A forwarding
// header from any other peer is ignored: anyone can write one.

import (
	"errors"
	"net/http"
	"strings"

	"github.com/strongauth/strongauth/clientip"
)

// errProxyFlags reports bad -trusted-proxy or -proxy-header values.
var errProxyFlags = errors.New("portal: -trusted-proxy must be CIDR[,CIDR…] (or addresses), -proxy-header x-forwarded-for or forwarded")

// maxTrustedProxies bounds the networks of -trusted-proxy.
const maxTrustedProxies = 64

// clientIPFunc returns the portal's ClientIP for the -trusted-proxy and
// -proxy-header flags: nil (the TCP peer) when no proxy is trusted.
func clientIPFunc(trusted, header string) (func(*http.Request) string, error) {
	h := clientip.XForwardedFor
	switch strings.ToLower(strings.TrimSpace(header)) {
	case "", "x-forwarded-for":
	case "forwarded":
		h = clientip.Forwarded
	default:
		return nil, errProxyFlags
	}
	if strings.TrimSpace(trusted) == "" {
		if header != "" {
			return nil, errors.New("portal: -proxy-header needs -trusted-proxy (which proxies may set it)")
		}
		return nil, nil
	}
	nets := strings.Split(trusted, ",")
	if len(nets) > maxTrustedProxies {
		return nil, errProxyFlags
	}
	for i := range nets {
		nets[i] = strings.TrimSpace(nets[i])
	}
	r, err := clientip.NewResolver(h, nets...)
	if err != nil {
		return nil, errors.Join(errProxyFlags, err)
	}
	return r.ClientIP, nil
}
