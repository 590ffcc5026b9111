package passkey_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/internal/browsertest"
)

// TestBrowserAttestation: Chromium's virtual authenticator asked for
// attestation "direct" answers with a packed statement under a batch
// certificate. Without metadata the model is only claimed; with a test
// metadata BLOB, a certificate the BLOB does not list is refused, and once
// it lists the authenticator's certificate as the model's attestation root
// (FIDO L1) the enrolment proves the model, and an action that needs L1
// accepts that passkey and refuses the unproven one.
func TestBrowserAttestation(t *testing.T) {
	b := browsertest.Start(t, browsertest.Options{})
	l, port := listen(t)
	home := fmt.Sprintf("http://localhost:%d", port)
	e := newEnv(t, func(c *passkey.Config) {
		c.RPID, c.Origins = "localhost", []string{home}
		c.Attestation = passkey.AttestationDirect
	})
	s := &site{e: e}
	serveOn(t, s, l)
	r := enrolAlice(t, b, s, home)
	stored, err := e.creds.List(context.Background(), alice)
	require.NoError(t, err)
	require.Len(t, stored, 1)
	assert.Equal(t, "packed", stored[0].AttestationFormat)
	assert.Equal(t, "basic_full", stored[0].AttestationType)
	assert.False(t, stored[0].ModelVerified, "no metadata: claimed")
	batch, aaguid := attestationOf(t, r.Response)
	assert.Equal(t, aaguid, stored[0].AAGUID)

	mds := newMDS(t)
	mds.addModel(aaguid, []string{"basic_full"}, []string{base64.StdEncoding.EncodeToString(batch)}, "FIDO_CERTIFIED_L1")
	md, err := passkey.LoadMetadata(mds.blob(t), passkey.MetadataConfig{Root: mds.rootPEM, Now: e.clock.Now})
	require.NoError(t, err)
	pk, err := passkey.New(passkey.Config{RPID: "localhost", Origins: []string{home}, Store: e.store, Credentials: e.creds,
		Attestation: passkey.AttestationDirect, Metadata: md, Now: e.clock.Now,
		Actions: map[string]passkey.ActionPolicy{"transfer": {Certification: passkey.CertifiedL1}}})
	require.NoError(t, err)
	s.mu.Lock()
	e.pk, e.eng = pk, newEngine(t, e, pk)
	s.mu.Unlock()

	// Chromium's batch certificate is self-signed and made afresh at each
	// registration: alice's is not the root of bob's.
	s.setEnrolment(passkey.RegistrationRequest{Result: e.ecpResult(bob)})
	r = run(t, b, "register")
	assert.Equal(t, http.StatusForbidden, r.Status, "%+v", r)
	require.ErrorIs(t, s.lastErr(), passkey.ErrAttestation, "a batch certificate the metadata does not list")

	// The next BLOB, published before bob's registration is finished,
	// lists the very certificate bob's authenticator presents.
	s.mu.Lock()
	s.beforeRegFinish = func(body []byte) {
		cert, _ := attestationOf(t, string(body))
		next := *mds
		next.entries, next.serial = nil, mds.serial+1
		next.addModel(aaguid, []string{"basic_full"}, []string{base64.StdEncoding.EncodeToString(cert)}, "FIDO_CERTIFIED_L1")
		mds = &next
		require.NoError(t, md.Update(next.blob(t)))
	}
	s.mu.Unlock()
	s.setEnrolment(passkey.RegistrationRequest{Result: e.ecpResult(bob)})
	r = run(t, b, "register")
	require.Equal(t, http.StatusOK, r.Status, "%+v %v", r, detailOf(s.lastErr()))
	stored, err = e.creds.List(context.Background(), bob)
	require.NoError(t, err)
	require.Len(t, stored, 1)
	assert.True(t, stored[0].ModelVerified, "the batch certificate chains to the listed root")

	s.newFlow(t, "transfer", bob)
	r = run(t, b, "login")
	require.Equal(t, http.StatusOK, r.Status, "%+v %v", r, s.lastErr())
	assert.Equal(t, "FIDO_CERTIFIED_L1", r.Body["certification"])
	assert.Equal(t, "true", r.Body["model_verified"])

	s.newFlow(t, "transfer", alice)
	r = run(t, b, "login")
	assert.Equal(t, http.StatusForbidden, r.Status, "%+v", r)
	assert.Equal(t, "authenticator_not_allowed", r.Body["code"])
	require.ErrorIs(t, s.lastErr(), passkey.ErrModelNotAllowed)
}

// attestationOf returns the first x5c certificate and the AAGUID of a
// registration response's packed attestation.
func attestationOf(t *testing.T, credJSON string) ([]byte, [16]byte) {
	t.Helper()
	var m struct {
		Response struct {
			AttestationObject string `json:"attestationObject"`
		} `json:"response"`
	}
	require.NoError(t, json.Unmarshal([]byte(credJSON), &m))
	raw, err := base64.RawURLEncoding.DecodeString(m.Response.AttestationObject)
	require.NoError(t, err)
	var obj struct {
		Fmt      string         `cbor:"fmt"`
		AttStmt  map[string]any `cbor:"attStmt"`
		AuthData []byte         `cbor:"authData"`
	}
	require.NoError(t, cbor.Unmarshal(raw, &obj))
	require.Equal(t, "packed", obj.Fmt)
	x5c, ok := obj.AttStmt["x5c"].([]any)
	require.True(t, ok && len(x5c) > 0, "packed with x5c")
	var aaguid [16]byte
	require.Greater(t, len(obj.AuthData), 53)
	copy(aaguid[:], obj.AuthData[37:53])
	return x5c[0].([]byte), aaguid
}

// detailOf is an error with its operator detail, for failure messages.
func detailOf(err error) string {
	var pe *passkey.Error
	if errors.As(err, &pe) {
		return pe.Error() + " (" + pe.Detail + ")"
	}
	return fmt.Sprint(err)
}
