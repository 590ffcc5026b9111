package signature

import (
	"encoding/asn1"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// The content octets of the DER encoding of the object identifiers the
// CMS parser compares. Comparing received OID bytes with these allocates
// nothing (parsing every OID into an asn1.ObjectIdentifier and rendering
// it as text cost a few microseconds per verification). TestOIDConstants
// checks each against its dotted form.
const (
	derData            = "\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01"         // 1.2.840.113549.1.7.1
	derSignedData      = "\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02"         // 1.2.840.113549.1.7.2
	derContentType     = "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x03"         // 1.2.840.113549.1.9.3
	derMessageDigest   = "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x04"         // 1.2.840.113549.1.9.4
	derSigningTime     = "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x05"         // 1.2.840.113549.1.9.5
	derSigningCert     = "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x02\x0c" // 1.2.840.113549.1.9.16.2.12
	derSigningCertV2   = "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x02\x2f" // 1.2.840.113549.1.9.16.2.47
	derSHA256          = "\x60\x86\x48\x01\x65\x03\x04\x02\x01"         // 2.16.840.1.101.3.4.2.1
	derSHA384          = "\x60\x86\x48\x01\x65\x03\x04\x02\x02"         // 2.16.840.1.101.3.4.2.2
	derSHA512          = "\x60\x86\x48\x01\x65\x03\x04\x02\x03"         // 2.16.840.1.101.3.4.2.3
	derRSAEncryption   = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01"         // 1.2.840.113549.1.1.1
	derMGF1            = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x08"         // 1.2.840.113549.1.1.8
	derRSAPSS          = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0a"         // 1.2.840.113549.1.1.10
	derSHA256WithRSA   = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b"         // 1.2.840.113549.1.1.11
	derSHA384WithRSA   = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0c"         // 1.2.840.113549.1.1.12
	derSHA512WithRSA   = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0d"         // 1.2.840.113549.1.1.13
	derECPublicKey     = "\x2a\x86\x48\xce\x3d\x02\x01"                 // 1.2.840.10045.2.1
	derECDSAWithSHA256 = "\x2a\x86\x48\xce\x3d\x04\x03\x02"             // 1.2.840.10045.4.3.2
	derECDSAWithSHA384 = "\x2a\x86\x48\xce\x3d\x04\x03\x03"             // 1.2.840.10045.4.3.3
	derECDSAWithSHA512 = "\x2a\x86\x48\xce\x3d\x04\x03\x04"             // 1.2.840.10045.4.3.4
)

// readOID reads an OBJECT IDENTIFIER element and returns its content
// octets, which must decode as an OID.
func readOID(s *cryptobyte.String) ([]byte, bool) {
	var raw cryptobyte.String
	if !s.ReadASN1(&raw, cbasn1.OBJECT_IDENTIFIER) || len(raw) == 0 || raw[len(raw)-1]&0x80 != 0 {
		return nil, false
	}
	return raw, true
}

// parseOID decodes OID content octets; nil when they are not an OID.
func parseOID(raw []byte) asn1.ObjectIdentifier {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes(raw) })
	der, err := b.Bytes()
	if err != nil {
		return nil
	}
	s := cryptobyte.String(der)
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1ObjectIdentifier(&oid) {
		return nil
	}
	return oid
}

// oidString renders OID content octets for messages.
func oidString(raw []byte) string {
	if oid := parseOID(raw); oid != nil {
		return oid.String()
	}
	return "(invalid OID)"
}
