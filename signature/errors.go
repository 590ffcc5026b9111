package signature

import (
	"errors"
	"fmt"

	"github.com/strongauth/strongauth/internal/errcode"
)

// Sentinel errors. Every refusal of the verifier wraps exactly one of these
// (or one of the revocation sentinels in revocation.go); match them with
// errors.Is. Code gives each a stable, client-safe string code. Messages
// never contain a secret: no challenge, nonce, signature or key bytes.
var (
	// ErrConfig: an invalid Config or Purpose.
	ErrConfig = errcode.Sentinel("signature: invalid configuration", errcode.Config)
	// ErrMalformed: the input is not a well-formed CMS SignedData (bad
	// base64 or PEM, truncated or trailing DER, wrong structure, too large,
	// too deeply nested).
	ErrMalformed = errors.New("signature: malformed input")
	// ErrUnsupportedAlgorithm: a digest, signature or key algorithm outside
	// the supported set (SHA-1, MD5, DSA, Ed25519, small RSA keys, P-521…).
	ErrUnsupportedAlgorithm = errors.New("signature: unsupported algorithm")
	// ErrTooManySigners: more SignerInfos than allowed (one for login).
	ErrTooManySigners = errors.New("signature: too many signers")
	// ErrSignerNotFound: no certificate in the CMS matches the signer
	// identifier.
	ErrSignerNotFound = errors.New("signature: signer certificate not found")
	// ErrMissingAttribute: a required signed attribute (content type,
	// message digest, signing time) is absent, or there are no signed
	// attributes at all.
	ErrMissingAttribute = errors.New("signature: missing signed attribute")
	// ErrDigestMismatch: the messageDigest attribute does not match the
	// content.
	ErrDigestMismatch = errors.New("signature: message digest mismatch")
	// ErrSigningCertMismatch: the ESS signing-certificate(-v2) attribute does
	// not name the signer's certificate.
	ErrSigningCertMismatch = errors.New("signature: signing certificate attribute mismatch")
	// ErrBadSignature: the signature value does not verify with the signer's
	// key.
	ErrBadSignature = errors.New("signature: signature does not verify")
	// ErrContentMismatch: the signed content is not the expected content (for
	// login: the challenge), or detached content is missing.
	ErrContentMismatch = errors.New("signature: signed content is not the expected content")
	// ErrSigningTime: the signing time lies outside the allowed window (the
	// challenge's lifetime, with the configured clock skew).
	ErrSigningTime = errors.New("signature: signing time outside the allowed window")

	// ErrChainUntrusted: no path from the signer to a configured root
	// (unknown issuer, bad certificate signature, loop, too long, name
	// constraints, unhandled critical extension).
	ErrChainUntrusted = errors.New("signature: certificate chain not trusted")
	// ErrNotCA: an issuing certificate is not a CA (basic constraints absent
	// or CA=false) or its path length constraint is exceeded.
	ErrNotCA = errors.New("signature: issuer is not a CA")
	// ErrCertificateExpired: a certificate of the chain is past its
	// NotAfter at the verifier's clock.
	ErrCertificateExpired = errors.New("signature: certificate expired")
	// ErrCertificateNotYetValid: a certificate of the chain is before its
	// NotBefore at the verifier's clock.
	ErrCertificateNotYetValid = errors.New("signature: certificate not yet valid")
	// ErrKeyUsage: the key may not be used for this purpose (keyUsage,
	// extended key usage, keyCertSign on an issuer), or the certificate
	// belongs to an information system where a person is required.
	ErrKeyUsage = errors.New("signature: key usage not allowed for this purpose")

	// ErrChallengeMismatch: the challenge was issued for another origin,
	// flow or action, or is not a challenge at all.
	ErrChallengeMismatch = errors.New("signature: challenge does not match")
	// ErrReplay: the challenge was already used (or never issued).
	ErrReplay = errors.New("signature: challenge already used")
	// ErrExpired: the challenge expired.
	ErrExpired = errors.New("signature: challenge expired")

	// ErrIdentity: the certificate subject does not yield a usable identity
	// (ambiguous or malformed IIN/BIN, failed check digit).
	ErrIdentity = errors.New("signature: identity not recognised")
	// ErrNotAllowed: the signer's identity does not satisfy a policy (role,
	// organisation, person).
	ErrNotAllowed = errors.New("signature: signer not allowed")
)

type codeEntry struct {
	err  error
	code string
}

// codeTable maps sentinels to their stable codes, most specific first. It is
// a function, not a package variable, so that nothing can change it.
func codeTable() [25]codeEntry {
	return [25]codeEntry{
		{ErrRevoked, "revoked"},
		{ErrRevocationUnknown, "revocation_unknown"},
		{ErrRevocationUnavailable, "revocation_unavailable"},
		{ErrReplay, "replayed"},
		{ErrExpired, "expired"},
		{ErrChallengeMismatch, "challenge_mismatch"},
		{ErrContentMismatch, "content_mismatch"},
		{ErrSigningTime, "signing_time"},
		{ErrTooManySigners, "too_many_signers"},
		{ErrSignerNotFound, "signer_not_found"},
		{ErrMissingAttribute, "missing_attribute"},
		{ErrDigestMismatch, "digest_mismatch"},
		{ErrSigningCertMismatch, "signing_certificate_mismatch"},
		{ErrBadSignature, "bad_signature"},
		{ErrCertificateExpired, "certificate_expired"},
		{ErrCertificateNotYetValid, "certificate_not_yet_valid"},
		{ErrNotCA, "not_ca"},
		{ErrKeyUsage, "key_usage"},
		{ErrChainUntrusted, "chain_untrusted"},
		{ErrUnsupportedAlgorithm, "unsupported_algorithm"},
		{ErrIdentity, "identity"},
		{ErrNotAllowed, "not_allowed"},
		{ErrPassword, "bad_password"},
		{ErrMalformed, "malformed"},
		{ErrConfig, "config"},
	}
}

// Code returns the stable, client-safe code of err: "chain_untrusted",
// "digest_mismatch", "revoked", "expired", "key_usage",
// "unsupported_algorithm", "malformed"… (see the table in the package
// documentation), "" for nil and "internal" for an error of no known kind.
func Code(err error) string {
	if err == nil {
		return ""
	}
	for _, c := range codeTable() {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return "internal"
}

// Codes lists every code Code can return (except "" and "internal"), in
// the order Code checks them.
func Codes() []string {
	t := codeTable()
	out := make([]string, len(t))
	for i, c := range t {
		out[i] = c.code
	}
	return out
}

// CertificateError reports a refusal about one certificate of a chain. It
// unwraps to the sentinel (ErrCertificateExpired, ErrNotCA, ErrKeyUsage,
// ErrRevoked…).
type CertificateError struct {
	// Index is the certificate's position in the chain: 0 is the signer.
	Index int
	// Serial is the certificate's serial number in upper-case hex.
	Serial string
	// Subject is the certificate's subject common name. For the signer
	// (Index 0) it is a person's name — personal data — so Error leaves it
	// out; a CA's name is shown.
	Subject string
	Err     error
}

func (e *CertificateError) Error() string {
	if e.Index == 0 {
		return fmt.Sprintf("certificate %d (serial %s): %v", e.Index, e.Serial, e.Err)
	}
	return fmt.Sprintf("certificate %d (serial %s, %q): %v", e.Index, e.Serial, e.Subject, e.Err)
}

func (e *CertificateError) Unwrap() error { return e.Err }

// malformed wraps ErrMalformed with a detail.
func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}
