package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// Golden tests over the real NCA test material in ../shared/testdata/kz-nca
// (required when CI=true, skipped otherwise). The clocks are fixed (--at),
// so the outputs stay the same after the test certificates expire.

const (
	ncaAt       = "2026-11-23T12:00:00Z" // inside the GOST-2015 keys' validity and the CRL's
	ncaPassword = "Qwerty12"
)

var ncaContent = []byte("strongauth NCA golden test\n")

// ncaFile returns the path of a kz-nca file, failing (CI) or skipping when
// it is missing.
func ncaFile(t *testing.T, rel string) string {
	t.Helper()
	sigtest.ReadFile(t, "kz-nca/"+rel)
	return filepath.Join(sigtest.Root(t), "kz-nca", filepath.FromSlash(rel))
}

// ncaIdentities is what the kz-nca README documents for every certificate.
var ncaIdentities = []struct {
	file     string
	iin, bin string
	roles    []signature.Role
	ca       bool
}{
	{"ca/root_test_gost_2022.cer", "", "", nil, true},
	{"ca/nca_gost2022_test.cer", "", "", nil, true},
	{"keys/individual_valid.cert.pem", "123456789011", "", []signature.Role{signature.RoleIndividual}, false},
	{"keys/individual_valid.p12", "123456789011", "", []signature.Role{signature.RoleIndividual}, false},
	{"keys/individual_revoked.cert.pem", "123456789011", "", []signature.Role{signature.RoleIndividual}, false},
	{"keys/individual_revoked.p12", "123456789011", "", []signature.Role{signature.RoleIndividual}, false},
	{"keys/legal_head_valid.cert.pem", "123456789011", "123456789021", []signature.Role{signature.RoleLegalEntity, signature.RoleFirstHead}, false},
	{"keys/legal_head_valid.p12", "123456789011", "123456789021", []signature.Role{signature.RoleLegalEntity, signature.RoleFirstHead}, false},
	{"keys/legal_head_revoked.cert.pem", "123456789011", "123456789021", []signature.Role{signature.RoleLegalEntity, signature.RoleFirstHead}, false},
	{"keys/legal_head_revoked.p12", "123456789011", "123456789021", []signature.Role{signature.RoleLegalEntity, signature.RoleFirstHead}, false},
	{"legacy/ca/nca_rsa_test.crt", "", "", nil, true},
	{"legacy/ca/nca_gost_test.crt", "", "", nil, true},
	{"legacy/certs/ceo_valid_sign_2004_gost.cer", "123456789011", "123456789021", []signature.Role{signature.RoleLegalEntity, signature.RoleFirstHead}, false},
	{"legacy/certs/individual_valid_sign_2004_rsa.cer", "123456789011", "", []signature.Role{signature.RoleIndividual}, false},
	{"legacy/certs/individual_valid_sign_2004_rsa_auth.cer", "123456789011", "", []signature.Role{signature.RoleIndividual}, false},
	{"legacy/keys/key_ceo_sign_revoked_2004.cert.pem", "123456789011", "123456789021", []signature.Role{signature.RoleLegalEntity, signature.RoleFirstHead}, false},
	{"legacy/keys/key_ceo_sign_revoked_2004.p12", "123456789011", "123456789021", []signature.Role{signature.RoleLegalEntity, signature.RoleFirstHead}, false},
	{"legacy/keys/key_individual_valid_sign_2004.cert.pem", "123456789011", "", []signature.Role{signature.RoleIndividual}, false},
	{"legacy/keys/key_individual_valid_sign_2004.p12", "123456789011", "", []signature.Role{signature.RoleIndividual}, false},
	{"legacy/keys/key_individual_auth_revoked_2004.cert.pem", "123456789011", "", []signature.Role{signature.RoleIndividual}, false},
	{"legacy/keys/key_individual_auth_revoked_2004.p12", "123456789011", "", []signature.Role{signature.RoleIndividual}, false},
	{"legacy/keys/key_individual_sign_revoked_2004.cert.pem", "123456789011", "", []signature.Role{signature.RoleIndividual}, false},
	{"legacy/keys/key_individual_sign_revoked_2004.p12", "123456789011", "", []signature.Role{signature.RoleIndividual}, false},
}

// `strongauth cert` on every NCA certificate and key file prints the
// documented IIN, BIN and roles; the whole output is a golden file.
func TestGoldenNCACert(t *testing.T) {
	args := []string{"cert", "--password", ncaPassword, "--at", ncaAt}
	for _, c := range ncaIdentities {
		args = append(args, ncaFile(t, c.file))
	}
	code, out, errOut := runCmd(args...)
	require.Equal(t, exitOK, code, errOut)
	var got certOutput
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.Len(t, got.Certificates, len(ncaIdentities))
	for i, c := range ncaIdentities {
		g := got.Certificates[i]
		require.NotNil(t, g.Identity, c.file)
		assert.Equal(t, c.iin, g.Identity.IIN, c.file)
		assert.Equal(t, c.bin, g.Identity.BIN, c.file)
		assert.Equal(t, c.roles, g.Identity.Roles, c.file)
		assert.Equal(t, c.ca, g.IsCA, c.file)
		if strings.HasSuffix(c.file, ".p12") {
			assert.Equal(t, "pkcs12", g.Format, c.file)
			assert.Equal(t, got.Certificates[i-1].SHA256, g.SHA256, "%s holds the certificate of the .cert.pem beside it", c.file)
		}
	}
	golden(t, "cert_nca.json", out)
}

// A wrong password for a real NCA .p12 is refused with bad_password.
func TestNCACertWrongPassword(t *testing.T) {
	code, out, _ := runCmd("cert", "--password", "Qwerty13", ncaFile(t, "keys/individual_valid.p12"))
	assert.Equal(t, exitInvalid, code)
	var got certOutput
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.NotNil(t, got.Error)
	assert.Equal(t, "bad_password", got.Error.Code)
	assert.NotContains(t, out, "Qwerty")
}

// signNCA signs ncaContent (detached) with a real NCA key and writes it.
func signNCA(t *testing.T, dir, rel string, curve *gost.Curve, at time.Time) string {
	t.Helper()
	leaf := sigtest.NCAKey(t, rel, curve)
	cms, err := leaf.SignCMS(ncaContent, devpki.CMSOptions{SigningTime: at.Add(-time.Minute)})
	require.NoError(t, err)
	return writeFile(t, dir, filepath.Base(rel)+".cms", devpki.PEM(cms))
}

// `strongauth verify` with the real test CRL (offline) accepts the valid
// GOST-2015 keys' signatures and refuses the revoked ones with "revoked",
// reason certificateHold. The issuing NCA is the trust anchor: the root's
// CRL is not in the test material, so the intermediate itself could not be
// checked offline.
func TestGoldenNCAVerifyCRL(t *testing.T) {
	at, err := time.Parse(time.RFC3339, ncaAt)
	require.NoError(t, err)
	dir := t.TempDir()
	data := writeFile(t, dir, "data", ncaContent)
	for name, revoked := range map[string]bool{"individual_valid": false, "legal_head_valid": false, "individual_revoked": true, "legal_head_revoked": true} {
		t.Run(name, func(t *testing.T) {
			cms := signNCA(t, dir, "keys/"+name, gost.CurveTC26512A(), at)
			code, out, _ := runCmd("verify", "--roots", ncaFile(t, "ca/nca_gost2022_test.cer"), "--revocation", "crl",
				"--crl", ncaFile(t, "crl/nca_gost2022_test.crl"), "--at", ncaAt, "--data", data, cms)
			var v verifyOutput
			require.NoError(t, json.Unmarshal([]byte(out), &v))
			if revoked {
				require.Equal(t, exitInvalid, code)
				require.NotNil(t, v.Error)
				assert.Equal(t, "revoked", v.Error.Code)
				require.NotNil(t, v.Error.Revocation)
				assert.Equal(t, "certificateHold", v.Error.Revocation.ReasonName)
				assert.Equal(t, "crl", v.Error.Revocation.Source)
				assert.Equal(t, "123456789011", v.Signers[0].Identity.IIN)
			} else {
				require.Equal(t, exitOK, code, "%+v", v.Error)
				assert.True(t, v.Valid)
				assert.Equal(t, "good", v.Signers[0].Revocation[0].Status)
				assert.Equal(t, "GOST 34.10-2015 512 (KZ)", v.Signers[0].Algorithm)
			}
			golden(t, "verify_nca_"+name+".json", out)
		})
	}
}

// The full NCA chain (root and intermediate) at a fixed clock, without
// revocation: a chain of three.
func TestGoldenNCAVerifyChain(t *testing.T) {
	at, err := time.Parse(time.RFC3339, ncaAt)
	require.NoError(t, err)
	dir := t.TempDir()
	cms := signNCA(t, dir, "keys/legal_head_valid", gost.CurveTC26512A(), at)
	code, out, _ := runCmd("verify", "--roots", ncaFile(t, "ca/root_test_gost_2022.cer"), "--intermediates", ncaFile(t, "ca/nca_gost2022_test.cer"),
		"--revocation", "none", "--purpose", "login", "--at", ncaAt, "--data", writeFile(t, dir, "data", ncaContent), cms)
	require.Equal(t, exitOK, code, out)
	var v verifyOutput
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	assert.Len(t, v.Signers[0].Chain, 3)
	golden(t, "verify_nca_chain.json", out)

	// After the certificate expired (at the verifier's clock), refused.
	code, out, _ = runCmd("verify", "--roots", ncaFile(t, "ca/root_test_gost_2022.cer"), "--intermediates", ncaFile(t, "ca/nca_gost2022_test.cer"),
		"--revocation", "none", "--at", "2027-06-01T00:00:00Z", "--data", writeFile(t, dir, "data", ncaContent), cms)
	assert.Equal(t, exitInvalid, code)
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	assert.Equal(t, "certificate_expired", v.Error.Code)
}

// The legacy RSA generation, at a clock inside its validity: a SIGN key's
// signature verifies; the revoked AUTH and SIGN keys are refused with
// "revoked" (superseded) by the legacy CRL, which was current then.
func TestGoldenNCAVerifyLegacyRSA(t *testing.T) {
	dir := t.TempDir()
	data := writeFile(t, dir, "data", ncaContent)
	anchor := ncaFile(t, "legacy/ca/nca_rsa_test.crt")

	at := time.Date(2021, 6, 1, 12, 0, 0, 0, time.UTC)
	cms := signNCA(t, dir, "legacy/keys/key_individual_valid_sign_2004", nil, at)
	code, out, _ := runCmd("verify", "--roots", anchor, "--revocation", "none", "--at", at.Format(time.RFC3339), "--data", data, cms)
	require.Equal(t, exitOK, code, out)
	golden(t, "verify_nca_legacy_rsa_sign.json", out)

	at = time.Date(2022, 6, 1, 12, 0, 0, 0, time.UTC)
	for name, purpose := range map[string]string{"key_individual_auth_revoked_2004": "login", "key_individual_sign_revoked_2004": "sign"} {
		cms := signNCA(t, dir, "legacy/keys/"+name, nil, at)
		code, out, _ := runCmd("verify", "--roots", anchor, "--revocation", "crl", "--crl", ncaFile(t, "legacy/crl/nca_rsa_test.crl"),
			"--purpose", purpose, "--at", at.Format(time.RFC3339), "--data", data, cms)
		assert.Equal(t, exitInvalid, code, name)
		var v verifyOutput
		require.NoError(t, json.Unmarshal([]byte(out), &v))
		require.NotNil(t, v.Error, name)
		assert.Equal(t, "revoked", v.Error.Code, name)
		assert.Equal(t, "superseded", v.Error.Revocation.ReasonName, name)
	}
}

// GOST 34.310-2004: a signature by the real CEO key (CryptoPro-A curve,
// GOST 34.311-95), at a clock inside its validity. Anchored at a GOST-2015
// root, the chain cannot be built: the refusal is chain_untrusted — the
// signature itself verified (not bad_signature), and the signer is named.
// With its CA, see TestGoldenNCAVerifyGOST2004Chain.
func TestGoldenNCAVerifyGOST2004(t *testing.T) {
	at := time.Date(2022, 6, 1, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	cms := signNCA(t, dir, "legacy/keys/key_ceo_sign_revoked_2004", gost.CurveCryptoProA(), at)
	code, out, _ := runCmd("verify", "--roots", ncaFile(t, "ca/root_test_gost_2022.cer"), "--revocation", "none",
		"--at", at.Format(time.RFC3339), "--data", writeFile(t, dir, "data", ncaContent), cms)
	assert.Equal(t, exitInvalid, code)
	var v verifyOutput
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	assert.Equal(t, "chain_untrusted", v.Error.Code)
	require.Len(t, v.Signers, 1)
	assert.Equal(t, "GOST 34.310-2004 (KZ)", v.Signers[0].Algorithm)
	assert.Equal(t, "123456789021", v.Signers[0].Identity.BIN)
	golden(t, "verify_nca_gost2004_no_ca.json", out)

	// The same signature over other content fails on its digest, before
	// any chain: the GOST-2004 digest and signature are really checked.
	code, out, _ = runCmd("verify", "--roots", ncaFile(t, "ca/root_test_gost_2022.cer"), "--revocation", "none",
		"--at", at.Format(time.RFC3339), "--data", writeFile(t, dir, "other", []byte("other")), cms)
	assert.Equal(t, exitInvalid, code)
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	assert.Equal(t, "digest_mismatch", v.Error.Code)
}

// With its CA ҰКО 3.0 (GOST TEST) (legacy/ca/nca_gost_test.crt) as the
// anchor, the real GOST-2004 signature verifies at a clock inside its
// validity — a chain of two GOST 34.310-2004 certificates — and the legacy
// GOST CRL, current then, refuses it as revoked (superseded). As a SIGN key
// (policy 1.2.398.3.3.2.1) it cannot log in.
func TestGoldenNCAVerifyGOST2004Chain(t *testing.T) {
	at := time.Date(2022, 6, 1, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	ca := ncaFile(t, "legacy/ca/nca_gost_test.crt")
	data := writeFile(t, dir, "data", ncaContent)
	cms := signNCA(t, dir, "legacy/keys/key_ceo_sign_revoked_2004", gost.CurveCryptoProA(), at)
	code, out, _ := runCmd("verify", "--roots", ca, "--revocation", "none", "--at", at.Format(time.RFC3339),
		"--data", data, "--bin", "123456789021", "--require-role", "first_head", cms)
	require.Equal(t, exitOK, code, out)
	var v verifyOutput
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	require.Len(t, v.Signers[0].Chain, 2)
	assert.Equal(t, "1236E8F1619123D1E96F00E56791F855E2DCB457", v.Signers[0].Chain[1].Serial)
	golden(t, "verify_nca_gost2004_chain.json", out)

	code, out, _ = runCmd("verify", "--roots", ca, "--revocation", "crl", "--crl", ncaFile(t, "legacy/crl/nca_gost_test.crl"),
		"--at", at.Format(time.RFC3339), "--data", data, cms)
	require.Equal(t, exitInvalid, code, out)
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	require.NotNil(t, v.Error)
	assert.Equal(t, "revoked", v.Error.Code)
	assert.Equal(t, "superseded", v.Error.Revocation.ReasonName)
	assert.Equal(t, "12E3E7B9966D09EB9CDA64251457E815C2A8DDED", v.Error.Revocation.Serial)
	golden(t, "verify_nca_gost2004_revoked.json", out)

	code, out, _ = runCmd("verify", "--roots", ca, "--revocation", "none", "--purpose", "login", "--at", at.Format(time.RFC3339), "--data", data, cms)
	assert.Equal(t, exitInvalid, code)
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	assert.Equal(t, "key_usage", v.Error.Code)
	assert.Contains(t, v.Error.Message, "1.2.398.3.3.2.1")
}

// The README's example of --bin and --require-role, on the real GOST-2015
// first head's key.
func TestNCAVerifyRequireRole(t *testing.T) {
	at, err := time.Parse(time.RFC3339, ncaAt)
	require.NoError(t, err)
	dir := t.TempDir()
	data := writeFile(t, dir, "data", ncaContent)
	cms := signNCA(t, dir, "keys/legal_head_valid", gost.CurveTC26512A(), at)
	args := []string{"verify", "--roots", ncaFile(t, "ca/nca_gost2022_test.cer"), "--revocation", "none", "--at", ncaAt, "--data", data, "--bin", "123456789021"}
	code, out, _ := runCmd(append(args, "--require-role", "first_head,right_to_sign", cms)...)
	require.Equal(t, exitOK, code, out)
	code, out, _ = runCmd(append(args, "--require-role", "hr", cms)...)
	require.Equal(t, exitInvalid, code, out)
	var v verifyOutput
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	assert.Equal(t, &errorJSON{Code: "not_allowed", Message: "signer 0: signature: signer not allowed: one of the roles [hr] is required"}, v.Error)
}
