package ncalayersim_test

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"

	"github.com/strongauth/strongauth/internal/ncalayersim"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
)

// A development key answers NCALayer's basics.sign request, as the page
// sends it to wss://127.0.0.1:13579 (serve the Sim with net/http for a
// real WebSocket).
func Example() {
	g := devpki.New(devpki.Config{})
	root, _ := g.Root(devpki.CAOptions{CommonName: "DEV ROOT", Algorithm: devpki.ECDSAP256})
	leaf, _ := root.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "Тестов", Name: "Тест", IIN: "880101300123"})
	sim, err := ncalayersim.New(ncalayersim.Config{Keys: []ncalayersim.Key{ncalayersim.DevKey(leaf)},
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
