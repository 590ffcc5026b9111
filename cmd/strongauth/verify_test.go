package main

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// A valid signature verifies for every algorithm and every input form, and
// the JSON says who signed, in what role, with which chain.
func TestVerifyValid(t *testing.T) {
	for _, alg := range []devpki.Algorithm{devpki.GOST2015, devpki.RSA2048, devpki.ECDSAP256} {
		t.Run(string(alg), func(t *testing.T) {
			p := pkis.Get(t, alg)
			dir, roots, inters := pkiFiles(t, p)
			data := writeFile(t, dir, "data", content)
			der, err := p.Head.SignCMS(content, devpki.CMSOptions{SigningTime: testAt()})
			require.NoError(t, err)
			attached, err := p.Head.SignCMS(content, devpki.CMSOptions{SigningTime: testAt(), Attached: true, BER: true})
			require.NoError(t, err)
			forms := map[string][]string{
				"detached DER":    {"--data", data, writeFile(t, dir, "d.der", der)},
				"detached PEM":    {"--data", data, writeFile(t, dir, "d.pem", devpki.PEM(der))},
				"detached base64": {"--data", data, writeFile(t, dir, "d.b64", []byte(base64.StdEncoding.EncodeToString(der)))},
				"attached BER":    {writeFile(t, dir, "a.ber", attached)},
			}
			for name, args := range forms {
				code, v, _ := verifyJSON(t, append([]string{"--roots", roots, "--intermediates", inters, "--at", testAtText, "--revocation", "none"}, args...)...)
				require.Equal(t, exitOK, code, name)
				assert.True(t, v.Valid, name)
				assert.Nil(t, v.Error)
				assert.Equal(t, "sign", v.Purpose)
				assert.Equal(t, len(content), v.ContentSize)
				assert.Equal(t, name != "attached BER", v.Detached, name)
				require.Len(t, v.Signers, 1)
				s := v.Signers[0]
				assert.True(t, s.Verified)
				assert.Equal(t, sigtest.IIN, s.Identity.IIN)
				assert.Equal(t, sigtest.BIN, s.Identity.BIN)
				assert.Equal(t, "ТЕСТОВ ТЕСТ", s.Identity.CommonName)
				assert.Equal(t, "ТЕСТОВИЧ", s.Identity.GivenName)
				assert.Equal(t, sigtest.Organization, s.Identity.Organization)
				assert.Equal(t, "test@example.kz", s.Identity.Email)
				assert.Equal(t, []signature.Role{signature.RoleLegalEntity, signature.RoleFirstHead}, s.Identity.Roles)
				assert.Equal(t, signature.KeyStorageFile, s.Identity.KeyStorage)
				assert.Len(t, s.Chain, 3)
				assert.Equal(t, strings.ToUpper(p.Head.Cert.SerialNumber.Text(16)), s.Certificate.Serial)
				assert.False(t, s.RevocationChecked)
				require.NotNil(t, s.SigningTime)
				assert.True(t, testAt().Equal(*s.SigningTime))
				assert.NotEmpty(t, s.Algorithm)
			}
		})
	}
}

// A CRL file decides revocation offline: the valid leaf passes with the
// CRL's answer, the revoked one (certificateHold) is refused with code
// "revoked", the reason, and who the signature claims to be from.
func TestVerifyCRL(t *testing.T) {
	p := pkis.Get(t, devpki.ECDSAP256)
	dir, roots, inters := pkiFiles(t, p)
	held, err := p.CA.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "Отозванов", Name: "Тест", IIN: sigtest.IINEmployee})
	require.NoError(t, err)
	caCRL, err := p.CA.CRL(devpki.CRLOptions{Number: 7, ThisUpdate: sigtest.Epoch(), NextUpdate: sigtest.Epoch().AddDate(0, 1, 0),
		Revoked: []devpki.Revoked{{Serial: held.Cert.SerialNumber, At: sigtest.Epoch(), Reason: 6}}})
	require.NoError(t, err)
	rootCRL, err := p.Root.CRL(devpki.CRLOptions{Number: 1, ThisUpdate: sigtest.Epoch(), NextUpdate: sigtest.Epoch().AddDate(0, 1, 0)})
	require.NoError(t, err)
	crls := []string{"--crl", writeFile(t, dir, "ca.crl", caCRL), "--crl", writeFile(t, dir, "root.crl", rootCRL)}
	data := writeFile(t, dir, "data", content)
	args := append([]string{"--roots", roots, "--intermediates", inters, "--at", testAtText, "--revocation", "crl", "--data", data}, crls...)

	code, v, _ := verifyJSON(t, append(args, signTo(t, dir, "ok.cms", p.Individual, content, devpki.CMSOptions{}))...)
	require.Equal(t, exitOK, code, "%+v", v.Error)
	s := v.Signers[0]
	assert.True(t, s.RevocationChecked)
	require.Len(t, s.Revocation, 2, "the leaf and the intermediate")
	assert.Equal(t, "crl", s.Revocation[0].Source)
	assert.Equal(t, "good", s.Revocation[0].Status)
	assert.Equal(t, s.Certificate.Serial, s.Revocation[0].Serial)
	assert.Equal(t, s.Chain[1].Serial, s.Revocation[1].Serial)

	code, v, errOut := verifyJSON(t, append(args, signTo(t, dir, "held.cms", held, content, devpki.CMSOptions{}))...)
	require.Equal(t, exitInvalid, code)
	assert.False(t, v.Valid)
	require.NotNil(t, v.Error)
	assert.Equal(t, "revoked", v.Error.Code)
	require.NotNil(t, v.Error.Revocation)
	assert.Equal(t, 6, v.Error.Revocation.Reason)
	assert.Equal(t, "certificateHold", v.Error.Revocation.ReasonName)
	assert.True(t, sigtest.Epoch().Equal(v.Error.Revocation.RevokedAt))
	require.NotNil(t, v.Error.Certificate)
	assert.Equal(t, 0, v.Error.Certificate.Index)
	require.Len(t, v.Signers, 1)
	assert.False(t, v.Signers[0].Verified, "a refused signer is only a claim")
	assert.Equal(t, sigtest.IINEmployee, v.Signers[0].Identity.IIN)
	require.Len(t, v.Signers[0].Revocation, 1)
	assert.Equal(t, "revoked", v.Signers[0].Revocation[0].Status)
	assert.Contains(t, errOut, "INVALID")

	// Without the root's CRL the intermediate cannot be checked offline:
	// refused, never waved through.
	code, v, _ = verifyJSON(t, "--roots", roots, "--intermediates", inters, "--at", testAtText, "--revocation", "crl", "--data", data,
		"--crl", filepath.Join(dir, "ca.crl"), filepath.Join(dir, "ok.cms"))
	assert.Equal(t, exitInvalid, code)
	assert.Equal(t, "revocation_unavailable", v.Error.Code)
	assert.Equal(t, 1, v.Error.Certificate.Index)

	// The issuing CA as the anchor needs its CRL only.
	code, v, _ = verifyJSON(t, "--roots", inters, "--at", testAtText, "--revocation", "crl", "--data", data,
		"--crl", filepath.Join(dir, "ca.crl"), filepath.Join(dir, "ok.cms"))
	assert.Equal(t, exitOK, code, "%+v", v.Error)
	assert.Len(t, v.Signers[0].Chain, 2)

	// After the CRL's nextUpdate it is no answer.
	code, v, _ = verifyJSON(t, append([]string{"--roots", roots, "--intermediates", inters, "--at", sigtest.Epoch().AddDate(0, 2, 0).Format(time.RFC3339),
		"--revocation", "crl", "--data", data, filepath.Join(dir, "ok.cms")}, crls...)...)
	assert.Equal(t, exitInvalid, code)
	assert.Equal(t, "revocation_unavailable", v.Error.Code)
}

// The refusals of the ECP issue's table, each with its stable code and
// exit status 1, and the signer's claims where the CMS names one.
func TestVerifyRefusals(t *testing.T) {
	p := pkis.Get(t, devpki.ECDSAP256)
	other := pkis.Get(t, devpki.GOST2015)
	dir, roots, inters := pkiFiles(t, p)
	data := writeFile(t, dir, "data", content)
	otherData := writeFile(t, dir, "other", []byte("other content"))
	sign := func(name string, leaf *devpki.Leaf, o devpki.CMSOptions) string {
		return signTo(t, dir, name, leaf, content, o)
	}
	good := sign("good.cms", p.Individual, devpki.CMSOptions{})
	tampered, err := os.ReadFile(good)
	require.NoError(t, err)
	tampered[len(tampered)-1] ^= 1
	noKeyUsage, err := p.CA.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "А", Name: "Б", IIN: sigtest.IIN, KeyUsage: x509.KeyUsageKeyEncipherment})
	require.NoError(t, err)
	cases := []struct {
		name  string
		args  []string
		code  string
		claim bool // the refusal names the signer
	}{
		{"garbage", []string{writeFile(t, dir, "garbage", []byte("hello, I am a signature"))}, "malformed", false},
		{"empty", []string{writeFile(t, dir, "empty", nil)}, "malformed", false},
		{"a certificate", []string{writeFile(t, dir, "cert", p.Individual.Cert.Raw)}, "malformed", false},
		{"other content", []string{"--data", otherData, good}, "digest_mismatch", true},
		{"detached without --data", []string{good}, "content_mismatch", true},
		{"tampered signature", []string{"--data", data, writeFile(t, dir, "tampered", tampered)}, "bad_signature", true},
		{"unknown root", []string{"--data", data, sign("other.cms", other.Individual, devpki.CMSOptions{})}, "chain_untrusted", true},
		{"expired", []string{"--data", data, "--at", p.Individual.Cert.NotAfter.Add(time.Hour).Format(time.RFC3339), good}, "certificate_expired", true},
		{"not yet valid", []string{"--data", data, "--at", p.Individual.Cert.NotBefore.Add(-time.Hour).Format(time.RFC3339), good}, "certificate_not_yet_valid", true},
		{"AUTH key for signing", []string{"--data", data, sign("auth.cms", p.LegacyAuth, devpki.CMSOptions{})}, "key_usage", true},
		{"no digitalSignature", []string{"--data", data, sign("noku.cms", noKeyUsage, devpki.CMSOptions{})}, "key_usage", true},
		{"information system for a person's login", []string{"--purpose", "login", "--data", data, sign("is.cms", p.InfoSystem, devpki.CMSOptions{})}, "key_usage", true},
		{"SHA-1", []string{"--data", data, sign("sha1.cms", p.Individual, devpki.CMSOptions{Hash: crypto.SHA1})}, "unsupported_algorithm", true},
		{"no signed attributes", []string{"--data", data, sign("noattr.cms", p.Individual, devpki.CMSOptions{NoSignedAttributes: true})}, "missing_attribute", true},
		{"no signer certificate", []string{"--data", data, sign("nocert.cms", p.Individual, devpki.CMSOptions{NoSignerCertificate: true})}, "signer_not_found", false},
		{"two signers, one allowed", []string{"--data", data, sign("two.cms", p.Individual, devpki.CMSOptions{CoSigners: []*devpki.Leaf{p.Head}})}, "too_many_signers", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"--roots", roots, "--intermediates", inters, "--at", testAtText, "--revocation", "none"}, c.args...)
			code, v, errOut := verifyJSON(t, args...)
			assert.Equal(t, exitInvalid, code)
			assert.False(t, v.Valid)
			require.NotNil(t, v.Error)
			assert.Equal(t, c.code, v.Error.Code, v.Error.Message)
			assert.NotEmpty(t, v.Error.Message)
			assert.Contains(t, errOut, v.Error.Message)
			if c.claim {
				require.NotEmpty(t, v.Signers)
				assert.False(t, v.Signers[0].Verified)
				assert.NotNil(t, v.Signers[0].Certificate)
			}
			for _, s := range v.Signers {
				assert.False(t, s.Verified)
			}
		})
	}

	// Two signers when two are allowed.
	code, v, _ := verifyJSON(t, "--roots", roots, "--intermediates", inters, "--at", testAtText, "--revocation", "none",
		"--allow-signers", "2", "--data", data, filepath.Join(dir, "two.cms"))
	assert.Equal(t, exitOK, code)
	assert.Len(t, v.Signers, 2)
}

// Bad invocations and unreadable files exit 2 with a JSON error (code
// usage, io or config); --help exits 0 with examples.
func TestVerifyUsage(t *testing.T) {
	p := pkis.Get(t, devpki.ECDSAP256)
	dir, roots, inters := pkiFiles(t, p)
	cms := signTo(t, dir, "ok.cms", p.Individual, content, devpki.CMSOptions{Attached: true})
	leafFile := writeFile(t, dir, "leaf.pem", devpki.CertificatePEM(p.Individual.Cert))
	otherCRL, err := pkis.Get(t, devpki.GOST2015).CA.CRL(devpki.CRLOptions{Number: 1})
	require.NoError(t, err)
	cases := map[string]struct {
		args []string
		code string
	}{
		"no CMS":               {[]string{"--roots", roots}, codeUsage},
		"two CMS":              {[]string{"--roots", roots, cms, cms}, codeUsage},
		"no roots":             {[]string{cms}, codeUsage},
		"missing CMS file":     {[]string{"--roots", roots, filepath.Join(dir, "nope")}, codeIO},
		"missing roots file":   {[]string{"--roots", filepath.Join(dir, "nope"), cms}, codeIO},
		"missing data file":    {[]string{"--roots", roots, "--data", filepath.Join(dir, "nope"), cms}, codeIO},
		"roots not a cert":     {[]string{"--roots", cms, cms}, codeUsage},
		"a leaf as root":       {[]string{"--roots", leafFile, "--revocation", "none", cms}, "config"},
		"bad --at":             {[]string{"--roots", roots, "--at", "yesterday", cms}, codeUsage},
		"bad --revocation":     {[]string{"--roots", roots, "--revocation", "maybe", cms}, codeUsage},
		"bad --purpose":        {[]string{"--roots", roots, "--purpose", "anything", cms}, codeUsage},
		"bad --allow-signers":  {[]string{"--roots", roots, "--allow-signers", "0", cms}, codeUsage},
		"--crl with none":      {[]string{"--roots", roots, "--revocation", "none", "--crl", roots, cms}, codeUsage},
		"--crl not a CRL":      {[]string{"--roots", roots, "--revocation", "crl", "--crl", roots, cms}, codeUsage},
		"--crl of another CA":  {[]string{"--roots", roots, "--intermediates", inters, "--revocation", "crl", "--crl", writeFile(t, dir, "o.crl", otherCRL), cms}, codeUsage},
		"unknown flag":         {[]string{"--frobnicate", cms}, codeUsage},
		"flag without a value": {[]string{cms, "--roots"}, codeUsage},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			code, v, errOut := verifyJSON(t, c.args...)
			assert.Equal(t, exitUsage, code)
			require.NotNil(t, v.Error)
			assert.Equal(t, c.code, v.Error.Code, v.Error.Message)
			assert.False(t, v.Valid)
			assert.NotEmpty(t, errOut)
		})
	}
	code, out, _ := runCmd("verify", "--help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "Examples:")
	assert.Contains(t, out, "certificate_expired")
	assert.Contains(t, out, "--revocation")
}

// Time-stamp tokens in the signature are reported, with what verified.
func TestVerifyTimeStamp(t *testing.T) {
	p := pkis.Get(t, devpki.ECDSAP256)
	dir, roots, inters := pkiFiles(t, p)
	tsa, err := p.CA.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "Метка", Name: "Время", IIN: sigtest.IIN, EKU: []string{devpki.OIDTimeStamping}})
	require.NoError(t, err)
	gen := testAt().Add(-30 * time.Second)
	cms := signTo(t, dir, "ts.cms", p.Individual, content, devpki.CMSOptions{Attached: true,
		UnsignedAttributes: devpki.TimeStampAttribute(tsa, devpki.TimeStampOptions{GenTime: gen, Policy: "1.2.3.4.5"})})
	code, v, _ := verifyJSON(t, "--roots", roots, "--intermediates", inters, "--at", testAtText, "--revocation", "none", cms)
	require.Equal(t, exitOK, code)
	require.Len(t, v.Signers[0].TimeStamps, 1)
	ts := v.Signers[0].TimeStamps[0]
	assert.True(t, gen.Equal(ts.GenTime))
	assert.Equal(t, "1.2.3.4.5", ts.Policy)
	assert.True(t, ts.SignatureVerified && ts.ImprintVerified && ts.ChainVerified)
}

// CMS from standard input.
func TestVerifyStdin(t *testing.T) {
	p := pkis.Get(t, devpki.ECDSAP256)
	dir, roots, _ := pkiFiles(t, p)
	cms := signTo(t, dir, "ok.cms", p.Individual, content, devpki.CMSOptions{Attached: true, Chain: true})
	f, err := os.Open(cms)
	require.NoError(t, err)
	defer f.Close()
	old := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = old }()
	code, v, _ := verifyJSON(t, "--roots", roots, "--at", testAtText, "--revocation", "none", "-")
	assert.Equal(t, exitOK, code, "%+v", v.Error)
}

// A signing time claimed after the verification clock (an archive checked
// with --at, a signature made later) is valid but warned about.
func TestVerifyLateSigningTimeWarning(t *testing.T) {
	p := pkis.Get(t, devpki.ECDSAP256)
	dir, roots, inters := pkiFiles(t, p)
	late := signTo(t, dir, "late.cms", p.Individual, content, devpki.CMSOptions{Attached: true, SigningTime: testAt().Add(time.Hour)})
	code, v, _ := verifyJSON(t, "--roots", roots, "--intermediates", inters, "--at", testAtText, "--revocation", "none", late)
	require.Equal(t, exitOK, code)
	require.Len(t, v.Warnings, 1)
	assert.Contains(t, v.Warnings[0], "after the verification time")
	onTime := signTo(t, dir, "ontime.cms", p.Individual, content, devpki.CMSOptions{Attached: true, SigningTime: testAt().Add(time.Minute)})
	code, v, _ = verifyJSON(t, "--roots", roots, "--intermediates", inters, "--at", testAtText, "--revocation", "none", onTime)
	require.Equal(t, exitOK, code)
	assert.Empty(t, v.Warnings, "within the signing-time skew")
}
