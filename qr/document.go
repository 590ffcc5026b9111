package qr

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	cryptorand "crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DocHeader is the first line of every signed document.
const DocHeader = "strongauth-qr/1"

// Limits of the wire formats.
const (
	// MaxDocument bounds a signed document.
	MaxDocument = 2048
	// MaxEnvelope bounds a phone request body (JSON).
	MaxEnvelope = 8 << 10
	// MaxNameRunes bounds a device name.
	MaxNameRunes = 64
	maxSig       = 80
)

// DocType is the type of a signed document.
type DocType string

// The document types.
const (
	// DocEnrol proves possession of a new device key.
	DocEnrol DocType = "enrol"
	// DocScan reports a scanned frame and asks for the session's details.
	DocScan DocType = "scan"
	// DocApprove approves a session with the chosen number.
	DocApprove DocType = "approve"
	// DocDeny reports that the user did not start the session.
	DocDeny DocType = "deny"
)

// fields lists, in canonical order, the fields a type carries after "type".
func (t DocType) fields() []string {
	switch t {
	case DocEnrol:
		return []string{"challenge", "key", "name", "time"}
	case DocScan:
		return []string{"device", "frame", "time"}
	case DocApprove:
		return []string{"device", "session", "number", "action", "time"}
	case DocDeny:
		return []string{"device", "session", "time"}
	}
	return nil
}

// Document is what a phone signs with its device key. Its canonical text
// form (Marshal) is the header line and then one "name=value" line per
// field, in a fixed order per type, each ending in "\n":
//
//	strongauth-qr/1
//	type=approve
//	device=<device ID>
//	session=<session token>
//	number=<two digits>
//	action=<hex SHA-256 of the details shown>
//	time=<Unix seconds>
//
// Fields per type: enrol (challenge, key, name, time), scan (device, frame,
// time), approve (device, session, number, action, time), deny (device,
// session, time). ParseDocument accepts exactly the canonical form, so
// Marshal(ParseDocument(b)) == b; a signature covers these exact bytes.
type Document struct {
	Type DocType
	// Device is the device ID (scan, approve, deny).
	Device string
	// Challenge is the enrolment challenge (enrol).
	Challenge string
	// Key is KeyThumbprint of the key being enrolled (enrol).
	Key string
	// Name is the device's display name (enrol).
	Name string
	// Frame is the scanned QR content (scan).
	Frame string
	// Session is the session token from the frame (approve, deny).
	Session string
	// Number is the number the user picked (approve), 10–99.
	Number int
	// Action is DetailsDigest of the details the phone showed (approve).
	Action string
	// Time is the phone's clock in Unix seconds.
	Time int64
}

func (d *Document) value(field string) string {
	switch field {
	case "device":
		return d.Device
	case "challenge":
		return d.Challenge
	case "key":
		return d.Key
	case "name":
		return d.Name
	case "frame":
		return d.Frame
	case "session":
		return d.Session
	case "number":
		return strconv.Itoa(d.Number)
	case "action":
		return d.Action
	case "time":
		return strconv.FormatInt(d.Time, 10)
	}
	return ""
}

func (d *Document) set(field, v string) error {
	var ok bool
	switch field {
	case "device":
		d.Device, ok = v, validID(v, idLen)
	case "challenge":
		d.Challenge, ok = v, validID(v, challengeLen)
	case "key":
		d.Key, ok = v, validHex256(v)
	case "name":
		d.Name, ok = v, ValidName(v)
	case "frame":
		_, err := ParseFrame(v)
		d.Frame, ok = v, err == nil
	case "session":
		d.Session, ok = v, validID(v, idLen)
	case "number":
		d.Number, ok = parseNumber(v)
	case "action":
		d.Action, ok = v, validHex256(v)
	case "time":
		d.Time, ok = parseDecimal(v, 12)
	}
	if !ok {
		return malformed("document field " + field)
	}
	return nil
}

// Marshal returns the canonical text of d. It does not validate d; a
// document with invalid fields marshals to text that ParseDocument refuses.
func (d *Document) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString(DocHeader + "\ntype=" + string(d.Type) + "\n")
	for _, f := range d.Type.fields() {
		b.WriteString(f + "=" + d.value(f) + "\n")
	}
	return b.Bytes()
}

// ParseDocument parses the canonical text of a document. Anything else —
// another order, a missing, unknown or repeated field, a non-canonical
// number, a trailing byte — is ErrMalformed.
func ParseDocument(b []byte) (*Document, error) {
	if len(b) > MaxDocument || !utf8.Valid(b) {
		return nil, malformed("document size or encoding")
	}
	s := string(b)
	if !strings.HasSuffix(s, "\n") {
		return nil, malformed("document must end with a newline")
	}
	lines := strings.Split(s[:len(s)-1], "\n")
	if len(lines) < 2 || lines[0] != DocHeader {
		return nil, malformed("document header")
	}
	typ, ok := strings.CutPrefix(lines[1], "type=")
	fields := DocType(typ).fields()
	if !ok || fields == nil {
		return nil, malformed("document type")
	}
	if len(lines) != 2+len(fields) {
		return nil, malformed("document field count")
	}
	d := &Document{Type: DocType(typ)}
	for i, f := range fields {
		v, ok := strings.CutPrefix(lines[2+i], f+"=")
		if !ok {
			return nil, malformed("document field order")
		}
		if err := d.set(f, v); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Signed is a document with the device's signature, as a phone sends it:
// JSON {"doc": "<canonical text>", "sig": "<base64url>"}. The signature is
// ECDSA P-256 over SHA-256 of the exact document bytes, either ASN.1 DER
// (as crypto/ecdsa.SignASN1, Android and iOS produce) or the raw 64-byte
// r‖s form (as WebCrypto produces), base64url without padding.
type Signed struct {
	Doc string `json:"doc"`
	Sig string `json:"sig"`
	// Key is the base64url SubjectPublicKeyInfo (DER) of the key being
	// enrolled; only enrolment requests carry it.
	Key string `json:"key,omitempty"`
}

// Opened is a parsed Signed: the document, its exact bytes and the
// decoded signature. The signature is not verified yet.
type Opened struct {
	Doc *Document
	Raw []byte
	Sig []byte
	// Key is the decoded public key of an enrolment request.
	Key []byte
}

// OpenSigned parses a phone request body: strict JSON (no unknown fields,
// nothing after the object), a canonical document of type want, and a
// signature of plausible size. Enrolment requests must carry a key; other
// types must not.
func OpenSigned(body []byte, want DocType) (*Opened, error) {
	if len(body) > MaxEnvelope {
		return nil, malformed("request too large")
	}
	var s Signed
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, malformed("request is not the expected JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, malformed("data after the request")
	}
	doc, err := ParseDocument([]byte(s.Doc))
	if err != nil {
		return nil, err
	}
	if doc.Type != want {
		return nil, malformed("document type")
	}
	sig, err := base64.RawURLEncoding.Strict().DecodeString(s.Sig)
	if err != nil || len(sig) < 8 || len(sig) > maxSig {
		return nil, malformed("signature encoding")
	}
	o := &Opened{Doc: doc, Raw: []byte(s.Doc), Sig: sig}
	if (s.Key != "") != (want == DocEnrol) {
		return nil, malformed("key field")
	}
	if s.Key != "" {
		if o.Key, err = base64.RawURLEncoding.Strict().DecodeString(s.Key); err != nil || len(o.Key) > 512 {
			return nil, malformed("key encoding")
		}
	}
	return o, nil
}

// Sign signs d with a device key (ASN.1 DER) and returns the request body
// fields. Phones (and examples/mobile) use it; rand nil means crypto/rand.
func Sign(key *ecdsa.PrivateKey, rand io.Reader, d *Document) (*Signed, error) {
	raw := d.Marshal()
	h := sha256.Sum256(raw)
	if rand == nil {
		rand = cryptorand.Reader
	}
	sig, err := ecdsa.SignASN1(rand, key, h[:])
	if err != nil {
		return nil, err
	}
	return &Signed{Doc: string(raw), Sig: base64.RawURLEncoding.EncodeToString(sig)}, nil
}

// VerifySignature reports whether sig (ASN.1 DER or raw r‖s) is pub's
// ECDSA signature over SHA-256 of doc.
func VerifySignature(pub *ecdsa.PublicKey, doc, sig []byte) bool {
	h := sha256.Sum256(doc)
	if ecdsa.VerifyASN1(pub, h[:], sig) {
		return true
	}
	if len(sig) == 64 {
		r := new(big.Int).SetBytes(sig[:32])
		s := new(big.Int).SetBytes(sig[32:])
		return ecdsa.Verify(pub, h[:], r, s)
	}
	return false
}

// ParsePublicKey parses a DER SubjectPublicKeyInfo and requires an ECDSA
// P-256 key.
func ParsePublicKey(der []byte) (*ecdsa.PublicKey, error) {
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, ErrBadKey
	}
	ek, ok := k.(*ecdsa.PublicKey)
	if !ok || ek.Curve != elliptic.P256() {
		return nil, ErrBadKey
	}
	return ek, nil
}

// KeyThumbprint is the hex SHA-256 of a DER SubjectPublicKeyInfo: what an
// enrolment document names the key by.
func KeyThumbprint(der []byte) string {
	h := sha256.Sum256(der)
	return hex.EncodeToString(h[:])
}

// DetailsDigest is the hex SHA-256 of the exact bytes of the details a
// scan returned; an approval carries it to say "I approve what I was shown".
func DetailsDigest(details []byte) string {
	h := sha256.Sum256(details)
	return hex.EncodeToString(h[:])
}

// ValidName reports whether s is an acceptable device name: valid UTF-8,
// 1 to MaxNameRunes printable characters, no leading or trailing space, no
// control or formatting characters (so no newline, no bidi override).
func ValidName(s string) bool {
	if s == "" || !utf8.ValidString(s) || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	n := 0
	for _, r := range s {
		n++
		if n > MaxNameRunes || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// Lengths of the random identifiers in their base64url form.
const (
	idLen        = 22 // 16 bytes: device IDs and session tokens
	challengeLen = 43 // 32 bytes: enrolment challenges
)

func validID(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil
}

func validHex256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// parseDecimal parses a canonical non-negative decimal of at most max
// digits (no sign, no leading zero except "0" itself).
func parseDecimal(s string, max int) (int64, bool) {
	if s == "" || len(s) > max || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func parseNumber(s string) (int, bool) {
	n, ok := parseDecimal(s, 2)
	if !ok || n < 10 {
		return 0, false
	}
	return int(n), true
}
