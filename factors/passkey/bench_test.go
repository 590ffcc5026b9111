package passkey_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/signature/sigtest"
	"github.com/strongauth/strongauth/store/memory"
)

// benchBatch is how many assertions a benchmark prepares at a time, with
// the timer stopped: few enough to keep the heap (and GC noise) small.
const benchBatch = 256

// assertions prepares, for the fixed device and the fixed challenge of
// fuzzFactor (constReader), pending login ceremonies of pk and the
// assertions that answer them, with ever increasing counters.
type assertions struct {
	b     *testing.B
	pk    *passkey.Factor
	d     *device
	opts  json.RawMessage
	resps []json.RawMessage
	flows []*auth.Flow
}

func newAssertions(b *testing.B, pk *passkey.Factor, d *device) *assertions {
	a := &assertions{b: b, pk: pk, d: d, resps: make([]json.RawMessage, benchBatch), flows: make([]*auth.Flow, benchBatch)}
	for i := range a.flows {
		a.flows[i] = &auth.Flow{ID: fmt.Sprintf("%032x", i)}
	}
	return a
}

// prepare begins n ceremonies and signs their assertions.
func (a *assertions) prepare(n int) {
	rp := virtualwebauthn.RelyingParty{ID: rpID, Name: "Example", Origin: origin}
	for i := range n {
		ch, err := a.pk.Begin(context.Background(), &auth.BeginRequest{Flow: a.flows[i], Now: t0})
		if err != nil {
			a.b.Fatal(err)
		}
		a.opts = ch.Data.(json.RawMessage)
		a.d.cred.Counter++
		a.resps[i] = a.d.assert(a.b, rp, a.opts)
	}
}

// batched runs step b.N times, calling prepare (timer stopped) before each
// batch of at most benchBatch steps.
func batched(b *testing.B, prepare func(n int), step func(i int)) {
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(benchBatch, b.N-done)
		b.StopTimer()
		prepare(n)
		b.StartTimer()
		for i := range n {
			step(i)
		}
		done += n
	}
}

// library is go-webauthn configured as the factor is, with alice's fixed
// credential, for the baseline arm.
type library struct {
	wa      *webauthn.WebAuthn
	user    *benchUser
	session webauthn.SessionData
}

type benchUser struct{ cred webauthn.Credential }

func (u *benchUser) WebAuthnID() []byte                         { return []byte("alice-handle") }
func (u *benchUser) WebAuthnName() string                       { return alice }
func (u *benchUser) WebAuthnDisplayName() string                { return alice }
func (u *benchUser) WebAuthnCredentials() []webauthn.Credential { return []webauthn.Credential{u.cred} }

func newLibrary(b *testing.B, d *device) *library {
	wa, err := webauthn.New(&webauthn.Config{RPID: rpID, RPDisplayName: "Example", RPOrigins: []string{origin}})
	if err != nil {
		b.Fatal(err)
	}
	return &library{
		wa: wa,
		user: &benchUser{cred: webauthn.Credential{
			ID: d.cred.ID, PublicKey: d.cred.Key.AttestationData(), AttestationFormat: "none",
			Flags:         webauthn.NewCredentialFlags(protocol.FlagUserPresent | protocol.FlagUserVerified),
			Authenticator: webauthn.Authenticator{AAGUID: d.auth.Aaguid[:]},
		}},
		session: webauthn.SessionData{
			Challenge:        base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0x42}, 32)),
			RelyingPartyID:   rpID,
			UserVerification: protocol.VerificationRequired,
		},
	}
}

func (l *library) validate(resp []byte, parse bool, parsed *protocol.ParsedCredentialAssertionData) error {
	if parse {
		var err error
		if parsed, err = protocol.ParseCredentialRequestResponseBytes(resp); err != nil {
			return err
		}
	}
	_, err := l.wa.ValidateDiscoverableLogin(func(_, _ []byte) (webauthn.User, error) { return l.user, nil }, l.session, parsed)
	return err
}

// BenchmarkLogin compares, on the same assertions in the same run:
//   - Finish: the factor's login Finish (ceremony consumed from the store,
//     our checks, go-webauthn's validation, credential lookup and update);
//   - GoWebAuthn: go-webauthn's own parse + ValidateDiscoverableLogin, what
//     its FinishDiscoverableLogin does with a request body;
//   - GoWebAuthnValidateOnly: ValidateDiscoverableLogin on a parsed
//     assertion;
//   - ECDSAVerifyP256: one P-256 signature verification, the floor.
func BenchmarkLogin(b *testing.B) {
	b.Run("Finish", func(b *testing.B) {
		pk, _, d := fuzzFactor(b)
		a := newAssertions(b, pk, d)
		ctx := context.Background()
		batched(b, a.prepare, func(i int) {
			if _, err := pk.Finish(ctx, &auth.FinishRequest{Flow: a.flows[i], Input: a.resps[i], Now: t0}); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("GoWebAuthn", func(b *testing.B) {
		pk, _, d := fuzzFactor(b)
		a := newAssertions(b, pk, d)
		lib := newLibrary(b, d)
		batched(b, a.prepare, func(i int) {
			if err := lib.validate(a.resps[i], true, nil); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("GoWebAuthnValidateOnly", func(b *testing.B) {
		pk, _, d := fuzzFactor(b)
		a := newAssertions(b, pk, d)
		lib := newLibrary(b, d)
		parsed := make([]*protocol.ParsedCredentialAssertionData, benchBatch)
		prepare := func(n int) {
			a.prepare(n)
			for i := range n {
				var err error
				if parsed[i], err = protocol.ParseCredentialRequestResponseBytes(a.resps[i]); err != nil {
					b.Fatal(err)
				}
			}
		}
		batched(b, prepare, func(i int) {
			if err := lib.validate(nil, false, parsed[i]); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("ECDSAVerifyP256", func(b *testing.B) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		digest := sha256.Sum256([]byte("authenticator data || client data hash"))
		sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if !ecdsa.VerifyASN1(&key.PublicKey, digest[:], sig) {
				b.Fatal("verify")
			}
		}
	})
}

// loginArm returns a function that runs one login Finish of pk for the
// flow action with an assertion prepared beforehand; it prepares
// benchBatch more whenever they run out (one iteration in benchBatch, which
// the median of sigtest.Ratio does not see).
func loginArm(b *testing.B, pk *passkey.Factor, d *device, action string) func(*testing.B) {
	a := newAssertions(b, pk, d)
	for _, f := range a.flows {
		f.Action = action
	}
	next, ready := 0, 0
	ctx := context.Background()
	return func(b *testing.B) {
		if next == ready {
			a.prepare(benchBatch)
			next, ready = 0, benchBatch
		}
		if _, err := pk.Finish(ctx, &auth.FinishRequest{Flow: a.flows[next], Input: a.resps[next], Now: t0}); err != nil {
			b.Fatal(err)
		}
		next++
	}
}

// attestedFactor is fuzzFactor with the Metadata Service: alice's fixed
// credential is a proven model (packed full attestation, ModelVerified)
// certified FIDO L2, and the action "transfer" needs L2.
func attestedFactor(b *testing.B) (*passkey.Factor, *device) {
	d := fixedDevice(b)
	mds := newMDS(b)
	mds.addModel(d.auth.Aaguid, []string{"basic_full"}, nil, "FIDO_CERTIFIED_L1", "FIDO_CERTIFIED_L2")
	md, err := passkey.LoadMetadata(mds.blob(b), passkey.MetadataConfig{Root: mds.rootPEM, Now: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	st := memory.New(memory.Config{Now: func() time.Time { return t0 }, SweepInterval: -1})
	b.Cleanup(func() { _ = st.Close() })
	creds := passkey.NewMemoryCredentials()
	if err := creds.Add(context.Background(), passkey.Credential{
		ID: d.cred.ID, Subject: alice, UserHandle: []byte("alice-handle"), PublicKey: d.cred.Key.AttestationData(),
		AttestationFormat: "packed", AttestationType: "basic_full", AAGUID: d.auth.Aaguid, ModelVerified: true, CreatedAt: t0,
	}); err != nil {
		b.Fatal(err)
	}
	pk, err := passkey.New(passkey.Config{RPID: rpID, Origins: []string{origin}, Store: st, Credentials: creds,
		Attachment: passkey.AttachmentAny, Attestation: passkey.AttestationDirect, Metadata: md,
		Actions: map[string]passkey.ActionPolicy{"transfer": {Certification: passkey.CertifiedL2}},
		Now:     func() time.Time { return t0 }, Rand: constReader{}})
	if err != nil {
		b.Fatal(err)
	}
	return pk, d
}

// BenchmarkLoginRatio measures, interleaved (sigtest.Ratio: x-median is
// full/raw per iteration's median):
//   - finish-to-go-webauthn: the factor's login Finish against go-webauthn's
//     own parse + ValidateDiscoverableLogin of an assertion (the bar: at
//     most 1.1);
//   - metadata-to-plain: Finish of an MDS-attested credential for an action
//     that needs a certification level (the library's metadata status
//     check and our certification lookup) against a plain Finish.
func BenchmarkLoginRatio(b *testing.B) {
	b.Run("finish-to-go-webauthn", func(b *testing.B) {
		pk, _, d := fuzzFactor(b)
		full := loginArm(b, pk, d, "login")
		lib := newLibrary(b, d)
		one := newAssertions(b, pk, d)
		one.prepare(1)
		resp := one.resps[0]
		sigtest.Ratio(b, func(b *testing.B) {
			if err := lib.validate(resp, true, nil); err != nil {
				b.Fatal(err)
			}
		}, full)
	})
	b.Run("metadata-to-plain", func(b *testing.B) {
		pk, _, d := fuzzFactor(b)
		plain := loginArm(b, pk, d, "login")
		apk, ad := attestedFactor(b)
		attested := loginArm(b, apk, ad, "transfer")
		sigtest.Ratio(b, plain, attested)
	})
}
