package qr

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// Frame limits.
const (
	maxPrefix   = 32
	maxFrameT   = 99999 // seconds since the session started
	maxFrameLen = maxPrefix + 1 + idLen + 1 + 5 + 1 + 64
)

// Frame is one animated QR frame: the content
//
//	<prefix>.<token>.<t>.<hex HMAC-SHA256(secret, t)>
//
// where token names the session, t is the whole seconds since the session
// started (in decimal) and the HMAC key is the session's secret, which never
// leaves the server (BankID's animated QR construction). A frame therefore
// proves that whoever shows it saw the QR at second t; a photo of it is
// useless a few seconds later.
//
// A Frame holds a session token: String, GoString and LogValue redact it.
// Content returns the text to encode.
type Frame struct {
	Prefix string
	Token  string
	T      int
	MAC    []byte
}

// Content returns the frame's text, as encoded in the QR code.
func (f Frame) Content() string {
	return f.Prefix + "." + f.Token + "." + strconv.Itoa(f.T) + "." + hex.EncodeToString(f.MAC)
}

// String returns a redacted description (no token, no MAC).
func (f Frame) String() string {
	return fmt.Sprintf("qr.Frame{%s, session %s, t=%d}", f.Prefix, TokenRef(f.Token), f.T)
}

// GoString returns the same redacted description as String.
func (f Frame) GoString() string { return f.String() }

// LogValue implements slog.LogValuer without the token or MAC.
func (f Frame) LogValue() slog.Value {
	return slog.GroupValue(slog.String("prefix", f.Prefix), slog.String("session", TokenRef(f.Token)), slog.Int("t", f.T))
}

// FrameMAC returns HMAC-SHA256(secret, decimal t).
func FrameMAC(secret []byte, t int) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.Itoa(t)))
	return m.Sum(nil)
}

// ParseFrame parses scanned content. It checks the syntax only (prefix
// [a-z][a-z0-9-]*, a 16-byte base64url token, a canonical decimal t, a
// 64-digit lower-case hex MAC); the Service checks the prefix, the MAC and
// the age.
func ParseFrame(s string) (Frame, error) {
	if len(s) > maxFrameLen {
		return Frame{}, malformed("frame too long")
	}
	parts := strings.Split(s, ".")
	if len(parts) != 4 || !ValidPrefix(parts[0]) || !validID(parts[1], idLen) || !validHex256(parts[3]) {
		return Frame{}, malformed("frame syntax")
	}
	t, ok := parseDecimal(parts[2], 5)
	if !ok || t > maxFrameT {
		return Frame{}, malformed("frame time")
	}
	mac, _ := hex.DecodeString(parts[3]) // validHex256 checked it
	return Frame{Prefix: parts[0], Token: parts[1], T: int(t), MAC: mac}, nil
}

// ValidPrefix reports whether p can prefix frames: 1 to 32 characters of
// [a-z0-9-], starting with a letter.
func ValidPrefix(p string) bool {
	if p == "" || len(p) > maxPrefix || p[0] < 'a' || p[0] > 'z' {
		return false
	}
	for i := 1; i < len(p); i++ {
		c := p[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// TokenRef returns a non-secret reference to a token for logs: the first
// 16 hex digits of its SHA-256.
func TokenRef(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:8])
}
