package devpki

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/strongauth/strongauth/signature/gost"
)

// XML-DSig URIs as the NCA's Kalkan writes them (package signature names
// them too; devpki cannot import it).
const (
	xmlnsDSig       = "http://www.w3.org/2000/09/xmldsig#"
	uriC14N         = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
	uriC14NComments = uriC14N + "#WithComments"
	uriEnveloped    = xmlnsDSig + "enveloped-signature"
	xmlDeclaration  = `<?xml version="1.0" encoding="UTF-8" standalone="no"?>`
	sigPlaceholder  = "\x00SIGNATURE-VALUE\x00"
)

// XMLOptions shape an enveloped XML-DSig signature (Leaf.SignXML).
type XMLOptions struct {
	// CR writes "&#13;" before every line break inside the base64 values,
	// as Kalkan often does.
	CR bool
	// Hash is the digest for RSA and ECDSA signers: SHA-256 (default),
	// SHA-384 (ECDSA P-384) or SHA-512 (RSA). GOST signers use their
	// algorithm's hash.
	Hash crypto.Hash
	// SignatureMethod and DigestMethod override the algorithm URIs written
	// (the signature is still made with the key's algorithm): for negative
	// tests.
	SignatureMethod, DigestMethod string
	// NoDeclaration leaves out the XML declaration Kalkan writes first.
	NoDeclaration bool
}

// xmlURIs returns the SignatureMethod and DigestMethod URIs of the leaf's
// algorithm.
func (l *Leaf) xmlURIs(h crypto.Hash) (sigURI, digestURI string, err error) {
	const more, enc = "http://www.w3.org/2001/04/xmldsig-more#", "http://www.w3.org/2001/04/xmlenc#"
	const kz = "urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:"
	switch {
	case l.key.gost != nil:
		switch l.key.gostAlgorithm().SignatureOID.String() {
		case gost.OIDKZSignature2004:
			return more + "gost34310-gost34311", more + "gost34311", nil
		case gost.OIDKZSignature2015256:
			return kz + "gostr34102015-gostr34112015-256", kz + "gostr34112015-256", nil
		}
		return kz + "gostr34102015-gostr34112015-512", kz + "gostr34112015-512", nil
	case l.key.rsa != nil && h == crypto.SHA256:
		return more + "rsa-sha256", enc + "sha256", nil
	case l.key.rsa != nil && h == crypto.SHA512:
		return more + "rsa-sha512", enc + "sha512", nil
	case l.key.ec != nil && h == crypto.SHA256:
		return more + "ecdsa-sha256", enc + "sha256", nil
	case l.key.ec != nil && h == crypto.SHA384:
		return more + "ecdsa-sha384", more + "sha384", nil
	}
	return "", "", fmt.Errorf("devpki: no XML signature method for %s with %v", l.Alg, h)
}

// SignXML signs an XML document the way NCALayer's signXml does: an
// enveloped XML-DSig appended as the last child of the document element —
// C14N 1.0 for SignedInfo, one Reference URI="" with the transforms
// enveloped-signature and C14N 1.0 with comments, the signer's certificate
// in KeyInfo, base64 wrapped at 76 columns — behind an XML declaration. GOST
// signature values are in the NCA's byte order.
func (l *Leaf) SignXML(doc []byte, o XMLOptions) ([]byte, error) {
	if o.Hash == 0 {
		o.Hash = crypto.SHA256
	}
	sigURI, digestURI, err := l.xmlURIs(o.Hash)
	if err != nil {
		return nil, err
	}
	if o.SignatureMethod != "" {
		sigURI = o.SignatureMethod
	}
	if o.DigestMethod != "" {
		digestURI = o.DigestMethod
	}
	d := etree.NewDocument()
	if err := d.ReadFromBytes(doc); err != nil {
		return nil, fmt.Errorf("devpki: document: %w", err)
	}
	root := d.Root()
	if root == nil {
		return nil, errors.New("devpki: no document element")
	}
	// URI="" drops comments before the C14N-with-comments transform
	// (XML-DSig §4.3.3.3).
	canon, err := dsig.MakeC14N10RecCanonicalizer().Canonicalize(root)
	if err != nil {
		return nil, err
	}
	digest := l.digest(CMSOptions{Hash: o.Hash}, canon)
	var sig strings.Builder
	sig.WriteString(`<ds:Signature xmlns:ds="` + xmlnsDSig + `">` + "\n<ds:SignedInfo>\n")
	sig.WriteString(`<ds:CanonicalizationMethod Algorithm="` + uriC14N + `"/>` + "\n")
	sig.WriteString(`<ds:SignatureMethod Algorithm="` + sigURI + `"/>` + "\n")
	sig.WriteString(`<ds:Reference URI="">` + "\n<ds:Transforms>\n")
	sig.WriteString(`<ds:Transform Algorithm="` + uriEnveloped + `"/>` + "\n")
	sig.WriteString(`<ds:Transform Algorithm="` + uriC14NComments + `"/>` + "\n</ds:Transforms>\n")
	sig.WriteString(`<ds:DigestMethod Algorithm="` + digestURI + `"/>` + "\n")
	sig.WriteString("<ds:DigestValue>" + wrap76(digest, o.CR) + "</ds:DigestValue>\n</ds:Reference>\n</ds:SignedInfo>\n")
	sig.WriteString("<ds:SignatureValue>\n" + sigPlaceholder + "\n</ds:SignatureValue>\n")
	sig.WriteString("<ds:KeyInfo>\n<ds:X509Data>\n<ds:X509Certificate>\n" + wrap76(l.Cert.Raw, o.CR) +
		"\n</ds:X509Certificate>\n</ds:X509Data>\n</ds:KeyInfo>\n</ds:Signature>")

	// The document element as etree writes it, with the signature put in
	// before its end tag.
	rootDoc := etree.NewDocument()
	rootDoc.SetRoot(root.Copy())
	// Canonical escaping keeps a CR in text a CR (a literal one would be
	// read back as a line feed).
	rootDoc.WriteSettings = etree.WriteSettings{CanonicalText: true, CanonicalAttrVal: true}
	body, err := rootDoc.WriteToString()
	if err != nil {
		return nil, err
	}
	tag := root.FullTag()
	switch {
	case strings.HasSuffix(body, "</"+tag+">"):
		body = strings.TrimSuffix(body, "</"+tag+">") + sig.String() + "</" + tag + ">"
	case strings.HasSuffix(body, "/>"):
		body = strings.TrimSuffix(body, "/>") + ">" + sig.String() + "</" + tag + ">"
	default:
		return nil, errors.New("devpki: cannot find the document element's end")
	}
	if !o.NoDeclaration {
		body = xmlDeclaration + body
	}
	// SignedInfo canonicalised in its final context (it inherits the
	// namespace declarations of the document element).
	signedDoc := etree.NewDocument()
	if err := signedDoc.ReadFromString(strings.Replace(body, sigPlaceholder, "", 1)); err != nil {
		return nil, err
	}
	si := signedDoc.Root().ChildElements()[len(signedDoc.Root().ChildElements())-1].SelectElement("ds:SignedInfo")
	if si == nil {
		return nil, errors.New("devpki: SignedInfo not found")
	}
	signedInfo, err := dsig.MakeC14N10RecCanonicalizer().Canonicalize(si)
	if err != nil {
		return nil, err
	}
	value, err := l.signRaw(o.Hash, signedInfo)
	if err != nil {
		return nil, err
	}
	return []byte(strings.Replace(body, sigPlaceholder, wrap76(value, o.CR), 1)), nil
}

// SignBytes makes a bare signature over msg with the leaf's key, as eGov
// Mobile's SIGN_BYTES_ARRAY method returns it: RSA PKCS #1 v1.5 and ECDSA
// (ASN.1) with hash h (SHA-256 when zero), GOST with its algorithm's hash in
// the NCA's byte order.
func (l *Leaf) SignBytes(msg []byte, h crypto.Hash) ([]byte, error) {
	if h == 0 {
		h = crypto.SHA256
	}
	return l.sign(CMSOptions{Hash: h}, msg)
}

// signRaw signs msg as an XML-DSig SignatureValue: ECDSA as r‖s.
func (l *Leaf) signRaw(h crypto.Hash, msg []byte) ([]byte, error) {
	sig, err := l.sign(CMSOptions{Hash: h}, msg)
	if err != nil || l.key.ec == nil {
		return sig, err
	}
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(sig, &rs); err != nil {
		return nil, err
	}
	size := (l.key.ec.Curve.Params().BitSize + 7) / 8
	out := make([]byte, 2*size)
	rs.R.FillBytes(out[:size])
	rs.S.FillBytes(out[size:])
	return out, nil
}

// wrap76 is base64 in lines of 76 characters, as Kalkan writes it; with cr,
// each line break is preceded by "&#13;".
func wrap76(b []byte, cr bool) string {
	s := base64.StdEncoding.EncodeToString(b)
	var out bytes.Buffer
	for len(s) > 76 {
		out.WriteString(s[:76])
		if cr {
			out.WriteString("&#13;")
		}
		out.WriteByte('\n')
		s = s[76:]
	}
	out.WriteString(s)
	return out.String()
}
