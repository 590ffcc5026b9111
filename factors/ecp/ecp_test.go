package ecp_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/factors/ecp"
	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/sigtest"
	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/memory"
)

const origin = "https://portal.example.kz"

var pkis sigtest.Cache

func pkiFor(t testing.TB, alg devpki.Algorithm) *sigtest.PKI { return pkis.Get(t, alg) }

// users is the host's account table: IIN → subject.
var users = map[string]string{sigtest.IIN: "user-1", sigtest.IINEmployee: "user-2"}

type mapper struct {
	calls atomic.Int64
}

func (m *mapper) Map(_ context.Context, req *ecp.MapRequest) (string, error) {
	m.calls.Add(1)
	s, ok := users[req.Identity.IIN]
	if !ok {
		return "", errors.New("no account for this IIN")
	}
	return s, nil
}

func (m *mapper) Hint(_ context.Context, subject string) (string, string) {
	for iin, s := range users {
		if s == subject {
			return iin, ""
		}
	}
	return "", ""
}

type harness struct {
	t      *testing.T
	p      *sigtest.PKI
	clock  *fakeclock.Clock
	store  *memory.Store
	eng    *auth.Engine
	factor *ecp.Factor
	mapper *mapper
	sms    *authtest.Factor
}

type option func(*ecp.Config, *signature.Config)

func newHarness(t *testing.T, alg devpki.Algorithm, opts ...option) *harness {
	t.Helper()
	h := &harness{t: t, p: pkiFor(t, alg), clock: fakeclock.New(sigtest.Epoch().Add(time.Hour)), mapper: &mapper{}}
	h.store = memory.New(memory.Config{Now: h.clock.Now, SweepInterval: -1})
	t.Cleanup(func() { h.store.Close() })
	vcfg := signature.Config{Roots: h.p.Roots(), Intermediates: []*x509.Certificate{h.p.CA.Cert}, Now: h.clock.Now, InsecureSkipRevocation: true}
	fcfg := ecp.Config{
		Store:  h.store,
		Mapper: h.mapper,
		Origin: origin,
		Purposes: map[string]signature.Purpose{
			"sign-contract": signature.PurposeSign(),
		},
		Checks: map[string]signature.Check{
			"sign-contract": signature.RequireRole(sigtest.BIN, signature.RoleFirstHead, signature.RoleRightToSign),
		},
	}
	for _, o := range opts {
		o(&fcfg, &vcfg)
	}
	v, err := signature.NewVerifier(vcfg)
	require.NoError(t, err)
	fcfg.Verifier = v
	h.factor, err = ecp.New(fcfg)
	require.NoError(t, err)
	h.sms = authtest.Weak(auth.KindSMS)
	login, _ := auth.ParseRule("ecp")
	twoStep, _ := auth.ParseRule("ecp & sms")
	h.eng, err = auth.New(auth.Config{
		Store:   h.store,
		Factors: []auth.Factor{h.factor, h.sms},
		Policies: []auth.Policy{
			{Action: "login", Rule: login},
			{Action: "sign-contract", Rule: login},
			{Action: "two-step", Rule: twoStep},
		},
		Now: h.clock.Now,
	})
	require.NoError(t, err)
	return h
}

type flow struct {
	id, binding string
}

func (h *harness) start(action string) flow {
	h.t.Helper()
	b, err := h.eng.NewBinding()
	require.NoError(h.t, err)
	f, err := h.eng.Start(context.Background(), auth.StartRequest{Action: action, Binding: b, Client: auth.ClientInfo{Origin: origin}})
	require.NoError(h.t, err)
	return flow{f.ID, b}
}

// begin begins ECP and returns the challenge bytes and the Begin data.
func (h *harness) begin(f flow) ([]byte, *ecp.BeginData) {
	h.t.Helper()
	ch, err := h.eng.Begin(context.Background(), auth.StepRequest{FlowID: f.id, Binding: f.binding, Kind: auth.KindECP})
	require.NoError(h.t, err)
	data := ch.Data.(*ecp.BeginData)
	doc, err := base64.StdEncoding.DecodeString(data.Challenge)
	require.NoError(h.t, err)
	return doc, data
}

// answer signs doc with leaf as NCALayer would (PEM, detached) and wraps
// it as Finish input.
func (h *harness) answer(leaf *devpki.Leaf, doc []byte, o devpki.CMSOptions) json.RawMessage {
	h.t.Helper()
	if o.SigningTime.IsZero() {
		o.SigningTime = h.clock.Now()
	}
	cms, err := leaf.SignCMS(doc, o)
	require.NoError(h.t, err)
	in, err := json.Marshal(ecp.FinishInput{CMS: string(devpki.PEM(cms))})
	require.NoError(h.t, err)
	return in
}

func (h *harness) finish(f flow, in json.RawMessage) (*auth.Outcome, error) {
	return h.eng.Finish(context.Background(), auth.StepRequest{FlowID: f.id, Binding: f.binding, Kind: auth.KindECP, Input: in, Client: auth.ClientInfo{Origin: origin}})
}

// A login with each algorithm: strong evidence, the mapped subject, AMR sc
// + swk, and the identity as attributes.
func TestLogin(t *testing.T) {
	for _, alg := range []devpki.Algorithm{devpki.GOST2015, devpki.RSA2048, devpki.ECDSAP256} {
		t.Run(string(alg), func(t *testing.T) {
			h := newHarness(t, alg)
			f := h.start("login")
			doc, data := h.begin(f)
			out, err := h.finish(f, h.answer(h.p.Head, doc, devpki.CMSOptions{}))
			require.NoError(t, err)
			require.True(t, out.Decision.Allowed)
			require.NotNil(t, out.Result)
			assert.Equal(t, "user-1", out.Result.Subject)
			assert.Equal(t, "strong", out.Result.ACR)
			assert.Equal(t, []string{"sc", "swk"}, out.Result.AMR)
			ev := out.Result.Evidence[0]
			assert.Equal(t, auth.Strong, ev.Strength)
			assert.Equal(t, sigtest.IIN, ev.Attributes["iin"])
			assert.Equal(t, sigtest.BIN, ev.Attributes["bin"])
			assert.Equal(t, "legal_entity,first_head", ev.Attributes["roles"])
			assert.Equal(t, strings.ToUpper(h.p.Head.Cert.SerialNumber.Text(16)), ev.Attributes["serial"])
			assert.Equal(t, h.p.CA.Cert.Subject.String(), ev.Attributes["issuer"])
			assert.Equal(t, "file", ev.Attributes["key_storage"])
			assert.NotEmpty(t, ev.Attributes["algorithm"])
			for _, v := range ev.Attributes {
				assert.NotContains(t, v, data.Challenge)
			}
		})
	}
}

// Begin's answer: the challenge and the ready NCALayer request for it.
func TestBeginData(t *testing.T) {
	h := newHarness(t, devpki.ECDSAP256, func(c *ecp.Config, _ *signature.Config) {
		c.Attached, c.Locale, c.AllowedStorages = true, "kk", []string{"PKCS12", "AKKaztokenStore"}
	})
	f := h.start("login")
	doc, data := h.begin(f)
	ch, err := signature.ParseChallenge(doc)
	require.NoError(t, err)
	assert.Equal(t, origin, ch.Origin)
	assert.Equal(t, f.id, ch.Flow)
	assert.Equal(t, "login", ch.Action)
	assert.Equal(t, h.clock.Now().Add(signature.DefaultChallengeTTL), ch.ExpiresAt)
	assert.Equal(t, ch.ExpiresAt, data.ExpiresAt)
	b, err := json.Marshal(data.NCALayer)
	require.NoError(t, err)
	var req map[string]any
	require.NoError(t, json.Unmarshal(b, &req))
	args := req["args"].(map[string]any)
	assert.Equal(t, "kz.gov.pki.knca.basics", req["module"])
	assert.Equal(t, "sign", req["method"])
	assert.Equal(t, "cms", args["format"])
	assert.Equal(t, data.Challenge, args["data"])
	assert.Equal(t, map[string]any{"decode": true, "encapsulate": true, "digested": false}, args["signingParams"])
	assert.Equal(t, []any{"PKCS12", "AKKaztokenStore"}, args["allowedStorages"])
	assert.Equal(t, "kk", args["locale"])
	assert.Empty(t, args["signerParams"].(map[string]any)["iin"], "no subject yet: no IIN filter")

	// Attached answers verify too.
	out, err := h.finish(f, h.answer(h.p.Individual, doc, devpki.CMSOptions{Attached: true}))
	require.NoError(t, err)
	assert.True(t, out.Decision.Allowed)
}

// A step-up flow whose subject is known asks NCALayer for that person's
// keys (the Mapper's Hint), and document signing filters on
// emailProtection.
func TestBeginHintsKnownSubject(t *testing.T) {
	h := newHarness(t, devpki.ECDSAP256)
	b, _ := h.eng.NewBinding()
	fl, err := h.eng.Start(context.Background(), auth.StartRequest{Action: "sign-contract", Subject: "user-1", Binding: b, Client: auth.ClientInfo{Origin: origin}})
	require.NoError(t, err)
	_, data := h.begin(flow{fl.ID, b})
	assert.Equal(t, sigtest.IIN, data.NCALayer.Args.SignerParams.IIN)
	assert.Equal(t, []string{signature.OIDEmailProtection}, data.NCALayer.Args.SignerParams.ExtKeyUsageOids)
}

// The refusals of a login, each with its engine code and the precise
// signature sentinel.
func TestFinishRefuses(t *testing.T) {
	type tc struct {
		name    string
		action  string
		input   func(h *harness, f flow, doc []byte) json.RawMessage
		before  func(h *harness) // after Begin
		atStart func(h *harness) // before the flow starts
		code    string
		sig     error
	}
	cases := []tc{
		{name: "garbage", input: func(*harness, flow, []byte) json.RawMessage { return json.RawMessage(`{"cms":"garbage"}`) },
			code: "invalid_input", sig: signature.ErrMalformed},
		{name: "not JSON", input: func(*harness, flow, []byte) json.RawMessage { return json.RawMessage(`-----BEGIN CMS-----`) },
			code: "invalid_input", sig: signature.ErrMalformed},
		{name: "unknown field", input: func(*harness, flow, []byte) json.RawMessage { return json.RawMessage(`{"cms":"x","iin":"1"}`) },
			code: "invalid_input", sig: signature.ErrMalformed},
		{name: "both fields", input: func(*harness, flow, []byte) json.RawMessage { return json.RawMessage(`{"cms":"x","ncalayer":{}}`) },
			code: "invalid_input", sig: signature.ErrMalformed},
		{name: "NCALayer refusal", input: func(*harness, flow, []byte) json.RawMessage {
			return json.RawMessage(`{"ncalayer":{"status":false,"code":"USER_CANCELLED"}}`)
		}, code: "invalid_input", sig: signature.ErrMalformed},
		{name: "signature over other bytes", input: func(h *harness, _ flow, doc []byte) json.RawMessage {
			return h.answer(h.p.Individual, append(doc, ' '), devpki.CMSOptions{})
		}, code: "verification_failed", sig: signature.ErrDigestMismatch},
		{name: "expired challenge", before: func(h *harness) { h.clock.Advance(signature.DefaultChallengeTTL) },
			input: func(h *harness, _ flow, doc []byte) json.RawMessage {
				return h.answer(h.p.Individual, doc, devpki.CMSOptions{})
			},
			code: "expired", sig: signature.ErrExpired},
		{name: "expired certificate", atStart: func(h *harness) { h.clock.Set(h.p.Individual.Cert.NotAfter.Add(-time.Minute)) },
			input: func(h *harness, _ flow, doc []byte) json.RawMessage {
				h.clock.Advance(2 * time.Minute) // past the certificate, within the challenge
				return h.answer(h.p.Individual, doc, devpki.CMSOptions{})
			},
			code: "verification_failed", sig: signature.ErrCertificateExpired},
		{name: "information system", input: func(h *harness, _ flow, doc []byte) json.RawMessage {
			return h.answer(h.p.InfoSystem, doc, devpki.CMSOptions{})
		}, code: "verification_failed", sig: signature.ErrKeyUsage},
		{name: "no account", input: func(h *harness, _ flow, doc []byte) json.RawMessage {
			l, err := h.p.CA.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "Чужой", Name: "Человек", IIN: "050607500041"})
			require.NoError(h.t, err)
			return h.answer(l, doc, devpki.CMSOptions{})
		}, code: "verification_failed"},
		{name: "signed an hour early", input: func(h *harness, _ flow, doc []byte) json.RawMessage {
			return h.answer(h.p.Individual, doc, devpki.CMSOptions{SigningTime: h.clock.Now().Add(-time.Hour)})
		}, code: "verification_failed", sig: signature.ErrSigningTime},
		{name: "sign-contract by an employee", action: "sign-contract", input: func(h *harness, _ flow, doc []byte) json.RawMessage {
			return h.answer(h.p.Employee, doc, devpki.CMSOptions{})
		}, code: "signer_not_allowed", sig: ecp.ErrSignerNotAllowed},
		{name: "sign-contract with an AUTH key", action: "sign-contract", input: func(h *harness, _ flow, doc []byte) json.RawMessage {
			return h.answer(h.p.LegacyAuth, doc, devpki.CMSOptions{})
		}, code: "verification_failed", sig: signature.ErrKeyUsage},
		{name: "sign-contract by a person without organisation", action: "sign-contract", input: func(h *harness, _ flow, doc []byte) json.RawMessage {
			return h.answer(h.p.Individual, doc, devpki.CMSOptions{})
		}, code: "signer_not_allowed", sig: ecp.ErrSignerNotAllowed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, devpki.ECDSAP256)
			action := c.action
			if action == "" {
				action = "login"
			}
			if c.atStart != nil {
				c.atStart(h)
			}
			f := h.start(action)
			doc, _ := h.begin(f)
			if c.before != nil {
				c.before(h)
			}
			out, err := h.finish(f, c.input(h, f, doc))
			require.Error(t, err)
			assert.Nil(t, out)
			assert.Equal(t, c.code, auth.Code(err), "%v", err)
			if c.sig != nil {
				assert.ErrorIs(t, err, c.sig)
			}
			if c.sig == ecp.ErrSignerNotAllowed {
				// The class stays a failed verification; the Check's own
				// refusal is still there for the operator.
				assert.ErrorIs(t, err, auth.ErrVerification)
				assert.ErrorIs(t, err, signature.ErrNotAllowed)
				assert.NotEqual(t, auth.MessageForCode("internal", "kk"), auth.ClientMessage(err, "kk"), "a Kazakh message")
				assert.Contains(t, auth.ClientMessage(err, "ru"), "права")
			}
			var fe *auth.FactorError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, auth.KindECP, fe.Kind)
			// The challenge is used up by the failed answer.
			_, err = h.finish(f, h.answer(h.p.Individual, doc, devpki.CMSOptions{}))
			if c.name != "expired challenge" && c.name != "expired certificate" {
				require.ErrorIs(t, err, signature.ErrReplay)
				assert.Equal(t, "replayed", auth.Code(err))
			} else {
				require.Error(t, err)
			}
		})
	}
}

// sign-contract: a first head or a right-to-sign employee of the BIN.
func TestSignContract(t *testing.T) {
	h := newHarness(t, devpki.GOST2015)
	for _, leaf := range []*devpki.Leaf{h.p.Head, h.p.RightToSign} {
		f := h.start("sign-contract")
		doc, _ := h.begin(f)
		out, err := h.finish(f, h.answer(leaf, doc, devpki.CMSOptions{}))
		require.NoError(t, err)
		assert.True(t, out.Decision.Allowed)
	}
}

// Replay: the same answer twice, and a challenge answered in another flow.
func TestReplay(t *testing.T) {
	h := newHarness(t, devpki.ECDSAP256)
	// In a flow that needs a second factor, a repeated ECP answer meets
	// the engine's "already completed"; the factor itself refuses the
	// reused challenge.
	f := h.start("two-step")
	doc, _ := h.begin(f)
	in := h.answer(h.p.Individual, doc, devpki.CMSOptions{})
	out, err := h.finish(f, in)
	require.NoError(t, err)
	assert.False(t, out.Decision.Allowed)
	_, err = h.finish(f, in)
	require.ErrorIs(t, err, auth.ErrAlreadyCompleted)

	fl, err := h.eng.Flow(context.Background(), f.id, f.binding)
	require.NoError(t, err)
	_, err = h.factor.Finish(context.Background(), &auth.FinishRequest{Flow: fl, Input: in, Now: h.clock.Now()})
	require.ErrorIs(t, err, signature.ErrReplay)
	assert.Equal(t, "replayed", auth.Code(err))

	// A challenge of flow A answered in flow B.
	a, b := h.start("login"), h.start("login")
	docA, _ := h.begin(a)
	h.begin(b)
	_, err = h.finish(b, h.answer(h.p.Individual, docA, devpki.CMSOptions{}))
	require.ErrorIs(t, err, signature.ErrDigestMismatch)
	// … and attached, the content itself is compared.
	a2, b2 := h.start("login"), h.start("login")
	docA2, _ := h.begin(a2)
	h.begin(b2)
	_, err = h.finish(b2, h.answer(h.p.Individual, docA2, devpki.CMSOptions{Attached: true}))
	require.ErrorIs(t, err, signature.ErrContentMismatch)
}

// A second Begin replaces the first challenge.
func TestBeginReplaces(t *testing.T) {
	h := newHarness(t, devpki.ECDSAP256)
	f := h.start("two-step")
	first, _ := h.begin(f)
	second, _ := h.begin(f)
	require.NotEqual(t, first, second)
	_, err := h.finish(f, h.answer(h.p.Individual, first, devpki.CMSOptions{}))
	require.ErrorIs(t, err, signature.ErrDigestMismatch)
}

// Many goroutines racing to finish with the same valid answer: exactly one
// wins, at the engine and at the factor.
func TestConcurrentFinish(t *testing.T) {
	h := newHarness(t, devpki.ECDSAP256)
	f := h.start("login")
	doc, _ := h.begin(f)
	in := h.answer(h.p.Individual, doc, devpki.CMSOptions{})
	var wins atomic.Int64
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if out, err := h.finish(f, in); err == nil && out.Result != nil {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(1), wins.Load())

	// Directly at the factor, bypassing the engine's flow concurrency.
	f2 := h.start("login")
	doc2, _ := h.begin(f2)
	in2 := h.answer(h.p.Individual, doc2, devpki.CMSOptions{})
	fl, err := h.eng.Flow(context.Background(), f2.id, f2.binding)
	require.NoError(t, err)
	wins.Store(0)
	var replays atomic.Int64
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := h.factor.Finish(context.Background(), &auth.FinishRequest{Flow: fl.Clone(), Input: in2, Now: h.clock.Now()})
			switch {
			case err == nil && p != nil:
				wins.Add(1)
			case errors.Is(err, signature.ErrReplay):
				replays.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(1), wins.Load())
	assert.Equal(t, int64(31), replays.Load())
}

// Origins: a flow started elsewhere cannot begin; an answer from another
// origin is refused.
func TestOrigin(t *testing.T) {
	h := newHarness(t, devpki.ECDSAP256)
	b, _ := h.eng.NewBinding()
	fl, err := h.eng.Start(context.Background(), auth.StartRequest{Action: "login", Binding: b, Client: auth.ClientInfo{Origin: "https://phish.example"}})
	require.NoError(t, err)
	_, err = h.eng.Begin(context.Background(), auth.StepRequest{FlowID: fl.ID, Binding: b, Kind: auth.KindECP})
	require.ErrorIs(t, err, signature.ErrChallengeMismatch)

	f := h.start("login")
	doc, _ := h.begin(f)
	_, err = h.eng.Finish(context.Background(), auth.StepRequest{FlowID: f.id, Binding: f.binding, Kind: auth.KindECP,
		Input: h.answer(h.p.Individual, doc, devpki.CMSOptions{}), Client: auth.ClientInfo{Origin: "https://phish.example"}})
	require.ErrorIs(t, err, signature.ErrChallengeMismatch)

	// Without a configured origin, the flow's own origin is bound, and a
	// flow without one cannot begin.
	h2 := newHarness(t, devpki.ECDSAP256, func(c *ecp.Config, _ *signature.Config) { c.Origin = "" })
	b2, _ := h2.eng.NewBinding()
	fl2, err := h2.eng.Start(context.Background(), auth.StartRequest{Action: "login", Binding: b2})
	require.NoError(t, err)
	_, err = h2.eng.Begin(context.Background(), auth.StepRequest{FlowID: fl2.ID, Binding: b2, Kind: auth.KindECP})
	require.ErrorIs(t, err, signature.ErrChallengeMismatch)
	f2 := h2.start("login")
	doc2, _ := h2.begin(f2)
	ch, err := signature.ParseChallenge(doc2)
	require.NoError(t, err)
	assert.Equal(t, origin, ch.Origin)
}

// Revocation through the verifier's checker: revoked and unavailable.
func TestRevocation(t *testing.T) {
	for name, c := range map[string]struct {
		err  error
		code string
	}{
		"revoked":     {signature.ErrRevoked, "revoked"},
		"unavailable": {signature.ErrRevocationUnavailable, "unavailable"},
		"unknown":     {signature.ErrRevocationUnknown, "verification_failed"},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, devpki.ECDSAP256, func(_ *ecp.Config, v *signature.Config) {
				v.InsecureSkipRevocation = false
				v.Revocation = checker(func(cert *x509.Certificate) error {
					if cert.Subject.CommonName == "ТЕСТОВ ТЕСТ" {
						return c.err
					}
					return nil
				})
			})
			f := h.start("login")
			doc, _ := h.begin(f)
			_, err := h.finish(f, h.answer(h.p.Individual, doc, devpki.CMSOptions{}))
			require.ErrorIs(t, err, c.err)
			assert.Equal(t, c.code, auth.Code(err))
			assert.Equal(t, int64(0), h.mapper.calls.Load(), "the mapper never sees a refused signer")
		})
	}
}

type checker func(*x509.Certificate) error

func (c checker) CheckRevocation(_ context.Context, cert, _ *x509.Certificate) (signature.RevocationStatus, error) {
	if err := c(cert); err != nil {
		return signature.RevocationStatus{Status: "revoked"}, err
	}
	return signature.RevocationStatus{Status: "good"}, nil
}

// The mapper decides the subject; a step-up flow's subject must agree.
func TestMapper(t *testing.T) {
	h := newHarness(t, devpki.ECDSAP256)
	b, _ := h.eng.NewBinding()
	fl, err := h.eng.Start(context.Background(), auth.StartRequest{Action: "login", Subject: "user-2", Binding: b, Client: auth.ClientInfo{Origin: origin}})
	require.NoError(t, err)
	f := flow{fl.ID, b}
	doc, _ := h.begin(f)
	_, err = h.finish(f, h.answer(h.p.Individual, doc, devpki.CMSOptions{})) // maps to user-1
	require.ErrorIs(t, err, auth.ErrSubjectMismatch)

	// A mapper's own engine category is kept.
	h2 := newHarness(t, devpki.ECDSAP256, func(c *ecp.Config, _ *signature.Config) {
		c.Mapper = ecp.MapperFunc(func(context.Context, *ecp.MapRequest) (string, error) {
			return "", fmt.Errorf("account locked: %w", auth.ErrLocked)
		})
	})
	f2 := h2.start("login")
	doc2, _ := h2.begin(f2)
	_, err = h2.finish(f2, h2.answer(h2.p.Individual, doc2, devpki.CMSOptions{}))
	assert.Equal(t, "locked", auth.Code(err))
	// An empty subject denies.
	h3 := newHarness(t, devpki.ECDSAP256, func(c *ecp.Config, _ *signature.Config) {
		c.Mapper = ecp.MapperFunc(func(context.Context, *ecp.MapRequest) (string, error) { return "", nil })
	})
	f3 := h3.start("login")
	doc3, _ := h3.begin(f3)
	_, err = h3.finish(f3, h3.answer(h3.p.Individual, doc3, devpki.CMSOptions{}))
	assert.Equal(t, "verification_failed", auth.Code(err))
}

// AMR hwk for a key on a token, when the profile maps its storage OID.
func TestHardwareKey(t *testing.T) {
	prof := signature.NCAProfile()
	prof.KeyStorage[devpki.OIDStorageToken] = signature.KeyStorageHardware
	h := newHarness(t, devpki.ECDSAP256, func(_ *ecp.Config, v *signature.Config) { v.Profile = prof })
	f := h.start("login")
	doc, _ := h.begin(f)
	out, err := h.finish(f, h.answer(h.p.Hardware, doc, devpki.CMSOptions{}))
	require.NoError(t, err)
	assert.Equal(t, []string{"sc", "hwk"}, out.Result.AMR)
	// Unmapped storage: only sc, never a stronger claim.
	h2 := newHarness(t, devpki.ECDSAP256)
	f2 := h2.start("login")
	doc2, _ := h2.begin(f2)
	out, err = h2.finish(f2, h2.answer(h2.p.Hardware, doc2, devpki.CMSOptions{}))
	require.NoError(t, err)
	assert.Equal(t, []string{"sc"}, out.Result.AMR)
	assert.Equal(t, auth.Strong, out.Result.Evidence[0].Strength)
}

// ECP unlocks the SMS step of a two-step policy (the gate), and the result
// is strong-mfa.
func TestTwoStep(t *testing.T) {
	h := newHarness(t, devpki.ECDSAP256)
	f := h.start("two-step")
	_, err := h.eng.Begin(context.Background(), auth.StepRequest{FlowID: f.id, Binding: f.binding, Kind: auth.KindSMS})
	require.ErrorIs(t, err, auth.ErrGate, "no SMS before the strong factor")
	doc, _ := h.begin(f)
	_, err = h.finish(f, h.answer(h.p.Individual, doc, devpki.CMSOptions{}))
	require.NoError(t, err)
	_, err = h.eng.Begin(context.Background(), auth.StepRequest{FlowID: f.id, Binding: f.binding, Kind: auth.KindSMS})
	require.NoError(t, err)
	out, err := h.eng.Finish(context.Background(), auth.StepRequest{FlowID: f.id, Binding: f.binding, Kind: auth.KindSMS, Input: authtest.OK("user-1")})
	require.NoError(t, err)
	require.NotNil(t, out.Result)
	assert.Equal(t, "strong-mfa", out.Result.ACR)
}

// A store that fails denies.
func TestStoreFailure(t *testing.T) {
	h := newHarness(t, devpki.ECDSAP256)
	f := h.start("login")
	fl, err := h.eng.Flow(context.Background(), f.id, f.binding)
	require.NoError(t, err)
	bad, err := ecp.New(ecp.Config{Verifier: mustVerifier(t, h.p), Store: failingStore{}, Mapper: h.mapper, Origin: origin})
	require.NoError(t, err)
	_, err = bad.Begin(context.Background(), &auth.BeginRequest{Flow: fl, Now: h.clock.Now()})
	assert.Equal(t, "unavailable", auth.Code(err))
	_, err = bad.Finish(context.Background(), &auth.FinishRequest{Flow: fl, Input: json.RawMessage(`{"cms":"x"}`), Now: h.clock.Now()})
	assert.Equal(t, "unavailable", auth.Code(err))
}

func mustVerifier(t *testing.T, p *sigtest.PKI) *signature.Verifier {
	v, err := signature.NewVerifier(signature.Config{Roots: p.Roots(), InsecureSkipRevocation: true})
	require.NoError(t, err)
	return v
}

type failingStore struct{}

func (failingStore) Get(context.Context, string) ([]byte, uint64, error) {
	return nil, 0, store.ErrUnavailable
}
func (failingStore) Put(context.Context, string, []byte, time.Duration) (uint64, error) {
	return 0, store.ErrUnavailable
}
func (failingStore) CompareAndSwap(context.Context, string, uint64, []byte, time.Duration) (uint64, error) {
	return 0, store.ErrUnavailable
}
func (failingStore) Consume(context.Context, string) ([]byte, error) {
	return nil, store.ErrUnavailable
}
func (failingStore) Incr(context.Context, string, int64, time.Duration) (int64, error) {
	return 0, store.ErrUnavailable
}
func (failingStore) Delete(context.Context, string) error { return store.ErrUnavailable }

func TestNewValidates(t *testing.T) {
	p := pkiFor(t, devpki.ECDSAP256)
	v := mustVerifier(t, p)
	st := memory.New(memory.Config{SweepInterval: -1})
	defer st.Close()
	ok := ecp.Config{Verifier: v, Store: st, Mapper: &mapper{}}
	_, err := ecp.New(ok)
	require.NoError(t, err)
	for name, mod := range map[string]func(*ecp.Config){
		"no verifier":     func(c *ecp.Config) { c.Verifier = nil },
		"no store":        func(c *ecp.Config) { c.Store = nil },
		"no mapper":       func(c *ecp.Config) { c.Mapper = nil },
		"bad origin":      func(c *ecp.Config) { c.Origin = "portal.example.kz" },
		"origin path":     func(c *ecp.Config) { c.Origin = "https://portal.example.kz/login" },
		"plain http":      func(c *ecp.Config) { c.Origin = "http://portal.example.kz" },
		"http on a LAN":   func(c *ecp.Config) { c.Origin = "http://10.1.2.3:8080" },
		"long TTL":        func(c *ecp.Config) { c.ChallengeTTL = time.Hour },
		"bad purpose":     func(c *ecp.Config) { c.Purposes = map[string]signature.Purpose{"login": {}} },
		"nil check":       func(c *ecp.Config) { c.Checks = map[string]signature.Check{"login": nil} },
		"negative TTL":    func(c *ecp.Config) { c.ChallengeTTL = -time.Second },
		"sub-second TTL":  func(c *ecp.Config) { c.ChallengeTTL = time.Millisecond },
		"brace in prefix": func(c *ecp.Config) { c.KeyPrefix = "sa:{ecp}:" },
	} {
		c := ok
		mod(&c)
		f, err := ecp.New(c)
		require.ErrorIs(t, err, auth.ErrConfig, name)
		assert.Nil(t, f, name)
	}
}

// A verifier that allows several signers (for documents) still gives a
// login exactly one.
func TestOneSigner(t *testing.T) {
	h := newHarness(t, devpki.ECDSAP256, func(_ *ecp.Config, v *signature.Config) { v.MaxSigners = 2 })
	f := h.start("login")
	doc, _ := h.begin(f)
	_, err := h.finish(f, h.answer(h.p.Individual, doc, devpki.CMSOptions{CoSigners: []*devpki.Leaf{h.p.Head}}))
	require.ErrorIs(t, err, signature.ErrTooManySigners)
	assert.Equal(t, "verification_failed", auth.Code(err))
}
