package signature

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// XMLForm is the shape of a challenge as an XML document, for signers that
// sign XML (NCALayer's signXml, basics.sign with format "xml", eGov
// Mobile's XML method).
type XMLForm uint8

const (
	// XMLFormChallenge, the zero value, binds everything the text form
	// binds — origin, flow, action, nonce, issue and expiry times:
	//
	//	<strongauth-challenge version="1"><origin>https://portal.example.kz</origin>
	//	<flow>…</flow><action>login</action><nonce>…</nonce>
	//	<issued>2026-11-23T12:00:00Z</issued><expires>2026-11-23T12:03:00Z</expires></strongauth-challenge>
	//
	// (one line, no whitespace between elements).
	XMLFormChallenge XMLForm = iota
	// XMLFormLogin is the common shape of Kazakh ECP logins,
	//
	//	<login><timeTicket>EPOCH-MS</timeTicket><sessionid>NONCE</sessionid></login>
	//
	// with the issue time in milliseconds and the nonce (unpadded
	// base64url) as the session id. It carries no origin, flow or action:
	// a signature a phishing page obtains for its own relayed login is
	// bound only by the server-side nonce. Prefer XMLFormChallenge.
	XMLFormLogin
)

// String names the form ("challenge", "login").
func (f XMLForm) String() string {
	switch f {
	case XMLFormChallenge:
		return "challenge"
	case XMLFormLogin:
		return "login"
	}
	return "XMLForm(" + strconv.Itoa(int(f)) + ")"
}

// appendXMLText appends s escaped as C14N writes text content: &, < and >
// as entities, everything else as it is.
func appendXMLText(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b = append(b, "&amp;"...)
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// XML returns the challenge as an XML document of the given form: what the
// user signs when the signer speaks XML. The bytes are already canonical
// (C14N 1.0): no declaration, no whitespace, nothing to escape differently.
func (c *Challenge) XML(form XMLForm) []byte {
	if form == XMLFormLogin {
		b := make([]byte, 0, 96)
		b = append(b, "<login><timeTicket>"...)
		b = strconv.AppendInt(b, c.IssuedAt.UnixMilli(), 10)
		b = append(b, "</timeTicket><sessionid>"...)
		b = base64.RawURLEncoding.AppendEncode(b, c.Nonce[:])
		return append(b, "</sessionid></login>"...)
	}
	b := make([]byte, 0, 256+len(c.Origin)+len(c.Flow)+len(c.Action))
	b = append(b, `<strongauth-challenge version="1"><origin>`...)
	b = appendXMLText(b, c.Origin)
	b = append(b, "</origin><flow>"...)
	b = appendXMLText(b, c.Flow)
	b = append(b, "</flow><action>"...)
	b = appendXMLText(b, c.Action)
	b = append(b, "</action><nonce>"...)
	b = base64.RawURLEncoding.AppendEncode(b, c.Nonce[:]) // nothing to escape
	b = append(b, "</nonce><issued>"...)
	b = c.IssuedAt.UTC().AppendFormat(b, time.RFC3339) // digits, '-', ':', 'T', 'Z'
	b = append(b, "</issued><expires>"...)
	b = c.ExpiresAt.UTC().AppendFormat(b, time.RFC3339)
	return append(b, "</expires></strongauth-challenge>"...)
}

// VerifyChallengeXML verifies an enveloped XML-DSig over a login challenge:
// the challenge must have been issued for want and be unexpired at now
// (ErrChallengeMismatch, ErrExpired); the signed document, without its
// signature, must be exactly the issued one — c.XML(form) — in canonical
// form (ErrChallengeMismatch); then VerifyXML checks the digest, the
// signature and the trust path. Single use is the caller's duty.
func (v *Verifier) VerifyChallengeXML(ctx context.Context, input []byte, ch *Challenge, want Binding, now time.Time, purpose Purpose, form XMLForm) (*Result, error) {
	if ch == nil {
		return nil, fmt.Errorf("%w: no challenge", ErrChallengeMismatch)
	}
	if form != XMLFormChallenge && form != XMLFormLogin {
		return nil, fmt.Errorf("%w: unknown XML challenge form", ErrConfig)
	}
	if err := ch.Check(want, now); err != nil {
		return nil, err
	}
	res, err := v.VerifyXML(ctx, input, VerifyOptions{Content: ch.XML(form), Purpose: purpose})
	if errors.Is(err, ErrContentMismatch) {
		return nil, fmt.Errorf("%w: the signed document is not the issued challenge", ErrChallengeMismatch)
	}
	return res, err
}

// VerifyChallengeAny verifies an answer to a challenge in either format:
// XML-DSig (VerifyChallengeXML with form) when it starts with '<', CMS
// (VerifyChallenge) otherwise.
func (v *Verifier) VerifyChallengeAny(ctx context.Context, input []byte, ch *Challenge, want Binding, now time.Time, purpose Purpose, form XMLForm) (*Result, error) {
	if looksLikeXML(input) {
		return v.VerifyChallengeXML(ctx, input, ch, want, now, purpose, form)
	}
	return v.VerifyChallenge(ctx, input, ch, want, now, purpose)
}

// IsXML reports whether an answer is an XML document (it starts, after
// whitespace and a byte-order mark, with '<') rather than a CMS.
func IsXML(input []byte) bool { return looksLikeXML(input) }
