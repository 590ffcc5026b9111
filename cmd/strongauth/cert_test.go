package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// certJSON runs cert and decodes its JSON, which must always be there.
func runCertJSON(t testing.TB, args ...string) (int, certOutput) {
	t.Helper()
	code, out, _ := runCmd(append([]string{"cert"}, args...)...)
	var c certOutput
	require.NoError(t, json.Unmarshal([]byte(out), &c), "stdout must be JSON: %q", out)
	require.NotNil(t, c.Certificates)
	return code, c
}

// cert prints the identity, roles, key usage, EKU and policy names of
// every kind of development certificate, from PEM bundles and DER.
func TestCertKinds(t *testing.T) {
	p := pkis.Get(t, devpki.GOST2015)
	dir := t.TempDir()
	bundle := writeFile(t, dir, "all.pem", devpki.CertificatePEM(p.Individual.Cert, p.Head.Cert, p.RightToSign.Cert, p.Employee.Cert, p.InfoSystem.Cert, p.Hardware.Cert))
	der := writeFile(t, dir, "ca.der", p.CA.Cert.Raw)
	code, res := runCertJSON(t, "--at", testAtText, bundle, der)
	require.Equal(t, exitOK, code, "%+v", res.Error)
	require.Len(t, res.Certificates, 7)
	want := []struct {
		iin, bin string
		roles    []signature.Role
		storage  signature.KeyStorage
	}{
		{sigtest.IIN, "", []signature.Role{signature.RoleIndividual}, signature.KeyStorageFile},
		{sigtest.IIN, sigtest.BIN, []signature.Role{signature.RoleLegalEntity, signature.RoleFirstHead}, signature.KeyStorageFile},
		{sigtest.IINEmployee, sigtest.BIN, []signature.Role{signature.RoleLegalEntity, signature.RoleRightToSign}, signature.KeyStorageFile},
		{sigtest.IINEmployee, sigtest.BIN, []signature.Role{signature.RoleLegalEntity, signature.RoleEmployee}, signature.KeyStorageFile},
		{"", sigtest.BIN, []signature.Role{signature.RoleLegalEntity, signature.RoleInformationSystem}, signature.KeyStorageFile},
		{sigtest.IIN, "", []signature.Role{signature.RoleIndividual}, signature.KeyStorageUnknown}, // the placeholder token OID is not mapped
		{"", "", nil, signature.KeyStorageUnknown},
	}
	for i, w := range want {
		c := res.Certificates[i]
		require.NotNil(t, c.Identity, i)
		assert.Equal(t, w.iin, c.Identity.IIN, i)
		assert.Equal(t, w.bin, c.Identity.BIN, i)
		assert.Equal(t, w.roles, c.Identity.Roles, i)
		assert.Equal(t, w.storage, c.Identity.KeyStorage, i)
		assert.False(t, c.Expired, i)
		assert.Equal(t, "GOST 34.10-2015 512 (KZ)", c.SignatureAlgorithm, i)
	}
	head := res.Certificates[1]
	assert.Equal(t, "pem", head.Format)
	assert.Equal(t, []string{"digitalSignature", "nonRepudiation", "keyAgreement"}, head.KeyUsage)
	assert.Equal(t, []oidJSON{{signature.OIDEmailProtection, "emailProtection"}, {signature.OIDRoleLegalEntity, "legal entity (юридическое лицо)"},
		{signature.OIDRoleFirstHead, "first head (первый руководитель)"}}, head.ExtKeyUsage)
	assert.Equal(t, []oidJSON{{"1.2.398.3.3.2", "NCA GOST-2015 registration certificate policy"}}, head.Policies)
	assert.Contains(t, head.Subject, "GN=ТЕСТОВИЧ")
	ca := res.Certificates[6]
	assert.Equal(t, "der", ca.Format)
	assert.True(t, ca.IsCA)
	require.NotNil(t, ca.MaxPathLen)
	assert.Equal(t, 0, *ca.MaxPathLen)
	assert.Equal(t, []string{"keyCertSign", "cRLSign"}, ca.KeyUsage)

	// Expiry is judged at --at.
	code, res = runCertJSON(t, "--at", "2040-01-01T00:00:00Z", der)
	require.Equal(t, exitOK, code)
	assert.True(t, res.Certificates[0].Expired)
	code, res = runCertJSON(t, "--at", "2000-01-01T00:00:00Z", der)
	require.Equal(t, exitOK, code)
	assert.True(t, res.Certificates[0].NotYetValid)
}

// Unreadable input is refused with a code; bad invocations exit 2.
func TestCertRefusals(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct {
		args []string
		exit int
		code string
	}{
		"garbage":              {[]string{writeFile(t, dir, "g", []byte("not a certificate"))}, exitInvalid, "malformed"},
		"truncated DER":        {[]string{writeFile(t, dir, "t", pkis.Get(t, devpki.ECDSAP256).Individual.Cert.Raw[:100])}, exitInvalid, "malformed"},
		"PEM of a key":         {[]string{writeFile(t, dir, "k", []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))}, exitInvalid, "malformed"},
		"no file":              {nil, exitUsage, codeUsage},
		"missing file":         {[]string{filepath.Join(dir, "nope")}, exitUsage, codeIO},
		"two password sources": {[]string{"--password", "a", "--password-file", "b", writeFile(t, dir, "x", nil)}, exitUsage, codeUsage},
		"bad --at":             {[]string{"--at", "soon", writeFile(t, dir, "y", nil)}, exitUsage, codeUsage},
		"unknown flag":         {[]string{"--nope"}, exitUsage, codeUsage},
	} {
		t.Run(name, func(t *testing.T) {
			code, res := runCertJSON(t, c.args...)
			assert.Equal(t, c.exit, code)
			require.NotNil(t, res.Error)
			assert.Equal(t, c.code, res.Error.Code, res.Error.Message)
			assert.Empty(t, res.Certificates)
		})
	}
	code, out, _ := runCmd("cert", "--help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "Examples:")
}
