package signature

import (
	"bytes"
	"encoding/base64"
)

// XML-DSig as the NCA's tools write it (Kalkan behind NCALayer's signXml,
// basics.sign with format "xml", eGov Mobile's XML sign method): an
// enveloped signature, the last child of the document element.
const (
	xmlnsDSig       = "http://www.w3.org/2000/09/xmldsig#"
	uriC14N         = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
	uriC14NComments = uriC14N + "#WithComments"
	uriEnveloped    = xmlnsDSig + "enveloped-signature"
	xmlMaxDepth     = 32    // a login document is three levels deep
	xmlMaxNodes     = 20000 // elements and text runs
	xmlMaxAttrs     = 64    // per element
	xmlMaxNSInScope = 128   // namespace declarations on an element and its ancestors: bounds each prefix lookup
)

// xmlSignature is a parsed enveloped XML-DSig document. Nothing in it is
// verified yet.
type xmlSignature struct {
	doc       *xmlDoc
	root, sig int32 // the document element and its last child, ds:Signature
	// signedInfo is the canonical form (C14N 1.0, in the context of its
	// ancestors) of ds:SignedInfo: what the signature value signs.
	signedInfo   []byte
	sigMethod    string
	digestMethod string
	digestValue  []byte
	sigValue     []byte
	certDER      []byte
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
// but whitespace and base64; SignedInfo may not rebind a namespace prefix
// its ancestors bind. Every refusal is ErrMalformed.
func parseXMLSignature(b []byte, maxSize int) (*xmlSignature, error) {
	d, err := parseXMLDocument(b, maxSize)
	if err != nil {
		return nil, err
	}
	root := d.root
	if d.nodes[root].uri == xmlnsDSig {
		return nil, malformed("the document element is in the XML-DSig namespace")
	}
	sig := int32(xmlNone)
	count := 0
	var walk func(e int32) error
	walk = func(e int32) error {
		for c := range d.children(e) {
			n := &d.nodes[c]
			if !n.elem {
				continue
			}
			if n.uri == xmlnsDSig {
				count++
				if n.local != "Signature" || e != root {
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
	for c := d.nodes[sig].next; c != xmlNone; c = d.nodes[c].next {
		if n := &d.nodes[c]; n.elem || !isXMLSpace(n.text) {
			return nil, malformed("the signature is not the last child of the document element")
		}
	}
	x := &xmlSignature{doc: d, root: root, sig: sig}
	if err := d.noAttributes(sig); err != nil {
		return nil, err
	}
	parts, err := d.dsChildren(sig, "SignedInfo", "SignatureValue", "KeyInfo")
	if err != nil {
		return nil, err
	}
	si, sv, ki := parts[0], parts[1], parts[2]
	if err := x.parseSignedInfo(si); err != nil {
		return nil, err
	}
	if err := d.noAttributes(sv); err != nil {
		return nil, err
	}
	if x.sigValue, err = d.dsBase64(sv, 1024); err != nil {
		return nil, err
	}
	if err := d.noAttributes(ki); err != nil {
		return nil, err
	}
	data, err := d.dsChildren(ki, "X509Data")
	if err != nil {
		return nil, err
	}
	if err := d.noAttributes(data[0]); err != nil {
		return nil, err
	}
	certs, err := d.dsChildren(data[0], "X509Certificate")
	if err != nil {
		return nil, err
	}
	if err := d.noAttributes(certs[0]); err != nil {
		return nil, err
	}
	if x.certDER, err = d.dsBase64(certs[0], 16<<10); err != nil {
		return nil, err
	}
	// SignedInfo is canonicalised (C14N 1.0; the document holds no
	// comment) with the namespace declarations and xml: attributes it
	// inherits.
	x.signedInfo = d.canonical(si, xmlNone)
	return x, nil
}

func (x *xmlSignature) parseSignedInfo(si int32) error {
	d := x.doc
	if err := d.noAttributes(si); err != nil {
		return err
	}
	if err := d.noRebinding(si); err != nil {
		return err
	}
	parts, err := d.dsChildren(si, "CanonicalizationMethod", "SignatureMethod", "Reference")
	if err != nil {
		return err
	}
	if alg, err := d.dsAlgorithm(parts[0]); err != nil {
		return err
	} else if alg != uriC14N {
		return malformed("SignedInfo canonicalisation other than C14N 1.0")
	}
	if x.sigMethod, err = d.dsAlgorithm(parts[1]); err != nil {
		return err
	}
	ref := parts[2]
	if a := d.attrsOf(ref); len(a) != 1 || a[0].prefix != "" || a[0].local != "URI" || a[0].value != "" {
		return malformed(`the Reference is not exactly URI=""`)
	}
	rparts, err := d.dsChildren(ref, "Transforms", "DigestMethod", "DigestValue")
	if err != nil {
		return err
	}
	if err := d.noAttributes(rparts[0]); err != nil {
		return err
	}
	transforms, err := d.dsChildren(rparts[0], "Transform", "Transform")
	if err != nil {
		return err
	}
	for i, want := range [...]string{uriEnveloped, uriC14NComments} {
		if alg, err := d.dsAlgorithm(transforms[i]); err != nil {
			return err
		} else if alg != want {
			return malformed("transforms other than enveloped-signature then C14N 1.0 with comments")
		}
	}
	if x.digestMethod, err = d.dsAlgorithm(rparts[1]); err != nil {
		return err
	}
	if err := d.noAttributes(rparts[2]); err != nil {
		return err
	}
	x.digestValue, err = d.dsBase64(rparts[2], 128)
	return err
}

// noRebinding refuses a namespace declaration on e that binds a prefix (or
// the default namespace) one of its ancestors binds to another namespace.
// C14N needs no such rule, but goxmldsig, the tests' oracle, gives the
// ancestor's binding precedence on an apex element such as SignedInfo.
func (d *xmlDoc) noRebinding(e int32) error {
	for _, a := range d.attrsOf(e) {
		if !a.isNSDecl() {
			continue
		}
		for p := d.nodes[e].parent; p != xmlNone; p = d.nodes[p].parent {
			for _, o := range d.attrsOf(p) {
				if o.isNSDecl() && o.declared() == a.declared() && o.value != a.value {
					return malformed("SignedInfo rebinds a namespace prefix")
				}
			}
		}
	}
	return nil
}

// dsChildren returns the child elements of e, which must be exactly the
// XML-DSig elements names (at most three), in order, separated by
// whitespace only.
func (d *xmlDoc) dsChildren(e int32, names ...string) ([3]int32, error) {
	var out [3]int32
	k := 0
	for c := range d.children(e) {
		n := &d.nodes[c]
		if !n.elem {
			if !isXMLSpace(n.text) {
				return out, malformed("text in the XML signature structure")
			}
			continue
		}
		if k == len(names) || n.local != names[k] || n.uri != xmlnsDSig {
			return out, malformed("unexpected element in the XML signature")
		}
		out[k] = c
		k++
	}
	if k != len(names) {
		return out, malformed("missing element in the XML signature")
	}
	return out, nil
}

// noAttributes refuses attributes other than namespace declarations (an
// Id would make the element a target for references).
func (d *xmlDoc) noAttributes(e int32) error {
	for _, a := range d.attrsOf(e) {
		if !a.isNSDecl() {
			return malformed("attribute %q on an XML signature element", a.local)
		}
	}
	return nil
}

// dsAlgorithm reads the Algorithm attribute of an empty method element.
func (d *xmlDoc) dsAlgorithm(e int32) (string, error) {
	alg := ""
	for _, a := range d.attrsOf(e) {
		switch {
		case a.prefix == "" && a.local == "Algorithm":
			alg = a.value
		case a.isNSDecl():
		default:
			return "", malformed("attribute %q on an XML signature method", a.local)
		}
	}
	if alg == "" {
		return "", malformed("XML signature method without an algorithm")
	}
	if _, err := d.dsChildren(e); err != nil {
		return "", malformed("content in an XML signature method")
	}
	return alg, nil
}

// dsBase64 decodes the base64 text of e (whitespace, including the CRs
// Kalkan writes as &#13;, is ignored) of at most max decoded bytes.
func (d *xmlDoc) dsBase64(e int32, max int) ([]byte, error) {
	var text []byte
	for c := range d.children(e) {
		n := &d.nodes[c]
		if n.elem {
			return nil, malformed("markup inside base64 content")
		}
		w := len(text)
		text = append(text, n.text...)
		for _, ch := range text[w:] {
			if ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n' {
				text[w] = ch
				w++
			}
		}
		text = text[:w]
	}
	if len(text) == 0 || len(text) > base64.StdEncoding.EncodedLen(max) {
		return nil, malformed("empty or oversized base64 content")
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	n, err := base64.StdEncoding.Strict().Decode(out, text)
	if err != nil {
		return nil, malformed("bad base64 content")
	}
	return out[:n], nil
}

// canonicalContent returns what the Reference covers: the document
// element without the signature (enveloped-signature), in C14N 1.0. The
// Reference's transform says "with comments", but URI="" has removed them
// before (XML-DSig §4.3.3.3, as xmlsec1 and Apache Santuario do), and
// parseXMLDocument refuses documents holding any.
func (x *xmlSignature) canonicalContent() []byte {
	return x.doc.canonical(x.root, x.sig)
}

// CanonicalXML parses an XML document as strictly as VerifyXML does and
// returns the canonical form (C14N 1.0) of its document
// element: what an enveloped signature's Reference covers once the
// signature is removed. It refuses a document holding an XML signature.
func CanonicalXML(doc []byte) ([]byte, error) {
	d, err := parseXMLDocument(doc, DefaultMaxInputSize)
	if err != nil {
		return nil, err
	}
	for i := range d.nodes {
		if n := &d.nodes[i]; n.elem && n.uri == xmlnsDSig {
			return nil, malformed("the document holds an XML signature")
		}
	}
	return d.canonical(d.root, xmlNone), nil
}

// looksLikeXML reports whether input starts (after whitespace and a UTF-8
// byte-order mark) with '<' — an XML document rather than PEM, base64 or
// DER.
func looksLikeXML(input []byte) bool {
	b := bytes.TrimLeft(bytes.TrimPrefix(input, []byte("\xef\xbb\xbf")), " \t\r\n")
	return len(b) > 0 && b[0] == '<'
}
