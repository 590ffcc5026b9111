package signature

import (
	"bytes"
	"encoding/base64"
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// The differential oracle for the XML reader and canonicaliser of
// xmlparse.go and xmlc14n.go: the previous implementation, etree over
// encoding/xml (strict) with goxmldsig's C14N 1.0 canonicaliser, and the
// same structural checks written over etree's tree — including the rules
// the hand-written reader added (see xmlparse.go), expressed on etree's
// tree. Tests and FuzzXMLOracle require that both give the same canonical
// bytes and the same signature fields, or both refuse.

var errOracle = errors.New("oracle: refused")

func oracleRefuse(string) error { return errOracle }

// oracleCharRef matches character references outside CDATA sections
// (oracleCDATA): encoding/xml decodes those to a surrogate as U+FFFD, the
// reader refuses them.
var (
	oracleCharRef = regexp.MustCompile(`&#(x[0-9a-fA-F]+|[0-9]+);`)
	oracleCDATA   = regexp.MustCompile(`(?s)<!\[CDATA\[.*?\]\]>`)
)

func oracleParseDocument(b []byte, maxSize int) (*etree.Element, error) {
	if len(b) == 0 || len(b) > maxSize {
		return nil, errOracle
	}
	for _, m := range oracleCharRef.FindAllSubmatch(oracleCDATA.ReplaceAll(b, nil), -1) {
		s, base := string(m[1]), 10
		if s[0] == 'x' {
			s, base = s[1:], 16
		}
		if n, err := strconv.ParseUint(s, base, 64); err == nil && 0xD800 <= n && n <= 0xDFFF {
			return nil, oracleRefuse("surrogate reference")
		}
	}
	doc := etree.NewDocument()
	doc.ReadSettings = etree.ReadSettings{PreserveDuplicateAttrs: true, MaxDepth: xmlMaxDepth}
	if err := doc.ReadFromBytes(b); err != nil {
		return nil, errOracle
	}
	var root *etree.Element
	for i, t := range doc.Child {
		switch t := t.(type) {
		case *etree.Element:
			if root != nil {
				return nil, oracleRefuse("more than one document element")
			}
			root = t
		case *etree.CharData:
			if !t.IsWhitespace() {
				return nil, oracleRefuse("text outside")
			}
		case *etree.ProcInst:
			if t.Target != "xml" || i != 0 {
				return nil, oracleRefuse("processing instruction")
			}
			if err := checkXMLDeclaration(t.Inst); err != nil {
				return nil, err
			}
		default:
			return nil, oracleRefuse("directive or comment")
		}
	}
	if root == nil {
		return nil, oracleRefuse("no root")
	}
	nodes := 0
	if err := oracleCheckTree(root, &nodes); err != nil {
		return nil, err
	}
	return root, nil
}

// oracleNCName is an ASCII NCName, by a regular expression rather than the
// reader's byte loop.
var oracleNCName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)

func oracleName(space, local string) bool {
	return oracleNCName.MatchString(local) && (space == "" || oracleNCName.MatchString(space))
}

// oracleLookup resolves a prefix from e's declarations and its ancestors'.
func oracleLookup(e *etree.Element, prefix string) (string, bool) {
	if prefix == "xml" {
		return xmlnsXML, true
	}
	for ; e != nil; e = e.Parent() {
		for _, a := range e.Attr {
			if prefix == "" && a.Space == "" && a.Key == "xmlns" || prefix != "" && a.Space == "xmlns" && a.Key == prefix {
				return a.Value, true
			}
		}
	}
	return "", prefix == ""
}

func oracleCheckTree(e *etree.Element, nodes *int) error {
	if *nodes++; *nodes > xmlMaxNodes || len(e.Attr) > xmlMaxAttrs {
		return oracleRefuse("limits")
	}
	if !oracleName(e.Space, e.Tag) || e.Space == "xmlns" {
		return oracleRefuse("element name")
	}
	if _, ok := oracleLookup(e, e.Space); !ok {
		return oracleRefuse("undeclared prefix")
	}
	decls := 0
	for p := e; p != nil; p = p.Parent() {
		for _, a := range p.Attr {
			if a.Space == "xmlns" || a.Space == "" && a.Key == "xmlns" {
				decls++
			}
		}
	}
	if decls > xmlMaxNSInScope {
		return oracleRefuse("namespace declarations")
	}
	qualified := ""
	for i, a := range e.Attr {
		if !oracleName(a.Space, a.Key) || strings.ContainsAny(a.Value, "\t\r\n") {
			return oracleRefuse("attribute")
		}
		for _, o := range e.Attr[:i] {
			if o.Space == a.Space && o.Key == a.Key {
				return oracleRefuse("duplicate attribute")
			}
		}
		switch {
		case a.Space == "xmlns":
			if a.Key == "xml" || a.Key == "xmlns" || a.Value == "" || a.Value == xmlnsXML || a.Value == xmlnsXMLNS {
				return oracleRefuse("declaration")
			}
		case a.Space == "" && a.Key == "xmlns":
			if a.Value == xmlnsXML || a.Value == xmlnsXMLNS {
				return oracleRefuse("declaration")
			}
		case a.Space != "":
			uri, ok := oracleLookup(e, a.Space)
			if !ok || qualified != "" && uri != qualified {
				return oracleRefuse("attribute namespace")
			}
			qualified = uri
			for _, o := range e.Attr[:i] {
				if o.Space != "" && o.Space != "xmlns" && o.Key == a.Key {
					return oracleRefuse("duplicate expanded name")
				}
			}
		}
	}
	for _, t := range e.Child {
		switch t := t.(type) {
		case *etree.Element:
			if err := oracleCheckTree(t, nodes); err != nil {
				return err
			}
		case *etree.CharData:
			if *nodes++; *nodes > xmlMaxNodes {
				return oracleRefuse("limits")
			}
		default:
			return oracleRefuse("comment, instruction or directive")
		}
	}
	return nil
}

func oracleNS(e *etree.Element) string {
	uri, _ := oracleLookup(e, e.Space)
	return uri
}

// oracleCanonicalXML is CanonicalXML by etree and goxmldsig.
func oracleCanonicalXML(doc []byte) ([]byte, error) {
	root, err := oracleParseDocument(doc, DefaultMaxInputSize)
	if err != nil {
		return nil, err
	}
	var hasDSig func(e *etree.Element) bool
	hasDSig = func(e *etree.Element) bool {
		if oracleNS(e) == xmlnsDSig {
			return true
		}
		for _, c := range e.ChildElements() {
			if hasDSig(c) {
				return true
			}
		}
		return false
	}
	if hasDSig(root) {
		return nil, oracleRefuse("signature")
	}
	return dsig.MakeC14N10RecCanonicalizer().Canonicalize(root)
}

// oracleSignature is what parseXMLSignature and canonicalContent give.
type oracleSignature struct {
	signedInfo, content            []byte
	sigMethod, digestMethod        string
	digestValue, sigValue, certDER []byte
}

func oracleParseSignature(b []byte, maxSize int) (*oracleSignature, error) {
	root, err := oracleParseDocument(b, maxSize)
	if err != nil {
		return nil, err
	}
	if oracleNS(root) == xmlnsDSig {
		return nil, oracleRefuse("ds root")
	}
	var sig *etree.Element
	count := 0
	var walk func(e *etree.Element) error
	walk = func(e *etree.Element) error {
		for _, c := range e.ChildElements() {
			if oracleNS(c) == xmlnsDSig {
				count++
				if c.Tag != "Signature" || e != root {
					return oracleRefuse("ds element elsewhere")
				}
				sig = c
				continue
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
	if count != 1 {
		return nil, oracleRefuse("signature count")
	}
	for _, t := range root.Child[sig.Index()+1:] {
		if cd, ok := t.(*etree.CharData); !ok || !cd.IsWhitespace() {
			return nil, oracleRefuse("signature not last")
		}
	}
	x := &oracleSignature{}
	parts, err := oracleDS(sig, "SignedInfo", "SignatureValue", "KeyInfo")
	if err != nil {
		return nil, err
	}
	si, sv, ki := parts[0], parts[1], parts[2]
	// SignedInfo.
	for _, a := range si.Attr {
		if a.Space == "xmlns" || a.Space == "" && a.Key == "xmlns" {
			for p := si.Parent(); p != nil; p = p.Parent() {
				for _, o := range p.Attr {
					if o.Space == a.Space && o.Key == a.Key && o.Value != a.Value {
						return nil, oracleRefuse("SignedInfo rebinding")
					}
				}
			}
		}
	}
	sip, err := oracleDS(si, "CanonicalizationMethod", "SignatureMethod", "Reference")
	if err != nil {
		return nil, err
	}
	if alg, err := oracleAlgorithm(sip[0]); err != nil || alg != uriC14N {
		return nil, oracleRefuse("c14n method")
	}
	if x.sigMethod, err = oracleAlgorithm(sip[1]); err != nil {
		return nil, err
	}
	ref := sip[2]
	if len(ref.Attr) != 1 || ref.Attr[0].Space != "" || ref.Attr[0].Key != "URI" || ref.Attr[0].Value != "" {
		return nil, oracleRefuse("reference")
	}
	rp, err := oracleDSChildren(ref, "Transforms", "DigestMethod", "DigestValue")
	if err != nil {
		return nil, err
	}
	tr, err := oracleDS(rp[0], "Transform", "Transform")
	if err != nil {
		return nil, err
	}
	for i, want := range []string{uriEnveloped, uriC14NComments} {
		if alg, err := oracleAlgorithm(tr[i]); err != nil || alg != want {
			return nil, oracleRefuse("transforms")
		}
	}
	if x.digestMethod, err = oracleAlgorithm(rp[1]); err != nil {
		return nil, err
	}
	if x.digestValue, err = oracleBase64(rp[2], 128); err != nil {
		return nil, err
	}
	if x.sigValue, err = oracleBase64(sv, 1024); err != nil {
		return nil, err
	}
	data, err := oracleDS(ki, "X509Data")
	if err != nil {
		return nil, err
	}
	certs, err := oracleDS(data[0], "X509Certificate")
	if err != nil {
		return nil, err
	}
	if x.certDER, err = oracleBase64(certs[0], 16<<10); err != nil {
		return nil, err
	}
	if x.signedInfo, err = dsig.MakeC14N10RecCanonicalizer().Canonicalize(si); err != nil {
		return nil, err
	}
	i := sig.Index()
	root.RemoveChildAt(i)
	if x.content, err = dsig.MakeC14N10RecCanonicalizer().Canonicalize(root); err != nil {
		return nil, err
	}
	return x, nil
}

// oracleDS returns e's child elements, which must be exactly the XML-DSig
// elements names; e itself may carry namespace declarations only.
func oracleDS(e *etree.Element, names ...string) ([]*etree.Element, error) {
	if err := oracleNoAttrs(e); err != nil {
		return nil, err
	}
	return oracleDSChildren(e, names...)
}

func oracleNoAttrs(e *etree.Element) error {
	for _, a := range e.Attr {
		if a.Space != "xmlns" && !(a.Space == "" && a.Key == "xmlns") {
			return oracleRefuse("attribute on a ds element")
		}
	}
	return nil
}

func oracleDSChildren(e *etree.Element, names ...string) ([]*etree.Element, error) {
	var out []*etree.Element
	for _, t := range e.Child {
		switch t := t.(type) {
		case *etree.Element:
			if len(out) == len(names) || t.Tag != names[len(out)] || oracleNS(t) != xmlnsDSig {
				return nil, oracleRefuse("ds structure")
			}
			out = append(out, t)
		case *etree.CharData:
			if !t.IsWhitespace() {
				return nil, oracleRefuse("ds text")
			}
		default:
			return nil, oracleRefuse("ds token")
		}
	}
	if len(out) != len(names) {
		return nil, oracleRefuse("ds missing")
	}
	return out, nil
}

func oracleAlgorithm(e *etree.Element) (string, error) {
	alg := ""
	for _, a := range e.Attr {
		switch {
		case a.Space == "" && a.Key == "Algorithm":
			alg = a.Value
		case a.Space == "xmlns" || a.Space == "" && a.Key == "xmlns":
		default:
			return "", oracleRefuse("method attribute")
		}
	}
	if _, err := oracleDSChildren(e); err != nil || alg == "" {
		return "", oracleRefuse("method")
	}
	return alg, nil
}

func oracleBase64(e *etree.Element, max int) ([]byte, error) {
	if err := oracleNoAttrs(e); err != nil {
		return nil, err
	}
	var text strings.Builder
	for _, t := range e.Child {
		cd, ok := t.(*etree.CharData)
		if !ok {
			return nil, oracleRefuse("markup in base64")
		}
		text.WriteString(cd.Data)
	}
	s := strings.Join(strings.FieldsFunc(text.String(), func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\r' || r == '\n'
	}), "")
	if s == "" || len(s) > base64.StdEncoding.EncodedLen(max) {
		return nil, oracleRefuse("base64 size")
	}
	out, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, oracleRefuse("base64")
	}
	return out, nil
}

// sameOracle reports whether the reader's and the oracle's outcomes agree:
// both refuse, or both accept with equal bytes.
func sameOutcome(a []byte, aErr error, b []byte, bErr error) bool {
	if (aErr == nil) != (bErr == nil) {
		return false
	}
	return aErr != nil || bytes.Equal(a, b)
}
