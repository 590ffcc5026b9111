package passkey_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"
	"github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/passkey"
)

// mdsCA is a test FIDO Metadata Service: a root and a BLOB-signing
// certificate under it.
type mdsCA struct {
	root     *x509.Certificate
	leaf     *x509.Certificate
	leafKey  *ecdsa.PrivateKey
	rootPEM  []byte
	entries  []map[string]any
	nextDate string
	serial   int
}

func newMDS(t testing.TB) *mdsCA {
	t.Helper()
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test MDS Root"},
		NotBefore: t0.Add(-time.Hour), NotAfter: t0.Add(10 * 365 * 24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &rootKey.PublicKey, rootKey)
	require.NoError(t, err)
	root, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ltmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Test MDS Signer"},
		NotBefore: t0.Add(-time.Hour), NotAfter: t0.Add(5 * 365 * 24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	lder, err := x509.CreateCertificate(rand.Reader, ltmpl, root, &leafKey.PublicKey, rootKey)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(lder)
	require.NoError(t, err)
	return &mdsCA{root: root, leaf: leaf, leafKey: leafKey, nextDate: "2099-01-01", serial: 1,
		rootPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Raw})}
}

// add lists an authenticator model with a status and self attestation.
func (m *mdsCA) add(aaguid [16]byte, status string) {
	m.addModel(aaguid, []string{"basic_surrogate"}, nil, status)
}

// addModel lists an authenticator model with its attestation types, its
// attestation roots (standard base64 DER) and status reports, oldest
// first, a year apart from 2023.
func (m *mdsCA) addModel(aaguid [16]byte, types, roots []string, statuses ...string) {
	if roots == nil {
		roots = []string{}
	}
	reports := make([]map[string]any, len(statuses))
	for i, st := range statuses {
		reports[i] = map[string]any{"status": st, "effectiveDate": fmt.Sprintf("%d-01-01", 2023+i)}
	}
	id := passkey.AAGUIDString(aaguid)
	m.entries = append(m.entries, map[string]any{
		"aaguid": id,
		"metadataStatement": map[string]any{
			"legalHeader": "test", "aaguid": id, "description": "test authenticator",
			"authenticatorVersion": 1, "protocolFamily": "fido2", "schema": 3,
			"upv":                         []map[string]int{{"major": 1, "minor": 0}},
			"authenticationAlgorithms":    []string{"secp256r1_ecdsa_sha256_raw"},
			"publicKeyAlgAndEncodings":    []string{"cose"},
			"attestationTypes":            types,
			"userVerificationDetails":     [][]map[string]any{{{"userVerificationMethod": "fingerprint_internal"}}},
			"keyProtection":               []string{"hardware", "secure_element"},
			"matcherProtection":           []string{"on_chip"},
			"attachmentHint":              []string{"internal"},
			"tcDisplay":                   []string{},
			"attestationRootCertificates": roots,
		},
		"statusReports":          reports,
		"timeOfLastStatusChange": "2025-01-01",
	})
}

// blob signs the BLOB as a JWT (ES256, x5c = signer, root).
func (m *mdsCA) blob(t testing.TB) []byte {
	t.Helper()
	header, err := json.Marshal(map[string]any{"alg": "ES256", "typ": "JWT",
		"x5c": []string{base64.StdEncoding.EncodeToString(m.leaf.Raw), base64.StdEncoding.EncodeToString(m.root.Raw)}})
	require.NoError(t, err)
	payload, err := json.Marshal(map[string]any{"legalHeader": "test", "no": m.serial, "nextUpdate": m.nextDate, "entries": m.entries})
	require.NoError(t, err)
	signing := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
	digest := sha256.Sum256([]byte(signing))
	r, s, err := ecdsa.Sign(rand.Reader, m.leafKey, digest[:])
	require.NoError(t, err)
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return []byte(signing + "." + base64.RawURLEncoding.EncodeToString(sig))
}

func TestLoadMetadata(t *testing.T) {
	ca := newMDS(t)
	ca.add([16]byte{1}, "FIDO_CERTIFIED")
	now := func() time.Time { return t0 }
	md, err := passkey.LoadMetadata(ca.blob(t), passkey.MetadataConfig{Root: ca.rootPEM, Now: now})
	require.NoError(t, err)
	assert.Equal(t, 1, md.Len())
	assert.Equal(t, "2099-01-01", md.NextUpdate().Format(time.DateOnly))
	_, err = passkey.LoadMetadata(ca.blob(t), passkey.MetadataConfig{Root: ca.root.Raw, Now: now})
	require.NoError(t, err, "a DER root works too")

	other := newMDS(t)
	_, err = passkey.LoadMetadata(ca.blob(t), passkey.MetadataConfig{Root: other.rootPEM, Now: now})
	require.ErrorIs(t, err, passkey.ErrAttestation, "signed under another root")
	_, err = passkey.LoadMetadata(ca.blob(t), passkey.MetadataConfig{Now: now})
	require.ErrorIs(t, err, passkey.ErrConfig, "no root")

	tampered := ca.blob(t)
	tampered[len(tampered)/2] ^= 1
	_, err = passkey.LoadMetadata(tampered, passkey.MetadataConfig{Root: ca.rootPEM, Now: now})
	require.Error(t, err)
	_, err = passkey.LoadMetadata([]byte("not a jwt"), passkey.MetadataConfig{Root: ca.rootPEM, Now: now})
	require.Error(t, err)

	ca.nextDate = "2026-02-01"
	_, err = passkey.LoadMetadata(ca.blob(t), passkey.MetadataConfig{Root: ca.rootPEM, Now: now})
	require.ErrorIs(t, err, passkey.ErrAttestation, "stale")
	_, err = passkey.LoadMetadata(ca.blob(t), passkey.MetadataConfig{Root: ca.rootPEM, Now: now, InsecureAllowStale: true})
	require.NoError(t, err)

	empty := newMDS(t)
	_, err = passkey.LoadMetadata(empty.blob(t), passkey.MetadataConfig{Root: empty.rootPEM, Now: now})
	require.ErrorIs(t, err, passkey.ErrAttestation, "lists nothing")
}

// TestEnrolmentWithMetadata: with the Metadata Service configured, a
// certified model enrols; a revoked or unlisted model, or a registration
// without an attestation statement, is refused.
func TestEnrolmentWithMetadata(t *testing.T) {
	certified, revoked, unlisted := [16]byte{0xce, 1}, [16]byte{0xde, 2}, [16]byte{0xee, 3}
	ca := newMDS(t)
	ca.add(certified, "FIDO_CERTIFIED_L1")
	ca.add(revoked, "REVOKED")
	md, err := passkey.LoadMetadata(ca.blob(t), passkey.MetadataConfig{Root: ca.rootPEM, Now: func() time.Time { return t0 }})
	require.NoError(t, err)
	e := newEnv(t, func(c *passkey.Config) { c.Metadata = md; c.Attestation = passkey.AttestationDirect })

	enrol := func(aaguid [16]byte, edit func(json.RawMessage) json.RawMessage) (*passkey.Credential, error) {
		d := newDevice(virtualwebauthn.AuthenticatorOptions{})
		d.auth.Aaguid = aaguid
		reg, err := e.pk.BeginRegistration(context.Background(), passkey.RegistrationRequest{Result: e.ecpResult(alice), Binding: binding})
		require.NoError(t, err)
		var o struct {
			PublicKey struct {
				Attestation string `json:"attestation"`
			} `json:"publicKey"`
		}
		require.NoError(t, json.Unmarshal(reg.Options, &o))
		assert.Equal(t, "direct", o.PublicKey.Attestation)
		resp := d.attest(t, e.rp, reg.Options)
		if edit != nil {
			resp = edit(resp)
		}
		return e.pk.FinishRegistration(context.Background(), reg.ID, binding, resp)
	}
	d := newDevice(virtualwebauthn.AuthenticatorOptions{})
	d.auth.Aaguid = certified
	cred, err := e.enrolDevice(alice, d)
	require.NoError(t, err)
	assert.Equal(t, certified, cred.AAGUID)
	assert.Equal(t, "basic_surrogate", cred.AttestationType)
	flow, opts := e.loginFlow(alice)
	_, err = e.finish(flow, d.assert(t, e.rp, opts))
	require.NoError(t, err)

	// Next month's BLOB revokes the model: its credentials stop logging in.
	later := newMDS(t)
	later.add(certified, "REVOKED")
	md2, err := passkey.LoadMetadata(later.blob(t), passkey.MetadataConfig{Root: later.rootPEM, Now: func() time.Time { return t0 }})
	require.NoError(t, err)
	pk2, err := passkey.New(passkey.Config{RPID: rpID, Origins: []string{origin}, Store: e.store, Credentials: e.creds,
		Attachment: passkey.AttachmentAny, Attestation: passkey.AttestationDirect, Metadata: md2, Now: e.clock.Now})
	require.NoError(t, err)
	e.pk, e.eng = pk2, newEngine(t, e, pk2)
	d.cred.Counter++
	flow, opts = e.loginFlow(alice)
	_, err = e.finish(flow, d.assert(t, e.rp, opts))
	require.ErrorIs(t, err, passkey.ErrModelRevoked)
	require.ErrorIs(t, err, auth.ErrRevoked)
	e.pk, e.eng = nil, nil
	e = newEnv(t, func(c *passkey.Config) { c.Metadata = md; c.Attestation = passkey.AttestationDirect })

	_, err = enrol(revoked, nil)
	require.ErrorIs(t, err, passkey.ErrAttestation)
	_, err = enrol(unlisted, nil)
	require.ErrorIs(t, err, passkey.ErrAttestation)
	_, err = enrol(certified, func(r json.RawMessage) json.RawMessage {
		return edit(t, r, func(m map[string]any) {
			response(m)["attestationObject"] = noneAttestation(t, response(m)["attestationObject"].(string))
		})
	})
	require.ErrorIs(t, err, passkey.ErrAttestation, "no attestation statement")

	st := e.store
	_, err = passkey.New(passkey.Config{RPID: rpID, Origins: []string{origin}, Store: st, Credentials: e.creds, Metadata: md})
	require.ErrorIs(t, err, passkey.ErrConfig, "metadata needs direct attestation")
}

// noneAttestation rewrites a base64url attestation object to format "none",
// as a browser does for attestation "none".
func noneAttestation(t *testing.T, b64obj string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(b64obj)
	require.NoError(t, err)
	var obj map[string]any
	require.NoError(t, cbor.Unmarshal(b, &obj))
	obj["fmt"] = "none"
	obj["attStmt"] = map[string]any{}
	b, err = cbor.Marshal(obj)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(b)
}
