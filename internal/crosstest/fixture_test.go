package crosstest_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"
	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/ecp"
	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/factors/passkey/passkeyredis"
	"github.com/strongauth/strongauth/factors/passkey/passkeytest"
	qrfactor "github.com/strongauth/strongauth/factors/qr"
	"github.com/strongauth/strongauth/factors/qr/qrredis"
	"github.com/strongauth/strongauth/factors/sms"
	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/otp"
	"github.com/strongauth/strongauth/otp/otptest"
	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/qr/phone"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/sigtest"
	"github.com/strongauth/strongauth/store/redis"
	"github.com/strongauth/strongauth/store/redis/redistest"
)

const (
	rpID     = "example.kz"
	origin   = "https://login.example.kz"
	binding  = "browser-binding-secret-0123456789"
	clientIP = "203.0.113.7"
)

// phones is the host's own table of accounts and their bound phones,
// which every instance reads (a database, in a real deployment).
var phones = map[string]string{
	"alice": "+77012345612",
	"bob":   "+77759876543",
	"carol": "+77021112233",
	"dave":  "+77053334455",
	"erin":  "+77075556677",
}

// signers maps the IINs of the development PKI's keys to accounts: the
// host's user table, as the ECP factor's Mapper reads it.
var signers = map[string]string{sigtest.IIN: "alice", sigtest.IINEmployee: "bob"}

var ecpMapper = ecp.MapperFunc(func(_ context.Context, req *ecp.MapRequest) (string, error) {
	if s, ok := signers[req.Identity.IIN]; ok {
		return s, nil
	}
	return "", errors.New("no account for this signer")
})

// pkis shares the development PKI between the tests (ECDSA: quick to make).
var pkis sigtest.Cache

type phoneBook struct{}

func (phoneBook) BoundPhone(_ context.Context, subject string) (string, error) {
	return phones[subject], nil
}

// instance is one instance of the service: everything but the Redis
// server, the clock, the shared secrets and the host's phone book is its
// own.
type instance struct {
	name  string
	store *redis.Store
	creds *passkeyredis.Credentials
	sent  *otptest.Recorder
	otp   *otp.Service
	sms   *sms.Factor
	pk    *passkey.Factor
	ecp   *ecp.Factor
	// QR: devices on Redis, the service, the factor, and the phone API
	// served at phoneURL.
	devices  *qrredis.Devices
	qr       *qrfactor.Factor
	phoneURL string
	eng      *auth.Engine
}

// pair is two instances on one server.
type pair struct {
	t      *testing.T
	srv    *redistest.Server // nil unless the pair runs on one server
	client func(testing.TB) goredis.UniversalClient
	wait   int // the Stores' WaitReplicas
	clock  *fakeclock.Clock
	a, b   *instance
	rp     virtualwebauthn.RelyingParty
	pki    *sigtest.PKI

	// Held factor calls, for races: see hold.
	entered atomic.Int32
	gate    atomic.Pointer[chan struct{}]
	// wins counts Finish calls that a factor accepted, on both instances.
	wins sync.Map // auth.Kind → *atomic.Int32
}

// pairMaker makes two instances on one Redis deployment. mutate adjusts
// the OTP configuration of both alike.
type pairMaker func(t *testing.T, mutate ...func(*otp.Config)) *pair

// newPair starts a server and two instances on it.
func newPair(t *testing.T, mutate ...func(*otp.Config)) *pair {
	t.Helper()
	return newPairOn(t, redistest.Start(t), mutate...)
}

// newPairOn makes two instances on srv.
func newPairOn(t *testing.T, srv *redistest.Server, mutate ...func(*otp.Config)) *pair {
	t.Helper()
	p := newPairWith(t, func(tb testing.TB) goredis.UniversalClient { return srv.Client(tb) }, 0, mutate...)
	p.srv = srv
	return p
}

// newPairWith makes two instances, each with its own client from client
// (a single server's, a Cluster's, a Sentinel failover client) and a Store
// that waits for wait replicas (redis.Config.WaitReplicas).
func newPairWith(t *testing.T, client func(testing.TB) goredis.UniversalClient, wait int, mutate ...func(*otp.Config)) *pair {
	t.Helper()
	p := &pair{
		t:      t,
		client: client,
		wait:   wait,
		clock:  fakeclock.New(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)),
		rp:     virtualwebauthn.RelyingParty{ID: rpID, Name: "Example", Origin: origin},
		pki:    pkis.Get(t, devpki.ECDSAP256),
	}
	ns := redistest.Namespace(t)
	p.a, p.b = p.instance("A", ns, mutate), p.instance("B", ns, mutate)
	return p
}

func (p *pair) instance(name, ns string, mutate []func(*otp.Config)) *instance {
	t := p.t
	t.Helper()
	client := p.client(t)
	in := &instance{name: name, sent: &otptest.Recorder{}}
	var err error
	in.store, err = redis.New(redis.Config{Client: client, Namespace: ns, WaitReplicas: p.wait})
	require.NoError(t, err)
	in.creds, err = passkeyredis.New(passkeyredis.Config{Client: client, Namespace: ns})
	require.NoError(t, err)
	cfg := otp.Config{
		Store:  in.store,
		Sender: in.sent,
		Keys:   []otp.Key{otp.Key("shared-otp-key-0123456789abcdef!")},
		Domain: rpID,
		Now:    p.clock.Now,
	}
	for _, m := range mutate {
		m(&cfg)
	}
	in.otp, err = otp.New(cfg)
	require.NoError(t, err)
	in.sms, err = sms.New(sms.Config{OTP: in.otp, Phones: phoneBook{}})
	require.NoError(t, err)
	in.pk, err = passkey.New(passkey.Config{
		RPID: rpID, RPName: "Example", Origins: []string{origin},
		Store: in.store, Credentials: in.creds,
		Attachment: passkey.AttachmentAny, // the software authenticator reports none
		Now:        p.clock.Now,
	})
	require.NoError(t, err)
	verifier, err := signature.NewVerifier(signature.Config{Roots: p.pki.Roots(),
		Intermediates: []*x509.Certificate{p.pki.CA.Cert}, Now: p.clock.Now, InsecureSkipRevocation: true})
	require.NoError(t, err)
	in.ecp, err = ecp.New(ecp.Config{Verifier: verifier, Store: in.store, Mapper: ecpMapper, Origin: origin})
	require.NoError(t, err)
	in.devices, err = qrredis.New(qrredis.Config{Client: client, Namespace: ns})
	require.NoError(t, err)
	svc, err := qr.New(qr.Config{Store: in.store, Devices: in.devices, Service: "eGov.kz", Now: p.clock.Now})
	require.NoError(t, err)
	in.qr, err = qrfactor.New(qrfactor.Config{Service: svc, Log: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	in.eng, err = auth.New(auth.Config{
		Store:   in.store,
		Factors: []auth.Factor{p.observe(in.pk), p.observe(in.sms), p.observe(in.ecp), p.observe(in.qr)},
		Policies: []auth.Policy{
			{Action: "login", Rule: mustRule(t, "webauthn | ecp | qr")},
			{Action: "sign-document", Rule: mustRule(t, "(webauthn | ecp) & sms")},
		},
		Now: p.clock.Now,
	})
	require.NoError(t, err)
	phoneAPI, err := in.qr.PhoneHandler(qrfactor.PhoneConfig{Flows: in.eng})
	require.NoError(t, err)
	srv := httptest.NewServer(http.StripPrefix("/qr/phone", phoneAPI))
	t.Cleanup(srv.Close)
	in.phoneURL = srv.URL + "/qr/phone"
	return in
}

func mustRule(t *testing.T, s string) auth.Expr {
	t.Helper()
	e, err := auth.ParseRule(s)
	require.NoError(t, err)
	return e
}

// observed wraps a real factor as the engine sees it: it counts the
// Finish calls it accepts and, while a race is held, holds every Finish
// until the race is released.
type observed struct {
	auth.Factor
	p *pair
}

func (p *pair) observe(f auth.Factor) auth.Factor { return &observed{Factor: f, p: p} }

func (o *observed) Finish(ctx context.Context, req *auth.FinishRequest) (*auth.Proof, error) {
	o.p.entered.Add(1)
	if g := o.p.gate.Load(); g != nil {
		<-*g
	}
	proof, err := o.Factor.Finish(ctx, req)
	if err == nil {
		o.p.winsOf(o.Kind()).Add(1)
	}
	return proof, err
}

func (p *pair) winsOf(k auth.Kind) *atomic.Int32 {
	n, _ := p.wins.LoadOrStore(k, new(atomic.Int32))
	return n.(*atomic.Int32)
}

// raceResult is what n racing requests came to.
type raceResult struct {
	ok   int32 // engine Finish calls that succeeded
	errs []error
}

// attempt is one Finish request of a race.
type attempt struct {
	flowID string
	kind   auth.Kind
	input  json.RawMessage
}

// same returns n copies of one attempt.
func same(n int, flowID string, k auth.Kind, input json.RawMessage) []attempt {
	a := make([]attempt, n)
	for i := range a {
		a[i] = attempt{flowID, k, input}
	}
	return a
}

// race runs the attempts at once, alternately on A and B, holding each at
// the factor until all have passed the engine's flow checks, so that they
// all reach the factor together.
func (p *pair) race(attempts []attempt) raceResult {
	p.t.Helper()
	g := make(chan struct{})
	p.entered.Store(0)
	p.gate.Store(&g)
	defer p.gate.Store(nil)
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		res raceResult
	)
	for i, a := range attempts {
		in := p.on(i)
		wg.Go(func() {
			_, err := in.finish(a.flowID, a.kind, a.input)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				res.ok++
			} else {
				res.errs = append(res.errs, err)
			}
		})
	}
	require.Eventually(p.t, func() bool { return p.entered.Load() == int32(len(attempts)) }, 20*time.Second, time.Millisecond,
		"every request reaches the factor")
	close(g)
	wg.Wait()
	return res
}

// oneWon checks that exactly one request of a race won, through the
// engine and at the factor of kind k, and that every other was refused
// with one of wants.
func (p *pair) oneWon(res raceResult, k auth.Kind, wants ...error) {
	p.t.Helper()
	assert.Equal(p.t, int32(1), res.ok, "one request wins")
	assert.Equal(p.t, int32(1), p.winsOf(k).Load(), "one answer accepted by a factor")
	for _, err := range res.errs {
		if !slices.ContainsFunc(wants, func(w error) bool { return errors.Is(err, w) }) {
			p.t.Errorf("refused with %v, want one of %v", err, wants)
		}
	}
}

// on returns A for even i and B for odd i.
func (p *pair) on(i int) *instance { return []*instance{p.a, p.b}[i%2] }

func (in *instance) start(t *testing.T, action, subject string) string {
	t.Helper()
	f, err := in.eng.Start(context.Background(), auth.StartRequest{Action: action, Subject: subject, Binding: binding,
		Client: auth.ClientInfo{IP: clientIP, Origin: origin}})
	require.NoError(t, err)
	return f.ID
}

func (in *instance) begin(flowID string, k auth.Kind) (*auth.Challenge, error) {
	return in.eng.Begin(context.Background(), auth.StepRequest{FlowID: flowID, Binding: binding, Kind: k,
		Client: auth.ClientInfo{IP: clientIP}})
}

func (in *instance) finish(flowID string, k auth.Kind, input json.RawMessage) (*auth.Outcome, error) {
	return in.finishCtx(context.Background(), flowID, k, input)
}

func (in *instance) finishCtx(ctx context.Context, flowID string, k auth.Kind, input json.RawMessage) (*auth.Outcome, error) {
	return in.eng.Finish(ctx, auth.StepRequest{FlowID: flowID, Binding: binding, Kind: k, Input: input,
		Client: auth.ClientInfo{IP: clientIP}})
}

// factorFinish calls the instance's factor of kind k directly, past the
// engine, with the flow as it is stored now: a replay that the engine's
// own bookkeeping cannot stop.
func (in *instance) factorFinish(t *testing.T, flowID string, k auth.Kind, input json.RawMessage, now time.Time) error {
	t.Helper()
	f, err := in.eng.Inspect(context.Background(), flowID, binding)
	require.NoError(t, err)
	fac, ok := in.eng.Factor(k)
	require.True(t, ok)
	_, err = fac.Finish(context.Background(), &auth.FinishRequest{Flow: f, Input: input, Now: now})
	return err
}

// device is a software authenticator holding one credential.
type device struct {
	auth virtualwebauthn.Authenticator
	cred virtualwebauthn.Credential
}

// enrol registers a new device for subject: the registration begins on
// A and finishes on B. Enrolment needs fresh strong evidence; a hand-made
// ECP evidence stands for the login the host has just seen.
func (p *pair) enrol(subject string) *device {
	t := p.t
	t.Helper()
	d := &device{
		auth: virtualwebauthn.NewAuthenticator(),
		cred: passkeytest.VirtualCredential(),
	}
	ctx := context.Background()
	ev := auth.Evidence{Kind: auth.KindECP, Strength: auth.Strong, Subject: subject, Time: p.clock.Now(), AMR: []string{auth.AMRSmartCard}}
	reg, err := p.a.pk.BeginRegistration(ctx, passkey.RegistrationRequest{Evidence: []auth.Evidence{ev}, Subject: subject,
		Binding: binding, User: passkey.UserInfo{Name: subject + "@example.kz"}})
	require.NoError(t, err)
	o, err := virtualwebauthn.ParseAttestationOptions(string(reg.Options))
	require.NoError(t, err)
	answer := virtualwebauthn.CreateAttestationResponse(p.rp, d.auth, d.cred, *o)
	cred, err := p.b.pk.FinishRegistration(ctx, reg.ID, binding, json.RawMessage(answer))
	require.NoError(t, err)
	d.auth.Options.UserHandle = cred.UserHandle
	return d
}

// phone enrols a new phone for subject: the enrolment begins on A and
// finishes on B (the device is stored by B's device store). A hand-made
// ECP evidence stands for the login the host has just seen.
func (p *pair) phone(subject string) *phone.Client {
	t := p.t
	t.Helper()
	ctx := context.Background()
	key, err := phone.GenerateKey()
	require.NoError(t, err)
	ev := []auth.Evidence{{Kind: auth.KindECP, Strength: auth.Strong, Subject: subject, Time: p.clock.Now(), AMR: []string{auth.AMRSmartCard}}}
	ch, err := p.a.qr.BeginEnrol(ctx, subject, ev)
	require.NoError(t, err)
	spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	signed, err := qr.Sign(key, nil, &qr.Document{Type: qr.DocEnrol, Challenge: ch.Challenge, Key: qr.KeyThumbprint(spki),
		Name: subject + "'s phone", Time: p.clock.Now().Unix()})
	require.NoError(t, err)
	signed.Key = base64.RawURLEncoding.EncodeToString(spki)
	body, err := json.Marshal(signed)
	require.NoError(t, err)
	d, err := p.b.qr.FinishEnrol(ctx, subject, ev, body)
	require.NoError(t, err)
	return &phone.Client{Key: key, Device: d.ID, Now: p.clock.Now, Lang: "en"}
}

// at returns the phone talking to in's phone API.
func at(ph *phone.Client, in *instance) *phone.Client {
	c := *ph
	c.PhoneURL = in.phoneURL
	return &c
}

// number is what the browser shows once a phone scanned the flow's QR
// code, as in's browser API reads it.
func (p *pair) number(in *instance, flowID string) int {
	p.t.Helper()
	st, err := in.qr.Service().Status(context.Background(), flowID, auth.BindingHash(binding))
	require.NoError(p.t, err)
	require.Equal(p.t, qr.StateScanned, st.State)
	return st.Number
}

// answer signs the options of a WebAuthn challenge with the device, its
// signature counter one up, as an authenticator's is at every use.
func (p *pair) answer(d *device, ch *auth.Challenge) json.RawMessage {
	p.t.Helper()
	d.cred.Counter++
	return p.answerAgain(d, ch)
}

// answerAgain signs with the counter unchanged, as a cloned authenticator
// would.
func (p *pair) answerAgain(d *device, ch *auth.Challenge) json.RawMessage {
	p.t.Helper()
	raw, ok := ch.Data.(json.RawMessage)
	require.True(p.t, ok, "Challenge.Data is %T", ch.Data)
	o, err := virtualwebauthn.ParseAssertionOptions(string(raw))
	require.NoError(p.t, err)
	return json.RawMessage(virtualwebauthn.CreateAssertionResponse(p.rp, d.auth, d.cred, *o))
}

// webauthnStep runs a WebAuthn step in a flow: begun on one instance,
// answered by the device, finished on the other.
func (p *pair) webauthnStep(flowID string, d *device, begin, finish *instance) *auth.Outcome {
	p.t.Helper()
	ch, err := begin.begin(flowID, auth.KindWebAuthn)
	require.NoError(p.t, err)
	out, err := finish.finish(flowID, auth.KindWebAuthn, p.answer(d, ch))
	require.NoError(p.t, err)
	return out
}

// sign answers an ECP challenge as NCALayer would: a detached CMS, in
// PEM, over the challenge, made with the development PKI's key leaf.
func (p *pair) sign(leaf *devpki.Leaf, ch *auth.Challenge) json.RawMessage {
	p.t.Helper()
	data, ok := ch.Data.(*ecp.BeginData)
	require.True(p.t, ok, "Challenge.Data is %T", ch.Data)
	doc, err := base64.StdEncoding.DecodeString(data.Challenge)
	require.NoError(p.t, err)
	cms, err := leaf.SignCMS(doc, devpki.CMSOptions{SigningTime: p.clock.Now()})
	require.NoError(p.t, err)
	in, err := json.Marshal(ecp.FinishInput{CMS: string(devpki.PEM(cms))})
	require.NoError(p.t, err)
	return in
}

// codeInput is the SMS factor's input for a code.
func codeInput(code string) json.RawMessage {
	b, _ := json.Marshal(sms.FinishInput{Code: code})
	return b
}

// lastCode returns the code of the latest message either instance sent.
func (p *pair) lastCode() string {
	p.t.Helper()
	require.Equal(p.t, 1, p.a.sent.Len()+p.b.sent.Len(), "one message sent in all")
	m := p.a.sent.Last()
	if m == nil {
		m = p.b.sent.Last()
	}
	return m.Code()
}

// wrongCode returns a well-formed code that differs from code.
func wrongCode(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

func errorsIs(err error, targets ...error) bool {
	for _, t := range targets {
		if !errors.Is(err, t) {
			return false
		}
	}
	return true
}
