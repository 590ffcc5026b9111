package signature_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/internal/testenv"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/gosttest"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// loginDoc is a login document in the common eGov shape.
const loginDoc = `<login><timeTicket>1780304400000</timeTicket><sessionid>3q2-7wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGho</sessionid></login>`

func signXML(t testing.TB, leaf *devpki.Leaf, doc string, o devpki.XMLOptions) []byte {
	t.Helper()
	out, err := leaf.SignXML([]byte(doc), o)
	require.NoError(t, err)
	return out
}

func loginOpts() signature.VerifyOptions {
	return signature.VerifyOptions{Purpose: signature.PurposeLogin()}
}

// TestVerifyXMLRoundTrip: a document signed as NCALayer's signXml signs it
// verifies for every algorithm, with the same Result as a CMS would give.
func TestVerifyXMLRoundTrip(t *testing.T) {
	for _, alg := range []devpki.Algorithm{devpki.GOST2015, devpki.GOST2004, devpki.RSA2048, devpki.ECDSAP256, devpki.ECDSAP384} {
		t.Run(string(alg), func(t *testing.T) {
			p := pkiFor(t, alg)
			checker := &okChecker{}
			v, _ := newVerifier(t, p, withIntermediates(p), withChecker(checker))
			h := crypto.SHA256
			if alg == devpki.ECDSAP384 {
				h = crypto.SHA384
			}
			for _, cr := range []bool{false, true} {
				doc := signXML(t, p.Individual, loginDoc, devpki.XMLOptions{CR: cr, Hash: h})
				assert.Equal(t, cr, bytes.Contains(doc, []byte("&#13;")))
				res, err := v.VerifyXML(context.Background(), doc, loginOpts())
				require.NoError(t, err)
				assert.Equal(t, signature.FormatXML, res.Format)
				assert.Equal(t, loginDoc, string(res.Content))
				require.Len(t, res.Signers, 1)
				s := res.Signers[0]
				assert.Equal(t, sigtest.IIN, s.Identity.IIN)
				assert.Len(t, s.Chain, 3)
				assert.True(t, s.RevocationChecked)
				assert.Len(t, s.Revocation, 2)
				assert.True(t, s.SigningTime.IsZero())
				assert.Equal(t, signature.XMLAlgorithmURIs()[s.Algorithm][0] != "", true, s.Algorithm)
				// The same key's CMS names the same algorithm and identity.
				cms, err := v.Verify(context.Background(), sign(t, p.Individual, []byte("x"), devpki.CMSOptions{Hash: h}),
					signature.VerifyOptions{Content: []byte("x"), Purpose: signature.PurposeLogin()})
				require.NoError(t, err)
				assert.Equal(t, cms.Signers[0].Algorithm, s.Algorithm)
				assert.Equal(t, cms.Signers[0].Identity, s.Identity)
				assert.Equal(t, cms.Signers[0].Chain, s.Chain)
			}
		})
	}
}

// realSample returns the real NCALayer signXml login, its CA, a clock
// inside its validity and a verifier anchored at that CA.
func realSample(t *testing.T) ([]byte, *x509.Certificate, time.Time, *signature.Verifier) {
	t.Helper()
	doc := sigtest.ReadFile(t, "kz-nca/xml/ncalayer_signxml_login_rsa_individual.xml")
	ca := sigtest.Certificate(t, "kz-nca/legacy/ca/nca_rsa_test.crt")
	at := time.Date(2023, 11, 16, 12, 0, 0, 0, time.UTC)
	v, err := signature.NewVerifier(signature.Config{Roots: []*x509.Certificate{ca}, Now: func() time.Time { return at },
		InsecureSkipRevocation: true})
	require.NoError(t, err)
	return doc, ca, at, v
}

// TestVerifyXMLRealNCALayerSample verifies the real NCALayer signXml login
// output of the shared test data at a clock inside its certificate's
// validity, with the NCA RSA test CA as the anchor.
func TestVerifyXMLRealNCALayerSample(t *testing.T) {
	doc, ca, at, v := realSample(t)
	res, err := v.VerifyXML(context.Background(), doc, loginOpts())
	require.NoError(t, err)
	s := res.Signers[0]
	assert.Equal(t, "RSA-PKCS1v15-SHA256", s.Algorithm)
	assert.Equal(t, "123456789011", s.Identity.IIN)
	assert.Contains(t, string(res.Content), "<timeTicket>1714813040235</timeTicket>")
	assert.Equal(t, "1D173F61245C1A0FC57CDCFE696032A91E3DCF0D", s.Certificate.Serial)

	// The expected document: equal in canonical form, not in bytes.
	issued := []byte("<?xml version=\"1.0\"?>\n<login><timeTicket>1714813040235</timeTicket><sessionid>1e118c1b-a8a8-47d0-8c16-d1a61fcc282e</sessionid></login>\n")
	_, err = v.VerifyXML(context.Background(), doc, signature.VerifyOptions{Purpose: signature.PurposeLogin(), Content: issued})
	require.NoError(t, err)
	_, err = v.VerifyXML(context.Background(), doc, signature.VerifyOptions{Purpose: signature.PurposeLogin(),
		Content: bytes.Replace(issued, []byte("1e118c1b"), []byte("1e118c1c"), 1)})
	assert.ErrorIs(t, err, signature.ErrContentMismatch)

	// Outside the validity: the certificate expired; the login key cannot
	// sign documents (no nonRepudiation).
	later := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	v2, err := signature.NewVerifier(signature.Config{Roots: []*x509.Certificate{ca}, Now: func() time.Time { return later },
		InsecureSkipRevocation: true})
	require.NoError(t, err)
	_, err = v2.VerifyXML(context.Background(), doc, loginOpts())
	assert.Equal(t, "certificate_expired", signature.Code(err))
	_, err = v.VerifyXML(context.Background(), doc, signature.VerifyOptions{Purpose: signature.PurposeSign()})
	assert.Equal(t, "key_usage", signature.Code(err))
	// Another trust anchor: untrusted.
	p := pkiFor(t, devpki.RSA2048)
	v3, err := signature.NewVerifier(signature.Config{Roots: p.Roots(), Now: func() time.Time { return at }, InsecureSkipRevocation: true})
	require.NoError(t, err)
	_, err = v3.VerifyXML(context.Background(), doc, loginOpts())
	assert.Equal(t, "chain_untrusted", signature.Code(err))
}

// TestVerifyXMLTamper: each change to a signed document is refused with
// its code.
func TestVerifyXMLTamper(t *testing.T) {
	doc, _, _, v := realSample(t)
	replace := func(old, new string) []byte {
		t.Helper()
		require.Contains(t, string(doc), old)
		return []byte(strings.Replace(string(doc), old, new, 1))
	}
	certB64 := regexp.MustCompile(`(?s)<ds:X509Certificate>(.*)</ds:X509Certificate>`).FindSubmatch(doc)[1]
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(certB64)), ""))
	require.NoError(t, err)
	der[len(der)-10] ^= 1 // inside the CA's signature over the certificate
	for _, c := range []struct {
		name string
		doc  []byte
		code string
	}{
		{"one byte of the document", replace("<timeTicket>1714813040235", "<timeTicket>1714813040236"), "digest_mismatch"},
		{"a comment in the document (unsigned: URI=\"\" drops comments)", replace("<sessionid>", "<!--x--><sessionid>"), "malformed"},
		{"whitespace in the document", replace("<sessionid>", " <sessionid>"), "digest_mismatch"},
		{"one byte of SignedInfo", replace("XZi1+7/71b1kG", "XZi2+7/71b1kG"), "digest_mismatch"},
		{"whitespace inside SignedInfo", replace("<ds:SignedInfo>\n", "<ds:SignedInfo>\n "), "bad_signature"},
		{"one byte of the signature value", replace("jA7Oxr0cMA6j", "jA7Oxr0cMA6k"), "bad_signature"},
		{"one byte of the certificate", replace(string(certB64), "\n"+base64.StdEncoding.EncodeToString(der)+"\n"), "chain_untrusted"},
		{"a comment in SignedInfo", replace("<ds:SignedInfo>\n", "<ds:SignedInfo><!--x-->\n"), "malformed"},
		{"another signature method", replace("xmldsig-more#rsa-sha256", "xmldsig-more#rsa-sha512"), "unsupported_algorithm"},
		{"SHA-1", replace("xmldsig-more#rsa-sha256", "xmldsig#rsa-sha1"), "unsupported_algorithm"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := v.VerifyXML(context.Background(), c.doc, loginOpts())
			assert.Nil(t, res)
			assert.Equal(t, c.code, signature.Code(err), "%v", err)
		})
	}
}

// TestVerifyXMLHostile: hostile or odd XML is refused as malformed before
// any cryptography, and signature-wrapping shapes are refused.
func TestVerifyXMLHostile(t *testing.T) {
	p := pkiFor(t, devpki.RSA2048)
	v, _ := newVerifier(t, p, withIntermediates(p))
	good := string(signXML(t, p.Individual, loginDoc, devpki.XMLOptions{}))
	_, err := v.VerifyXML(context.Background(), []byte(good), loginOpts())
	require.NoError(t, err)
	sigStart := strings.Index(good, "<ds:Signature")
	sigEnd := strings.Index(good, "</ds:Signature>") + len("</ds:Signature>")
	sigXML := good[sigStart:sigEnd]
	body := strings.TrimPrefix(good, `<?xml version="1.0" encoding="UTF-8" standalone="no"?>`)
	deep := strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40)
	for _, c := range []struct{ name, doc string }{
		{"empty", ""},
		{"not XML", "MIIB"},
		{"DOCTYPE", `<!DOCTYPE login [<!ENTITY x "y">]>` + body},
		{"external entity", `<!DOCTYPE login SYSTEM "file:///etc/passwd">` + body},
		{"undeclared entity", strings.Replace(body, "<timeTicket>", "<timeTicket>&x;", 1)},
		{"billion laughs", `<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>` + strings.Replace(body, "<timeTicket>", "<timeTicket>&b;", 1)},
		{"processing instruction", `<?xml-stylesheet href="x"?>` + body},
		{"processing instruction inside", strings.Replace(body, "<timeTicket>", "<?pi x?><timeTicket>", 1)},
		{"second root", body + "<login/>"},
		{"text outside", body + "x"},
		{"comment outside", body + "<!--x-->"},
		{"comment before", "<!--x-->" + body},
		{"encoding windows-1251", `<?xml version="1.0" encoding="windows-1251"?>` + body},
		{"too deep", strings.Replace(body, "<timeTicket>", deep+"<timeTicket>", 1)},
		{"duplicate attribute", strings.Replace(body, "<login>", `<login a="1" a="2">`, 1)},
		{"newline in attribute", strings.Replace(body, "<login>", "<login a=\"1\n2\">", 1)},
		{"truncated", body[:len(body)-3]},
		{"no signature", loginDoc},
		{"two signatures", strings.Replace(body, "</login>", sigXML+"</login>", 1)},
		{"signature not last", strings.Replace(body, "</ds:Signature></login>", "</ds:Signature><x/></login>", 1)},
		{"signature deeper", strings.Replace(strings.Replace(body, sigXML, "", 1), "</sessionid>", "</sessionid><w>"+sigXML+"</w>", 1)},
		{"signature as root", sigXML},
		{"signature in a wrapper with the original", "<w>" + body + sigXML + "</w>"},
		{"reference to an Id", strings.Replace(body, `<ds:Reference URI="">`, `<ds:Reference URI="#x">`, 1)},
		{"reference with an Id", strings.Replace(body, `<ds:Reference URI="">`, `<ds:Reference URI="" Id="r">`, 1)},
		{"signature with an Id", strings.Replace(body, `<ds:Signature `, `<ds:Signature Id="s" `, 1)},
		{"two references", strings.Replace(body, "</ds:SignedInfo>", "<ds:Reference URI=\"\"/></ds:SignedInfo>", 1)},
		{"extra transform", strings.Replace(body, "</ds:Transforms>", `<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"/></ds:Transforms>`, 1)},
		{"no comments transform", strings.Replace(body, "REC-xml-c14n-20010315#WithComments", "REC-xml-c14n-20010315", 1)},
		{"exclusive c14n", strings.Replace(body, `<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>`, `<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>`, 1)},
		{"an Object", strings.Replace(body, "</ds:KeyInfo>", "</ds:KeyInfo><ds:Object>x</ds:Object>", 1)},
		{"a ds element in the document", strings.Replace(body, "<sessionid>", `<ds:Object xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/><sessionid>`, 1)},
		{"two certificates", strings.Replace(body, "</ds:X509Data>", "<ds:X509Certificate>AAAA</ds:X509Certificate></ds:X509Data>", 1)},
		{"bad base64", strings.Replace(body, "<ds:SignatureValue>\n", "<ds:SignatureValue>\n*", 1)},
		{"markup in base64", strings.Replace(body, "<ds:SignatureValue>\n", "<ds:SignatureValue>\n<b/>", 1)},
		{"HMAC length", strings.Replace(body, `rsa-sha256"/>`, `rsa-sha256"><ds:HMACOutputLength>8</ds:HMACOutputLength></ds:SignatureMethod>`, 1)},
		{"too large", body + strings.Repeat(" ", signature.DefaultMaxInputSize)},
		// What a namespace-aware C14N would read otherwise than a naive
		// reader (xmlparse.go).
		{"undeclared prefix", strings.Replace(body, "<login>", "<p:login>", 1)},
		{"non-ASCII name", strings.Replace(body, "<sessionid>", "<сессия/><sessionid>", 1)},
		{"surrogate reference", strings.Replace(body, "<sessionid>", "<sessionid>&#xD800;", 1)},
		{"two attribute namespaces", strings.Replace(body, "<login>", `<login xmlns:p="urn:p" xml:lang="kk" p:a="1">`, 1)},
		{"SignedInfo rebinding a prefix", strings.Replace(strings.Replace(body, "<login>", `<login xmlns:p="urn:p">`, 1),
			"<ds:SignedInfo>", `<ds:SignedInfo xmlns:p="urn:q">`, 1)},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := v.VerifyXML(context.Background(), []byte(c.doc), loginOpts())
			assert.Nil(t, res)
			assert.Equal(t, "malformed", signature.Code(err), "%v", err)
		})
	}
}

// TestVerifyXMLRefusals: every trust refusal code of CMS holds for XML.
func TestVerifyXMLRefusals(t *testing.T) {
	p := pkiFor(t, devpki.GOST2015)
	ctx := context.Background()
	t.Run("revoked", func(t *testing.T) {
		revoked := funcChecker(func(cert, _ *x509.Certificate) (signature.RevocationStatus, error) {
			if cert.Equal(p.Individual.Cert) {
				return signature.RevocationStatus{}, signature.ErrRevoked
			}
			return signature.RevocationStatus{Status: "good"}, nil
		})
		v, _ := newVerifier(t, p, withIntermediates(p), withChecker(revoked))
		_, err := v.VerifyXML(ctx, signXML(t, p.Individual, loginDoc, devpki.XMLOptions{}), loginOpts())
		assert.Equal(t, "revoked", signature.Code(err))
	})
	t.Run("untrusted and missing intermediate", func(t *testing.T) {
		v, _ := newVerifier(t, p) // the document carries the signer only
		_, err := v.VerifyXML(ctx, signXML(t, p.Individual, loginDoc, devpki.XMLOptions{}), loginOpts())
		assert.Equal(t, "chain_untrusted", signature.Code(err))
	})
	t.Run("key usage", func(t *testing.T) {
		v, _ := newVerifier(t, p, withIntermediates(p))
		_, err := v.VerifyXML(ctx, signXML(t, p.LegacyAuth, loginDoc, devpki.XMLOptions{}), signature.VerifyOptions{Purpose: signature.PurposeSign()})
		assert.Equal(t, "key_usage", signature.Code(err))
		_, err = v.VerifyXML(ctx, signXML(t, p.InfoSystem, loginDoc, devpki.XMLOptions{}), loginOpts())
		assert.Equal(t, "key_usage", signature.Code(err))
	})
	t.Run("expired certificate", func(t *testing.T) {
		v, clock := newVerifier(t, p, withIntermediates(p))
		clock.Advance(2 * 365 * 24 * time.Hour)
		_, err := v.VerifyXML(ctx, signXML(t, p.Individual, loginDoc, devpki.XMLOptions{}), loginOpts())
		assert.Equal(t, "certificate_expired", signature.Code(err))
	})
	t.Run("algorithm pairs", func(t *testing.T) {
		v, _ := newVerifier(t, p, withIntermediates(p))
		for _, o := range []devpki.XMLOptions{
			{DigestMethod: signature.URISHA256},
			{SignatureMethod: signature.URIGOST2015256, DigestMethod: signature.URIStreebog256},
			{SignatureMethod: signature.URIGOST2004, DigestMethod: signature.URIGOST34311},
			{SignatureMethod: signature.URIRSASHA256, DigestMethod: signature.URISHA256},
			{SignatureMethod: "http://www.w3.org/2000/09/xmldsig#rsa-sha1", DigestMethod: "http://www.w3.org/2000/09/xmldsig#sha1"},
		} {
			_, err := v.VerifyXML(ctx, signXML(t, p.Individual, loginDoc, o), loginOpts())
			assert.Equal(t, "unsupported_algorithm", signature.Code(err), "%+v: %v", o, err)
		}
	})
	t.Run("wrong purpose value", func(t *testing.T) {
		v, _ := newVerifier(t, p, withIntermediates(p))
		_, err := v.VerifyXML(ctx, signXML(t, p.Individual, loginDoc, devpki.XMLOptions{}), signature.VerifyOptions{})
		assert.ErrorIs(t, err, signature.ErrConfig)
	})
}

// TestVerifyXMLNCAGOSTKey signs with the real NCA GOST-2015 test key and
// verifies against the real NCA test root, and checks the GOST primitive
// with the OpenSSL GOST engine over the bytes canonicalised here: the
// engine's Streebog-512 of the canonical document equals the DigestValue,
// and the engine verifies the signature value (reversed to RFC 4491's
// layout) with the certificate's key re-wrapped with Russian OIDs, over the
// engine's hash of the canonical SignedInfo.
func TestVerifyXMLNCAGOSTKey(t *testing.T) {
	leaf := sigtest.NCAKey(t, "keys/individual_valid", gost.CurveTC26512A())
	root, inter := sigtest.NCAGOSTRoots(t)
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	v, err := signature.NewVerifier(signature.Config{Roots: []*x509.Certificate{root}, Intermediates: []*x509.Certificate{inter},
		Now: func() time.Time { return at }, InsecureSkipRevocation: true})
	require.NoError(t, err)
	doc := signXML(t, leaf, loginDoc, devpki.XMLOptions{CR: true})
	res, err := v.VerifyXML(context.Background(), doc, loginOpts())
	require.NoError(t, err)
	assert.Equal(t, "GOST 34.10-2015 512 (KZ)", res.Signers[0].Algorithm)
	assert.Equal(t, "123456789011", res.Signers[0].Identity.IIN)

	openssl := testenv.Tool(t, "openssl")
	write := tempWriter(t)
	si, content, digestValue, sigValue := xmlParts(t, doc)
	assert.Equal(t, loginDoc, string(content))
	engineHash := func(b []byte) []byte {
		return sigtest.Run(t, openssl, "dgst", "-engine", "gost", "-md_gost12_512", "-binary", write("in", b))
	}
	assert.Equal(t, digestValue, engineHash(content), "DigestValue is the raw Streebog-512 of the canonical document")
	pub, err := gost.PublicKeyFromCertificate(leaf.Cert)
	require.NoError(t, err)
	spki, err := gosttest.MarshalPublicKey(pub, false)
	require.NoError(t, err)
	rfc := slices.Clone(sigValue)
	slices.Reverse(rfc)
	out := sigtest.Run(t, openssl, "pkeyutl", "-engine", "gost", "-verify", "-pubin", "-keyform", "DER",
		"-inkey", write("pub.der", spki), "-in", write("si.digest", engineHash(si)), "-sigfile", write("sig", rfc))
	assert.Contains(t, string(out), "Signature Verified Successfully")
}

// xmlParts computes, independently of the verifier's canonicaliser, the
// canonical SignedInfo of a document signed by devpki (whose root declares
// no namespace): its text with the inherited xmlns:ds declared, the CR
// references and empty elements written as C14N writes them; and the canonical document
// (through CanonicalXML of the document without its signature), and the
// decoded digest and signature values.
func xmlParts(t *testing.T, doc []byte) (signedInfo, content, digestValue, sigValue []byte) {
	t.Helper()
	s := string(doc)
	unsigned := s[:strings.Index(s, "<ds:Signature")] + s[strings.Index(s, "</ds:Signature>")+len("</ds:Signature>"):]
	content, err := signature.CanonicalXML([]byte(unsigned))
	require.NoError(t, err)
	si := s[strings.Index(s, "<ds:SignedInfo>") : strings.Index(s, "</ds:SignedInfo>")+len("</ds:SignedInfo>")]
	si = strings.Replace(si, "<ds:SignedInfo>", `<ds:SignedInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">`, 1)
	si = strings.ReplaceAll(si, "&#13;", "&#xD;")
	si = regexp.MustCompile(`<(ds:\w+)([^>]*)/>`).ReplaceAllString(si, "<$1$2></$1>") // C14N has no empty-element tags
	b64 := func(re string) []byte {
		m := regexp.MustCompile(`(?s)` + re).FindStringSubmatch(s)
		require.NotNil(t, m)
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(strings.ReplaceAll(m[1], "&#13;", "")), ""))
		require.NoError(t, err)
		return b
	}
	return []byte(si), content, b64(`<ds:DigestValue>(.*)</ds:DigestValue>`), b64(`<ds:SignatureValue>(.*)</ds:SignatureValue>`)
}

// TestXMLSec1Oracle: xmlsec1 (libxmlsec1, an independent XML-DSig and
// C14N implementation) verifies documents signed here, and documents it
// signs verify here — RSA and ECDSA (it knows no Kazakh GOST URIs).
func TestXMLSec1Oracle(t *testing.T) {
	xmlsec := testenv.Tool(t, "xmlsec1")
	for _, alg := range []devpki.Algorithm{devpki.RSA2048, devpki.ECDSAP256} {
		t.Run(string(alg), func(t *testing.T) {
			p := pkiFor(t, alg)
			v, _ := newVerifier(t, p, withIntermediates(p))
			// Namespaces, attributes and entities exercise C14N; the xml:
			// attributes of the root are inherited by SignedInfo, like its
			// namespaces.
			for _, doc := range []string{
				`<login xmlns="urn:x" xmlns:b="urn:b" z="1" a="&amp;&quot;&lt;"><b:x b:k="v">t&amp;&lt;&gt;&#13;` +
					"\u00e9\u0416</b:x><y/>\n <sessionid>n</sessionid></login>",
				`<login xmlns:c="urn:c" xmlns:b="urn:b" xml:lang="kk" xml:space="preserve" z="0"><b:x xmlns="urn:d" c:z="1" c:a="2">` +
					"<![CDATA[<&>]]>\r\n<y xmlns=\"\"/></b:x>\n <sessionid>n</sessionid></login>",
			} {
				xmlSec1RoundTrip(t, xmlsec, p, v, alg, doc)
			}
			// Qualified attributes of two namespaces on one element: C14N
			// sorts them by namespace, goxmldsig by local name. Refused as
			// malformed rather than checked against a canonical form that
			// differs from the signer's.
			mixed := `<login xmlns:c="urn:c" xml:lang="kk" c:a="1"><sessionid>n</sessionid></login>`
			_, err := v.VerifyXML(context.Background(), xmlSec1Sign(t, xmlsec, p, alg, mixed), loginOpts())
			assert.Equal(t, "malformed", signature.Code(err), "%v", err)
		})
	}
}

// xmlSec1RoundTrip: xmlsec1 verifies doc signed here, refuses it tampered,
// and a signature it makes over doc verifies here.
func xmlSec1RoundTrip(t *testing.T, xmlsec string, p *sigtest.PKI, v *signature.Verifier, alg devpki.Algorithm, doc string) {
	t.Helper()
	write := tempWriter(t)
	for _, cr := range []bool{false, true} {
		signed := signXML(t, p.Individual, doc, devpki.XMLOptions{CR: cr})
		sigtest.Run(t, xmlsec, "--verify", "--insecure", "--enabled-key-data", "x509", write("ours.xml", signed))
		// A tampered document is refused by xmlsec1 too.
		bad := bytes.Replace(signed, []byte("<sessionid>n<"), []byte("<sessionid>m<"), 1)
		cmdErr := runFails(t, xmlsec, "--verify", "--insecure", "--enabled-key-data", "x509", write("bad.xml", bad))
		assert.True(t, cmdErr)
	}
	// xmlsec1 signs a template as NCALayer lays it out; it verifies here.
	theirs := xmlSec1Sign(t, xmlsec, p, alg, doc)
	res, err := v.VerifyXML(context.Background(), theirs, loginOpts())
	require.NoError(t, err, "%s", theirs)
	assert.Equal(t, sigtest.IIN, res.Signers[0].Identity.IIN)
	// Its canonical content is what ours is.
	canon, err := signature.CanonicalXML([]byte(doc))
	require.NoError(t, err)
	assert.Equal(t, canon, res.Content)
	_, err = v.VerifyXML(context.Background(), bytes.Replace(theirs, []byte("<sessionid>n<"), []byte("<sessionid>m<"), 1), loginOpts())
	assert.Equal(t, "digest_mismatch", signature.Code(err))
}

// xmlSec1Sign has xmlsec1 sign doc (whose root is login) as NCALayer lays
// a signature out.
func xmlSec1Sign(t *testing.T, xmlsec string, p *sigtest.PKI, alg devpki.Algorithm, doc string) []byte {
	t.Helper()
	write := tempWriter(t)
	sigMethod := signature.URIRSASHA256
	if alg == devpki.ECDSAP256 {
		sigMethod = signature.URIECDSASHA256
	}
	tmpl := strings.Replace(doc, "</login>", `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">`+"\n"+
		`<ds:SignedInfo>`+"\n"+`<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>`+"\n"+
		`<ds:SignatureMethod Algorithm="`+sigMethod+`"/>`+"\n"+`<ds:Reference URI="">`+"\n<ds:Transforms>\n"+
		`<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>`+"\n"+
		`<ds:Transform Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"/>`+"\n</ds:Transforms>\n"+
		`<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>`+"\n<ds:DigestValue></ds:DigestValue>\n</ds:Reference>\n</ds:SignedInfo>\n"+
		"<ds:SignatureValue/>\n<ds:KeyInfo>\n<ds:X509Data>\n<ds:X509Certificate/>\n</ds:X509Data>\n</ds:KeyInfo>\n</ds:Signature></login>", 1)
	keyPEM, err := p.Individual.PrivateKeyPEM()
	require.NoError(t, err)
	keyFile, certFile := write("key.pem", keyPEM), write("cert.pem", devpki.CertificatePEM(p.Individual.Cert))
	out := write("theirs.xml", nil)
	sigtest.Run(t, xmlsec, "--sign", "--privkey-pem", keyFile+","+certFile, "--output", out, write("tmpl.xml", []byte(tmpl)))
	theirs, err := os.ReadFile(out)
	require.NoError(t, err)
	return theirs
}

// tempWriter returns a function that writes a file in a fresh temporary
// directory and returns its path.
func tempWriter(t *testing.T) func(name string, b []byte) string {
	t.Helper()
	dir := t.TempDir()
	return func(name string, b []byte) string {
		f := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(f, b, 0o600))
		return f
	}
}

// runFails runs a command and reports whether it failed.
func runFails(t *testing.T, name string, args ...string) bool {
	t.Helper()
	return exec.Command(name, args...).Run() != nil
}

// TestVerifyAnyDispatch: one entry point takes CMS and XML.
func TestVerifyAnyDispatch(t *testing.T) {
	p := pkiFor(t, devpki.GOST2015)
	v, _ := newVerifier(t, p, withIntermediates(p))
	res, err := v.VerifyAny(context.Background(), signXML(t, p.Individual, loginDoc, devpki.XMLOptions{}), loginOpts())
	require.NoError(t, err)
	assert.Equal(t, signature.FormatXML, res.Format)
	res, err = v.VerifyAny(context.Background(), devpki.PEM(sign(t, p.Individual, []byte("x"), devpki.CMSOptions{Attached: true})), loginOpts())
	require.NoError(t, err)
	assert.Equal(t, signature.FormatCMS, res.Format)
	_, err = v.VerifyAny(context.Background(), []byte("  <x/>"), loginOpts())
	assert.True(t, errors.Is(err, signature.ErrMalformed))
}

// TestVerifyXMLChainCache: XML and CMS share the Verifier's trust path and
// its caches: a repeated XML login verifies no chain signature again (the
// two verified links stay the only ones), a CMS from the same signer
// reuses them, and validity is still checked on every use.
func TestVerifyXMLChainCache(t *testing.T) {
	p := pkiFor(t, devpki.GOST2015)
	v, clock := newVerifier(t, p, withIntermediates(p))
	doc := signXML(t, p.Individual, loginDoc, devpki.XMLOptions{CR: true})
	require.Equal(t, 0, signature.CachedLinks(v))
	for range 3 {
		_, err := v.VerifyXML(context.Background(), doc, loginOpts())
		require.NoError(t, err)
		require.Equal(t, 2, signature.CachedLinks(v))
	}
	_, err := v.Verify(context.Background(), sign(t, p.Individual, []byte("x"), devpki.CMSOptions{}),
		signature.VerifyOptions{Content: []byte("x"), Purpose: signature.PurposeLogin()})
	require.NoError(t, err)
	require.Equal(t, 2, signature.CachedLinks(v), "the CMS path reuses the links the XML path verified")
	clock.Set(p.Individual.Cert.NotAfter.Add(time.Second))
	_, err = v.VerifyXML(context.Background(), doc, loginOpts())
	require.ErrorIs(t, err, signature.ErrCertificateExpired)
}
