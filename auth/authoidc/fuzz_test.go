package authoidc_test

import (
	"net/url"
	"slices"
	"testing"

	"github.com/strongauth/strongauth/auth/authoidc"
)

// FuzzParseRequest: any query string parses or fails with
// ErrInvalidRequest, never panics; a parsed request gives a plan whose
// level is a configured one, an essential plan's ACR is one the request
// named, and login_hint never changes the plan.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{
		"", "acr_values=urn:strongauth:acr:key", "acr_values=a+b+c&max_age=0&prompt=login",
		"claims=%7B%22id_token%22%3A%7B%22acr%22%3A%7B%22essential%22%3Atrue%2C%22values%22%3A%5B%22urn%3Astrongauth%3Aacr%3Akey%22%5D%7D%7D%7D",
		"claims=%7B%22id_token%22%3A%7B%22acr%22%3Anull%7D%7D", "prompt=none+login", "max_age=18446744073709551616",
		"login_hint=%2B77015550123&prompt=none", "claims=%7B%7D%7D",
	} {
		f.Add(s)
	}
	fx := newFixture(f, authoidc.Config{})
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		req, err := authoidc.ParseRequest(v)
		if err != nil {
			if authoidc.ErrorCode(err) != "invalid_request" {
				t.Fatalf("parse error %v has code %q", err, authoidc.ErrorCode(err))
			}
			return
		}
		p, err := fx.bridge.Plan(req)
		if err != nil {
			if c := authoidc.ErrorCode(err); c != "invalid_request" && c != "unmet_authentication_requirements" {
				t.Fatalf("plan error %v has code %q", err, c)
			}
			return
		}
		if _, ok := fx.bridge.Level(p.Level.ACR); !ok {
			t.Fatalf("plan level %q is not configured", p.Level.ACR)
		}
		if p.Essential && !slices.Contains(req.ClaimsACR.Values, p.Level.ACR) {
			t.Fatalf("essential plan %q not among the requested %q", p.Level.ACR, req.ClaimsACR.Values)
		}
		req.LoginHint = ""
		again, err := fx.bridge.Plan(req)
		if err != nil {
			t.Fatalf("without login_hint: %v", err)
		}
		again.Since = p.Since
		if again != p {
			t.Fatalf("login_hint changed the plan: %+v vs %+v", p, again)
		}
	})
}
