package qr_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authtest"
	qrfactor "github.com/strongauth/strongauth/factors/qr"
	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/qr/phone"
	"github.com/strongauth/strongauth/store/memory"
)

// A host wires the qr factor into its engine and mounts the handlers; a
// phone enrols after a strong sign-in, then approves a login.
func Example() {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	defer st.Close()
	svc, _ := qr.New(qr.Config{Store: st, Devices: qr.NewMemoryDevices(), Service: "eGov.kz"})
	f, _ := qrfactor.New(qrfactor.Config{Service: svc})
	passkey := authtest.Strong(auth.KindWebAuthn) // stands in for a real passkey factor
	rule, _ := auth.ParseRule("qr | webauthn")
	eng, err := auth.New(auth.Config{Store: st, Factors: []auth.Factor{f, passkey},
		Policies: []auth.Policy{{Action: "login", Rule: rule}}})
	if err != nil {
		log.Fatal(err)
	}

	// The host keeps the result of a completed flow in its session; here,
	// a passkey sign-in of alice a moment ago.
	var signedIn *auth.Result
	phoneH, _ := f.PhoneHandler(qrfactor.PhoneConfig{Flows: eng})
	enrolH, _ := f.EnrolHandler(qrfactor.EnrolConfig{Evidence: func(*http.Request) (string, []auth.Evidence, error) {
		return signedIn.Subject, signedIn.Evidence, nil
	}})
	mux := http.NewServeMux()
	mux.Handle("/qr/phone/", http.StripPrefix("/qr/phone", phoneH))
	mux.Handle("/qr/enrol/", http.StripPrefix("/qr/enrol", enrolH))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// The passkey sign-in of alice, kept as the host's session.
	secret, _ := eng.NewBinding()
	flow, _ := eng.Start(ctx, auth.StartRequest{Action: "login", Binding: secret})
	_, _ = eng.Begin(ctx, auth.StepRequest{FlowID: flow.ID, Binding: secret, Kind: auth.KindWebAuthn})
	out, _ := eng.Finish(ctx, auth.StepRequest{FlowID: flow.ID, Binding: secret, Kind: auth.KindWebAuthn,
		Input: authtest.OK("alice")})
	signedIn = out.Result

	// The app enrols its device key.
	key, _ := phone.GenerateKey()
	p := &phone.Client{PhoneURL: srv.URL + "/qr/phone", Key: key}
	fmt.Println("enrol:", p.Enrol(ctx, srv.URL+"/qr/enrol", "Alice's phone"))

	// Later, a QR login in some browser: it shows the frame…
	secret, _ = eng.NewBinding()
	flow, _ = eng.Start(ctx, auth.StartRequest{Action: "login", Binding: secret})
	ch, err := eng.Begin(ctx, auth.StepRequest{FlowID: flow.ID, Binding: secret, Kind: auth.KindQR})
	if err != nil {
		log.Fatal(err)
	}
	// … the phone scans it and shows who is asking …
	scan, _ := p.Scan(ctx, ch.Data.(qrfactor.Begun).Content)
	fmt.Println("phone shows:", scan.Shown.Service, "·", scan.Shown.ActionText, "·", scan.Shown.Device)

	// … the browser shows its number (from BrowserHandler's status), the
	// user picks it on the phone …
	status, _ := svc.Status(ctx, flow.ID, auth.BindingHash(secret))
	fmt.Println("approve:", p.Approve(ctx, scan, status.Number))

	// … and the browser completes the flow through the host.
	res, err := eng.Finish(ctx, auth.StepRequest{FlowID: flow.ID, Binding: secret, Kind: auth.KindQR})
	fmt.Println(res.Result.Subject, res.Result.ACR, res.Result.AMR, err)
	// Output:
	// enrol: <nil>
	// phone shows: eGov.kz · Sign in · Alice's phone
	// approve: <nil>
	// alice strong [mca hwk user] <nil>
}
