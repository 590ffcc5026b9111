package authoidc_test

import (
	"context"
	"fmt"
	"net/url"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authoidc"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/store/memory"
)

// An OpenID provider's login step: the authorization request asks for the
// key level; a flow for its action runs (here with a fake ECP factor); the
// result becomes the ID token's claims.
func Example() {
	st := memory.New(memory.Config{})
	defer st.Close()
	login, _ := auth.ParseRule("(ecp & sms) | webauthn | qr")
	key, _ := auth.ParseRule("ecp | webauthn")
	eng, _ := auth.New(auth.Config{Store: st, // real factors: factors/ecp, factors/sms, factors/passkey, factors/qr
		Factors: []auth.Factor{
			&authtest.Factor{K: auth.KindECP, AMR: []string{auth.AMRSmartCard, auth.AMRSoftware}},
			authtest.Weak(auth.KindSMS), authtest.Strong(auth.KindWebAuthn), authtest.Strong(auth.KindQR)},
		Policies: []auth.Policy{{Action: "login", Rule: login}, {Action: "login-key", Rule: key}}})
	bridge, err := authoidc.New(authoidc.Config{Engine: eng, Levels: []authoidc.Level{
		{ACR: "urn:strongauth:acr:strong", Action: "login"},
		{ACR: "urn:strongauth:acr:key", Action: "login-key"},
	}})
	if err != nil {
		panic(err)
	}

	query, _ := url.ParseQuery("acr_values=urn:strongauth:acr:key&max_age=300&login_hint=%2B77015550123")
	req, err := authoidc.ParseRequest(query)
	if err != nil {
		panic(err) // the provider answers invalid_request
	}
	plan, err := bridge.Plan(req)
	if err != nil {
		panic(err) // unmet_authentication_requirements for an essential acr no level gives
	}
	fmt.Println("run a flow for:", plan.Level.Action)

	// The provider's login page runs the flow (authhttp and the browser
	// client in a real provider).
	ctx := context.Background()
	bind, _ := eng.NewBinding()
	flow, _ := eng.Start(ctx, auth.StartRequest{Action: plan.Level.Action, Binding: bind})
	step := auth.StepRequest{FlowID: flow.ID, Binding: bind, Kind: auth.KindECP, Input: authtest.OK("880101300123")}
	_, _ = eng.Begin(ctx, step)
	out, _ := eng.Finish(ctx, step)

	claims, err := bridge.Claims(plan, out.Result)
	if err != nil {
		panic(err)
	}
	fmt.Println("sub:", claims.Subject)
	fmt.Println("acr:", claims.ACR)
	fmt.Println("amr:", claims.AMR)
	// Output:
	// run a flow for: login-key
	// sub: 880101300123
	// acr: urn:strongauth:acr:key
	// amr: [sc swk]
}
