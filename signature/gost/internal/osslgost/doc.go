// Package osslgost calls the OpenSSL 3 GOST engine (Debian
// libengine-gost-openssl) in-process, to compare this module's GOST
// verification with it in the same benchmark loop. It is test support only.
//
// libcrypto.so.3 is opened at run time with dlopen and the few functions used
// are resolved by name, so building needs cgo and a C compiler but no OpenSSL
// headers; without cgo (or on non-Unix systems) every call reports
// ErrUnavailable.
package osslgost

import "errors"

// ErrUnavailable reports that libcrypto or its gost engine cannot be loaded.
var ErrUnavailable = errors.New("osslgost: OpenSSL GOST engine unavailable")
