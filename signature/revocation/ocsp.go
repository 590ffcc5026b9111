package revocation

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha1"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/strongauth/strongauth/signature"
)

// ocspQuery is what an OCSP answer must be about.
type ocspQuery struct {
	issuer *x509.Certificate
	ii     *issuerInfo
	serial []byte // DER INTEGER content octets
	hash   crypto.Hash
	nonce  []byte // nil when no nonce was sent
}

// buildOCSPRequest encodes an unsigned OCSPRequest for one certificate,
// with a nonce extension (RFC 8954: extnValue is the DER of an OCTET STRING
// holding the nonce) when q.nonce is set.
func buildOCSPRequest(q *ocspQuery) ([]byte, error) {
	nameHash, keyHash := q.ii.hashes(q.hash)
	hashOID := oidSHA256
	if q.hash == crypto.SHA1 {
		hashOID = oidSHA1
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(req *cryptobyte.Builder) { // OCSPRequest
		req.AddASN1(cbasn1.SEQUENCE, func(tbs *cryptobyte.Builder) { // TBSRequest
			tbs.AddASN1(cbasn1.SEQUENCE, func(list *cryptobyte.Builder) { // requestList
				list.AddASN1(cbasn1.SEQUENCE, func(r *cryptobyte.Builder) { // Request
					r.AddASN1(cbasn1.SEQUENCE, func(id *cryptobyte.Builder) { // CertID
						id.AddASN1(cbasn1.SEQUENCE, func(alg *cryptobyte.Builder) {
							alg.AddASN1ObjectIdentifier(hashOID)
							alg.AddASN1NULL()
						})
						id.AddASN1OctetString(nameHash)
						id.AddASN1OctetString(keyHash)
						id.AddASN1(cbasn1.INTEGER, func(n *cryptobyte.Builder) { n.AddBytes(q.serial) })
					})
				})
			})
			if q.nonce != nil {
				tbs.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(e *cryptobyte.Builder) {
					e.AddASN1(cbasn1.SEQUENCE, func(exts *cryptobyte.Builder) {
						exts.AddASN1(cbasn1.SEQUENCE, func(ext *cryptobyte.Builder) {
							ext.AddASN1ObjectIdentifier(oidOCSPNonce)
							ext.AddASN1(cbasn1.OCTET_STRING, func(v *cryptobyte.Builder) {
								v.AddASN1OctetString(q.nonce)
							})
						})
					})
				})
			}
		})
	})
	return b.Bytes()
}

// nonceEchoed reports whether a response's nonce extension value echoes the
// request nonce: either the RFC 8954 form (an OCTET STRING holding the
// nonce) or, as some responders do, the bare nonce bytes.
func nonceEchoed(extnValue, nonce []byte) bool {
	if bytes.Equal(extnValue, nonce) {
		return true
	}
	s := cryptobyte.String(extnValue)
	var inner cryptobyte.String
	return s.ReadASN1(&inner, cbasn1.OCTET_STRING) && s.Empty() && bytes.Equal(inner, nonce)
}

// ocspAnswer is a verified OCSP answer about one certificate.
type ocspAnswer struct {
	single     SingleResponse
	producedAt time.Time
	responder  string
	// validUntil is nextUpdate, or thisUpdate+MaxCacheAge without one.
	validUntil time.Time
}

// verifyOCSP checks everything about a parsed response against the query,
// at time now: successful status, an authorised signer and its signature,
// the nonce, a SingleResponse with our CertID, and its validity times.
func (c *Checker) verifyOCSP(ctx context.Context, r *OCSPResponse, q *ocspQuery, now time.Time) (*ocspAnswer, error) {
	if r.ResponseStatus != OCSPSuccessful {
		return nil, fmt.Errorf("%w: responseStatus %d", ErrResponderStatus, r.ResponseStatus)
	}
	signer, err := c.ocspSigner(ctx, r, q, now)
	if err != nil {
		return nil, err
	}
	if q.nonce != nil {
		switch {
		case r.Nonce == nil && c.cfg.InsecureOCSPNoNonce:
		case r.Nonce == nil:
			return nil, fmt.Errorf("%w: response carries no nonce", ErrNonce)
		case !nonceEchoed(r.Nonce, q.nonce):
			return nil, fmt.Errorf("%w: response nonce differs from the request's", ErrNonce)
		}
	}
	var match *SingleResponse
	for i := range r.Responses {
		sr := &r.Responses[i]
		if !certIDMatches(sr, q) {
			continue
		}
		// Several answers for one certificate: the worst one counts.
		if match == nil || statusRank(sr.Status) > statusRank(match.Status) {
			match = sr
		}
	}
	if match == nil {
		return nil, fmt.Errorf("%w: no SingleResponse for serial %s", ErrCertIDMismatch, signature.SerialHex(q.serial))
	}
	skew := c.cfg.Skew
	if match.ThisUpdate.After(now.Add(skew)) {
		return nil, fmt.Errorf("%w: thisUpdate %s is in the future", ErrStale, stamp(match.ThisUpdate))
	}
	validUntil := match.NextUpdate
	if validUntil.IsZero() {
		validUntil = match.ThisUpdate.Add(c.cfg.MaxCacheAge)
	} else if validUntil.Before(match.ThisUpdate) {
		return nil, fmt.Errorf("%w: nextUpdate before thisUpdate", ErrMalformed)
	}
	if now.After(validUntil.Add(skew)) {
		return nil, fmt.Errorf("%w: answer valid until %s", ErrStale, stamp(validUntil))
	}
	return &ocspAnswer{single: *match, producedAt: r.ProducedAt, responder: signer.Subject.String(), validUntil: validUntil}, nil
}

func statusRank(s string) int {
	switch s {
	case StatusGood:
		return 0
	case StatusUnknown:
		return 1
	}
	return 2
}

// certIDMatches compares a SingleResponse's CertID with the query, under
// the response's own hash algorithm (SHA-256 or SHA-1; others never match).
func certIDMatches(sr *SingleResponse, q *ocspQuery) bool {
	var h crypto.Hash
	switch {
	case sr.HashAlgorithm.Equal(oidSHA256):
		h = crypto.SHA256
	case sr.HashAlgorithm.Equal(oidSHA1):
		h = crypto.SHA1
	default:
		return false
	}
	name, key := q.ii.hashes(h)
	return bytes.Equal(sr.SerialNumber, q.serial) && bytes.Equal(sr.IssuerNameHash, name) &&
		bytes.Equal(sr.IssuerKeyHash, key)
}

// ocspSigner finds the certificate that signed the response and checks that
// it may speak for the issuer: the issuer itself, or a delegated responder
// certificate issued by it (RFC 6960 §4.2.2.2) with the OCSPSigning EKU,
// valid now, whose own revocation is either waived by id-pkix-ocsp-nocheck
// or checked against the issuer's CRL. It verifies the signature.
func (c *Checker) ocspSigner(ctx context.Context, r *OCSPResponse, q *ocspQuery, now time.Time) (*x509.Certificate, error) {
	if responderMatches(r, q.issuer) {
		if err := checkSignature(q.issuer, r.SignatureAlgorithm, r.TBSResponseData, r.Signature); err != nil {
			return nil, err
		}
		return q.issuer, nil
	}
	var lastErr error
	for _, cand := range r.Certificates {
		if !responderMatches(r, cand) {
			continue
		}
		if err := c.authorizeResponder(cand, q.issuer, now); err != nil {
			lastErr = err
			continue
		}
		if err := checkSignature(cand, r.SignatureAlgorithm, r.TBSResponseData, r.Signature); err != nil {
			return nil, err
		}
		if !hasExtension(cand, oidOCSPNoCheck) {
			// RFC 6960 §4.2.2.2.1: without nocheck the responder's own
			// certificate must be checked, by CRL (never by asking
			// itself).
			// The cause is quoted, not wrapped: a revoked responder must
			// not make the leaf look revoked to errors.Is.
			if _, err := c.checkCRL(ctx, cand, q.issuer, q.ii); err != nil {
				return nil, fmt.Errorf("%w: responder certificate without ocsp-nocheck: %s", ErrNotAuthorized, err)
			}
		}
		return cand, nil
	}
	if lastErr != nil {
		return nil, lastErr
	}
	return nil, fmt.Errorf("%w: no certificate of the issuer or a delegated responder matches the responderID", ErrNotAuthorized)
}

// authorizeResponder checks a delegated responder certificate.
func (c *Checker) authorizeResponder(cand, issuer *x509.Certificate, now time.Time) error {
	if err := checkIssuedBy(cand, issuer); err != nil {
		return fmt.Errorf("%w: responder certificate: %w", ErrNotAuthorized, err)
	}
	if !slices.Contains(cand.ExtKeyUsage, x509.ExtKeyUsageOCSPSigning) {
		return fmt.Errorf("%w: responder certificate lacks the OCSPSigning EKU", ErrNotAuthorized)
	}
	if cand.KeyUsage != 0 && cand.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return fmt.Errorf("%w: responder certificate lacks digitalSignature", ErrNotAuthorized)
	}
	skew := c.cfg.Skew
	if now.Add(skew).Before(cand.NotBefore) || now.Add(-skew).After(cand.NotAfter) {
		return fmt.Errorf("%w: responder certificate not valid at %s", ErrNotAuthorized, stamp(now))
	}
	return nil
}

// responderMatches compares the responderID with a certificate.
func responderMatches(r *OCSPResponse, cert *x509.Certificate) bool {
	if r.ResponderName != nil {
		return bytes.Equal(r.ResponderName, cert.RawSubject)
	}
	key, err := subjectPublicKeyBits(cert.RawSubjectPublicKeyInfo)
	if err != nil {
		return false
	}
	sum := sha1.Sum(key)
	return bytes.Equal(r.ResponderKeyHash, sum[:])
}

func hasExtension(cert *x509.Certificate, oid []int) bool {
	for _, e := range cert.Extensions {
		if e.Id.Equal(oid) {
			return true
		}
	}
	return false
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ocspURLs returns the responders to ask: the configured ones, or the
// http(s) ones of the certificate's authorityInfoAccess.
func (c *Checker) ocspURLs(cert *x509.Certificate) []string {
	if len(c.cfg.OCSPURLs) > 0 {
		return c.cfg.OCSPURLs
	}
	return httpURLs(cert.OCSPServer)
}

// maxLocations bounds how many locations of one kind a certificate may make
// the checker try.
const maxLocations = 4

// httpURLs returns the first maxLocations http(s) URLs of a list.
func httpURLs(list []string) []string {
	var out []string
	for _, u := range list {
		if httpURL(u) && len(out) < maxLocations {
			out = append(out, u)
		}
	}
	return out
}

// queryOCSP asks the responders in turn until one gives a verified answer.
// It runs inside the single flight of the certificate's CertID.
func (c *Checker) queryOCSP(ctx context.Context, cert *x509.Certificate, q ocspQuery) (*ocspAnswer, error) {
	urls := c.ocspURLs(cert)
	if len(urls) == 0 {
		return nil, checkErr(SourceOCSP, "", ErrNoSource, "no OCSP responder for the certificate")
	}
	var attempts []*CheckError
	for _, u := range urls {
		ans, err := c.askResponder(ctx, u, q)
		if err == nil {
			return ans, nil
		}
		attempts = append(attempts, &CheckError{Source: SourceOCSP, URL: u, Err: err})
	}
	if len(attempts) == 1 {
		return nil, attempts[0]
	}
	return nil, &UnavailableError{Attempts: attempts}
}

// askResponder queries one responder, with a SHA-256 CertID first and a
// SHA-1 one if the responder refuses the request.
func (c *Checker) askResponder(ctx context.Context, url string, q ocspQuery) (*ocspAnswer, error) {
	var err error
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA1} {
		q.hash = h
		q.nonce = make([]byte, c.cfg.NonceSize)
		if _, rerr := io.ReadFull(c.cfg.Rand, q.nonce); rerr != nil {
			return nil, fmt.Errorf("%w: nonce: %w", ErrFetch, rerr)
		}
		var req []byte
		req, err = buildOCSPRequest(&q)
		if err != nil {
			return nil, fmt.Errorf("%w: building the request: %w", ErrInvalidInput, err)
		}
		var body []byte
		body, err = c.fetch(ctx, url, req, "application/ocsp-request", "application/ocsp-response",
			c.cfg.Timeout, c.cfg.MaxResponseSize)
		if err != nil {
			return nil, err
		}
		var resp *OCSPResponse
		resp, err = ParseOCSPResponse(body)
		if err != nil {
			return nil, err
		}
		if resp.ResponseStatus == OCSPMalformedRequest || resp.ResponseStatus == OCSPUnauthorized {
			err = fmt.Errorf("%w: responseStatus %d", ErrResponderStatus, resp.ResponseStatus)
			continue // try a SHA-1 CertID
		}
		return c.verifyOCSP(ctx, resp, &q, c.cfg.Now())
	}
	return nil, err
}

// checkOCSP establishes the OCSP status of a certificate: from the cache,
// or by one request per CertID however many checks wait (single flight).
func (c *Checker) checkOCSP(ctx context.Context, cert, issuer *x509.Certificate, ii *issuerInfo, serial []byte) (signature.RevocationStatus, error) {
	key := c.ocspCacheKey(ii, serial)
	if st, ok := c.cacheGet(ctx, key); ok {
		return st, statusErr(st)
	}
	call := c.ocspFlight.start(key, c.spawn, func() (signature.RevocationStatus, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.flightTimeout())
		defer cancel()
		// A check that missed the cache just before the previous flight
		// filled it starts a new flight: look again before asking.
		if st, ok := c.cacheGet(fctx, key); ok {
			return st, nil
		}
		if err := checkIssuedBy(cert, issuer); err != nil {
			return signature.RevocationStatus{}, &CheckError{Source: SourceOCSP, Err: err}
		}
		ans, err := c.queryOCSP(fctx, cert, ocspQuery{issuer: issuer, ii: ii, serial: serial})
		if err != nil {
			var ce *CheckError
			var ue *UnavailableError
			if !errors.As(err, &ce) && !errors.As(err, &ue) {
				err = &CheckError{Source: SourceOCSP, Err: err}
			}
			return signature.RevocationStatus{}, err
		}
		st := ans.status()
		if st.Status != StatusUnknown {
			c.cachePut(fctx, key, st, ans.validUntil)
		}
		return st, nil
	})
	st, err := call.wait(ctx)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return st, &CheckError{Source: SourceOCSP, Err: fmt.Errorf("%w: %w", ErrFetch, err)}
		}
		return st, err
	}
	return st, statusErr(st)
}

// flightTimeout bounds one OCSP flight: every responder, two hash
// algorithms each, plus a CRL check of a responder certificate.
func (c *Checker) flightTimeout() time.Duration {
	n := max(len(c.cfg.OCSPURLs), 2)
	return time.Duration(2*n)*c.cfg.Timeout + c.cfg.CRLTimeout
}

func (a *ocspAnswer) status() signature.RevocationStatus {
	st := signature.RevocationStatus{
		Source:     SourceOCSP,
		Status:     a.single.Status,
		Reason:     a.single.Reason,
		RevokedAt:  a.single.RevokedAt,
		ThisUpdate: a.single.ThisUpdate,
		NextUpdate: a.single.NextUpdate,
		ProducedAt: a.producedAt,
		Responder:  a.responder,
	}
	if st.Status != StatusRevoked {
		st.Reason = -1
	}
	return st
}

// statusErr returns the error that goes with a definitive status: nil for
// good, a StatusError otherwise.
func statusErr(st signature.RevocationStatus) error {
	if st.Status == StatusGood {
		return nil
	}
	return &StatusError{Status: st}
}
