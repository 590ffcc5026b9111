package passkey_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/factors/passkey/passkeytest"
)

// tableUser is a user of a service built on go-webauthn alone.
type tableUser struct {
	id    []byte
	creds []webauthn.Credential
}

func (u *tableUser) WebAuthnID() []byte                         { return u.id }
func (u *tableUser) WebAuthnName() string                       { return "alice@example.kz" }
func (u *tableUser) WebAuthnDisplayName() string                { return "Alice" }
func (u *tableUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// goWebAuthnEnrolment registers d with go-webauthn itself, as a service
// did before adopting strongauth, and returns the JSON it stored.
func goWebAuthnEnrolment(t *testing.T, d *device, handle []byte) []byte {
	t.Helper()
	wa, err := webauthn.New(&webauthn.Config{RPID: rpID, RPDisplayName: "Example", RPOrigins: []string{origin}})
	require.NoError(t, err)
	u := &tableUser{id: handle}
	opts, session, err := wa.BeginRegistration(u)
	require.NoError(t, err)
	optsJSON, err := json.Marshal(opts)
	require.NoError(t, err)
	resp := d.attest(t, virtualwebauthn.RelyingParty{ID: rpID, Name: "Example", Origin: origin}, optsJSON)
	parsed, err := protocol.ParseCredentialCreationResponseBytes(resp)
	require.NoError(t, err)
	cred, err := wa.CreateCredential(u, *session, parsed)
	require.NoError(t, err)
	stored, err := json.Marshal(cred)
	require.NoError(t, err)
	return stored
}

// TestMigrateFromGoWebAuthn: a credential registered with go-webauthn and
// kept as its JSON in a user table is mapped by FromGoWebAuthn, imported,
// and then logs in through the factor — discoverable and with an
// allow-list — without being enrolled again.
func TestMigrateFromGoWebAuthn(t *testing.T) {
	e := newEnv(t)
	handle := []byte("user-0001-handle")
	d := newDevice(virtualwebauthn.AuthenticatorOptions{UserHandle: handle, BackupEligible: true, BackupState: true})
	d.cred.Counter = 7
	stored := goWebAuthnEnrolment(t, d, handle)

	created := t0.Add(-90 * 24 * time.Hour)
	cred, err := passkey.FromGoWebAuthn(passkey.GoWebAuthnRecord{Subject: alice, UserHandle: handle, Credential: stored, CreatedAt: created})
	require.NoError(t, err)
	assert.Equal(t, d.cred.ID, cred.ID)
	assert.Equal(t, d.auth.Aaguid, cred.AAGUID)
	assert.Equal(t, uint32(7), cred.SignCount)
	assert.Equal(t, "packed", cred.AttestationFormat)
	assert.True(t, cred.BackupEligible)
	assert.True(t, cred.BackupState)
	assert.False(t, cred.ModelVerified)
	assert.Equal(t, created, cred.CreatedAt)

	n, err := passkey.Import(context.Background(), e.creds, *cred)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	n, err = passkey.Import(context.Background(), e.creds, *cred)
	require.NoError(t, err, "a migration run again")
	assert.Zero(t, n)

	for _, subject := range []string{"", alice} {
		d.cred.Counter++
		flow, opts := e.loginFlow(subject)
		out, err := e.finish(flow, d.assert(t, e.rp, opts))
		require.NoError(t, err)
		assert.Equal(t, alice, out.Result.Subject)
	}
	// The counter carried over: an old counter is a clone.
	d.cred.Counter = 7
	flow, opts := e.loginFlow("")
	_, err = e.finish(flow, d.assert(t, e.rp, opts))
	require.ErrorIs(t, err, passkey.ErrCounterRegression)

	// The next enrolment of the account reuses the imported handle.
	d2, cred2 := e.enrol(alice, virtualwebauthn.AuthenticatorOptions{})
	assert.Equal(t, handle, cred2.UserHandle)
	_ = d2
}

func TestFromGoWebAuthnRefusals(t *testing.T) {
	handle := []byte("user-0001-handle")
	d := newDevice(virtualwebauthn.AuthenticatorOptions{UserHandle: handle})
	stored := goWebAuthnEnrolment(t, d, handle)
	rewrite := func(fn func(m map[string]any)) []byte {
		return edit(t, stored, fn)
	}
	auth := func(m map[string]any) map[string]any { return m["authenticator"].(map[string]any) }

	// Old releases kept the format in attestationType.
	old := rewrite(func(m map[string]any) { m["attestationType"] = "packed"; delete(m, "attestationFormat") })
	c, err := passkey.FromGoWebAuthn(passkey.GoWebAuthnRecord{Subject: alice, UserHandle: handle, Credential: old})
	require.NoError(t, err)
	assert.Equal(t, "packed", c.AttestationFormat)
	assert.Empty(t, c.AttestationType)
	// A release with fields this one does not know.
	newer := rewrite(func(m map[string]any) { m["futureField"] = map[string]any{"x": 1} })
	_, err = passkey.FromGoWebAuthn(passkey.GoWebAuthnRecord{Subject: alice, UserHandle: handle, Credential: newer})
	require.NoError(t, err)

	for name, r := range map[string]passkey.GoWebAuthnRecord{
		"clone warning":    {Subject: alice, UserHandle: handle, Credential: rewrite(func(m map[string]any) { auth(m)["cloneWarning"] = true })},
		"AAGUID length":    {Subject: alice, UserHandle: handle, Credential: rewrite(func(m map[string]any) { auth(m)["AAGUID"] = "AAEC" })},
		"not a COSE key":   {Subject: alice, UserHandle: handle, Credential: rewrite(func(m map[string]any) { m["publicKey"] = "AAECAwQ=" })},
		"no public key":    {Subject: alice, UserHandle: handle, Credential: rewrite(func(m map[string]any) { delete(m, "publicKey") })},
		"no subject":       {UserHandle: handle, Credential: stored},
		"no handle":        {Subject: alice, Credential: stored},
		"not JSON":         {Subject: alice, UserHandle: handle, Credential: []byte("{")},
		"trailing data":    {Subject: alice, UserHandle: handle, Credential: append(append([]byte{}, stored...), " {}"...)},
		"wrong types":      {Subject: alice, UserHandle: handle, Credential: []byte(`{"id": 5}`)},
		"state without BE": {Subject: alice, UserHandle: handle, Credential: rewrite(func(m map[string]any) { m["flags"].(map[string]any)["backupState"] = true })},
	} {
		c, err := passkey.FromGoWebAuthn(r)
		require.ErrorIs(t, err, passkey.ErrInvalidCredential, name)
		assert.Nil(t, c, name)
	}
}

// TestExportImport: a credential written by ExportCredential is read back
// unchanged by ImportCredential; other versions, unknown fields, trailing
// data and invalid credentials are refused. Import refuses a second user
// handle for one account, and a credential ID of another account.
func TestExportImport(t *testing.T) {
	c := passkeytest.Credential(alice, 1)
	c.PublicKey = newCredential().Key.AttestationData()
	c.AAGUID, c.ModelVerified, c.BackupEligible = [16]byte{7}, true, true
	c.Transports, c.LastUsedAt, c.SignCount = []string{"usb"}, t0, 9
	b, err := passkey.ExportCredential(&c)
	require.NoError(t, err)
	got, err := passkey.ImportCredential(b)
	require.NoError(t, err)
	assert.Equal(t, c.ID, got.ID)
	assert.Equal(t, c.PublicKey, got.PublicKey)
	assert.Equal(t, c.AAGUID, got.AAGUID)
	assert.True(t, got.ModelVerified)
	assert.True(t, got.LastUsedAt.Equal(t0))
	again, err := passkey.ExportCredential(got)
	require.NoError(t, err)
	assert.JSONEq(t, string(b), string(again))

	for name, in := range map[string][]byte{
		"version 2":     []byte(`{"v":2,"credential":{}}`),
		"unknown field": edit(t, b, func(m map[string]any) { m["credential"].(map[string]any)["admin"] = true }),
		"trailing data": append(append([]byte{}, b...), "{}"...),
		"empty":         nil,
		"no credential": []byte(`{"v":1}`),
		"bad key":       edit(t, b, func(m map[string]any) { m["credential"].(map[string]any)["public_key"] = "AAEC" }),
	} {
		c, err := passkey.ImportCredential(in)
		require.ErrorIs(t, err, passkey.ErrInvalidCredential, name)
		assert.Nil(t, c, name)
	}
	_, err = passkey.ExportCredential(&passkey.Credential{})
	require.ErrorIs(t, err, passkey.ErrInvalidCredential)

	store := passkey.NewMemoryCredentials()
	ctx := context.Background()
	other := passkeytest.Credential(alice, 2)
	other.PublicKey, other.UserHandle = c.PublicKey, []byte("another handle")
	n, err := passkey.Import(ctx, store, c, other)
	require.ErrorIs(t, err, passkey.ErrInvalidCredential, "two handles for one account")
	assert.Equal(t, 1, n)
	mallory := passkeytest.Credential("mallory", 1) // alice's credential ID
	mallory.PublicKey = c.PublicKey
	_, err = passkey.Import(ctx, store, mallory)
	require.ErrorIs(t, err, passkey.ErrCredentialExists)
}
