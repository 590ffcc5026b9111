package passkey_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/factors/passkey/passkeytest"
	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/store/memory"
)

const (
	rpID     = "example.kz"
	origin   = "https://login.example.kz"
	binding  = "browser-binding-secret-0123456789"
	alice    = "alice"
	bob      = "bob"
	t0string = "2026-03-01T10:00:00Z"
)

var t0, _ = time.Parse(time.RFC3339, t0string)

// env is a factor wired to an engine, a fake clock and in-memory stores.
type env struct {
	t     testing.TB
	clock *fakeclock.Clock
	store *memory.Store
	creds *passkey.MemoryCredentials
	audit *authtest.Recorder
	pk    *passkey.Factor
	eng   *auth.Engine
	rp    virtualwebauthn.RelyingParty
}

func newEnv(t testing.TB, mutate ...func(*passkey.Config)) *env {
	t.Helper()
	e := &env{t: t, clock: fakeclock.New(t0), creds: passkey.NewMemoryCredentials(), audit: &authtest.Recorder{}}
	e.store = memory.New(memory.Config{Now: e.clock.Now, SweepInterval: -1})
	t.Cleanup(func() { _ = e.store.Close() })
	cfg := passkey.Config{
		RPID:        rpID,
		RPName:      "Example",
		Origins:     []string{origin},
		Store:       e.store,
		Credentials: e.creds,
		Attachment:  passkey.AttachmentAny, // the software authenticator reports none
		Now:         e.clock.Now,
		Audit:       e.audit,
	}
	for _, m := range mutate {
		m(&cfg)
	}
	pk, err := passkey.New(cfg)
	require.NoError(t, err)
	e.pk = pk
	e.eng = newEngine(t, e, pk)
	e.rp = virtualwebauthn.RelyingParty{ID: rpID, Name: "Example", Origin: origin}
	return e
}

func newEngine(t testing.TB, e *env, pk *passkey.Factor) *auth.Engine {
	t.Helper()
	rule, err := auth.ParseRule("webauthn | ecp")
	require.NoError(t, err)
	eng, err := auth.New(auth.Config{
		Store:    e.store,
		Factors:  []auth.Factor{pk, authtest.Strong(auth.KindECP), authtest.Weak(auth.KindSMS)},
		Policies: []auth.Policy{{Action: "login", Rule: rule}, {Action: "transfer", Rule: auth.KindWebAuthn}},
		Now:      e.clock.Now,
		Audit:    e.audit,
	})
	require.NoError(t, err)
	return eng
}

// ecpResult completes a login flow with the (fake) strong ECP factor and
// returns its Result: the evidence that opens an enrolment.
func (e *env) ecpResult(subject string) *auth.Result {
	e.t.Helper()
	ctx := context.Background()
	f, err := e.eng.Start(ctx, auth.StartRequest{Action: "login", Binding: binding})
	require.NoError(e.t, err)
	_, err = e.eng.Begin(ctx, auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: auth.KindECP})
	require.NoError(e.t, err)
	out, err := e.eng.Finish(ctx, auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: auth.KindECP, Input: authtest.OK(subject)})
	require.NoError(e.t, err)
	require.NotNil(e.t, out.Result)
	return out.Result
}

// smsOnly is a hand-made result of a flow that passed SMS alone (the engine
// cannot produce one).
func smsOnly(subject string, at time.Time) *auth.Result {
	return &auth.Result{Subject: subject, Action: "login", AMR: []string{auth.AMRSMS, auth.AMROTP}, ACR: "strong",
		AuthTime: at, Evidence: []auth.Evidence{{Kind: auth.KindSMS, Strength: auth.Weak, Subject: subject, Time: at,
			AMR: []string{auth.AMRSMS, auth.AMROTP}}}}
}

// device is a software authenticator with one credential.
type device struct {
	auth virtualwebauthn.Authenticator
	cred virtualwebauthn.Credential
}

func newDevice(opts virtualwebauthn.AuthenticatorOptions) *device {
	return &device{auth: virtualwebauthn.NewAuthenticatorWithOptions(opts), cred: newCredential()}
}

// newCredential returns a software P-256 credential that go-webauthn
// accepts (see passkeytest.VirtualCredential).
func newCredential() virtualwebauthn.Credential { return passkeytest.VirtualCredential() }

// attest answers registration options with the device's credential.
func (d *device) attest(t testing.TB, rp virtualwebauthn.RelyingParty, options json.RawMessage) json.RawMessage {
	t.Helper()
	o, err := virtualwebauthn.ParseAttestationOptions(string(options))
	require.NoError(t, err)
	return json.RawMessage(virtualwebauthn.CreateAttestationResponse(rp, d.auth, d.cred, *o))
}

// assert answers login options with the device's credential.
func (d *device) assert(t testing.TB, rp virtualwebauthn.RelyingParty, options json.RawMessage) json.RawMessage {
	t.Helper()
	o, err := virtualwebauthn.ParseAssertionOptions(string(options))
	require.NoError(t, err)
	return json.RawMessage(virtualwebauthn.CreateAssertionResponse(rp, d.auth, d.cred, *o))
}

// enrol registers a new device for subject after an ECP login, and sets
// the device's user handle for later discoverable logins.
func (e *env) enrol(subject string, opts virtualwebauthn.AuthenticatorOptions) (*device, *passkey.Credential) {
	e.t.Helper()
	d := newDevice(opts)
	cred, err := e.enrolDevice(subject, d)
	require.NoError(e.t, err)
	return d, cred
}

// enrolDevice registers d for subject after an ECP login and, on success,
// sets the device's user handle for later discoverable logins.
func (e *env) enrolDevice(subject string, d *device) (*passkey.Credential, error) {
	e.t.Helper()
	reg, err := e.pk.BeginRegistration(context.Background(), passkey.RegistrationRequest{
		Result: e.ecpResult(subject), Binding: binding, User: passkey.UserInfo{Name: subject + "@example.kz"}})
	require.NoError(e.t, err)
	cred, err := e.pk.FinishRegistration(context.Background(), reg.ID, binding, d.attest(e.t, e.rp, reg.Options))
	if err == nil {
		d.auth.Options.UserHandle = cred.UserHandle
	}
	return cred, err
}

// loginFlow starts a login flow (with a known subject if given) and begins
// the passkey factor in it.
func (e *env) loginFlow(subject string) (flowID string, options json.RawMessage) {
	e.t.Helper()
	return e.actionFlow("login", subject)
}

// actionFlow is loginFlow for another action.
func (e *env) actionFlow(action, subject string) (flowID string, options json.RawMessage) {
	e.t.Helper()
	ctx := context.Background()
	f, err := e.eng.Start(ctx, auth.StartRequest{Action: action, Binding: binding, Subject: subject})
	require.NoError(e.t, err)
	ch, err := e.eng.Begin(ctx, auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: auth.KindWebAuthn})
	require.NoError(e.t, err)
	raw, ok := ch.Data.(json.RawMessage)
	require.True(e.t, ok, "Challenge.Data is %T", ch.Data)
	return f.ID, raw
}

func (e *env) finish(flowID string, input json.RawMessage) (*auth.Outcome, error) {
	return e.eng.Finish(context.Background(), auth.StepRequest{FlowID: flowID, Binding: binding, Kind: auth.KindWebAuthn, Input: input})
}
