package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// verify reads XML-DSig documents too: same JSON, same codes.
func TestVerifyXML(t *testing.T) {
	p := pkis.Get(t, devpki.GOST2015)
	dir, roots, inters := pkiFiles(t, p)
	doc := `<login><timeTicket>1</timeTicket><sessionid>n</sessionid></login>`
	signed, err := p.Individual.SignXML([]byte(doc), devpki.XMLOptions{CR: true})
	require.NoError(t, err)
	file := writeFile(t, dir, "login.xml", signed)
	base := []string{"--roots", roots, "--intermediates", inters, "--at", testAtText, "--revocation", "none", "--purpose", "login"}
	for _, format := range []string{"auto", "xml"} {
		code, v, _ := verifyJSON(t, append(base, "--format", format, file)...)
		require.Equal(t, exitOK, code, format)
		assert.True(t, v.Valid)
		assert.Equal(t, "xml", v.Format)
		assert.Equal(t, len(doc), v.ContentSize)
		require.Len(t, v.Signers, 1)
		assert.Equal(t, sigtest.IIN, v.Signers[0].Identity.IIN)
		assert.Nil(t, v.Signers[0].SigningTime)
	}
	// --data is the issued document: equal in canonical form.
	code, v, _ := verifyJSON(t, append(base, "--data", writeFile(t, dir, "issued.xml", []byte(`<?xml version="1.0"?>`+doc+"\n")), file)...)
	require.Equal(t, exitOK, code)
	assert.True(t, v.Valid)
	code, v, _ = verifyJSON(t, append(base, "--data", writeFile(t, dir, "other.xml", []byte(strings.Replace(doc, ">n<", ">m<", 1))), file)...)
	assert.Equal(t, exitInvalid, code)
	assert.Equal(t, "content_mismatch", v.Error.Code)
	// Refusals carry the signature package's codes.
	for name, c := range map[string]struct {
		doc  []byte
		code string
	}{
		"tampered":  {[]byte(strings.Replace(string(signed), "<sessionid>n<", "<sessionid>m<", 1)), "digest_mismatch"},
		"doctype":   {[]byte(`<!DOCTYPE x>` + string(signed[strings.Index(string(signed), "<login>"):])), "malformed"},
		"as a CMS":  {signed, "malformed"},
		"truncated": {signed[:len(signed)-20], "malformed"},
	} {
		args := append(base, writeFile(t, dir, "bad.xml", c.doc))
		if name == "as a CMS" {
			args = append(base, "--format", "cms", writeFile(t, dir, "bad.xml", c.doc))
		}
		code, v, _ := verifyJSON(t, args...)
		assert.Equal(t, exitInvalid, code, name)
		assert.Equal(t, c.code, v.Error.Code, name)
	}
	code, _, _ = verifyJSON(t, append(base, "--format", "pdf", file)...)
	assert.Equal(t, exitUsage, code)
}

// The real NCALayer signXml login of the shared test data, as the README
// shows it.
func TestVerifyXMLRealNCALayer(t *testing.T) {
	ca := ncaFile(t, "legacy/ca/nca_rsa_test.crt")
	xml := ncaFile(t, "xml/ncalayer_signxml_login_rsa_individual.xml")
	code, v, _ := verifyJSON(t, "--roots", ca, "--at", "2023-11-16T12:00:00Z", "--revocation", "none", "--purpose", "login", xml)
	require.Equal(t, exitOK, code)
	assert.Equal(t, "xml", v.Format)
	assert.Equal(t, "123456789011", v.Signers[0].Identity.IIN)
	assert.Equal(t, "RSA-PKCS1v15-SHA256", v.Signers[0].Algorithm)
	_, err := os.Stat(xml)
	require.NoError(t, err)
}
