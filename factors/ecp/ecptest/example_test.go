package ecptest_test

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/ecp"
	"github.com/strongauth/strongauth/factors/ecp/ecptest"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/store/memory"
)

// A development key answers NCALayer's basics.sign request, as the page
// sends it to wss://127.0.0.1:13579 (serve the Sim with net/http for a
// real WebSocket).
func Example() {
	g := devpki.New(devpki.Config{})
	root, _ := g.Root(devpki.CAOptions{CommonName: "DEV ROOT", Algorithm: devpki.ECDSAP256})
	leaf, _ := root.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "Тестов", Name: "Тест", IIN: "880101300123"})
	sim, err := ecptest.New(ecptest.Config{InsecureTestKeys: true, Keys: []ecptest.Key{ecptest.DevKey(leaf)},
		Origins: []string{"http://localhost:8080"}})
	if err != nil {
		panic(err)
	}
	req := signature.NewNCALayerRequest([]byte("challenge"), signature.NCALayerOptions{IIN: "880101300123"})
	msg, _ := json.Marshal(req)
	r := sim.Handle(context.Background(), msg)
	block, _ := pem.Decode([]byte(r.Body.Result[0]))
	fmt.Println(r.Status, block.Type, sim.Signed())

	req.Args.SignerParams.IIN = "920202450012"
	msg, _ = json.Marshal(req)
	r = sim.Handle(context.Background(), msg)
	fmt.Println(r.Status, r.Code)
	// Output:
	// true CMS 1
	// false NO_SUITABLE_KEY
}

// A host's test signs in through its own ecp factor with the kit's
// development PKI, without a browser: Answer plays NCALayer.
func ExampleAnswer() {
	pki, err := ecptest.NewPKI(ecptest.PKIOptions{People: []ecptest.Person{{Surname: "Тестов", Name: "Тест", IIN: "880101300123"}}})
	if err != nil {
		panic(err)
	}
	v, rc, _ := pki.Verifier(signature.Config{})
	defer rc.Close()
	st := memory.New(memory.Config{})
	defer st.Close()
	f, _ := ecp.New(ecp.Config{Verifier: v, Store: st, Origin: "https://portal.example.kz",
		Mapper: ecp.MapperFunc(func(_ context.Context, r *ecp.MapRequest) (string, error) { return r.Identity.IIN, nil })})
	eng, _ := auth.New(auth.Config{Store: st, Factors: []auth.Factor{f}, Policies: []auth.Policy{{Action: "login", Rule: auth.AnyStrong()}}})

	ctx := context.Background()
	b, _ := eng.NewBinding()
	flow, _ := eng.Start(ctx, auth.StartRequest{Action: "login", Binding: b})
	ch, err := eng.Begin(ctx, auth.StepRequest{FlowID: flow.ID, Binding: b, Kind: auth.KindECP})
	if err != nil {
		panic(err)
	}
	answer, err := ecptest.Answer(ctx, pki.Keys()[0], ch.Data, ecp.FormatCMS)
	if err != nil {
		panic(err)
	}
	out, err := eng.Finish(ctx, auth.StepRequest{FlowID: flow.ID, Binding: b, Kind: auth.KindECP, Input: answer})
	if err != nil {
		panic(err)
	}
	fmt.Println(out.Result.Subject, out.Result.AMR)
	// Output:
	// 880101300123 [sc swk]
}
