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

// A bank accepts synced passkeys (iCloud Keychain, Google Password
// Manager) for login, but a large transfer needs a device-bound one: the
// ActionPolicy refuses the synced passkey with its own code and message,
// and the evidence of every passkey login says which kind it was.
func ExampleActionPolicy() {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	defer st.Close()
	pk, _ := passkey.New(passkey.Config{
		RPID: "example.kz", Origins: []string{"https://example.kz"}, Store: st,
		Credentials: passkey.NewMemoryCredentials(), Attachment: passkey.AttachmentAny,
		Actions: map[string]passkey.ActionPolicy{"transfer": {DeviceBound: true}},
	})
	eng, _ := auth.New(auth.Config{
		Store: st, Factors: []auth.Factor{pk, authtest.Strong(auth.KindECP)},
		Policies: []auth.Policy{{Action: "login", Rule: auth.AnyOf(auth.KindECP, auth.KindWebAuthn)},
			{Action: "transfer", Rule: auth.KindWebAuthn}},
	})
	cookie, _ := eng.NewBinding()
	flow, _ := eng.Start(ctx, auth.StartRequest{Action: "login", Binding: cookie})
	_, _ = eng.Begin(ctx, auth.StepRequest{FlowID: flow.ID, Binding: cookie, Kind: auth.KindECP})
	out, _ := eng.Finish(ctx, auth.StepRequest{FlowID: flow.ID, Binding: cookie, Kind: auth.KindECP, Input: authtest.OK("alice")})
	reg, _ := pk.BeginRegistration(ctx, passkey.RegistrationRequest{Result: out.Result, Binding: cookie})
	phone := newBrowser("https://example.kz", "example.kz")
	phone.auth.Options.BackupEligible, phone.auth.Options.BackupState = true, true // a synced passkey
	cred, _ := pk.FinishRegistration(ctx, reg.ID, cookie, phone.create(reg.Options))
	phone.auth.Options.UserHandle = cred.UserHandle

	try := func(action string) {
		flow, _ := eng.Start(ctx, auth.StartRequest{Action: action, Binding: cookie})
		ch, _ := eng.Begin(ctx, auth.StepRequest{FlowID: flow.ID, Binding: cookie, Kind: auth.KindWebAuthn})
		out, err := eng.Finish(ctx, auth.StepRequest{FlowID: flow.ID, Binding: cookie, Kind: auth.KindWebAuthn,
			Input: phone.get(ch.Data.(json.RawMessage))})
		if err != nil {
			fmt.Println(action+":", auth.Code(err), "—", auth.ClientMessage(err, "en"))
			return
		}
		fmt.Println(action+": allowed, device_bound =", out.Result.Evidence[0].Attributes["device_bound"])
	}
	try("login")
	try("transfer")
	// Output:
	// login: allowed, device_bound = false
	// transfer: passkey_synced — This action needs a passkey kept on the device itself (not synced), a security key, a digital signature or a QR code.
}

// A credential kept by a service built on go-webauthn (the JSON of its
// webauthn.Credential, from the user table) becomes a credential record
// here; Import adds it to the store, and the user logs in with the passkey
// they already have.
func ExampleFromGoWebAuthn() {
	browser := newBrowser("https://example.kz", "example.kz")
	stored, _ := json.Marshal(map[string]any{ // as json.Marshal(webauthn.Credential) wrote it
		"id": []byte("credential-1"), "publicKey": browser.cred.Key.AttestationData(),
		"attestationType": "none", "transport": []string{"internal"},
		"flags":         map[string]bool{"userPresent": true, "userVerified": true, "backupEligible": true, "backupState": true},
		"authenticator": map[string]any{"signCount": 12, "attachment": "platform"},
	})
	cred, err := passkey.FromGoWebAuthn(passkey.GoWebAuthnRecord{
		Subject: "alice", UserHandle: []byte("the user's WebAuthnID"), Credential: stored})
	if err != nil {
		panic(err)
	}
	fmt.Println(cred.Subject, cred.AttestationFormat, cred.SignCount, cred.Synced())
	creds := passkey.NewMemoryCredentials()
	n, err := passkey.Import(context.Background(), creds, *cred)
	fmt.Println(n, err)
	// Output:
	// alice none 12 true
	// 1 <nil>
}
