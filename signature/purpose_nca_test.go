package signature_test

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// ncaPurposes is the key-purpose rule (see "Key purposes" in the package
// documentation) applied to every certificate of the shared NCA material,
// with the profile that decides it. Each file holds exactly one
// certificate: the key files theirs, the OCSP responses their responder's,
// the time-stamp files the TSA's, the XML login its signer's.
var ncaPurposes = map[string]struct {
	login, sign, is bool
	why             string
}{
	"ca/root_test_gost_2022.cer":  {why: "CA: no digitalSignature, no EKU"},
	"ca/nca_gost2022_test.cer":    {why: "CA"},
	"legacy/ca/nca_rsa_test.crt":  {why: "CA"},
	"legacy/ca/nca_gost_test.crt": {why: "CA"},

	"keys/individual_valid.cert.pem":   {login: true, sign: true, why: "GOST-2015 combined key: email+individual, policy …2, nonRepudiation"},
	"keys/individual_valid.p12":        {login: true, sign: true, why: "GOST-2015 combined key"},
	"keys/individual_revoked.cert.pem": {login: true, sign: true, why: "GOST-2015 combined key (revocation is another check)"},
	"keys/individual_revoked.p12":      {login: true, sign: true, why: "GOST-2015 combined key"},
	"keys/legal_head_valid.cert.pem":   {login: true, sign: true, why: "GOST-2015 combined key: email+legal entity+first head"},
	"keys/legal_head_valid.p12":        {login: true, sign: true, why: "GOST-2015 combined key"},
	"keys/legal_head_revoked.cert.pem": {login: true, sign: true, why: "GOST-2015 combined key"},
	"keys/legal_head_revoked.p12":      {login: true, sign: true, why: "GOST-2015 combined key"},

	"legacy/keys/key_individual_valid_sign_2004.cert.pem":   {sign: true, why: "legacy SIGN: email+individual like a combined key, but policy …2.3"},
	"legacy/keys/key_individual_valid_sign_2004.p12":        {sign: true, why: "legacy SIGN"},
	"legacy/keys/key_individual_sign_revoked_2004.cert.pem": {sign: true, why: "legacy SIGN"},
	"legacy/keys/key_individual_sign_revoked_2004.p12":      {sign: true, why: "legacy SIGN"},
	"legacy/certs/individual_valid_sign_2004_rsa.cer":       {sign: true, why: "legacy SIGN"},
	"legacy/keys/key_individual_auth_revoked_2004.cert.pem": {login: true, why: "legacy AUTH: clientAuth, policy …2.4, no nonRepudiation"},
	"legacy/keys/key_individual_auth_revoked_2004.p12":      {login: true, why: "legacy AUTH"},
	"legacy/certs/individual_valid_sign_2004_rsa_auth.cer":  {login: true, why: "legacy AUTH"},
	"xml/ncalayer_signxml_login_rsa_individual.xml":         {login: true, why: "legacy AUTH (the signer of a real NCALayer login)"},
	"legacy/keys/key_ceo_sign_revoked_2004.cert.pem":        {sign: true, why: "legacy SIGN of a legal entity (GOST-2004): email+legal entity+first head, policy …2.1"},
	"legacy/keys/key_ceo_sign_revoked_2004.p12":             {sign: true, why: "legacy SIGN of a legal entity"},
	"legacy/certs/ceo_valid_sign_2004_gost.cer":             {sign: true, why: "legacy SIGN of a legal entity"},

	"ocsp/ocsp_response_individual_sign_2004.bin":  {why: "OCSP responder: EKU OCSPSigning"},
	"ocsp/ocsp_response_ceo_sign_2004_revoked.bin": {why: "OCSP responder"},
	"ocsp/ocsp_response_individual_2015.bin":       {why: "OCSP responder"},
	"ocsp/ocsp_response_ceo_2015_revoked.bin":      {why: "OCSP responder"},
	"tsp/tsp_response.bin":                         {why: "TSA: EKU timeStamping"},
	"tsp/tsp_token.bin":                            {why: "TSA"},
}

// TestPurposeNCAMaterial applies PurposeLogin, PurposeSign and
// PurposeInformationSystem to every certificate in the shared kz-nca
// material (every file is read; a certificate the table does not list
// fails the test, so new material must be classified here). The legacy
// SIGN keys, whose EKU is that of the combined GOST-2015 keys, must not
// log in (issue 14 §2.6).
func TestPurposeNCAMaterial(t *testing.T) {
	root := filepath.Join(sigtest.Root(t), "kz-nca")
	sigtest.ReadFile(t, "kz-nca/README.md") // CI rule: fail when the material is missing
	anchor := sigtest.Certificate(t, "kz-nca/ca/root_test_gost_2022.cer")
	v, err := signature.NewVerifier(signature.Config{Roots: []*x509.Certificate{anchor}, InsecureSkipRevocation: true})
	require.NoError(t, err)

	found := map[string]bool{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(path, root+string(filepath.Separator)))
		certs := ncaCertificatesIn(t, rel, path)
		if len(certs) == 0 {
			return nil
		}
		want, ok := ncaPurposes[rel]
		if !assert.True(t, ok, "%s holds a certificate the table does not classify", rel) {
			return nil
		}
		require.Len(t, certs, 1, rel)
		found[rel] = true
		cert := certs[0]
		for _, c := range []struct {
			p    signature.Purpose
			want bool
		}{{signature.PurposeLogin(), want.login}, {signature.PurposeSign(), want.sign}, {signature.PurposeInformationSystem(), want.is}} {
			err := v.CheckPurpose(cert, c.p)
			if c.want {
				assert.NoError(t, err, "%s: %s should be accepted (%s)", rel, c.p.Name, want.why)
			} else {
				assert.ErrorIs(t, err, signature.ErrKeyUsage, "%s: %s should be refused (%s)", rel, c.p.Name, want.why)
			}
		}
		return nil
	})
	require.NoError(t, err)
	var missing []string
	for rel := range ncaPurposes {
		if !found[rel] {
			missing = append(missing, rel)
		}
	}
	sort.Strings(missing)
	assert.Empty(t, missing, "listed but not found in %s", root)
}

// ncaCertificatesIn reads the certificates a file of the NCA material
// holds: PEM or DER certificates, the one of a .p12 (password Qwerty12),
// those embedded in DER structures (OCSP responses, time-stamp tokens), the
// X509Certificate of an XML signature. Other files hold none.
func ncaCertificatesIn(t *testing.T, rel, path string) []*x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	switch {
	case strings.HasSuffix(rel, ".p12"):
		p12, err := signature.DecodePKCS12(b, "Qwerty12", signature.PKCS12Options{})
		require.NoError(t, err, rel)
		return p12.Certificates
	case strings.HasSuffix(rel, ".xml"):
		var out []*x509.Certificate
		for _, m := range regexp.MustCompile(`(?s)<ds:X509Certificate>(.*?)</ds:X509Certificate>`).FindAllSubmatch(b, -1) {
			clean := regexp.MustCompile(`\s|&#13;`).ReplaceAll(m[1], nil)
			der, err := base64.StdEncoding.DecodeString(string(clean))
			require.NoError(t, err, rel)
			c, err := x509.ParseCertificate(der)
			require.NoError(t, err, rel)
			out = append(out, c)
		}
		return out
	case strings.HasSuffix(rel, ".cer"), strings.HasSuffix(rel, ".crt"), strings.HasSuffix(rel, ".pem"):
		if blk, _ := pem.Decode(b); blk != nil {
			if blk.Type != "CERTIFICATE" {
				return nil // a private key
			}
			b = blk.Bytes
		}
		c, err := x509.ParseCertificate(b)
		require.NoError(t, err, rel)
		return []*x509.Certificate{c}
	case strings.HasSuffix(rel, ".bin"):
		var out []*x509.Certificate
		embeddedCertificates(b, &out, 0)
		return out
	}
	return nil
}

// embeddedCertificates collects the X.509 certificates nested anywhere in
// DER (inside constructed elements and OCTET STRINGs).
func embeddedCertificates(b []byte, out *[]*x509.Certificate, depth int) {
	if depth > 16 {
		return
	}
	s := cryptobyte.String(b)
	for !s.Empty() {
		var el, body cryptobyte.String
		var tag cbasn1.Tag
		if !s.ReadAnyASN1Element(&el, &tag) {
			return
		}
		if tag == cbasn1.SEQUENCE {
			if c, err := x509.ParseCertificate(el); err == nil {
				*out = append(*out, c)
				continue
			}
		}
		if !el.ReadAnyASN1(&body, &tag) {
			return
		}
		if tag&0x20 != 0 || tag == cbasn1.OCTET_STRING { // constructed, or an OCTET STRING wrapping DER
			embeddedCertificates(body, out, depth+1)
		}
	}
}
