package signature

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"strings"
)

// formatName renders a name as crypto/x509 does (pkix.Name.String: RFC
// 2253 style, Go's attribute order), except that the attributes of the
// Kazakh profile that crypto/x509 has no name for — SURNAME (2.5.4.4) and
// GIVENNAME (2.5.4.42), which it prints as "#"-hex of their DER — are
// printed by name and value, as OpenSSL prints them: SN=ТЕСТОВ,
// GN=ТЕСТОВИЧ.
func formatName(n pkix.Name) string {
	s := n.String()
	for _, atv := range n.Names {
		var short string
		switch atv.Type.String() {
		case oidSurname:
			short = "SN"
		case oidGivenName:
			short = "GN"
		default:
			continue
		}
		v, ok := atv.Value.(string)
		if !ok {
			continue
		}
		// crypto/x509 hexes the value's DER with its original string type:
		// try the types certificates use.
		for _, params := range []string{"utf8", "printable", "ia5"} {
			d, err := asn1.MarshalWithParams(v, params)
			if err != nil {
				continue
			}
			if old := atv.Type.String() + "=#" + hex.EncodeToString(d); strings.Contains(s, old) {
				s = strings.Replace(s, old, short+"="+escapeDNValue(v), 1)
				break
			}
		}
	}
	return s
}

// escapeDNValue escapes an attribute value as RFC 4514 §2.4 requires.
func escapeDNValue(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == ',' || r == '+' || r == '"' || r == '\\' || r == '<' || r == '>' || r == ';' || r == '=':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == 0:
			b.WriteString(`\00`)
		case (r == ' ' || r == '#') && i == 0, r == ' ' && i == len(s)-1:
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
