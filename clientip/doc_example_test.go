package clientip_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/strongauth/strongauth/clientip"
)

func ExampleResolver_ClientIP() {
	// The service runs behind a load balancer in 10.0.0.0/8.
	r, err := clientip.NewResolver(clientip.XForwardedFor, "10.0.0.0/8")
	if err != nil {
		panic(err)
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "10.0.0.5:40000"
	// The client wrote its own X-Forwarded-For; the balancer appended the
	// address it saw, with a port.
	req.Header.Set("X-Forwarded-For", "6.6.6.6, 198.51.100.9:51234")
	fmt.Println(r.ClientIP(req))
	fmt.Println(clientip.Bucket("[2001:db8:1:2::7]:443"))
	// Output:
	// 198.51.100.9
	// 2001:db8:1:2::/64
}
