package ecp_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/ecp"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/store/memory"
)

// An ECP login through the engine. A development key stands in for
// NCALayer; in production the page sends Begin's "ncalayer" request to
// wss://127.0.0.1:13579 and posts the CMS it gets back.
func Example() {
	now := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	g := devpki.New(devpki.Config{Rand: rand.NewChaCha8([32]byte{9}), Now: clock})
	root, _ := g.Root(devpki.CAOptions{CommonName: "DEV ROOT", Algorithm: devpki.ECDSAP256})
	user, _ := root.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "Тестов", Name: "Тест", IIN: "900101300017"})

	st := memory.New(memory.Config{Now: clock})
	defer st.Close()
	verifier, _ := signature.NewVerifier(signature.Config{Roots: []*x509.Certificate{root.Cert}, Now: clock,
		InsecureSkipRevocation: true}) // development only
	factor, err := ecp.New(ecp.Config{
		Verifier: verifier, Store: st, Origin: "https://portal.example.kz",
		Mapper: ecp.MapperFunc(func(_ context.Context, r *ecp.MapRequest) (string, error) {
			return "account-of-" + r.Identity.IIN, nil // the host's user lookup
		}),
	})
	if err != nil {
		panic(err)
	}
	rule, _ := auth.ParseRule("ecp")
	eng, err := auth.New(auth.Config{Store: st, Factors: []auth.Factor{factor}, Policies: []auth.Policy{{Action: "login", Rule: rule}}, Now: clock})
	if err != nil {
		panic(err)
	}

	ctx := context.Background()
	binding, _ := eng.NewBinding()
	flow, _ := eng.Start(ctx, auth.StartRequest{Action: "login", Binding: binding, Client: auth.ClientInfo{Origin: "https://portal.example.kz"}})
	ch, _ := eng.Begin(ctx, auth.StepRequest{FlowID: flow.ID, Binding: binding, Kind: auth.KindECP})
	data := ch.Data.(*ecp.BeginData)
	fmt.Println(data.NCALayer.Module, data.NCALayer.Method, data.NCALayer.Args.Format)

	challenge, _ := base64.StdEncoding.DecodeString(data.Challenge)
	cms, _ := user.SignCMS(challenge, devpki.CMSOptions{}) // NCALayer's part
	input, _ := json.Marshal(ecp.FinishInput{CMS: string(devpki.PEM(cms))})
	out, err := eng.Finish(ctx, auth.StepRequest{FlowID: flow.ID, Binding: binding, Kind: auth.KindECP, Input: input})
	if err != nil {
		panic(err)
	}
	fmt.Println(out.Result.Subject, out.Result.AMR, out.Result.Evidence[0].Strength, out.Result.Evidence[0].Attributes["iin"])
	// Output:
	// kz.gov.pki.knca.basics sign cms
	// account-of-900101300017 [sc swk] strong 900101300017
}
