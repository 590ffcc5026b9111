package passkey_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/store/storetest"
)

func TestEnrolThenLogin(t *testing.T) {
	e := newEnv(t)
	d, cred := e.enrol(alice, virtualwebauthn.AuthenticatorOptions{})
	assert.Equal(t, alice, cred.Subject)
	assert.Len(t, cred.UserHandle, 32, "a random 32-byte user handle")
	assert.Equal(t, t0, cred.CreatedAt)
	assert.False(t, cred.BackupEligible)
	stored, err := e.creds.Find(context.Background(), cred.ID)
	require.NoError(t, err)
	assert.Equal(t, cred, stored)
	require.Len(t, e.audit.Of(passkey.EventRegistered), 1)
	assert.Regexp(t, `^[0-9a-f]{16,}$`, e.audit.Of(passkey.EventRegistered)[0].Flow,
		"the event names the flow whose result allowed the enrolment")

	for _, subject := range []string{"", alice} { // discoverable, then allow-list
		t.Run("subject="+subject, func(t *testing.T) {
			d.cred.Counter++
			flow, opts := e.loginFlow(subject)
			var o struct {
				PublicKey struct {
					RPID             string `json:"rpId"`
					UserVerification string `json:"userVerification"`
					Allow            []struct {
						ID string `json:"id"`
					} `json:"allowCredentials"`
					Timeout int `json:"timeout"`
				} `json:"publicKey"`
			}
			require.NoError(t, json.Unmarshal(opts, &o))
			assert.Equal(t, rpID, o.PublicKey.RPID)
			assert.Equal(t, "required", o.PublicKey.UserVerification)
			assert.Equal(t, int(passkey.DefaultTimeout/time.Millisecond), o.PublicKey.Timeout)
			if subject == "" {
				assert.Empty(t, o.PublicKey.Allow, "a discoverable login lists no credentials")
			} else {
				assert.Len(t, o.PublicKey.Allow, 1)
			}
			out, err := e.finish(flow, d.assert(t, e.rp, opts))
			require.NoError(t, err)
			require.NotNil(t, out.Result)
			assert.Equal(t, alice, out.Result.Subject)
			assert.ElementsMatch(t, []string{auth.AMRHardware, auth.AMRUser}, out.Result.AMR)
			ev := out.Result.Evidence[0]
			assert.Equal(t, auth.Strong, ev.Strength)
			assert.Equal(t, map[string]string{
				"credential": cred.Ref(), "aaguid": passkey.AAGUIDString(d.auth.Aaguid), "uv": "true",
				"backup_eligible": "false", "backup_state": "false", "device_bound": "true", "model_verified": "false",
			}, ev.Attributes)
			assert.NotContains(t, out.Result.AMR, "face")
			got, err := e.creds.Find(context.Background(), cred.ID)
			require.NoError(t, err)
			assert.Equal(t, d.cred.Counter, got.SignCount)
			assert.Equal(t, t0, got.LastUsedAt)
		})
	}
}

func TestSyncedPasskeyIsSoftwareKey(t *testing.T) {
	e := newEnv(t)
	d, cred := e.enrol(alice, virtualwebauthn.AuthenticatorOptions{BackupEligible: true, BackupState: true})
	assert.True(t, cred.BackupEligible)
	assert.True(t, cred.BackupState)
	flow, opts := e.loginFlow("")
	out, err := e.finish(flow, d.assert(t, e.rp, opts))
	require.NoError(t, err)
	require.NotNil(t, out.Result)
	assert.ElementsMatch(t, []string{auth.AMRSoftware, auth.AMRUser}, out.Result.AMR)
	assert.Equal(t, "true", out.Result.Evidence[0].Attributes["backup_state"])
	assert.Equal(t, auth.Strong, out.Result.Evidence[0].Strength)
}

// TestEnrolmentGate: enrolment needs fresh strong evidence for the same
// subject. After SMS alone it is refused — the scam the rule exists for.
func TestEnrolmentGate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ecp := e.ecpResult(alice)
	forged := smsOnly(alice, t0)
	forged.Evidence[0].Strength = auth.Strong // labelled strong by hand: still SMS
	cases := []struct {
		name string
		req  passkey.RegistrationRequest
	}{
		{"sms only", passkey.RegistrationRequest{Result: smsOnly(alice, t0), Binding: binding}},
		{"sms labelled strong", passkey.RegistrationRequest{Result: forged, Binding: binding}},
		{"no evidence", passkey.RegistrationRequest{Subject: alice, Binding: binding}},
		{"another subject's ECP", passkey.RegistrationRequest{Evidence: ecp.Evidence, Subject: bob, Binding: binding}},
		{"subject disagrees with result", passkey.RegistrationRequest{Result: ecp, Subject: bob, Binding: binding}},
		{"no subject", passkey.RegistrationRequest{Evidence: ecp.Evidence, Binding: binding}},
	}
	before := e.store.Len()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reg, err := e.pk.BeginRegistration(ctx, c.req)
			require.ErrorIs(t, err, passkey.ErrEnrolmentGate)
			require.ErrorIs(t, err, auth.ErrGate)
			assert.Equal(t, "factor_not_allowed", auth.Code(err))
			assert.Nil(t, reg)
		})
	}
	assert.Len(t, e.audit.Of(passkey.EventRegistrationRefused), len(cases))
	assert.Equal(t, before, e.store.Len(), "a refused enrolment stores no ceremony")

	// Fresh ECP opens it, as evidence or as a result; 5 minutes later not.
	_, err := e.pk.BeginRegistration(ctx, passkey.RegistrationRequest{Evidence: ecp.Evidence, Subject: alice, Binding: binding})
	require.NoError(t, err)
	e.clock.Advance(passkey.MaxEnrolmentWindow)
	_, err = e.pk.BeginRegistration(ctx, passkey.RegistrationRequest{Result: ecp, Binding: binding})
	require.NoError(t, err, "exactly 5 minutes old is still fresh")
	e.clock.Advance(time.Second)
	_, err = e.pk.BeginRegistration(ctx, passkey.RegistrationRequest{Result: ecp, Binding: binding})
	require.ErrorIs(t, err, passkey.ErrEnrolmentGate)

	// An existing passkey opens it too.
	d, _ := e.enrol(bob, virtualwebauthn.AuthenticatorOptions{})
	flow, opts := e.loginFlow(bob)
	out, err := e.finish(flow, d.assert(t, e.rp, opts))
	require.NoError(t, err)
	_, err = e.pk.BeginRegistration(ctx, passkey.RegistrationRequest{Result: out.Result, Binding: binding})
	require.NoError(t, err)
}

func TestEnrolmentWindowConfig(t *testing.T) {
	e := newEnv(t, func(c *passkey.Config) { c.EnrolmentWindow = time.Minute })
	ecp := e.ecpResult(alice)
	e.clock.Advance(61 * time.Second)
	_, err := e.pk.BeginRegistration(context.Background(), passkey.RegistrationRequest{Result: ecp, Binding: binding})
	require.ErrorIs(t, err, passkey.ErrEnrolmentGate)

	_, err = passkey.New(passkey.Config{RPID: rpID, Origins: []string{origin}, Store: e.store, Credentials: e.creds,
		EnrolmentWindow: 6 * time.Minute})
	require.ErrorIs(t, err, passkey.ErrConfig, "a longer window is weaker and refused")
}

func TestRegistrationIsBoundAndSingleUse(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := newDevice(virtualwebauthn.AuthenticatorOptions{})
	reg, err := e.pk.BeginRegistration(ctx, passkey.RegistrationRequest{Result: e.ecpResult(alice), Binding: binding})
	require.NoError(t, err)
	resp := d.attest(t, e.rp, reg.Options)

	_, err = e.pk.FinishRegistration(ctx, reg.ID, "another-browser-binding-secret", resp)
	require.ErrorIs(t, err, passkey.ErrBinding)
	require.ErrorIs(t, err, auth.ErrBinding)
	_, err = e.pk.FinishRegistration(ctx, reg.ID, binding, resp)
	require.ErrorIs(t, err, passkey.ErrNoCeremony, "a failed finish consumed the ceremony")
	assert.Equal(t, "replayed", auth.Code(err))

	reg, err = e.pk.BeginRegistration(ctx, passkey.RegistrationRequest{Result: e.ecpResult(alice), Binding: binding})
	require.NoError(t, err)
	resp = d.attest(t, e.rp, reg.Options)
	_, err = e.pk.FinishRegistration(ctx, reg.ID, binding, resp)
	require.NoError(t, err)
	_, err = e.pk.FinishRegistration(ctx, reg.ID, binding, resp)
	require.ErrorIs(t, err, passkey.ErrNoCeremony, "replayed registration")

	// The same authenticator again: excluded in the options, refused if forced.
	reg, err = e.pk.BeginRegistration(ctx, passkey.RegistrationRequest{Result: e.ecpResult(alice), Binding: binding})
	require.NoError(t, err)
	o, err := virtualwebauthn.ParseAttestationOptions(string(reg.Options))
	require.NoError(t, err)
	require.Len(t, o.ExcludeCredentials, 1)
	_, err = e.pk.FinishRegistration(ctx, reg.ID, binding, d.attest(t, e.rp, reg.Options))
	require.ErrorIs(t, err, passkey.ErrCredentialExists)

	// Expired by our clock.
	reg, err = e.pk.BeginRegistration(ctx, passkey.RegistrationRequest{Result: e.ecpResult(alice), Binding: binding})
	require.NoError(t, err)
	e.clock.Advance(passkey.DefaultTimeout)
	_, err = e.pk.FinishRegistration(ctx, reg.ID, binding, newDevice(virtualwebauthn.AuthenticatorOptions{}).attest(t, e.rp, reg.Options))
	require.ErrorIs(t, err, passkey.ErrCeremonyExpired)
	require.ErrorIs(t, err, auth.ErrExpired)

	for _, id := range []string{"", "zz", "0123456789ABCDEF0123456789ABCDEF", reg.ID + "0"} {
		_, err = e.pk.FinishRegistration(ctx, id, binding, resp)
		require.ErrorIs(t, err, passkey.ErrNoCeremony, "id %q", id)
	}
}

// TestSecondCredentialSharesHandle: a subject's credentials share one user
// handle, so a discoverable login maps any of them to the subject.
func TestSecondCredentialSharesHandle(t *testing.T) {
	e := newEnv(t)
	_, c1 := e.enrol(alice, virtualwebauthn.AuthenticatorOptions{})
	d2, c2 := e.enrol(alice, virtualwebauthn.AuthenticatorOptions{})
	assert.Equal(t, c1.UserHandle, c2.UserHandle)
	list, err := e.creds.List(context.Background(), alice)
	require.NoError(t, err)
	assert.Len(t, list, 2)

	flow, opts := e.loginFlow(alice)
	o, err := virtualwebauthn.ParseAssertionOptions(string(opts))
	require.NoError(t, err)
	assert.Len(t, o.AllowCredentials, 2)
	out, err := e.finish(flow, d2.assert(t, e.rp, opts))
	require.NoError(t, err)
	assert.Equal(t, c2.Ref(), out.Result.Evidence[0].Attributes["credential"])

	_, err = e.pk.BeginRegistration(context.Background(), passkey.RegistrationRequest{Result: e.ecpResult(alice),
		Binding: binding, User: passkey.UserInfo{Handle: []byte("another handle")}})
	require.ErrorIs(t, err, passkey.ErrInvalidRequest)
	require.ErrorIs(t, err, auth.ErrInvalidInput)
	_, err = e.pk.BeginRegistration(context.Background(), passkey.RegistrationRequest{Result: e.ecpResult(bob), Binding: "short"})
	require.ErrorIs(t, err, passkey.ErrInvalidRequest)
	_, err = e.pk.BeginRegistration(context.Background(), passkey.RegistrationRequest{Result: e.ecpResult(bob), Binding: binding,
		User: passkey.UserInfo{Handle: make([]byte, passkey.MaxUserHandleLen+1)}})
	require.ErrorIs(t, err, passkey.ErrInvalidRequest)
	reg, err := e.pk.BeginRegistration(context.Background(), passkey.RegistrationRequest{Result: e.ecpResult(bob), Binding: binding,
		User: passkey.UserInfo{Handle: []byte("bob's chosen handle")}})
	require.NoError(t, err)
	d := newDevice(virtualwebauthn.AuthenticatorOptions{})
	cred, err := e.pk.FinishRegistration(context.Background(), reg.ID, binding, d.attest(t, e.rp, reg.Options))
	require.NoError(t, err)
	assert.Equal(t, []byte("bob's chosen handle"), cred.UserHandle)
}

func TestLoginWithoutCredentials(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	f, err := e.eng.Start(ctx, auth.StartRequest{Action: "login", Binding: binding, Subject: bob})
	require.NoError(t, err)
	_, err = e.eng.Begin(ctx, auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: auth.KindWebAuthn})
	require.ErrorIs(t, err, passkey.ErrNoCredentials)
}

// TestConcurrentFinish: many goroutines race to finish one assertion;
// exactly one wins, the others see a replay.
func TestConcurrentFinish(t *testing.T) {
	e := newEnv(t)
	d, _ := e.enrol(alice, virtualwebauthn.AuthenticatorOptions{})
	flow, opts := e.loginFlow("")
	resp := d.assert(t, e.rp, opts)
	wins := exactlyOne(t, func() error {
		_, err := e.pk.Finish(context.Background(), &auth.FinishRequest{Flow: &auth.Flow{ID: flow}, Input: resp, Now: e.clock.Now()})
		return err
	}, passkey.ErrNoCeremony, auth.ErrReplay)
	assert.Equal(t, int32(1), wins)
}

// exactlyOne races fn in 50 goroutines and returns how many succeeded;
// every failure must match all of want.
func exactlyOne(t *testing.T, fn func() error, want ...error) int32 {
	var wins atomic.Int32
	storetest.Race(t, 50, func(int) error {
		err := fn()
		if err == nil {
			wins.Add(1)
			return nil
		}
		for _, w := range want {
			if !errors.Is(err, w) {
				return err
			}
		}
		return nil
	})
	return wins.Load()
}

func TestLoginExpiresByOurClock(t *testing.T) {
	e := newEnv(t, func(c *passkey.Config) { c.Timeout = 30 * time.Second })
	d, _ := e.enrol(alice, virtualwebauthn.AuthenticatorOptions{})
	flow, opts := e.loginFlow("")
	e.clock.Advance(30 * time.Second)
	_, err := e.finish(flow, d.assert(t, e.rp, opts))
	require.ErrorIs(t, err, passkey.ErrCeremonyExpired)
	assert.Equal(t, "expired", auth.Code(err))

	// One tick before expiry it is accepted.
	flow, opts = e.loginFlow("")
	e.clock.Advance(30*time.Second - time.Nanosecond)
	_, err = e.finish(flow, d.assert(t, e.rp, opts))
	require.NoError(t, err)
}

func TestBeginReplacesPendingCeremony(t *testing.T) {
	e := newEnv(t)
	d, _ := e.enrol(alice, virtualwebauthn.AuthenticatorOptions{})
	flow, first := e.loginFlow("")
	ch, err := e.eng.Begin(context.Background(), auth.StepRequest{FlowID: flow, Binding: binding, Kind: auth.KindWebAuthn})
	require.NoError(t, err)
	second := ch.Data.(json.RawMessage)
	_, err = e.finish(flow, d.assert(t, e.rp, first))
	require.ErrorIs(t, err, passkey.ErrChallenge, "the first challenge was replaced")
	_, err = e.finish(flow, d.assert(t, e.rp, second))
	require.ErrorIs(t, err, passkey.ErrNoCeremony, "the failed attempt consumed the second")
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func TestErrorsCarryNoSecrets(t *testing.T) {
	e := newEnv(t)
	d, cred := e.enrol(alice, virtualwebauthn.AuthenticatorOptions{})
	flow, opts := e.loginFlow("")
	o, err := virtualwebauthn.ParseAssertionOptions(string(opts))
	require.NoError(t, err)
	bad := *o
	bad.Challenge = slices.Clone(o.Challenge)
	bad.Challenge[0] ^= 1
	_, err = e.finish(flow, json.RawMessage(virtualwebauthn.CreateAssertionResponse(e.rp, d.auth, d.cred, bad)))
	require.ErrorIs(t, err, passkey.ErrChallenge)
	msg := err.Error()
	for _, secret := range []string{b64(o.Challenge), b64(bad.Challenge), b64(cred.ID), binding, flow} {
		assert.NotContains(t, msg, secret)
	}
	var pe *passkey.Error
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, "finish", pe.Op)
	assert.NotContains(t, pe.Detail, b64(o.Challenge))
}

// TestConcurrentFinishRegistration: racing finishes of one registration
// store exactly one credential.
func TestConcurrentFinishRegistration(t *testing.T) {
	e := newEnv(t)
	d := newDevice(virtualwebauthn.AuthenticatorOptions{})
	reg, err := e.pk.BeginRegistration(context.Background(), passkey.RegistrationRequest{Result: e.ecpResult(alice), Binding: binding})
	require.NoError(t, err)
	resp := d.attest(t, e.rp, reg.Options)
	wins := exactlyOne(t, func() error {
		_, err := e.pk.FinishRegistration(context.Background(), reg.ID, binding, resp)
		return err
	}, passkey.ErrNoCeremony)
	assert.Equal(t, int32(1), wins)
	list, err := e.creds.List(context.Background(), alice)
	require.NoError(t, err)
	assert.Len(t, list, 1)
}

func TestRegistrationOptions(t *testing.T) {
	type sel struct {
		Attachment       string `json:"authenticatorAttachment"`
		ResidentKey      string `json:"residentKey"`
		UserVerification string `json:"userVerification"`
	}
	type regOpts struct {
		PublicKey struct {
			RP struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"rp"`
			User struct {
				ID          string `json:"id"`
				Name        string `json:"name"`
				DisplayName string `json:"displayName"`
			} `json:"user"`
			Challenge   string `json:"challenge"`
			Selection   sel    `json:"authenticatorSelection"`
			Attestation string `json:"attestation"`
			Timeout     int    `json:"timeout"`
			Params      []struct {
				Alg int `json:"alg"`
			} `json:"pubKeyCredParams"`
		} `json:"publicKey"`
	}
	for name, c := range map[string]struct {
		mut  func(*passkey.Config)
		want sel
	}{
		"defaults":      {func(*passkey.Config) {}, sel{"platform", "preferred", "required"}},
		"cross":         {func(c *passkey.Config) { c.Attachment = passkey.AttachmentCrossPlatform }, sel{"cross-platform", "preferred", "required"}},
		"any":           {func(c *passkey.Config) { c.Attachment = passkey.AttachmentAny }, sel{"", "preferred", "required"}},
		"resident keys": {func(c *passkey.Config) { c.Attachment = passkey.AttachmentPlatform; c.RequireResidentKey = true }, sel{"platform", "required", "required"}},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, func(cfg *passkey.Config) { cfg.Attachment = passkey.AttachmentPlatform }, c.mut)
			reg, err := e.pk.BeginRegistration(context.Background(), passkey.RegistrationRequest{Result: e.ecpResult(alice),
				Binding: binding, User: passkey.UserInfo{Name: "a***@example.kz", DisplayName: "Alice"}})
			require.NoError(t, err)
			var o regOpts
			require.NoError(t, json.Unmarshal(reg.Options, &o))
			p := o.PublicKey
			assert.Equal(t, c.want, p.Selection)
			assert.Equal(t, rpID, p.RP.ID)
			assert.Equal(t, "Example", p.RP.Name)
			assert.Equal(t, "a***@example.kz", p.User.Name)
			assert.Equal(t, "Alice", p.User.DisplayName)
			assert.NotContains(t, string(reg.Options), alice, "the subject is not sent when a name is given")
			assert.Len(t, p.Challenge, 43, "32 random bytes, base64url")
			assert.Contains(t, []string{"", "none"}, p.Attestation)
			assert.Equal(t, int(passkey.DefaultTimeout/time.Millisecond), p.Timeout)
			assert.NotEmpty(t, p.Params)
			assert.Equal(t, t0.Add(passkey.DefaultTimeout), reg.ExpiresAt)
			assert.Len(t, reg.ID, 32)
		})
	}
}

func TestRegistrationRedactsItself(t *testing.T) {
	e := newEnv(t)
	reg, err := e.pk.BeginRegistration(context.Background(), passkey.RegistrationRequest{Result: e.ecpResult(alice), Binding: binding})
	require.NoError(t, err)
	var o struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
		} `json:"publicKey"`
	}
	require.NoError(t, json.Unmarshal(reg.Options, &o))
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("registration", "reg", reg)
	for _, out := range []string{fmt.Sprint(reg), fmt.Sprintf("%v %+v %#v", reg, reg, reg), buf.String()} {
		assert.NotContains(t, out, reg.ID)
		assert.NotContains(t, out, o.PublicKey.Challenge)
	}
	assert.Contains(t, buf.String(), "REDACTED")
}
