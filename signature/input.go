package signature

import (
	"bytes"
	"encoding/base64"
)

// Input bounds.
const (
	// DefaultMaxInputSize bounds the CMS input (PEM, base64 or DER) that
	// Verify accepts when Config.MaxInputSize is zero.
	DefaultMaxInputSize = 1 << 20
	// maxBERDepth bounds the nesting of BER input (indefinite lengths).
	maxBERDepth = 32
)

// DecodeCMS turns what NCALayer (or any CMS producer) returns into DER. It
// accepts, after trimming surrounding whitespace:
//
//   - PEM with the type "CMS" (NCALayer's sign) or "PKCS7", and nothing
//     before or after the block and no PEM headers;
//   - bare standard base64, with or without padding and line breaks
//     (NCALayer's legacy createCMSSignatureFromBase64);
//   - binary DER or BER (starting with a SEQUENCE tag, 0x30).
//
// Input longer than max bytes (DefaultMaxInputSize when max ≤ 0) is
// refused. The result is not yet checked to be a CMS structure. On error
// the result is nil and the error wraps ErrMalformed.
func DecodeCMS(in []byte, max int) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxInputSize
	}
	if len(in) > max {
		return nil, malformed("input of %d bytes exceeds the limit of %d", len(in), max)
	}
	if len(in) > 0 && in[0] == 0x30 {
		return in, nil
	}
	in = bytes.TrimSpace(in)
	if len(in) == 0 {
		return nil, malformed("empty input")
	}
	if bytes.HasPrefix(in, []byte("-----BEGIN ")) {
		return decodePEM(in)
	}
	der, err := decodeBase64(in)
	if err != nil {
		return nil, malformed("neither PEM, base64 nor DER")
	}
	if len(der) == 0 || der[0] != 0x30 {
		return nil, malformed("decoded base64 is not a DER SEQUENCE")
	}
	return der, nil
}

// decodePEM decodes exactly one PEM block of type CMS or PKCS7 that spans
// all of in (already trimmed): no text around it, no headers. It does not
// use encoding/pem, which tolerates text around the block and costs a few
// microseconds more.
func decodePEM(in []byte) ([]byte, error) {
	nl := bytes.IndexByte(in, '\n')
	if nl < 0 {
		return nil, malformed("unparseable PEM")
	}
	var typ string
	switch string(bytes.TrimRight(in[:nl], "\r \t")) {
	case "-----BEGIN CMS-----":
		typ = "CMS"
	case "-----BEGIN PKCS7-----":
		typ = "PKCS7"
	default:
		return nil, malformed("PEM type is not CMS or PKCS7")
	}
	body, ok := bytes.CutSuffix(in[nl+1:], []byte("-----END "+typ+"-----"))
	if !ok {
		return nil, malformed("data after the PEM block")
	}
	if bytes.IndexByte(body, ':') >= 0 {
		return nil, malformed("PEM headers are not allowed")
	}
	der, err := decodeBase64(body)
	if err != nil {
		return nil, malformed("PEM body is not base64")
	}
	if len(der) == 0 || der[0] != 0x30 {
		return nil, malformed("PEM content is not a DER SEQUENCE")
	}
	return der, nil
}

// decodeBase64 decodes standard base64, padded or not, ignoring line
// breaks and spaces. (encoding/base64 skips CR and LF itself; only input
// with spaces or tabs is compacted first.)
func decodeBase64(in []byte) ([]byte, error) {
	n := len(in) - bytes.Count(in, []byte{'\n'}) - bytes.Count(in, []byte{'\r'})
	if bytes.IndexByte(in, ' ') >= 0 || bytes.IndexByte(in, '\t') >= 0 { // two vector scans, faster than IndexAny
		compact := make([]byte, 0, len(in))
		for _, c := range in {
			switch c {
			case ' ', '\t', '\r', '\n':
				continue
			}
			compact = append(compact, c)
		}
		in, n = compact, len(compact)
	}
	enc := base64.StdEncoding
	if n%4 != 0 {
		enc = base64.RawStdEncoding
	}
	der := make([]byte, enc.DecodedLen(n))
	m, err := enc.Strict().Decode(der, in)
	if err != nil {
		return nil, err
	}
	return der[:m], nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// berToDER re-encodes BER as DER: indefinite lengths become definite,
// non-minimal lengths minimal, and constructed OCTET STRINGs (chunked
// content, as streaming producers and Java CMS libraries write it) become
// primitive. Elements that are already DER are copied unchanged, so the
// signed attributes of a CMS, which RFC 5652 requires to be DER, keep their
// exact bytes. Nesting is bounded by maxBERDepth.
func berToDER(in []byte) ([]byte, error) {
	var out bytes.Buffer
	rest, err := berElement(in, &out, 0)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, malformed("trailing data after the BER element")
	}
	return out.Bytes(), nil
}

// berHeader reads an identifier and a length. length is -1 for the
// indefinite form.
func berHeader(in []byte) (tag []byte, constructed bool, length int, rest []byte, err error) {
	if len(in) < 2 {
		return nil, false, 0, nil, malformed("truncated BER header")
	}
	i := 1
	if in[0]&0x1f == 0x1f { // high tag number form
		for {
			if i >= len(in) || i > 5 {
				return nil, false, 0, nil, malformed("bad BER tag")
			}
			b := in[i]
			i++
			if b&0x80 == 0 {
				break
			}
		}
	}
	tag = in[:i]
	constructed = in[0]&0x20 != 0
	if i >= len(in) {
		return nil, false, 0, nil, malformed("truncated BER length")
	}
	l := in[i]
	i++
	switch {
	case l < 0x80:
		length = int(l)
	case l == 0x80:
		if !constructed {
			return nil, false, 0, nil, malformed("indefinite length on a primitive element")
		}
		length = -1
	default:
		n := int(l & 0x7f)
		if n > 4 || i+n > len(in) {
			return nil, false, 0, nil, malformed("bad BER length")
		}
		for _, b := range in[i : i+n] {
			length = length<<8 | int(b)
		}
		i += n
		if length < 0 || length > len(in) {
			return nil, false, 0, nil, malformed("BER length out of range")
		}
	}
	rest = in[i:]
	if length > len(rest) {
		return nil, false, 0, nil, malformed("truncated BER content")
	}
	return tag, constructed, length, rest, nil
}

func berElement(in []byte, out *bytes.Buffer, depth int) ([]byte, error) {
	if depth > maxBERDepth {
		return nil, malformed("BER nesting deeper than %d", maxBERDepth)
	}
	tag, constructed, length, rest, err := berHeader(in)
	if err != nil {
		return nil, err
	}
	if !constructed {
		writeDER(out, tag, rest[:length])
		return rest[length:], nil
	}
	// Constructed: re-encode the children.
	var body bytes.Buffer
	var content []byte
	if length >= 0 {
		content, rest = rest[:length], rest[length:]
	} else {
		content = rest
	}
	for {
		if length < 0 {
			if len(content) >= 2 && content[0] == 0 && content[1] == 0 {
				content = content[2:]
				break
			}
			if len(content) == 0 {
				return nil, malformed("missing end-of-contents")
			}
		} else if len(content) == 0 {
			break
		}
		content, err = berElement(content, &body, depth+1)
		if err != nil {
			return nil, err
		}
	}
	if length < 0 {
		rest = content
	}
	if len(tag) == 1 && tag[0] == 0x24 { // constructed OCTET STRING → primitive
		joined, err := joinOctetChunks(body.Bytes())
		if err != nil {
			return nil, err
		}
		writeDER(out, []byte{0x04}, joined)
		return rest, nil
	}
	writeDER(out, tag, body.Bytes())
	return rest, nil
}

// joinOctetChunks concatenates the contents of DER OCTET STRING elements.
func joinOctetChunks(b []byte) ([]byte, error) {
	var out []byte
	for len(b) > 0 {
		tag, _, length, rest, err := berHeader(b)
		if err != nil {
			return nil, err
		}
		if len(tag) != 1 || tag[0] != 0x04 {
			return nil, malformed("constructed OCTET STRING with a non-OCTET STRING chunk")
		}
		out = append(out, rest[:length]...)
		b = rest[length:]
	}
	return out, nil
}

func writeDER(out *bytes.Buffer, tag, content []byte) {
	out.Write(tag)
	n := len(content)
	switch {
	case n < 0x80:
		out.WriteByte(byte(n))
	case n < 0x100:
		out.Write([]byte{0x81, byte(n)})
	case n < 0x10000:
		out.Write([]byte{0x82, byte(n >> 8), byte(n)})
	case n < 0x1000000:
		out.Write([]byte{0x83, byte(n >> 16), byte(n >> 8), byte(n)})
	default:
		out.Write([]byte{0x84, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
	}
	out.Write(content)
}
