// Package gosttest signs with GOST R 34.10 keys to build TEST material:
// signatures, certificates and CRLs with Kazakh (or Russian) OIDs.
//
// # TEST SUPPORT ONLY — NOT FOR REAL KEYS
//
// Everything here is written for tests: the arithmetic is plain math/big,
// it is NOT constant time, it leaks the private key through timing, and the
// private key lives in ordinary memory. Never load a real private key into
// this package and never import it from production code. Production code
// only ever verifies (package gost), which needs no secret.
//
// # What it offers
//
//   - PrivateKey: a scalar d on a gost.Curve, from GenerateKey, NewPrivateKey
//     or PrivateKeyFromHex (the NCA test keys' *.key.hex files).
//   - Sign / SignMessage: GOST R 34.10 signatures in either byte layout
//     (gost.LayoutNCA or gost.LayoutRFC4491); SignMessage hashes and picks the
//     layout from the signature OID, as the NCA does.
//   - MarshalPublicKey: a DER SubjectPublicKeyInfo with Kazakh or Russian OIDs.
//   - CreateCertificate / CreateRevocationList: GOST-signed X.509 certificates
//     and CRLs built from crypto/x509 templates, in the shape the NCA issues
//     (NULL parameters in certificate and outer CRL algorithm identifiers, none
//     in the CRL's inner one).
//   - CreateSignedData: a CMS SignedData (attached or detached, with or
//     without signed attributes) in the shape NCALayer produces, e.g. a signed
//     login challenge.
//
// # The NCA test keys
//
// The shared testdata holds the NCA test keys' private scalars as
// *.key.hex (big-endian hex); PrivateKeyFromHex reads them, so tests can sign
// challenges and CMS with the very keys of the NCA test certificates.
//
// # Randomness
//
// Every function takes the nonce source explicitly; nil means
// crypto/rand.Reader. Tests pass a seeded math/rand/v2 ChaCha8 to get
// reproducible signatures. There is no clock: times (validity, signingTime)
// come from the templates and options the test passes.
package gosttest
