package passkey_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/descope/virtualwebauthn"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/store/memory"
)

// A software authenticator stands in for the browser: it answers the
// options of BeginRegistration and Begin as navigator.credentials would.
// The user enrols a passkey right after an ECP login (here a fake strong
// factor), then logs in with it alone, without a username.
func Example() {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	defer st.Close()
	pk, err := passkey.New(passkey.Config{
		RPID:        "example.kz",
		RPName:      "Example",
		Origins:     []string{"https://example.kz"},
		Store:       st,
		Credentials: passkey.NewMemoryCredentials(),
		Attachment:  passkey.AttachmentAny, // the software authenticator reports no attachment
	})
	if err != nil {
		panic(err)
	}
	rule, _ := auth.ParseRule("ecp | webauthn")
	eng, err := auth.New(auth.Config{
		Store:    st,
		Factors:  []auth.Factor{pk, authtest.Strong(auth.KindECP)},
		Policies: []auth.Policy{{Action: "login", Rule: rule}},
	})
	if err != nil {
		panic(err)
	}
	cookie, _ := eng.NewBinding()

	// 1. A login with ECP completes a flow.
	flow, _ := eng.Start(ctx, auth.StartRequest{Action: "login", Binding: cookie})
	_, _ = eng.Begin(ctx, auth.StepRequest{FlowID: flow.ID, Binding: cookie, Kind: auth.KindECP})
	out, _ := eng.Finish(ctx, auth.StepRequest{FlowID: flow.ID, Binding: cookie, Kind: auth.KindECP, Input: authtest.OK("alice")})

	// 2. Its result opens the enrolment of a passkey.
	reg, err := pk.BeginRegistration(ctx, passkey.RegistrationRequest{Result: out.Result, Binding: cookie})
	if err != nil {
		panic(err)
	}
	browser := newBrowser("https://example.kz", "example.kz")
	cred, err := pk.FinishRegistration(ctx, reg.ID, cookie, browser.create(reg.Options))
	if err != nil {
		panic(err)
	}
	browser.auth.Options.UserHandle = cred.UserHandle
	fmt.Println("enrolled for", cred.Subject)

	// 3. A new login with the passkey alone.
	flow, _ = eng.Start(ctx, auth.StartRequest{Action: "login", Binding: cookie})
	ch, _ := eng.Begin(ctx, auth.StepRequest{FlowID: flow.ID, Binding: cookie, Kind: auth.KindWebAuthn})
	out, err = eng.Finish(ctx, auth.StepRequest{FlowID: flow.ID, Binding: cookie, Kind: auth.KindWebAuthn,
		Input: browser.get(ch.Data.(json.RawMessage))})
	if err != nil {
		panic(err)
	}
	fmt.Println(out.Result.Subject, out.Result.AMR, out.Result.Evidence[0].Strength)
	// Output:
	// enrolled for alice
	// alice [hwk user] strong
}

// Enrolment after SMS alone is refused: otherwise a scammer who talked a
// code out of a victim could add their own device.
func ExampleFactor_BeginRegistration_smsOnly() {
	st := memory.New(memory.Config{})
	defer st.Close()
	pk, _ := passkey.New(passkey.Config{RPID: "example.kz", Origins: []string{"https://example.kz"},
		Store: st, Credentials: passkey.NewMemoryCredentials()})
	now := time.Now()
	smsOnly := &auth.Result{Subject: "alice", Action: "login", Evidence: []auth.Evidence{{
		Kind: auth.KindSMS, Strength: auth.Weak, Subject: "alice", Time: now, AMR: []string{"sms", "otp"}}}}
	_, err := pk.BeginRegistration(context.Background(), passkey.RegistrationRequest{
		Result: smsOnly, Binding: "binding-secret-of-the-browser"})
	fmt.Println(errors.Is(err, passkey.ErrEnrolmentGate), auth.Code(err))
	// Output: true factor_not_allowed
}

// New refuses a configuration without exact origins, or with an origin
// outside the relying party ID.
func ExampleNew() {
	st := memory.New(memory.Config{})
	defer st.Close()
	_, err := passkey.New(passkey.Config{RPID: "example.kz", Origins: []string{"https://example.com"},
		Store: st, Credentials: passkey.NewMemoryCredentials()})
	fmt.Println(err)
	// Output: passkey: invalid configuration: origin "https://example.com" is not within the relying party ID "example.kz"
}

func ExampleCredentialRef() {
	fmt.Println(passkey.CredentialRef([]byte("credential id")))
	// Output: d3517d3588e41039
}

// exampleBrowser is a software authenticator with a fixed key.
type exampleBrowser struct {
	rp   virtualwebauthn.RelyingParty
	auth virtualwebauthn.Authenticator
	cred virtualwebauthn.Credential
}

func newBrowser(origin, rpID string) *exampleBrowser {
	key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), bytes.Repeat([]byte{0x17}, 32))
	if err != nil {
		panic(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	return &exampleBrowser{
		rp:   virtualwebauthn.RelyingParty{ID: rpID, Name: "Example", Origin: origin},
		auth: virtualwebauthn.NewAuthenticator(),
		cred: virtualwebauthn.NewCredentialWithImportedKey(virtualwebauthn.KeyTypeEC2, der),
	}
}

func (b *exampleBrowser) create(options json.RawMessage) json.RawMessage {
	o, err := virtualwebauthn.ParseAttestationOptions(string(options))
	if err != nil {
		panic(err)
	}
	return json.RawMessage(virtualwebauthn.CreateAttestationResponse(b.rp, b.auth, b.cred, *o))
}

func (b *exampleBrowser) get(options json.RawMessage) json.RawMessage {
	o, err := virtualwebauthn.ParseAssertionOptions(string(options))
	if err != nil {
		panic(err)
	}
	b.cred.Counter++
	return json.RawMessage(virtualwebauthn.CreateAssertionResponse(b.rp, b.auth, b.cred, *o))
}
