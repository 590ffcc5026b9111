package authoidc_test

import (
	"net/url"
	"testing"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authoidc"
)

// BenchmarkBridge is the whole mapping a provider does per authorization:
// parse the parameters, plan, and turn the result into claims. Its cost
// beside the OIDC library's own (token endpoint, ID-token signing) is
// measured as a ratio in examples/idp.
func BenchmarkBridge(b *testing.B) {
	f := newFixture(b, authoidc.Config{IdentityClaims: true})
	res := f.run(b, "login", "", auth.KindECP, auth.KindSMS)
	v, _ := url.ParseQuery("acr_values=urn:unknown+" + acrStrong + "&max_age=3600&prompt=consent&login_hint=x")
	b.ReportAllocs()
	for b.Loop() {
		req, err := authoidc.ParseRequest(v)
		if err != nil {
			b.Fatal(err)
		}
		p, err := f.bridge.Plan(req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.bridge.Claims(p, res); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheck is the raw primitive the bridge wraps: the engine's
// policy check of a result.
func BenchmarkCheck(b *testing.B) {
	f := newFixture(b, authoidc.Config{})
	res := f.run(b, "login", "", auth.KindECP, auth.KindSMS)
	b.ReportAllocs()
	for b.Loop() {
		if !f.eng.Check(res, "login").Allowed {
			b.Fatal("refused")
		}
	}
}
