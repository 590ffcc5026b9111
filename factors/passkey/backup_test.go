package passkey_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/descope/virtualwebauthn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/passkey"
)

// TestBackupEligibilityChange: a credential registered device-bound (BE
// clear) that logs in as synced (BE set), or back, is refused by default
// with ErrBackupChanged — an ErrCredentialPolicy with its own client code,
// not go-webauthn's "BE flag inconsistency" — and audited; a forged
// assertion raises no such event; with InsecureAcceptBackupChange the login
// passes, the new value is recorded and reported, and audited once.
func TestBackupEligibilityChange(t *testing.T) {
	login := func(e *env, d *device) (*auth.Outcome, error) {
		d.cred.Counter++
		flow, opts := e.loginFlow("")
		return e.finish(flow, d.assert(t, e.rp, opts))
	}

	t.Run("denied by default", func(t *testing.T) {
		e := newEnv(t)
		d, cred := e.enrol(alice, virtualwebauthn.AuthenticatorOptions{})
		_, err := login(e, d)
		require.NoError(t, err)

		// A forged assertion with the flag changed: a bad signature, and no
		// alarm about alice's credential.
		forger := *d
		forger.cred.Key = newCredential().Key
		forger.auth.Options.BackupEligible = true
		_, err = login(e, &forger)
		require.ErrorIs(t, err, passkey.ErrSignature)
		assert.Empty(t, e.audit.Of(passkey.EventBackupChanged))

		d.auth.Options.BackupEligible, d.auth.Options.BackupState = true, true
		out, err := login(e, d)
		require.ErrorIs(t, err, passkey.ErrBackupChanged)
		require.ErrorIs(t, err, passkey.ErrCredentialPolicy)
		require.ErrorIs(t, err, auth.ErrNotAllowed)
		assert.Equal(t, "passkey_backup_changed", auth.Code(err))
		assert.NotContains(t, err.Error(), "inconsistency")
		assert.Nil(t, out)
		ev := e.audit.Of(passkey.EventBackupChanged)
		require.Len(t, ev, 1)
		assert.Equal(t, alice, ev[0].Subject)
		assert.Equal(t, map[string]string{"credential": cred.Ref(), "aaguid": passkey.AAGUIDString(cred.AAGUID),
			"stored_be": "false", "reported_be": "true", "accepted": "false"}, ev[0].Attrs)
		got, err := e.creds.Find(context.Background(), cred.ID)
		require.NoError(t, err)
		assert.False(t, got.BackupEligible, "a refused change is not recorded")
		assert.Equal(t, uint32(1), got.SignCount, "a refused login records no use")

		// Back to device-bound: the credential works again.
		d.auth.Options.BackupEligible, d.auth.Options.BackupState = false, false
		_, err = login(e, d)
		require.NoError(t, err)
	})

	t.Run("synced that lost backup eligibility", func(t *testing.T) {
		e := newEnv(t)
		d, _ := e.enrol(alice, virtualwebauthn.AuthenticatorOptions{BackupEligible: true, BackupState: true})
		d.auth.Options.BackupEligible, d.auth.Options.BackupState = false, false
		_, err := login(e, d)
		require.ErrorIs(t, err, passkey.ErrBackupChanged)
	})

	t.Run("accepted with audit", func(t *testing.T) {
		e := newEnv(t, func(c *passkey.Config) { c.InsecureAcceptBackupChange = true })
		d, cred := e.enrol(alice, virtualwebauthn.AuthenticatorOptions{})
		d.auth.Options.BackupEligible, d.auth.Options.BackupState = true, true
		out, err := login(e, d)
		require.NoError(t, err)
		ev := out.Result.Evidence[0]
		assert.Equal(t, "true", ev.Attributes["backup_changed"])
		assert.Equal(t, "true", ev.Attributes["backup_eligible"])
		assert.Equal(t, "false", ev.Attributes["device_bound"])
		assert.Contains(t, out.Result.AMR, auth.AMRSoftware, "now synced: swk, not hwk")
		events := e.audit.Of(passkey.EventBackupChanged)
		require.Len(t, events, 1)
		assert.Equal(t, "true", events[0].Attrs["accepted"])
		got, err := e.creds.Find(context.Background(), cred.ID)
		require.NoError(t, err)
		assert.True(t, got.BackupEligible, "the accepted value is recorded")
		assert.True(t, got.BackupState)

		// The next login matches the record: no new event.
		out, err = login(e, d)
		require.NoError(t, err)
		assert.Empty(t, out.Result.Evidence[0].Attributes["backup_changed"])
		assert.Len(t, e.audit.Of(passkey.EventBackupChanged), 1)
	})
}

// TestDeviceBoundAction: an action whose ActionPolicy is DeviceBound (a
// large transfer) refuses synced passkeys — at Begin when the subject is
// known (only device-bound passkeys are offered), at Finish for a
// discoverable login — and reports device_bound in the evidence; other
// actions accept both.
func TestDeviceBoundAction(t *testing.T) {
	e := newEnv(t, func(c *passkey.Config) {
		c.Actions = map[string]passkey.ActionPolicy{"transfer": {DeviceBound: true}}
	})
	synced, syncedCred := e.enrol(alice, virtualwebauthn.AuthenticatorOptions{BackupEligible: true, BackupState: true})
	require.True(t, syncedCred.Synced())

	// Known subject with only a synced passkey: refused before the
	// authenticator is asked.
	ctx := context.Background()
	f, err := e.eng.Start(ctx, auth.StartRequest{Action: "transfer", Binding: binding, Subject: alice})
	require.NoError(t, err)
	_, err = e.eng.Begin(ctx, auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: auth.KindWebAuthn})
	require.ErrorIs(t, err, passkey.ErrSyncedPasskey)
	require.ErrorIs(t, err, passkey.ErrCredentialPolicy)
	assert.Equal(t, "passkey_synced", auth.Code(err))

	// Discoverable: refused at Finish, no evidence, no use recorded.
	synced.cred.Counter++
	flow, opts := e.actionFlow("transfer", "")
	out, err := e.finish(flow, synced.assert(t, e.rp, opts))
	require.ErrorIs(t, err, passkey.ErrSyncedPasskey)
	assert.Nil(t, out)
	got, err := e.creds.Find(ctx, syncedCred.ID)
	require.NoError(t, err)
	assert.Zero(t, got.SignCount)

	// The same passkey logs in.
	flow, opts = e.loginFlow(alice)
	out, err = e.finish(flow, synced.assert(t, e.rp, opts))
	require.NoError(t, err)
	assert.Equal(t, "false", out.Result.Evidence[0].Attributes["device_bound"])

	// A device-bound passkey of the same account serves the transfer, and
	// with alice known it is the only one offered.
	bound, boundCred := e.enrol(alice, virtualwebauthn.AuthenticatorOptions{})
	flow, opts = e.actionFlow("transfer", alice)
	var o struct {
		PublicKey struct {
			Allow []struct {
				ID string `json:"id"`
			} `json:"allowCredentials"`
		} `json:"publicKey"`
	}
	require.NoError(t, json.Unmarshal(opts, &o))
	require.Len(t, o.PublicKey.Allow, 1, "only the device-bound passkey is offered")
	out, err = e.finish(flow, bound.assert(t, e.rp, opts))
	require.NoError(t, err)
	ev := out.Result.Evidence[0]
	assert.Equal(t, "true", ev.Attributes["device_bound"])
	assert.Equal(t, boundCred.Ref(), ev.Attributes["credential"])
	assert.Contains(t, out.Result.AMR, auth.AMRHardware)

	// An allow-list naming a synced credential is refused all the same (a
	// tampered or stale page).
	synced.cred.Counter++
	flow, opts = e.actionFlow("transfer", "")
	_, err = e.finish(flow, synced.assert(t, e.rp, opts))
	require.ErrorIs(t, err, passkey.ErrSyncedPasskey)
}

// TestRefusalMessages: every client code of the package's own refusals has
// a message of its own in Kazakh, Russian and English.
func TestRefusalMessages(t *testing.T) {
	for _, code := range passkey.Codes() {
		seen := map[string]bool{}
		for _, lang := range []string{"kk", "ru", "en"} {
			m := auth.MessageForCode(code, lang)
			assert.NotEqual(t, auth.MessageForCode("internal", lang), m, "%s has no %s message", code, lang)
			assert.False(t, seen[m], "%s: the same text in two languages", code)
			seen[m] = true
		}
	}
	for _, err := range []error{passkey.ErrBackupChanged, passkey.ErrSyncedPasskey, passkey.ErrModelNotAllowed,
		passkey.ErrAAGUID, passkey.ErrOrigin, passkey.ErrCredentialPolicy} {
		assert.Contains(t, passkey.Codes(), auth.Code(err), "%v", err)
	}
}
