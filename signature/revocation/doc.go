// Package revocation checks X.509 certificates for revocation with OCSP
// (RFC 6960) and CRLs (RFC 5280), for RSA, ECDSA, Ed25519 and GOST (Kazakh
// NCA and Russian OIDs) certificates, caching answers and failing closed.
// A *Checker implements signature.RevocationChecker, the hook the ECP
// verifier calls for every certificate of a verified chain:
//
//	rc, err := revocation.New(revocation.Config{Cache: redisStore, Audit: auditor})
//	v, err := signature.NewVerifier(signature.Config{Roots: roots, Revocation: rc})
//
// # Sources and order
//
// Config.Mode chooses OCSPThenCRL (the zero value), CRLOnly or OCSPOnly.
// OCSP responders come from the certificate's authorityInfoAccess and CRL
// locations from its CRL distribution points and freshest-CRL (delta)
// extensions, unless Config.OCSPURLs, CRLURLs or DeltaCRLURLs replace them.
// Only http and https locations are ever fetched. Static CRLs (files, offline
// copies) are loaded with Config.CRLs or Checker.AddCRL and verified like
// downloaded ones; an issuer with a static CRL is checked against it alone.
//
// In OCSPThenCRL mode the CRL is read only when OCSP gave no usable answer.
// A definitive OCSP answer is final: "good" accepts, "revoked" and
// "unknown" deny.
//
// # What is verified
//
// OCSP. Requests carry a SHA-256 CertID (SHA-1 when the responder refuses
// that) and a fresh nonce of Config.NonceSize bytes from Config.Rand; they
// are POSTed with a per-request timeout and a response size limit. Responses
// are parsed here, not by x/crypto/ocsp (which refuses GOST signatures), and
// checked completely: responseStatus; a signer that is the issuer itself or
// a delegated responder certificate issued and signed by it, with the
// OCSPSigning EKU, valid now, and either id-pkix-ocsp-nocheck or a clean
// record in the issuer's CRL; the signature; the nonce echoed; a
// SingleResponse for exactly this CertID; thisUpdate and nextUpdate against
// Config.Now with Config.Skew. "revoked" with any reason, certificateHold
// included, denies.
//
// CRL. Full and delta CRLs are parsed here too: the NCA's GOST CRLs carry a
// NULL parameter in the outer signature AlgorithmIdentifier and none in the
// inner one, which crypto/x509 refuses; this package compares the OIDs and
// refuses any other parameters. Each CRL must be signed by the
// certificate's issuer (name, cRLSign, signature), be current (thisUpdate,
// nextUpdate; a CRL without nextUpdate is refused), cover the certificate
// (issuing distribution point; indirect and reason-partitioned CRLs are
// refused) and must not be older than the one already held (cRLNumber).
// When the certificate or its full CRL names a delta CRL, the delta is
// required: NCA full CRLs are valid for six months, and a revocation since
// the last full CRL is only in the delta. A delta's removeFromCRL entry takes
// a certificate off hold.
//
// Before anything is fetched for a certificate, its signature by the given
// issuer is checked, so a forged certificate cannot make the server fetch
// locations of its choosing. Still, call the checker on verified chains
// only, as signature.Verifier does.
//
// # Failing closed
//
// CheckRevocation returns a nil error only for a certificate positively
// found good. Otherwise the error wraps one of the signature package's
// sentinels: signature.ErrRevoked (*StatusError, with the reason and time),
// signature.ErrRevocationUnknown (*StatusError), or
// signature.ErrRevocationUnavailable (*CheckError for one failed check,
// *UnavailableError listing every check that could not be completed, with
// its URL and cause: ErrFetch, ErrTooLarge, ErrMalformed, ErrSignature,
// ErrNotAuthorized, ErrNonce, ErrCertIDMismatch, ErrStale, ErrScope,
// ErrNoSource…). Config.InsecureSoftFail turns "unavailable" into a nil
// error with status StatusUnchecked; nothing else weakens a decision. (The
// signature.Verifier refuses any nil-error answer whose status is not
// "good", so soft-fail only takes effect for hosts that call the checker
// themselves.)
//
// # Caching
//
// Verified OCSP answers (good and revoked) are cached in Config.Cache, a
// store.Store — private in-memory by default, store/redis to share them
// between instances — keyed by the SHA-256 CertID, in a versioned binary
// record, until the answer's nextUpdate but never longer than
// Config.MaxCacheAge (five minutes by default); an answer without
// nextUpdate, as the NCA sends, is valid for MaxCacheAge after its
// thisUpdate. Concurrent checks of one certificate make one request
// (single flight); a caller that gives up does not cancel it for the
// others. A failing cache is a miss, never an answer. Checker.Forget drops
// one certificate's cached answer, for a host that learns of a revocation
// before the answer expires.
//
// CRLs are downloaded (Config.MaxCRLSize, Config.CRLTimeout), parsed once
// into an index by serial number and shared by every check in the process;
// a lookup costs a map access. They are held by kind, location and issuer:
// a delta CRL is never used where a full CRL is expected (it lacks the full
// CRL's revocations) nor a full one where a delta is expected, whichever
// certificate was checked first; a location that serves the wrong kind
// fails the check with ErrScope. A CRL is refreshed in the background once it
// is Config.CRLRefresh old or 90% through its validity, by one download
// however many checks arrive; checks keep using the held CRL meanwhile. A
// held CRL past its nextUpdate is never used. Close stops background work.
//
// # Audit
//
// Every decision is an auth.Event of type EventRevocation sent to
// Config.Audit: certificate serial, issuer, source, status, reason, whether
// cached, the error of a failure. The certificate's subject, personal data
// for national ID certificates, is added only with Config.AuditSubject.
//
// # Performance
//
// Measured on the development machine (2 cores, go test -bench): an OCSP
// check answered by the in-memory cache costs about 0.3-0.4 µs and 4
// allocations; parsing and verifying a response (responder certificate and
// response signatures) about 60 µs for RSA-2048, 115 µs for ECDSA P-256 and
// 1.4 ms for GOST 34.10-2015-512, twice the raw signature check. A lookup in
// a 200 000-entry CRL takes about 20 ns (a Go map access is 17 ns), a whole
// CheckRevocation against it about 100 ns; parsing that CRL once takes 170
// ms. A CRL's entries are counted before anything is allocated, so a
// 1 M-entry CRL of the NCA's shape (53 MB) loads with about 114 MiB of
// allocation (the index keeps 99 MiB) in about 0.5 s of CPU
// (BenchmarkCRLLoad1M). A login verification with a warm OCSP cache costs within noise of one
// without revocation (ratio 0.9-1.1).
package revocation
