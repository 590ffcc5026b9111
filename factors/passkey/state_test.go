package passkey

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/store/memory"
)

func TestStateRoundTrip(t *testing.T) {
	c := &ceremony{Kind: ceremonyLogin, Flow: "f", Challenge: bytes.Repeat([]byte{7}, challengeLen), Subject: "s",
		Allowed: [][]byte{{1}, {2, 3}}, Expires: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	b, err := encodeState(c)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"v":1`)
	got, err := decodeState(b)
	require.NoError(t, err)
	assert.Equal(t, c, got)
	assert.True(t, got.allows([]byte{2, 3}))
	assert.False(t, got.allows([]byte{2}))
}

// TestStateVersions: a blob of another version or shape — say, written by a
// release that stored go-webauthn's SessionData — is refused cleanly.
func TestStateVersions(t *testing.T) {
	good := func(mut func(m map[string]any)) []byte {
		m := map[string]any{"v": 1, "kind": "login", "flow": "f", "challenge": bytes.Repeat([]byte{1}, challengeLen),
			"exp": "2026-01-01T00:00:00Z"}
		mut(m)
		b, err := json.Marshal(m)
		require.NoError(t, err)
		return b
	}
	_, err := decodeState(good(func(map[string]any) {}))
	require.NoError(t, err)
	for name, blob := range map[string][]byte{
		"version 2":        good(func(m map[string]any) { m["v"] = 2 }),
		"version 0":        good(func(m map[string]any) { delete(m, "v") }),
		"version string":   good(func(m map[string]any) { m["v"] = "1" }),
		"unknown field":    good(func(m map[string]any) { m["rpId"] = "x" }),
		"unknown kind":     good(func(m map[string]any) { m["kind"] = "sign" }),
		"short challenge":  good(func(m map[string]any) { m["challenge"] = []byte{1, 2} }),
		"no expiry":        good(func(m map[string]any) { delete(m, "exp") }),
		"login of no flow": good(func(m map[string]any) { delete(m, "flow") }),
		"register no bind": good(func(m map[string]any) {
			m["kind"] = "register"
			delete(m, "flow")
			m["subject"] = "s"
			m["handle"] = []byte{1}
		}),
		"go-webauthn blob": []byte(`{"challenge":"abc","user_id":null,"expires":"0001-01-01T00:00:00Z","userVerification":"required"}`),
		"not JSON":         []byte("\x82\xa1c\xa0"),
		"empty":            nil,
		"trailing data":    append(good(func(map[string]any) {}), []byte(`{}`)...),
	} {
		got, err := decodeState(blob)
		require.ErrorIs(t, err, ErrStateVersion, name)
		assert.Nil(t, got, name)
	}
}

// TestFinishRefusesUnknownStateVersion: through Finish, a stored blob of an
// unknown version is a typed refusal (code "expired": begin again), not a
// misread and not a panic.
func TestFinishRefusesUnknownStateVersion(t *testing.T) {
	st := memory.New(memory.Config{SweepInterval: -1})
	defer st.Close()
	f, err := New(Config{RPID: "example.kz", Origins: []string{"https://example.kz"}, Store: st, Credentials: NewMemoryCredentials()})
	require.NoError(t, err)
	ctx := context.Background()
	flow := &auth.Flow{ID: "0123456789abcdef0123456789abcdef"}
	_, err = st.Put(ctx, f.loginKey(flow.ID), []byte(`{"v":99,"kind":"login"}`), time.Minute)
	require.NoError(t, err)
	_, err = f.Finish(ctx, &auth.FinishRequest{Flow: flow, Input: json.RawMessage(`{}`), Now: time.Now()})
	require.ErrorIs(t, err, ErrStateVersion)
	require.ErrorIs(t, err, auth.ErrExpired)
	var e *Error
	require.True(t, errors.As(err, &e))
	_, _, err = st.Get(ctx, f.loginKey(flow.ID))
	require.Error(t, err, "the unreadable state was consumed")

	// A registration ceremony's state under a login key is not a login.
	_, err = st.Put(ctx, f.loginKey(flow.ID), mustState(t, &ceremony{Kind: ceremonyRegister, Challenge: make([]byte, challengeLen),
		Binding: auth.BindingHash("b"), Subject: "s", UserHandle: []byte("h"), Expires: time.Now().Add(time.Minute)}), time.Minute)
	require.NoError(t, err)
	_, err = f.Finish(ctx, &auth.FinishRequest{Flow: flow, Input: json.RawMessage(`{}`), Now: time.Now()})
	require.ErrorIs(t, err, ErrNoCeremony)
}

func mustState(t *testing.T, c *ceremony) []byte {
	b, err := encodeState(c)
	require.NoError(t, err)
	return b
}

func TestClassOf(t *testing.T) {
	for sentinel, class := range map[error]error{
		ErrMalformed: auth.ErrInvalidInput, ErrNoCeremony: auth.ErrReplay, ErrCeremonyExpired: auth.ErrExpired,
		ErrStateVersion: auth.ErrExpired, ErrBinding: auth.ErrBinding, ErrEnrolmentGate: auth.ErrGate,
		ErrNoCredentials: auth.ErrGate, ErrUnavailable: auth.ErrUnavailable, ErrSignature: auth.ErrVerification,
		ErrUserNotVerified: auth.ErrVerification, ErrCounterRegression: auth.ErrVerification,
	} {
		err := fail("op", sentinel, "detail")
		assert.ErrorIs(t, err, sentinel)
		assert.ErrorIs(t, err, class)
		assert.NotContains(t, err.Error(), "detail", "Detail is for operators, not in Error()")
	}
}

// FuzzDecodeState: stored state is read back only if it is exactly our
// format; what is read round-trips.
func FuzzDecodeState(f *testing.F) {
	f.Add(mustStateF(f, &ceremony{Kind: ceremonyLogin, Flow: "f", Challenge: bytes.Repeat([]byte{1}, challengeLen),
		Allowed: [][]byte{{1}}, Expires: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}))
	f.Add(mustStateF(f, &ceremony{Kind: ceremonyRegister, Binding: bytes.Repeat([]byte{3}, 32), Challenge: bytes.Repeat([]byte{2}, challengeLen),
		Subject: "s", UserHandle: []byte("h"), Algs: []int64{-7, -257}, Expires: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}))
	f.Add([]byte(`{"v":2}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodeState(b)
		if err != nil {
			if c != nil {
				t.Fatal("error with a result")
			}
			if !errors.Is(err, ErrStateVersion) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		again, err := encodeState(c)
		if err != nil {
			t.Fatal(err)
		}
		c2, err := decodeState(again)
		if err != nil {
			t.Fatalf("re-encoded state does not decode: %v", err)
		}
		if !c.Expires.Equal(c2.Expires) {
			t.Fatal("expiry changed in a round trip")
		}
		c2.Expires = c.Expires
		if !assert.ObjectsAreEqual(c, c2) {
			t.Fatalf("round trip changed the state:\n%+v\n%+v", c, c2)
		}
	})
}

func mustStateF(f *testing.F, c *ceremony) []byte {
	b, err := encodeState(c)
	if err != nil {
		f.Fatal(err)
	}
	return b
}
