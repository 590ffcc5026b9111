// Package gost verifies GOST digital signatures as used by the Kazakh
// National Certification Authority (NCA, pki.gov.kz) for ECP keys, written
// from the RFCs with the Go standard library only (plus
// golang.org/x/crypto/cryptobyte for DER).
//
// # Algorithms
//
//   - GOST 34.10-2015, 512 bit (current Kazakh keys) = GOST R 34.10-2012 on
//     the curve id-tc26-gost-3410-12-512-paramSetA (RFC 7836), hashed with
//     Streebog-512, GOST R 34.11-2012 (RFC 6986): CurveTC26512A, New512.
//   - GOST 34.310-2004 (older Kazakh keys) = GOST R 34.10-2001 (RFC 5832) on
//     the CryptoPro-A curve (RFC 4357), hashed with GOST 34.311-95 = GOST R
//     34.11-94 (RFC 5831) with the *test* S-box parameter set:
//     CurveCryptoProA, New34311.
//   - Also: Streebog-256 with id-tc26-gost-3410-2012-256-paramSetA
//     (CurveTC26256A, New256), and the Russian OIDs of all of these, whose
//     GOST R 34.11-94 uses the CryptoPro S-boxes (New341194CryptoPro).
//
// Only these named curves are accepted from keys: the RFC test parameter sets
// are refused (they are used by this package's tests only).
//
// # Hashes
//
// New512, New256, New34311 and New341194CryptoPro return streaming
// hash.Hash values; Sum does not disturb the state. Their output is the byte
// string every implementation exchanges (OpenSSL, CMS messageDigest): the
// RFCs print vectors as numbers, i.e. byte-reversed, and `gostsum` prints its
// digest reversed too.
//
// # Byte orders
//
// VerifyDigest is the one place where byte orders are decided:
//
//   - Public key: X‖Y, each coordinate little-endian, 32 or 64 bytes (RFC
//     4491 §2.3.2, RFC 9215 §4.3), inside an OCTET STRING inside the
//     SubjectPublicKeyInfo BIT STRING. Same in Kazakh and Russian keys.
//   - Digest → integer: the hash output is read as a little-endian integer α
//     (RFC 7091 §5.3 numbers the hash vector's bits from its first byte up),
//     and e = α mod q, or 1 when that is 0. Checked against the NCA
//     certificates, the RFC examples and the OpenSSL engine.
//   - Signature: r and s, each of the curve size. LayoutRFC4491 is s‖r, each
//     big-endian (RFC 4491 §2.2.2, RFC 9215 §2). LayoutNCA is the byte reversal
//     of that, i.e. r‖s each little-endian: what the NCA puts in certificates,
//     CRLs, OCSP responses, CMS and time-stamp tokens. The layout follows the
//     OID family (Algorithm.Layout): Kazakh OIDs → LayoutNCA, Russian →
//     LayoutRFC4491. The zero SigLayout is invalid and always fails.
//
// # Signed structures
//
// crypto/x509 parses GOST certificates but reports their algorithms as
// Unknown and cannot verify them; it refuses NCA CRLs outright (the inner
// tbsCertList.signature has no parameters, the outer one a NULL). The helpers
// read the OIDs from the DER and compare OIDs, never raw AlgorithmIdentifier
// bytes:
//
//   - CheckCertificateSignature(cert, parent): certificate ← issuer.
//   - CheckCRLSignature(der, issuer): CRL; inner and outer OIDs must agree.
//   - CheckOCSPSignature / CheckBasicOCSPSignature: OCSP responses.
//   - CheckSignerInfoSignature: a CMS SignerInfo over its signed attributes;
//     SignerInfoAlgorithm accepts the public-key OID in signatureAlgorithm,
//     as GOST producers often write it.
//   - CheckSignature(sigAlg, pub, signed, sig): the common core; hashes with
//     the algorithm's hash and verifies with its layout.
//   - SignatureOID(der) with IsGOSTSignatureOID: dispatch GOST structures
//     (x509 reports them as Unknown) to these helpers and the rest elsewhere.
//
// These check signatures only: validity periods, names, key usage, policies
// and revocation belong to chain building (package signature).
//
// # Object identifiers
//
//	Kazakhstan (NCA)          OID                        Russia (RFC 4491/9215)   OID
//	34.310-2004 key           1.2.398.3.10.1.1.1.1       R 34.10-2001 key         1.2.643.2.2.19
//	  curve (CryptoPro-A)     1.2.398.3.10.1.1.1.1.1       CryptoPro-A / XchA     1.2.643.2.2.35.1 / .36.0
//	  digest parameters       1.2.398.3.10.1.3.1.1.0       CryptoPro digest par.  1.2.643.2.2.30.1
//	34.311-95 digest          1.2.398.3.10.1.3.1         R 34.11-94 digest        1.2.643.2.2.9
//	34.310-2004 signature     1.2.398.3.10.1.1.1.2       R 34.10-2001 signature   1.2.643.2.2.3
//	34.10-2015 512 key        1.2.398.3.10.1.1.2.2       R 34.10-2012 512 key     1.2.643.7.1.1.1.2
//	  curve (TC26 512 A)      1.2.398.3.10.1.1.2.2.1       TC26 512 A             1.2.643.7.1.2.1.2.1
//	Streebog-512 digest       1.2.398.3.10.1.3.3         Streebog-512             1.2.643.7.1.1.2.3
//	34.10-2015 512 signature  1.2.398.3.10.1.1.2.3.2     R 34.10-2012 512 sig.    1.2.643.7.1.1.3.3
//	34.10-2015 256 key        1.2.398.3.10.1.1.2.1       R 34.10-2012 256 key     1.2.643.7.1.1.1.1
//	  curve                   (Russian OIDs accepted)      TC26 256 A             1.2.643.7.1.2.1.1.1
//	Streebog-256 digest       1.2.398.3.10.1.3.2         Streebog-256             1.2.643.7.1.1.2.2
//	34.10-2015 256 signature  1.2.398.3.10.1.1.2.3.1     R 34.10-2012 256 sig.    1.2.643.7.1.1.3.2
//
// The dotted strings are exported as constants (OIDKZSignature2015512, …);
// OID turns one into an asn1.ObjectIdentifier.
//
// # Security model
//
// The package verifies; it never signs. Everything it handles is public
// (signatures, digests, public keys, certificates), so the arithmetic is
// deliberately variable time: fixed-size limbs with math/bits (for the named
// fields p = 2^512 − 569 and 2^256 − 617, generated unrolled code on lazily
// reduced values, see field_pm.go; Montgomery for the orders q), Jacobian
// coordinates, and interleaved width-w NAF multiplication with precomputed
// tables. No secret ever enters it, so timing reveals nothing worth having;
// constant-time code would only be slower.
//
// Every input is hostile until verified, and every failure denies: public
// keys must be on their named curve (and in the subgroup of order q on
// TC26-256-A, whose cofactor is 4); r and s must lie in [1, q−1]; digests must
// have the curve's size; DER must be exact (no trailing data, no unused bits,
// no parameters on signature algorithm identifiers other than NULL). Errors
// wrap ErrVerification, ErrUnsupportedAlgorithm, ErrInvalidPublicKey or
// ErrMalformedSignature and never contain key, digest or signature bytes.
// Nothing panics on input; there is no mutable package state: curves and
// their tables of multiples of G are built once, on first use, and never
// change. The only state that changes is a PublicKey's own cache (below).
//
// # Precomputation and memory
//
//   - Per curve, once: odd multiples of 2^(j·L)·G for eight chunks j of
//     L = n/8 bits, 64 affine points each (64 KiB for TC26-512-A, 32 KiB
//     per 256-bit curve), so that G's part of a verification needs no
//     doublings of its own.
//   - Per PublicKey: the same for the key's point, 8 points per chunk (8 KiB
//     for a 512-bit key, 4 KiB for a 256-bit one), built on the key's second
//     verification or by Precompute (TC26-256-A keys: when parsed, as part of
//     the subgroup check) and freed with the key. With it a verification
//     needs L+1 doublings instead of n, about 40 % of the time. Only a key
//     that is kept benefits: hold the *PublicKey of a CA or a returning
//     signer (for example with its parsed certificate). Concurrent
//     verifications never wait for the build.
//
// # Signing is test-only
//
// Package gosttest signs, builds keys, certificates and CRLs for tests. It is
// plain math/big, not constant time, and must never see a real private key.
//
// # Speed
//
// BenchmarkVsOpenSSL verifies the same key, digest and signature here and
// with the OpenSSL 3 GOST engine called in-process (cgo, internal/osslgost),
// interleaved in one loop so that a busy machine slows both alike, and reports
// our time over the engine's; "Key" keeps the parsed key on both sides,
// "FreshKey" parses it for every signature. On the development machine (2
// vCPU AMD EPYC, Go 1.26, OpenSSL 3.0 with libengine-gost-openssl 3.0.1,
// medians of 3 runs):
//
//	go test -run '^$' -bench VsOpenSSL -count 3 ./signature/gost/
//	                       Key     FreshKey   before this machinery (Key = FreshKey)
//	TC26-512-A (2015)      0.19×   0.51×      1.07×
//	CryptoPro-A (2004)     0.19×   0.46×      0.61×
//	TC26-256-A             0.40×   1.47×      1.34×, 2.1× fresh (its subgroup check)
//
// BenchmarkVerify reports the fastest iteration ("ns-fastest", the least
// disturbed on a shared machine) of verifying with a kept key ("Key") and of
// parsing a key and verifying once ("Once"):
//
//	go test -run '^$' -bench 'Verify/GOST' ./signature/gost/
//	                       Key       Once      before (Key)
//	TC26-512-A (2015)      132 µs    349 µs    729 µs
//	CryptoPro-A (2004)      31 µs     79 µs     96 µs
//	TC26-256-A              31 µs    132 µs    102 µs (≈ 190 µs parsed once)
//
// BenchmarkVerify also puts verification beside crypto/ecdsa on the NIST curve
// of the same size, BenchmarkHash the hashes beside crypto/sha512, and
// BenchmarkLayers each wrapper beside the primitive it wraps. Verification
// with a kept key allocates nothing.
package gost
