package signature

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// Challenge lifetimes.
const (
	// DefaultChallengeTTL is how long a challenge is accepted.
	DefaultChallengeTTL = 3 * time.Minute
	// MaxChallengeTTL bounds the lifetime of a challenge.
	MaxChallengeTTL = 15 * time.Minute
	// NonceSize is the size of a challenge nonce: 256 bits.
	NonceSize = 32
	// challengeMagic is the first line of every challenge.
	challengeMagic = "strongauth-challenge/v1"
	// maxChallengeSize bounds a challenge document.
	maxChallengeSize = 2048
)

// Challenge is the document the user signs to log in (or to confirm an
// action). It binds the web origin, the flow, the action, a 256-bit nonce
// and its lifetime, so that a signature made for one site, flow or action —
// or made too late — is refused. A host keeps it single-use (the ECP factor
// stores it under the flow and consumes it on the first answer).
//
// Its canonical form, which is what gets signed, is UTF-8 text: fixed-order
// "key=value" lines, each ending in "\n", with no other whitespace:
//
//	strongauth-challenge/v1
//	origin=https://portal.example.kz
//	flow=3f1c0a9be2d84c7f9a51d0c2b7e4a613
//	action=login
//	nonce=<43 characters: the nonce in unpadded base64url>
//	issued=2026-11-23T12:00:00Z
//	expires=2026-11-23T12:03:00Z
//
// origin is scheme://host[:port] in lower case, without a path; flow is
// 1–128 characters of [A-Za-z0-9_-]; action is 1–64 characters of
// [a-z0-9_-]; times are RFC 3339 in UTC to the second. ParseChallenge
// accepts exactly the bytes Marshal produces and nothing else.
//
// The nonce is a secret until used: String, GoString and LogValue omit it.
type Challenge struct {
	Origin    string
	Flow      string
	Action    string
	Nonce     [NonceSize]byte
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// Binding is what a challenge must have been issued for.
type Binding struct {
	Origin string
	Flow   string
	Action string
}

// NewChallenge returns a fresh challenge for b, valid from now for ttl
// (DefaultChallengeTTL when zero), with a nonce read from rand.
func NewChallenge(rand io.Reader, b Binding, now time.Time, ttl time.Duration) (*Challenge, error) {
	if ttl == 0 {
		ttl = DefaultChallengeTTL
	}
	if ttl < time.Second || ttl > MaxChallengeTTL {
		return nil, fmt.Errorf("%w: challenge lifetime must be in [1s, %v]", ErrConfig, MaxChallengeTTL)
	}
	if rand == nil {
		return nil, fmt.Errorf("%w: no randomness", ErrConfig)
	}
	c := &Challenge{
		Origin:    strings.ToLower(b.Origin),
		Flow:      b.Flow,
		Action:    b.Action,
		IssuedAt:  now.UTC().Truncate(time.Second),
		ExpiresAt: now.UTC().Truncate(time.Second).Add(ttl),
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(rand, c.Nonce[:]); err != nil {
		return nil, fmt.Errorf("%w: randomness: %w", ErrConfig, err)
	}
	return c, nil
}

func (c *Challenge) validate() error {
	if !validOrigin(c.Origin) {
		return fmt.Errorf("%w: origin must be scheme://host[:port] in lower case", ErrChallengeMismatch)
	}
	if !validToken(c.Flow, 128, true) {
		return fmt.Errorf("%w: flow must be 1-128 characters of [A-Za-z0-9_-]", ErrChallengeMismatch)
	}
	if !validToken(c.Action, 64, false) {
		return fmt.Errorf("%w: action must be 1-64 characters of [a-z0-9_-]", ErrChallengeMismatch)
	}
	if !c.ExpiresAt.After(c.IssuedAt) {
		return fmt.Errorf("%w: expiry not after issue time", ErrChallengeMismatch)
	}
	return nil
}

func validToken(s string, max int, upper bool) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || upper && c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func validOrigin(s string) bool {
	return simpleOrigin(s) || validOriginURL(s)
}

// simpleOrigin accepts, without parsing a URL, the common shape
// scheme://host[:port] with a lower-case scheme and host of letters,
// digits, dots and hyphens and a port of 1-5 digits: a subset of what
// validOriginURL accepts (FuzzValidOrigin checks it).
func simpleOrigin(s string) bool {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || scheme == "" || len(s) > 256 || scheme[0] < 'a' || scheme[0] > 'z' {
		return false
	}
	for i := 1; i < len(scheme); i++ {
		if c := scheme[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	host, port, hasPort := strings.Cut(rest, ":")
	if host == "" || hasPort && (port == "" || len(port) > 5) {
		return false
	}
	for i := 0; i < len(host); i++ {
		if c := host[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return false
		}
	}
	return true
}

// validOriginURL is the general check, through net/url.
func validOriginURL(s string) bool {
	if s == "" || len(s) > 256 || s != strings.ToLower(s) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" || u.RawQuery != "" ||
		u.Fragment != "" || u.User != nil || u.Opaque != "" || u.Scheme+"://"+u.Host != s {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// Marshal returns the canonical bytes of the challenge: what the user signs.
func (c *Challenge) Marshal() []byte {
	b := make([]byte, 0, 160+len(c.Origin)+len(c.Flow)+len(c.Action))
	b = append(b, challengeMagic+"\norigin="...)
	b = append(b, c.Origin...)
	b = append(b, "\nflow="...)
	b = append(b, c.Flow...)
	b = append(b, "\naction="...)
	b = append(b, c.Action...)
	b = append(b, "\nnonce="...)
	b = base64.RawURLEncoding.AppendEncode(b, c.Nonce[:])
	b = append(b, "\nissued="...)
	b = c.IssuedAt.UTC().AppendFormat(b, time.RFC3339)
	b = append(b, "\nexpires="...)
	b = c.ExpiresAt.UTC().AppendFormat(b, time.RFC3339)
	return append(b, '\n')
}

// ParseChallenge parses the canonical bytes of a challenge. Anything but
// the exact form Marshal produces is refused (ErrChallengeMismatch); on
// error the challenge is nil.
func ParseChallenge(b []byte) (*Challenge, error) {
	bad := func(what string) (*Challenge, error) {
		return nil, fmt.Errorf("%w: not a challenge document (%s)", ErrChallengeMismatch, what)
	}
	if len(b) > maxChallengeSize {
		return bad("too long")
	}
	s := string(b)
	if !strings.HasSuffix(s, "\n") {
		return bad("no final newline")
	}
	rest, ok := strings.CutPrefix(s, challengeMagic+"\n")
	if !ok {
		return bad("header or line count")
	}
	keys := [...]string{"origin=", "flow=", "action=", "nonce=", "issued=", "expires="}
	var vals [len(keys)]string
	for i, k := range keys {
		line, after, ok := strings.Cut(rest, "\n")
		if !ok {
			return bad("header or line count")
		}
		if vals[i], ok = strings.CutPrefix(line, k); !ok {
			return bad("key order")
		}
		rest = after
	}
	if rest != "" {
		return bad("header or line count")
	}
	c := &Challenge{Origin: vals[0], Flow: vals[1], Action: vals[2]}
	if len(vals[3]) != base64.RawURLEncoding.EncodedLen(NonceSize) {
		return bad("nonce")
	}
	if n, err := base64.RawURLEncoding.Strict().Decode(c.Nonce[:], []byte(vals[3])); err != nil || n != NonceSize {
		return bad("nonce")
	}
	var err error
	if c.IssuedAt, err = time.Parse(time.RFC3339, vals[4]); err != nil {
		return bad("issue time")
	}
	if c.ExpiresAt, err = time.Parse(time.RFC3339, vals[5]); err != nil {
		return bad("expiry")
	}
	c.IssuedAt, c.ExpiresAt = c.IssuedAt.UTC(), c.ExpiresAt.UTC()
	if err := c.validate(); err != nil {
		return nil, err
	}
	if !bytes.Equal(c.Marshal(), b) {
		return bad("not canonical")
	}
	return c, nil
}

// Check verifies that the challenge was issued for want and is still valid
// at now: ErrChallengeMismatch for another origin, flow or action (compared
// in constant time), ErrExpired at or after ExpiresAt (and for a challenge
// issued in the future).
func (c *Challenge) Check(want Binding, now time.Time) error {
	eq := func(a, b string) int { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) }
	if eq(c.Origin, strings.ToLower(want.Origin))&eq(c.Flow, want.Flow)&eq(c.Action, want.Action) != 1 {
		return fmt.Errorf("%w: issued for another origin, flow or action", ErrChallengeMismatch)
	}
	if !now.Before(c.ExpiresAt) {
		return fmt.Errorf("%w: at %s", ErrExpired, c.ExpiresAt.Format(time.RFC3339))
	}
	if now.Add(time.Minute).Before(c.IssuedAt) {
		return fmt.Errorf("%w: issued in the future", ErrExpired)
	}
	return nil
}

// Equal reports, in constant time, whether two challenges are the same
// document.
func (c *Challenge) Equal(o *Challenge) bool {
	if c == nil || o == nil {
		return false
	}
	return subtle.ConstantTimeCompare(c.Marshal(), o.Marshal()) == 1
}

// String describes the challenge without its nonce or flow ID.
func (c Challenge) String() string {
	return fmt.Sprintf("signature.Challenge{origin=%s action=%s expires=%s nonce=REDACTED}",
		c.Origin, c.Action, c.ExpiresAt.Format(time.RFC3339))
}

// GoString is String: %#v must not print the nonce either.
func (c Challenge) GoString() string { return c.String() }

// LogValue implements slog.LogValuer, for the same reason.
func (c Challenge) LogValue() slog.Value { return slog.StringValue(c.String()) }
