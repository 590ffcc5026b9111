package signature

import (
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// FormatSerial renders a serial number — of a certificate, a CRL entry, an
// OCSP CertID or a time-stamp token — the one way this module prints
// serials everywhere (results, JSON, messages, audit events, the CLI): the
// content octets of its DER INTEGER encoding in upper-case hex, two digits
// per octet. Leading zero octets are kept, so the text matches the NCA's
// serial lists byte for byte (0FF06211DC…, not FF06211DC…), and a negative
// serial (an INTEGER whose first octet is 0x80 or more, as time-stamp
// tokens may carry) keeps its octets instead of gaining a minus sign. A
// positive serial whose top bit is set is printed with its leading 00
// octet, as DER encodes it. A nil serial is "".
func FormatSerial(n *big.Int) string {
	if n == nil {
		return ""
	}
	return SerialHex(SerialBytes(n))
}

// SerialHex renders the content octets of a DER INTEGER as FormatSerial
// does: upper-case hex, every octet two digits, nothing stripped.
func SerialHex(content []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 2*len(content))
	for i, c := range content {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}

// SerialBytes returns the content octets of the DER INTEGER holding n (two's
// complement, minimal): the form in which certificates, CertIDs, CRLs and
// TSTInfo carry serials. A nil n has none.
func SerialBytes(n *big.Int) []byte {
	if n == nil {
		return nil
	}
	if n.Sign() > 0 {
		// The common case without a builder: the magnitude, plus a
		// leading zero when its top bit is set.
		l := (n.BitLen() + 8) / 8 // room for the sign bit
		out := make([]byte, l)
		n.FillBytes(out)
		if l > 1 && out[0] == 0 && out[1]&0x80 == 0 {
			out = out[1:]
		}
		return out
	}
	var b cryptobyte.Builder
	b.AddASN1BigInt(n)
	der, err := b.Bytes()
	if err != nil {
		return nil
	}
	input := cryptobyte.String(der)
	var content cryptobyte.String
	if !input.ReadASN1(&content, cbasn1.INTEGER) {
		return nil
	}
	return content
}
