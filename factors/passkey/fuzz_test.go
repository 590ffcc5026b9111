package passkey_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/descope/virtualwebauthn"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/store/memory"
)

// constReader is a deterministic "random" source: every challenge, handle
// and ceremony ID is the same, so that a seed response stays valid across
// iterations and the fuzzer can mutate it deep into verification.
type constReader struct{}

func (constReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0x42
	}
	return len(p), nil
}

const fuzzFlow = "0123456789abcdef0123456789abcdef"

// fixedDevice is a software authenticator with a fixed key and credential
// ID, so that committed seeds verify.
func fixedDevice(tb testing.TB) *device {
	tb.Helper()
	scalar := bytes.Repeat([]byte{0x17}, 32)
	key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), scalar)
	require.NoError(tb, err)
	pub, err := key.PublicKey.Bytes()
	require.NoError(tb, err)
	require.True(tb, pub[1] != 0 && pub[33] != 0, "pick a scalar whose coordinates have no leading zero")
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(tb, err)
	d := &device{
		auth: virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: []byte("alice-handle")}),
		cred: virtualwebauthn.NewCredentialWithImportedKey(virtualwebauthn.KeyTypeEC2, der),
	}
	d.auth.Aaguid = [16]byte{0xaa, 1, 2, 3}
	d.cred.ID = []byte("fixed-credential-id-for-fuzzing")
	d.cred.Counter = 1
	return d
}

// fuzzFactor returns a factor with deterministic randomness and alice's
// fixed credential registered.
func fuzzFactor(tb testing.TB) (*passkey.Factor, *fakeclock.Clock, *device) {
	tb.Helper()
	clock := fakeclock.New(t0)
	st := memory.New(memory.Config{Now: clock.Now, SweepInterval: -1})
	tb.Cleanup(func() { _ = st.Close() })
	creds := passkey.NewMemoryCredentials()
	d := fixedDevice(tb)
	require.NoError(tb, creds.Add(context.Background(), passkey.Credential{
		ID: d.cred.ID, Subject: alice, UserHandle: []byte("alice-handle"), PublicKey: d.cred.Key.AttestationData(),
		AttestationFormat: "none", CreatedAt: t0,
	}))
	pk, err := passkey.New(passkey.Config{RPID: rpID, Origins: []string{origin}, Store: st, Credentials: creds,
		Attachment: passkey.AttachmentAny, Now: clock.Now, Rand: constReader{}})
	require.NoError(tb, err)
	return pk, clock, d
}

// FuzzFinish feeds hostile assertion JSON to the login Finish. Whatever the
// input: no panic, an error means no proof, every error is classified
// (auth.Code is never "internal"), and a success proves alice strongly.
func FuzzFinish(f *testing.F) {
	pk, clock, d := fuzzFactor(f)
	ctx := context.Background()
	flow := &auth.Flow{ID: fuzzFlow}
	ch, err := pk.Begin(ctx, &auth.BeginRequest{Flow: flow, Now: clock.Now()})
	require.NoError(f, err)
	rp := virtualwebauthn.RelyingParty{ID: rpID, Name: "Example", Origin: origin}
	valid := d.assert(f, rp, ch.Data.(json.RawMessage))
	f.Add([]byte(valid))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"","signature":""}}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, input []byte) {
		if _, err := pk.Begin(ctx, &auth.BeginRequest{Flow: flow, Now: clock.Now()}); err != nil {
			t.Fatal(err)
		}
		proof, err := pk.Finish(ctx, &auth.FinishRequest{Flow: flow, Input: input, Now: clock.Now()})
		if err != nil {
			if proof != nil {
				t.Fatalf("error %v with a proof", err)
			}
			if auth.Code(err) == "internal" {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		if proof == nil || proof.Subject != alice || auth.StrengthOf(auth.KindWebAuthn, proof.AMR) != auth.Strong {
			t.Fatalf("success with a bad proof: %+v", proof)
		}
	})
}

// FuzzFinishRegistration feeds hostile attestation JSON to
// FinishRegistration, with the same properties: no panic, error ⇒ no
// credential and a classified error, success ⇒ a valid record for alice.
func FuzzFinishRegistration(f *testing.F) {
	pk, clock, _ := fuzzFactor(f)
	ctx := context.Background()
	ecp := []auth.Evidence{{Kind: auth.KindECP, Strength: auth.Strong, Subject: bob, Time: clock.Now(), AMR: []string{auth.AMRSmartCard}}}
	req := passkey.RegistrationRequest{Evidence: ecp, Subject: bob, Binding: binding}
	reg, err := pk.BeginRegistration(ctx, req)
	require.NoError(f, err)
	d := fixedDevice(f)
	d.cred.ID = []byte("another fixed credential id")
	rp := virtualwebauthn.RelyingParty{ID: rpID, Name: "Example", Origin: origin}
	f.Add([]byte(d.attest(f, rp, reg.Options)))
	f.Add([]byte(`{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}`))
	f.Add([]byte(`{"type":"public-key"}`))
	f.Fuzz(func(t *testing.T, input []byte) {
		reg, err := pk.BeginRegistration(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		cred, err := pk.FinishRegistration(ctx, reg.ID, binding, input)
		if err != nil {
			if cred != nil {
				t.Fatalf("error %v with a credential", err)
			}
			if auth.Code(err) == "internal" {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		if cred == nil || cred.Subject != bob || cred.Validate() != nil {
			t.Fatalf("success with a bad credential: %+v", cred)
		}
	})
}

// readSeed reads a committed seed of the go test fuzz v1 format.
func readSeed(t *testing.T, target, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fuzz", target, name))
	require.NoError(t, err)
	lines := strings.SplitN(string(b), "\n", 3)
	require.Equal(t, "go test fuzz v1", lines[0])
	q := strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")")
	s, err := strconv.Unquote(q)
	require.NoError(t, err)
	return []byte(s)
}

// TestFuzzSeedsStayValid: the committed "valid" seeds still verify, so the
// fuzzers start from inputs that reach the signature checks.
func TestFuzzSeedsStayValid(t *testing.T) {
	pk, clock, _ := fuzzFactor(t)
	ctx := context.Background()
	flow := &auth.Flow{ID: fuzzFlow}
	_, err := pk.Begin(ctx, &auth.BeginRequest{Flow: flow, Now: clock.Now()})
	require.NoError(t, err)
	proof, err := pk.Finish(ctx, &auth.FinishRequest{Flow: flow, Input: readSeed(t, "FuzzFinish", "valid"), Now: clock.Now()})
	require.NoError(t, err)
	require.Equal(t, alice, proof.Subject)

	_, err = pk.Begin(ctx, &auth.BeginRequest{Flow: flow, Now: clock.Now()})
	require.NoError(t, err)
	_, err = pk.Finish(ctx, &auth.FinishRequest{Flow: flow, Input: readSeed(t, "FuzzFinish", "no-uv"), Now: clock.Now()})
	require.ErrorIs(t, err, passkey.ErrUserNotVerified)

	ecp := []auth.Evidence{{Kind: auth.KindECP, Strength: auth.Strong, Subject: bob, Time: clock.Now(), AMR: []string{auth.AMRSmartCard}}}
	reg, err := pk.BeginRegistration(ctx, passkey.RegistrationRequest{Evidence: ecp, Subject: bob, Binding: binding})
	require.NoError(t, err)
	cred, err := pk.FinishRegistration(ctx, reg.ID, binding, readSeed(t, "FuzzFinishRegistration", "valid"))
	require.NoError(t, err)
	require.Equal(t, bob, cred.Subject)
}
