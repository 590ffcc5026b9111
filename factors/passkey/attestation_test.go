package passkey_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/factors/passkey/passkeytest"
)

// enrolAttested registers a software authenticator of model aaguid for
// subject; with a vendor, its attestation is "packed" full under the
// vendor's batch certificate, else virtualwebauthn's packed self
// attestation.
func (e *env) enrolAttested(subject string, aaguid [16]byte, vendor *passkeytest.AttestationCA) (*device, *passkey.Credential, error) {
	e.t.Helper()
	d := newDevice(virtualwebauthn.AuthenticatorOptions{})
	d.auth.Aaguid = aaguid
	reg, err := e.pk.BeginRegistration(context.Background(), passkey.RegistrationRequest{Result: e.ecpResult(subject), Binding: binding})
	require.NoError(e.t, err)
	resp := d.attest(e.t, e.rp, reg.Options)
	if vendor != nil {
		resp, err = vendor.Packed(resp)
		require.NoError(e.t, err)
	}
	cred, err := e.pk.FinishRegistration(context.Background(), reg.ID, binding, resp)
	if err == nil {
		d.auth.Options.UserHandle = cred.UserHandle
	}
	return d, cred, err
}

// TestAttestationAndMetadata: attestation "direct" checked against a
// signed metadata BLOB (a test root, no network). A security key's packed
// full attestation under its vendor's listed root proves the model
// (ModelVerified); the same attestation under another root is refused; a
// self-attested model enrols but is only claimed. An action that needs
// FIDO L2 takes the proven, L2-certified key and reports its level in the
// evidence; it refuses the claimed model, the key once next month's BLOB
// says L1, and everything while the catalogue is stale — plain logins go on.
func TestAttestationAndMetadata(t *testing.T) {
	keyModel, selfModel := [16]byte{0x5e, 0xc0, 1}, [16]byte{0x5e, 0xc0, 2}
	vendor, err := passkeytest.NewAttestationCA(keyModel)
	require.NoError(t, err)
	impostor, err := passkeytest.NewAttestationCA(keyModel) // same model, a root nobody listed
	require.NoError(t, err)
	mds := newMDS(t)
	mds.nextDate = "2026-04-01"
	mds.addModel(keyModel, []string{"basic_full"}, []string{vendor.RootBase64()}, "FIDO_CERTIFIED_L1", "FIDO_CERTIFIED_L2")
	mds.addModel(selfModel, []string{"basic_full", "basic_surrogate"}, nil, "FIDO_CERTIFIED_L1")
	var md *passkey.Metadata
	e := newEnv(t, func(c *passkey.Config) {
		md, err = passkey.LoadMetadata(mds.blob(t), passkey.MetadataConfig{Root: mds.rootPEM, Now: c.Now})
		require.NoError(t, err)
		c.Metadata, c.Attestation = md, passkey.AttestationDirect
		c.Actions = map[string]passkey.ActionPolicy{"transfer": {Certification: passkey.CertifiedL2}}
	})
	assert.Equal(t, passkey.CertifiedL2, md.Certification(keyModel, e.clock.Now()))
	assert.Equal(t, passkey.CertifiedL1, md.Certification(selfModel, e.clock.Now()))
	assert.Equal(t, passkey.CertificationNone, md.Certification([16]byte{9}, e.clock.Now()))

	key, keyCred, err := e.enrolAttested(alice, keyModel, vendor)
	require.NoError(t, err)
	assert.True(t, keyCred.ModelVerified)
	assert.Equal(t, "packed", keyCred.AttestationFormat)
	assert.Equal(t, "basic_full", keyCred.AttestationType)

	_, _, err = e.enrolAttested(alice, keyModel, impostor)
	require.ErrorIs(t, err, passkey.ErrAttestation, "a batch certificate under a root the metadata does not list")
	list, err := e.creds.List(context.Background(), alice)
	require.NoError(t, err)
	assert.Len(t, list, 1)

	self, selfCred, err := e.enrolAttested(bob, selfModel, nil)
	require.NoError(t, err)
	assert.False(t, selfCred.ModelVerified, "self attestation proves no model")
	assert.Equal(t, "basic_surrogate", selfCred.AttestationType)

	transfer := func(d *device, subject string) (*auth.Outcome, error) {
		d.cred.Counter++
		flow, opts := e.actionFlow("transfer", subject)
		return e.finish(flow, d.assert(t, e.rp, opts))
	}
	out, err := transfer(key, "")
	require.NoError(t, err)
	ev := out.Result.Evidence[0]
	assert.Equal(t, "FIDO_CERTIFIED_L2", ev.Attributes["certification"])
	assert.Equal(t, "true", ev.Attributes["model_verified"])

	_, err = transfer(self, "")
	require.ErrorIs(t, err, passkey.ErrModelNotAllowed)
	assert.Equal(t, "authenticator_not_allowed", auth.Code(err))
	f, err := e.eng.Start(context.Background(), auth.StartRequest{Action: "transfer", Binding: binding, Subject: bob})
	require.NoError(t, err)
	_, err = e.eng.Begin(context.Background(), auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: auth.KindWebAuthn})
	require.ErrorIs(t, err, passkey.ErrModelNotAllowed, "refused before the authenticator is asked")
	self.cred.Counter++
	flow, opts := e.loginFlow("")
	out, err = e.finish(flow, self.assert(t, e.rp, opts))
	require.NoError(t, err, "the claimed model still logs in")
	assert.Empty(t, out.Result.Evidence[0].Attributes["certification"])

	// Next month's BLOB: the key model is back to L1; an older BLOB is
	// refused and does not replace it.
	next := *mds
	next.entries = nil
	next.serial = 2
	next.addModel(keyModel, []string{"basic_full"}, []string{vendor.RootBase64()}, "FIDO_CERTIFIED_L1", "FIDO_CERTIFIED_L2", "FIDO_CERTIFIED_L1")
	require.NoError(t, md.Update(next.blob(t)))
	assert.Equal(t, 2, md.Serial())
	require.ErrorIs(t, md.Update(mds.blob(t)), passkey.ErrAttestation, "a rollback to an older BLOB")
	assert.Equal(t, 2, md.Serial())
	_, err = transfer(key, "")
	require.ErrorIs(t, err, passkey.ErrModelNotAllowed)
	key.cred.Counter++
	flow, opts = e.loginFlow("")
	_, err = e.finish(flow, key.assert(t, e.rp, opts))
	require.NoError(t, err)

	// Past nextUpdate and its grace: stale. Enrolment and the certified
	// action are refused (fail closed: fetch a new BLOB); logins go on.
	e.clock.Advance(40 * 24 * time.Hour)
	assert.False(t, md.Fresh(e.clock.Now()))
	_, _, err = e.enrolAttested(alice, keyModel, vendor)
	require.ErrorIs(t, err, passkey.ErrUnavailable)
	_, err = transfer(key, "")
	require.ErrorIs(t, err, passkey.ErrUnavailable)
	assert.Equal(t, "unavailable", auth.Code(err))
	key.cred.Counter++
	flow, opts = e.loginFlow("")
	_, err = e.finish(flow, key.assert(t, e.rp, opts))
	require.NoError(t, err)
}

// TestAttestationWithoutMetadata: attestation "direct" without metadata
// verifies the packed statement's signature but proves no model; a
// per-action AAGUID list then checks the claimed model; and asking for a
// proven model without metadata is a configuration error.
func TestAttestationWithoutMetadata(t *testing.T) {
	keyModel := [16]byte{0x5e, 0xc0, 3}
	vendor, err := passkeytest.NewAttestationCA(keyModel)
	require.NoError(t, err)
	e := newEnv(t, func(c *passkey.Config) {
		c.Attestation = passkey.AttestationDirect
		c.Actions = map[string]passkey.ActionPolicy{"transfer": {AAGUIDs: []string{passkey.AAGUIDString(keyModel)}}}
	})
	key, cred, err := e.enrolAttested(alice, keyModel, vendor)
	require.NoError(t, err)
	assert.Equal(t, "basic_full", cred.AttestationType)
	assert.False(t, cred.ModelVerified, "no metadata: no trust anchors to check the chain against")
	other, _, err := e.enrolAttested(bob, [16]byte{0x5e, 0xc0, 4}, nil)
	require.NoError(t, err)

	key.cred.Counter++
	flow, opts := e.actionFlow("transfer", "")
	_, err = e.finish(flow, key.assert(t, e.rp, opts))
	require.NoError(t, err)
	other.cred.Counter++
	flow, opts = e.actionFlow("transfer", "")
	_, err = e.finish(flow, other.assert(t, e.rp, opts))
	require.ErrorIs(t, err, passkey.ErrModelNotAllowed)

	for name, p := range map[string]passkey.ActionPolicy{
		"verified model":  {VerifiedModel: true},
		"certification":   {Certification: passkey.CertifiedL1},
		"zero AAGUID":     {AAGUIDs: []string{"00000000-0000-0000-0000-000000000000"}},
		"AAGUID not hex":  {AAGUIDs: []string{"not-an-aaguid"}},
		"unknown level":   {Certification: passkey.CertifiedL3Plus + 1},
		"no action named": {},
	} {
		_, err := passkey.New(passkey.Config{RPID: rpID, Origins: []string{origin}, Store: e.store, Credentials: e.creds,
			Actions: map[string]passkey.ActionPolicy{map[bool]string{true: "", false: "transfer"}[name == "no action named"]: p}})
		require.ErrorIs(t, err, passkey.ErrConfig, name)
	}
}

// TestMetadataRefresh: a BLOB in a file is read again by Refresh; a newer
// one replaces the catalogue, the same one changes nothing, and a damaged,
// older or missing file leaves the current catalogue in place.
func TestMetadataRefresh(t *testing.T) {
	mds := newMDS(t)
	mds.add([16]byte{1}, "FIDO_CERTIFIED_L1")
	path := filepath.Join(t.TempDir(), "blob.jwt")
	require.NoError(t, os.WriteFile(path, mds.blob(t), 0o600))
	now := func() time.Time { return t0 }
	md, err := passkey.OpenMetadata(path, passkey.MetadataConfig{Root: mds.rootPEM, Now: now})
	require.NoError(t, err)
	changed, err := md.Refresh()
	require.NoError(t, err)
	assert.False(t, changed, "the same BLOB again")

	older := *mds
	mds.serial = 2
	mds.add([16]byte{2}, "FIDO_CERTIFIED_L2")
	require.NoError(t, os.WriteFile(path, mds.blob(t), 0o600))
	changed, err = md.Refresh()
	require.NoError(t, err)
	assert.True(t, changed)
	assert.Equal(t, 2, md.Len())
	assert.Equal(t, passkey.CertifiedL2, md.Certification([16]byte{2}, t0))

	for name, content := range map[string][]byte{
		"damaged": []byte("eyJhbGciOiJFUzI1NiJ9.e30.AAAA"),
		"older":   older.blob(t),
		"empty":   nil,
	} {
		require.NoError(t, os.WriteFile(path, content, 0o600))
		changed, err = md.Refresh()
		require.ErrorIs(t, err, passkey.ErrAttestation, name)
		assert.False(t, changed)
		assert.Equal(t, 2, md.Serial(), name)
	}
	require.NoError(t, os.Remove(path))
	_, err = md.Refresh()
	require.ErrorIs(t, err, passkey.ErrUnavailable)
	assert.Equal(t, 2, md.Len())

	_, err = passkey.OpenMetadata(path, passkey.MetadataConfig{Root: mds.rootPEM, Now: now})
	require.Error(t, err)
	loaded, err := passkey.LoadMetadata(older.blob(t), passkey.MetadataConfig{Root: mds.rootPEM, Now: now})
	require.NoError(t, err)
	_, err = loaded.Refresh()
	require.ErrorIs(t, err, passkey.ErrConfig, "not opened from a file")
}
