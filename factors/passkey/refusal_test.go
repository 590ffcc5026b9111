package passkey_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/descope/virtualwebauthn"
	"github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/passkey"
)

// edit decodes a credential JSON, lets fn change it and encodes it again.
func edit(t testing.TB, raw json.RawMessage, fn func(m map[string]any)) json.RawMessage {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	fn(m)
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

func response(m map[string]any) map[string]any { return m["response"].(map[string]any) }

// editClientData rewrites one field of the response's clientDataJSON.
func editClientData(t testing.TB, raw json.RawMessage, key string, value any) json.RawMessage {
	return edit(t, raw, func(m map[string]any) {
		rewriteClientData(t, response(m), func(c map[string]any) { c[key] = value })
	})
}

// rewriteClientData lets fn change the clientDataJSON of a response
// object and returns the new clientDataJSON bytes.
func rewriteClientData(t testing.TB, r map[string]any, fn func(c map[string]any)) []byte {
	cd, err := base64.RawURLEncoding.DecodeString(r["clientDataJSON"].(string))
	require.NoError(t, err)
	var c map[string]any
	require.NoError(t, json.Unmarshal(cd, &c))
	fn(c)
	cd, err = json.Marshal(c)
	require.NoError(t, err)
	r["clientDataJSON"] = base64.RawURLEncoding.EncodeToString(cd)
	return cd
}

// TestLoginRefusals is the refusal table of the login ceremony, with a
// software authenticator: every tampered assertion is refused with its own
// typed error, and nothing is recorded as evidence.
func TestLoginRefusals(t *testing.T) {
	type answer func(t *testing.T, e *env, d *device, opts json.RawMessage) json.RawMessage
	honest := func(t *testing.T, e *env, d *device, opts json.RawMessage) json.RawMessage {
		return d.assert(t, e.rp, opts)
	}
	withRP := func(mut func(*virtualwebauthn.RelyingParty)) answer {
		return func(t *testing.T, e *env, d *device, opts json.RawMessage) json.RawMessage {
			rp := e.rp
			mut(&rp)
			return d.assert(t, rp, opts)
		}
	}
	withDevice := func(mut func(*device)) answer {
		return func(t *testing.T, e *env, d *device, opts json.RawMessage) json.RawMessage {
			c := *d
			mut(&c)
			return c.assert(t, e.rp, opts)
		}
	}
	then := func(a answer, fn func(t *testing.T, raw json.RawMessage) json.RawMessage) answer {
		return func(t *testing.T, e *env, d *device, opts json.RawMessage) json.RawMessage {
			return fn(t, a(t, e, d, opts))
		}
	}
	cases := []struct {
		name    string
		subject string // the flow's subject ("" for discoverable)
		answer  answer
		want    error
		class   error
	}{
		{"wrong challenge", "", func(t *testing.T, e *env, d *device, opts json.RawMessage) json.RawMessage {
			o, err := virtualwebauthn.ParseAssertionOptions(string(opts))
			require.NoError(t, err)
			o.Challenge = slices.Clone(o.Challenge)
			o.Challenge[5] ^= 0x40
			return json.RawMessage(virtualwebauthn.CreateAssertionResponse(e.rp, d.auth, d.cred, *o))
		}, passkey.ErrChallenge, auth.ErrVerification},
		{"challenge not base64url", "", then(honest, func(t *testing.T, raw json.RawMessage) json.RawMessage {
			return editClientData(t, raw, "challenge", "!!not base64!!")
		}), passkey.ErrChallenge, auth.ErrVerification},
		{"wrong RP ID hash", "", withRP(func(rp *virtualwebauthn.RelyingParty) { rp.ID = "evil.kz" }), passkey.ErrRPID, auth.ErrVerification},
		{"wrong origin", "", withRP(func(rp *virtualwebauthn.RelyingParty) { rp.Origin = "https://evil.example.kz" }), passkey.ErrOrigin, auth.ErrVerification},
		{"origin with explicit port", "", withRP(func(rp *virtualwebauthn.RelyingParty) { rp.Origin = origin + ":443" }), passkey.ErrOrigin, auth.ErrVerification},
		{"origin in capitals", "", withRP(func(rp *virtualwebauthn.RelyingParty) { rp.Origin = strings.ToUpper(origin) }), passkey.ErrOrigin, auth.ErrVerification},
		{"plain http origin", "", withRP(func(rp *virtualwebauthn.RelyingParty) { rp.Origin = "http://login.example.kz" }), passkey.ErrOrigin, auth.ErrVerification},
		{"cross-origin frame", "", then(honest, func(t *testing.T, raw json.RawMessage) json.RawMessage {
			return editClientData(t, raw, "crossOrigin", true)
		}), passkey.ErrOrigin, auth.ErrVerification},
		{"registration client data", "", then(honest, func(t *testing.T, raw json.RawMessage) json.RawMessage {
			return editClientData(t, raw, "type", "webauthn.create")
		}), passkey.ErrCeremonyType, auth.ErrVerification},
		{"bad signature (another key)", "", withDevice(func(d *device) {
			d.cred.Key = newCredential().Key
		}), passkey.ErrSignature, auth.ErrVerification},
		{"bad signature (tampered client data)", "", then(honest, func(t *testing.T, raw json.RawMessage) json.RawMessage {
			return editClientData(t, raw, "extra", "x")
		}), passkey.ErrSignature, auth.ErrVerification},
		{"user not verified", "", withDevice(func(d *device) { d.auth.Options.UserNotVerified = true }), passkey.ErrUserNotVerified, auth.ErrVerification},
		{"user not present", "", withDevice(func(d *device) { d.auth.Options.UserNotPresent = true }), passkey.ErrUserNotPresent, auth.ErrVerification},
		{"backup state without eligibility", "", withDevice(func(d *device) { d.auth.Options.BackupState = true }), passkey.ErrVerification, auth.ErrVerification},
		{"backup eligibility changed", "", withDevice(func(d *device) { d.auth.Options.BackupEligible = true }), passkey.ErrBackupChanged, auth.ErrNotAllowed},
		{"unknown credential", "", withDevice(func(d *device) {
			d.cred = newCredential()
		}), passkey.ErrUnknownCredential, auth.ErrVerification},
		{"another subject's credential", bob, honest, passkey.ErrUnknownCredential, auth.ErrVerification},
		{"user handle of another account", "", withDevice(func(d *device) { d.auth.Options.UserHandle = []byte("someone else") }),
			passkey.ErrUnknownCredential, auth.ErrVerification},
		{"discoverable without user handle", "", withDevice(func(d *device) { d.auth.Options.UserHandle = nil }),
			passkey.ErrUnknownCredential, auth.ErrVerification},
		{"malformed: not JSON", "", func(*testing.T, *env, *device, json.RawMessage) json.RawMessage {
			return json.RawMessage(`{"id":`)
		}, passkey.ErrMalformed, auth.ErrInvalidInput},
		{"malformed: empty", "", func(*testing.T, *env, *device, json.RawMessage) json.RawMessage { return nil }, passkey.ErrMalformed, auth.ErrInvalidInput},
		{"malformed: null", "", func(*testing.T, *env, *device, json.RawMessage) json.RawMessage { return json.RawMessage(`null`) }, passkey.ErrMalformed, auth.ErrInvalidInput},
		{"malformed: trailing data", "", then(honest, func(_ *testing.T, raw json.RawMessage) json.RawMessage {
			return append(slices.Clone(raw), []byte(` {}`)...)
		}), passkey.ErrMalformed, auth.ErrInvalidInput},
		{"malformed: too large", "", then(honest, func(t *testing.T, raw json.RawMessage) json.RawMessage {
			return edit(t, raw, func(m map[string]any) { m["pad"] = strings.Repeat("a", passkey.MaxResponseSize) })
		}), passkey.ErrMalformed, auth.ErrInvalidInput},
		{"malformed: id and rawId differ", "", then(honest, func(t *testing.T, raw json.RawMessage) json.RawMessage {
			return edit(t, raw, func(m map[string]any) { m["id"] = "AAAA" })
		}), passkey.ErrMalformed, auth.ErrInvalidInput},
		{"malformed: authenticator data truncated", "", then(honest, func(t *testing.T, raw json.RawMessage) json.RawMessage {
			return edit(t, raw, func(m map[string]any) {
				r := response(m)
				r["authenticatorData"] = r["authenticatorData"].(string)[:20]
			})
		}), passkey.ErrMalformed, auth.ErrInvalidInput},
		{"malformed: client data not JSON", "", then(honest, func(t *testing.T, raw json.RawMessage) json.RawMessage {
			return edit(t, raw, func(m map[string]any) {
				response(m)["clientDataJSON"] = base64.RawURLEncoding.EncodeToString([]byte("not json"))
			})
		}), passkey.ErrMalformed, auth.ErrInvalidInput},
		{"malformed: signature not base64url", "", then(honest, func(t *testing.T, raw json.RawMessage) json.RawMessage {
			return edit(t, raw, func(m map[string]any) { response(m)["signature"] = "***" })
		}), passkey.ErrMalformed, auth.ErrInvalidInput},
		{"malformed: wrong type", "", then(honest, func(t *testing.T, raw json.RawMessage) json.RawMessage {
			return edit(t, raw, func(m map[string]any) { m["type"] = "password" })
		}), passkey.ErrMalformed, auth.ErrInvalidInput},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			d, cred := e.enrol(alice, virtualwebauthn.AuthenticatorOptions{})
			e.enrol(bob, virtualwebauthn.AuthenticatorOptions{})
			d.cred.Counter = 1
			flow, opts := e.loginFlow(c.subject)
			out, err := e.finish(flow, c.answer(t, e, d, opts))
			require.ErrorIs(t, err, c.want)
			require.ErrorIs(t, err, c.class)
			assert.Nil(t, out)
			f, ferr := e.eng.Flow(context.Background(), flow, binding)
			require.NoError(t, ferr)
			assert.Empty(t, f.Evidence, "a refusal adds no evidence")
			got, ferr := e.creds.Find(context.Background(), cred.ID)
			require.NoError(t, ferr)
			assert.Zero(t, got.SignCount, "a refusal records no use")
			// The ceremony was consumed: the honest answer is now a replay.
			_, err = e.finish(flow, d.assert(t, e.rp, opts))
			require.ErrorIs(t, err, passkey.ErrNoCeremony)
		})
	}
}

// TestCounterRegression: a counter that does not increase denies and raises
// an audit event; the stored counter stays.
func TestCounterRegression(t *testing.T) {
	e := newEnv(t)
	d, cred := e.enrol(alice, virtualwebauthn.AuthenticatorOptions{})
	login := func(counter uint32) error {
		d.cred.Counter = counter
		flow, opts := e.loginFlow("")
		_, err := e.finish(flow, d.assert(t, e.rp, opts))
		return err
	}
	require.NoError(t, login(5))
	for _, c := range []uint32{5, 4, 0} {
		err := login(c)
		require.ErrorIs(t, err, passkey.ErrCounterRegression, "counter %d after 5", c)
		require.ErrorIs(t, err, auth.ErrVerification)
	}
	events := e.audit.Of(passkey.EventCounterRegression)
	require.Len(t, events, 3)
	assert.Equal(t, alice, events[0].Subject)
	assert.Equal(t, cred.Ref(), events[0].Attrs["credential"])
	assert.Equal(t, "5", events[0].Attrs["stored_count"])
	assert.Equal(t, "4", events[1].Attrs["reported_count"])
	got, err := e.creds.Find(context.Background(), cred.ID)
	require.NoError(t, err)
	assert.Equal(t, uint32(5), got.SignCount)

	// A forged assertion (another key) with a low counter is a bad
	// signature, not a clone alarm about alice's credential.
	forger := *d
	forger.cred.Key = newCredential().Key
	forger.cred.Counter = 1
	flow, opts := e.loginFlow("")
	_, err = e.finish(flow, forger.assert(t, e.rp, opts))
	require.ErrorIs(t, err, passkey.ErrSignature)
	assert.Len(t, e.audit.Of(passkey.EventCounterRegression), 3)

	require.NoError(t, login(6))

	// An authenticator without a counter (always 0) is fine.
	d0, _ := e.enrol(bob, virtualwebauthn.AuthenticatorOptions{})
	for range 3 {
		flow, opts := e.loginFlow(bob)
		_, err := e.finish(flow, d0.assert(t, e.rp, opts))
		require.NoError(t, err)
	}
}

// TestReplayedAssertion: an assertion is accepted once; in its own flow
// again it is a replay, in a new ceremony a challenge mismatch.
func TestReplayedAssertion(t *testing.T) {
	e := newEnv(t)
	d, _ := e.enrol(alice, virtualwebauthn.AuthenticatorOptions{})
	flow, opts := e.loginFlow("")
	resp := d.assert(t, e.rp, opts)
	_, err := e.finish(flow, resp)
	require.NoError(t, err)
	_, err = e.pk.Finish(context.Background(), &auth.FinishRequest{Flow: &auth.Flow{ID: flow}, Input: resp, Now: e.clock.Now()})
	require.ErrorIs(t, err, passkey.ErrNoCeremony)
	assert.Equal(t, "replayed", auth.Code(err))
	flow2, _ := e.loginFlow("")
	_, err = e.finish(flow2, resp)
	require.ErrorIs(t, err, passkey.ErrChallenge)
}

func TestRegistrationRefusals(t *testing.T) {
	type answer func(t *testing.T, e *env, d *device, opts json.RawMessage) json.RawMessage
	honest := func(t *testing.T, e *env, d *device, opts json.RawMessage) json.RawMessage {
		return d.attest(t, e.rp, opts)
	}
	then := func(fn func(t *testing.T, raw json.RawMessage) json.RawMessage) answer {
		return func(t *testing.T, e *env, d *device, opts json.RawMessage) json.RawMessage {
			return fn(t, honest(t, e, d, opts))
		}
	}
	withRP := func(mut func(*virtualwebauthn.RelyingParty)) answer {
		return func(t *testing.T, e *env, d *device, opts json.RawMessage) json.RawMessage {
			rp := e.rp
			mut(&rp)
			return d.attest(t, rp, opts)
		}
	}
	// editAttestation rewrites the CBOR attestation object.
	editAttestation := func(fn func(obj map[string]any)) answer {
		return then(func(t *testing.T, raw json.RawMessage) json.RawMessage {
			return edit(t, raw, func(m map[string]any) {
				r := response(m)
				b, err := base64.RawURLEncoding.DecodeString(r["attestationObject"].(string))
				require.NoError(t, err)
				var obj map[string]any
				require.NoError(t, cbor.Unmarshal(b, &obj))
				fn(obj)
				b, err = cbor.Marshal(obj)
				require.NoError(t, err)
				r["attestationObject"] = base64.RawURLEncoding.EncodeToString(b)
			})
		})
	}
	cases := []struct {
		name   string
		cfg    func(*passkey.Config)
		opts   virtualwebauthn.AuthenticatorOptions
		answer answer
		want   error
	}{
		{"wrong challenge", nil, virtualwebauthn.AuthenticatorOptions{}, func(t *testing.T, e *env, d *device, opts json.RawMessage) json.RawMessage {
			o, err := virtualwebauthn.ParseAttestationOptions(string(opts))
			require.NoError(t, err)
			o.Challenge = slices.Clone(o.Challenge)
			o.Challenge[0] ^= 1
			return json.RawMessage(virtualwebauthn.CreateAttestationResponse(e.rp, d.auth, d.cred, *o))
		}, passkey.ErrChallenge},
		{"wrong origin", nil, virtualwebauthn.AuthenticatorOptions{}, withRP(func(rp *virtualwebauthn.RelyingParty) { rp.Origin = "https://example.com" }), passkey.ErrOrigin},
		{"wrong RP ID hash", nil, virtualwebauthn.AuthenticatorOptions{}, withRP(func(rp *virtualwebauthn.RelyingParty) { rp.ID = "example.com" }), passkey.ErrRPID},
		{"login client data", nil, virtualwebauthn.AuthenticatorOptions{}, then(func(t *testing.T, raw json.RawMessage) json.RawMessage {
			return editClientData(t, raw, "type", "webauthn.get")
		}), passkey.ErrCeremonyType},
		{"user not verified", nil, virtualwebauthn.AuthenticatorOptions{UserNotVerified: true}, honest, passkey.ErrUserNotVerified},
		{"bad attestation signature", nil, virtualwebauthn.AuthenticatorOptions{}, editAttestation(func(obj map[string]any) {
			st := obj["attStmt"].(map[any]any)
			sig := slices.Clone(st["sig"].([]byte))
			sig[len(sig)-1] ^= 1
			st["sig"] = sig
		}), passkey.ErrAttestation},
		{"unknown attestation format", nil, virtualwebauthn.AuthenticatorOptions{}, editAttestation(func(obj map[string]any) {
			obj["fmt"] = "made-up"
		}), passkey.ErrAttestation},
		{"malformed CBOR", nil, virtualwebauthn.AuthenticatorOptions{}, then(func(t *testing.T, raw json.RawMessage) json.RawMessage {
			return edit(t, raw, func(m map[string]any) {
				response(m)["attestationObject"] = base64.RawURLEncoding.EncodeToString([]byte{0xa3, 0x63, 'f', 'm', 't', 0xff})
			})
		}), passkey.ErrMalformed},
		{"malformed JSON", nil, virtualwebauthn.AuthenticatorOptions{}, func(*testing.T, *env, *device, json.RawMessage) json.RawMessage {
			return json.RawMessage(`{"id":"AA","rawId":"AA","type":"public-key","response":{}}`)
		}, passkey.ErrMalformed},
		{"cross-platform when platform is required", func(c *passkey.Config) { c.Attachment = passkey.AttachmentPlatform },
			virtualwebauthn.AuthenticatorOptions{}, then(func(t *testing.T, raw json.RawMessage) json.RawMessage {
				return edit(t, raw, func(m map[string]any) { m["authenticatorAttachment"] = "cross-platform" })
			}), passkey.ErrAttachment},
		{"platform when cross-platform is required", func(c *passkey.Config) { c.Attachment = passkey.AttachmentCrossPlatform },
			virtualwebauthn.AuthenticatorOptions{}, then(func(t *testing.T, raw json.RawMessage) json.RawMessage {
				return edit(t, raw, func(m map[string]any) { m["authenticatorAttachment"] = "platform" })
			}), passkey.ErrAttachment},
		{"AAGUID not allowed", func(c *passkey.Config) { c.AllowedAAGUIDs = []string{"01020304-0506-0708-090a-0b0c0d0e0f10"} },
			virtualwebauthn.AuthenticatorOptions{}, honest, passkey.ErrAAGUID},
		{"zero AAGUID with an allow-list", func(c *passkey.Config) { c.AllowedAAGUIDs = []string{"01020304-0506-0708-090a-0b0c0d0e0f10"} },
			virtualwebauthn.AuthenticatorOptions{}, func(t *testing.T, e *env, d *device, opts json.RawMessage) json.RawMessage {
				d.auth.Aaguid = [16]byte{}
				return d.attest(t, e.rp, opts)
			}, passkey.ErrAAGUID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var muts []func(*passkey.Config)
			if c.cfg != nil {
				muts = append(muts, c.cfg)
			}
			e := newEnv(t, muts...)
			d := newDevice(c.opts)
			reg, err := e.pk.BeginRegistration(context.Background(), passkey.RegistrationRequest{Result: e.ecpResult(alice), Binding: binding})
			require.NoError(t, err)
			cred, err := e.pk.FinishRegistration(context.Background(), reg.ID, binding, c.answer(t, e, d, reg.Options))
			require.ErrorIs(t, err, c.want)
			assert.Nil(t, cred)
			list, lerr := e.creds.List(context.Background(), alice)
			require.NoError(t, lerr)
			assert.Empty(t, list, "a refused registration stores nothing")
			assert.Len(t, e.audit.Of(passkey.EventRegistrationRefused), 1)
		})
	}
}

func TestAllowedAAGUID(t *testing.T) {
	aaguid := [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	e := newEnv(t, func(c *passkey.Config) { c.AllowedAAGUIDs = []string{passkey.AAGUIDString(aaguid)} })
	d := newDevice(virtualwebauthn.AuthenticatorOptions{})
	d.auth.Aaguid = aaguid
	cred, err := e.enrolDevice(alice, d)
	require.NoError(t, err)
	assert.Equal(t, aaguid, cred.AAGUID)
	assert.Equal(t, "packed", cred.AttestationFormat)
}
