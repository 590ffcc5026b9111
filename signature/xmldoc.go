package signature

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// XML-DSig as the NCA's tools write it (Kalkan behind NCALayer's signXml,
// basics.sign with format "xml", eGov Mobile's XML sign method): an
// enveloped signature, the last child of the document element.
const (
	xmlnsDSig          = "http://www.w3.org/2000/09/xmldsig#"
	uriC14N            = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
	uriC14NComments    = uriC14N + "#WithComments"
	uriEnveloped       = xmlnsDSig + "enveloped-signature"
	xmlMaxDepth        = 32    // a login document is three levels deep
	xmlMaxNodes        = 20000 // elements and text runs: bounds the canonicalisers' copies
	xmlMaxAttrs        = 64    // per element
	xmlDeclarationName = "xml"
)

// xmlSignature is a parsed enveloped XML-DSig document. Nothing in it is
// verified yet.
type xmlSignature struct {
	root *etree.Element // the document element
	sig  *etree.Element // its last child, ds:Signature
	// signedInfo is the canonical form (C14N 1.0, in the context of its
	// ancestors) of ds:SignedInfo: what the signature value signs.
	signedInfo   []byte
	sigMethod    string
	digestMethod string
	digestValue  []byte
	sigValue     []byte
	certDER      []byte
}

// parseXMLDocument parses a UTF-8 XML document strictly: no DOCTYPE (and
// so no entity but the predefined ones), no processing instruction but a
// leading XML declaration naming UTF-8, exactly one document element,
// nothing but whitespace outside it, no duplicate attributes, no attribute
// value holding a tab, CR or LF (encoding/xml does not normalise them as
// XML requires, so canonical forms would differ between implementations),
// depth and node counts bounded. Every refusal is ErrMalformed.
func parseXMLDocument(b []byte, maxSize int) (*etree.Element, error) {
	if len(b) == 0 {
		return nil, malformed("empty XML document")
	}
	if len(b) > maxSize {
		return nil, malformed("XML document larger than %d bytes", maxSize)
	}
	doc := etree.NewDocument()
	doc.ReadSettings = etree.ReadSettings{PreserveDuplicateAttrs: true, MaxDepth: xmlMaxDepth}
	if err := doc.ReadFromBytes(b); err != nil {
		if errors.Is(err, etree.ErrMaxDepth) {
			return nil, malformed("XML nested deeper than %d", xmlMaxDepth)
		}
		return nil, malformed("not well-formed XML")
	}
	var root *etree.Element
	for i, t := range doc.Child {
		switch t := t.(type) {
		case *etree.Element:
			if root != nil {
				return nil, malformed("more than one document element")
			}
			root = t
		case *etree.CharData:
			if !t.IsWhitespace() {
				return nil, malformed("text outside the document element")
			}
		case *etree.ProcInst:
			if t.Target != xmlDeclarationName || i != 0 {
				return nil, malformed("processing instruction")
			}
			if err := checkXMLDeclaration(t.Inst); err != nil {
				return nil, err
			}
		case *etree.Directive:
			return nil, malformed("DOCTYPE or other directive")
		case *etree.Comment:
			return nil, malformed("comment in the document")
		default:
			return nil, malformed("unexpected XML token")
		}
	}
	if root == nil {
		return nil, malformed("no document element")
	}
	nodes := 0
	if err := checkXMLTree(root, &nodes); err != nil {
		return nil, err
	}
	return root, nil
}

// checkXMLDeclaration accepts an XML declaration of version 1.0 whose
// encoding, if named, is UTF-8.
func checkXMLDeclaration(inst string) error {
	for _, f := range strings.Fields(inst) {
		k, v, ok := strings.Cut(f, "=")
		if !ok || len(v) < 2 || v[0] != v[len(v)-1] || (v[0] != '"' && v[0] != '\'') {
			return malformed("bad XML declaration")
		}
		v = v[1 : len(v)-1]
		switch k {
		case "version":
			if v != "1.0" {
				return malformed("XML version other than 1.0")
			}
		case "encoding":
			if !strings.EqualFold(v, "UTF-8") {
				return malformed("XML encoding other than UTF-8")
			}
		case "standalone":
		default:
			return malformed("bad XML declaration")
		}
	}
	return nil
}

// checkXMLTree walks the tree under e: no directive or processing
// instruction, no duplicate attribute, no tab/CR/LF in attribute values,
// and a bound on the number of nodes.
func checkXMLTree(e *etree.Element, nodes *int) error {
	if *nodes++; *nodes > xmlMaxNodes {
		return malformed("more than %d XML nodes", xmlMaxNodes)
	}
	if len(e.Attr) > xmlMaxAttrs {
		return malformed("more than %d attributes on an element", xmlMaxAttrs)
	}
	for i, a := range e.Attr {
		if strings.ContainsAny(a.Value, "\t\r\n") {
			return malformed("tab or line break in an attribute value")
		}
		for _, o := range e.Attr[:i] {
			if o.Space == a.Space && o.Key == a.Key {
				return malformed("duplicate attribute")
			}
		}
	}
	for _, t := range e.Child {
		switch t := t.(type) {
		case *etree.Element:
			if err := checkXMLTree(t, nodes); err != nil {
				return err
			}
		case *etree.CharData:
			if *nodes++; *nodes > xmlMaxNodes {
				return malformed("more than %d XML nodes", xmlMaxNodes)
			}
		case *etree.Comment:
			// A same-document reference (URI="") drops comments before
			// the transforms (XML-DSig §4.3.3.3): a comment would be
			// unsigned content, so none is accepted.
			return malformed("comment in the document")
		case *etree.ProcInst:
			return malformed("processing instruction")
		case *etree.Directive:
			return malformed("directive inside the document")
		default:
			return malformed("unexpected XML token")
		}
	}
	return nil
}

// parseXMLSignature parses an enveloped XML-DSig document and checks its
// structure exactly: one ds:Signature anywhere, the last child of the
// document element (only whitespace after it); in it SignedInfo,
// SignatureValue and KeyInfo, in this order and nothing else; SignedInfo
// with the C14N 1.0 CanonicalizationMethod, a SignatureMethod and exactly
// one Reference with URI="" and the transforms enveloped-signature then
// C14N 1.0 with comments; KeyInfo with one X509Data holding one
// X509Certificate. No element of the XML-DSig namespace may appear
// elsewhere, no Id attributes, no comments or text inside the Signature
// but whitespace and base64. Every refusal is ErrMalformed.
func parseXMLSignature(b []byte, maxSize int) (*xmlSignature, error) {
	root, err := parseXMLDocument(b, maxSize)
	if err != nil {
		return nil, err
	}
	if root.NamespaceURI() == xmlnsDSig {
		return nil, malformed("the document element is in the XML-DSig namespace")
	}
	var sig *etree.Element
	count := 0
	var walk func(e *etree.Element) error
	walk = func(e *etree.Element) error {
		for _, c := range e.ChildElements() {
			if c.NamespaceURI() == xmlnsDSig {
				count++
				if c.Tag != "Signature" || e != root {
					return malformed("XML-DSig element outside an enveloped signature")
				}
				sig = c
				continue // its content is checked below
			}
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root); err != nil {
		return nil, err
	}
	switch {
	case count == 0:
		return nil, malformed("no XML signature")
	case count > 1:
		return nil, malformed("more than one XML signature")
	}
	// The Signature is the last child of the root: nothing but whitespace
	// follows it.
	for _, t := range root.Child[sig.Index()+1:] {
		if cd, ok := t.(*etree.CharData); !ok || !cd.IsWhitespace() {
			return nil, malformed("the signature is not the last child of the document element")
		}
	}
	x := &xmlSignature{root: root, sig: sig}
	if err := noAttributes(sig); err != nil {
		return nil, err
	}
	parts, err := dsChildren(sig, "SignedInfo", "SignatureValue", "KeyInfo")
	if err != nil {
		return nil, err
	}
	si, sv, ki := parts[0], parts[1], parts[2]
	if err := x.parseSignedInfo(si); err != nil {
		return nil, err
	}
	if err := noAttributes(sv); err != nil {
		return nil, err
	}
	if x.sigValue, err = dsBase64(sv, 1024); err != nil {
		return nil, err
	}
	if err := noAttributes(ki); err != nil {
		return nil, err
	}
	data, err := dsChildren(ki, "X509Data")
	if err != nil {
		return nil, err
	}
	if err := noAttributes(data[0]); err != nil {
		return nil, err
	}
	certs, err := dsChildren(data[0], "X509Certificate")
	if err != nil {
		return nil, err
	}
	if err := noAttributes(certs[0]); err != nil {
		return nil, err
	}
	if x.certDER, err = dsBase64(certs[0], 16<<10); err != nil {
		return nil, err
	}
	// SignedInfo is canonicalised (C14N 1.0, no comments — there are none:
	// dsChildren refuses them) with the namespace declarations it inherits.
	if x.signedInfo, err = dsig.MakeC14N10RecCanonicalizer().Canonicalize(si); err != nil {
		return nil, malformed("SignedInfo cannot be canonicalised")
	}
	return x, nil
}

func (x *xmlSignature) parseSignedInfo(si *etree.Element) error {
	if err := noAttributes(si); err != nil {
		return err
	}
	parts, err := dsChildren(si, "CanonicalizationMethod", "SignatureMethod", "Reference")
	if err != nil {
		return err
	}
	if alg, err := dsAlgorithm(parts[0]); err != nil {
		return err
	} else if alg != uriC14N {
		return malformed("SignedInfo canonicalisation other than C14N 1.0")
	}
	if x.sigMethod, err = dsAlgorithm(parts[1]); err != nil {
		return err
	}
	ref := parts[2]
	if len(ref.Attr) != 1 || ref.Attr[0].Space != "" || ref.Attr[0].Key != "URI" || ref.Attr[0].Value != "" {
		return malformed(`the Reference is not exactly URI=""`)
	}
	rparts, err := dsChildren(ref, "Transforms", "DigestMethod", "DigestValue")
	if err != nil {
		return err
	}
	if err := noAttributes(rparts[0]); err != nil {
		return err
	}
	transforms, err := dsChildren(rparts[0], "Transform", "Transform")
	if err != nil {
		return err
	}
	for i, want := range []string{uriEnveloped, uriC14NComments} {
		if alg, err := dsAlgorithm(transforms[i]); err != nil {
			return err
		} else if alg != want {
			return malformed("transforms other than enveloped-signature then C14N 1.0 with comments")
		}
	}
	if x.digestMethod, err = dsAlgorithm(rparts[1]); err != nil {
		return err
	}
	if err := noAttributes(rparts[2]); err != nil {
		return err
	}
	x.digestValue, err = dsBase64(rparts[2], 128)
	return err
}

// dsChildren returns the child elements of e, which must be exactly the
// XML-DSig elements names, in order, separated by whitespace only.
func dsChildren(e *etree.Element, names ...string) ([]*etree.Element, error) {
	out := make([]*etree.Element, 0, len(names))
	for _, t := range e.Child {
		switch t := t.(type) {
		case *etree.Element:
			if len(out) == len(names) || t.Tag != names[len(out)] || t.NamespaceURI() != xmlnsDSig {
				return nil, malformed("unexpected element in the XML signature")
			}
			out = append(out, t)
		case *etree.CharData:
			if !t.IsWhitespace() {
				return nil, malformed("text in the XML signature structure")
			}
		default:
			return nil, malformed("comment or instruction in the XML signature")
		}
	}
	if len(out) != len(names) {
		return nil, malformed("missing element in the XML signature")
	}
	return out, nil
}

// noAttributes refuses attributes other than namespace declarations (an
// Id would make the element a target for references).
func noAttributes(e *etree.Element) error {
	for _, a := range e.Attr {
		if a.Space != "xmlns" && !(a.Space == "" && a.Key == "xmlns") {
			return malformed("attribute %q on an XML signature element", a.Key)
		}
	}
	return nil
}

// dsAlgorithm reads the Algorithm attribute of an empty method element.
func dsAlgorithm(e *etree.Element) (string, error) {
	alg := ""
	for _, a := range e.Attr {
		switch {
		case a.Space == "" && a.Key == "Algorithm":
			alg = a.Value
		case a.Space == "xmlns" || a.Space == "" && a.Key == "xmlns":
		default:
			return "", malformed("attribute %q on an XML signature method", a.Key)
		}
	}
	if alg == "" {
		return "", malformed("XML signature method without an algorithm")
	}
	if _, err := dsChildren(e); err != nil {
		return "", malformed("content in an XML signature method")
	}
	return alg, nil
}

// dsBase64 decodes the base64 text of e (whitespace, including the CRs
// Kalkan writes as &#13;, is ignored) of at most max decoded bytes.
func dsBase64(e *etree.Element, max int) ([]byte, error) {
	var text strings.Builder
	for _, t := range e.Child {
		cd, ok := t.(*etree.CharData)
		if !ok {
			return nil, malformed("markup inside base64 content")
		}
		text.WriteString(cd.Data)
	}
	s := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, text.String())
	if s == "" || len(s) > base64.StdEncoding.EncodedLen(max) {
		return nil, malformed("empty or oversized base64 content")
	}
	out, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, malformed("bad base64 content")
	}
	return out, nil
}

// canonicalContent returns what the Reference covers: the document
// element without the signature (enveloped-signature), canonicalised with
// C14N 1.0 (see canonicalXML). The signature is detached from the tree for the
// call and put back.
func (x *xmlSignature) canonicalContent() ([]byte, error) {
	i := x.sig.Index()
	x.root.RemoveChildAt(i)
	defer x.root.InsertChildAt(i, x.sig)
	return canonicalXML(x.root)
}

// canonicalXML is the C14N 1.0 form of a document element. The Reference's
// transform says "with comments", but URI="" has removed them before
// (XML-DSig §4.3.3.3, as xmlsec1 and Apache Santuario do), and
// parseXMLDocument refuses documents holding any.
func canonicalXML(root *etree.Element) ([]byte, error) {
	b, err := dsig.MakeC14N10RecCanonicalizer().Canonicalize(root)
	if err != nil {
		return nil, malformed("the document cannot be canonicalised")
	}
	return b, nil
}

// CanonicalXML parses an XML document as strictly as VerifyXML does and
// returns the canonical form (C14N 1.0) of its document
// element: what an enveloped signature's Reference covers once the
// signature is removed. It refuses a document holding an XML signature.
func CanonicalXML(doc []byte) ([]byte, error) {
	root, err := parseXMLDocument(doc, DefaultMaxInputSize)
	if err != nil {
		return nil, err
	}
	if hasDSigElement(root) {
		return nil, malformed("the document holds an XML signature")
	}
	return canonicalXML(root)
}

func hasDSigElement(e *etree.Element) bool {
	if e.NamespaceURI() == xmlnsDSig {
		return true
	}
	for _, c := range e.ChildElements() {
		if hasDSigElement(c) {
			return true
		}
	}
	return false
}

// looksLikeXML reports whether input starts (after whitespace and a UTF-8
// byte-order mark) with '<' — an XML document rather than PEM, base64 or
// DER.
func looksLikeXML(input []byte) bool {
	b := bytes.TrimLeft(bytes.TrimPrefix(input, []byte("\xef\xbb\xbf")), " \t\r\n")
	return len(b) > 0 && b[0] == '<'
}
