// Package devpki generates a DEVELOPMENT public-key infrastructure in the
// Kazakh NCA profile, and signs CMS with it.
//
// # FOR DEVELOPMENT AND TESTS ONLY
//
// Nothing this package makes may ever be trusted by a production verifier.
// Its keys live in ordinary memory; its GOST keys are generated and used by
// signature/gost/gosttest, which is not constant time and leaks keys through
// timing; its certificates carry placeholder values (the key-storage OID of
// "hardware" keys is not a confirmed NCA value). Configure a production
// signature.Verifier with the NCA's real roots only.
//
// # What it makes
//
//   - Roots and intermediates (Generator.Root, CA.Intermediate) with GOST
//     34.10-2015 512-bit keys on TC26-512-A and Kazakh OIDs (GOST2015, the
//     default), GOST 34.310-2004 (GOST2004), RSA-2048 or ECDSA P-256/P-384,
//     CA=true, keyCertSign|cRLSign, optional path length, CRL and OCSP URLs
//     for what they issue — and, for negative tests, a "CA" without the CA
//     flag or without keyCertSign.
//   - Leaves (CA.Issue) of every NCA kind — Individual, FirstHead,
//     RightToSign, FinancialSigner, HR, Employee, InformationSystem, and the
//     legacy LegacyAuth/LegacySign keys — with the NCA subject layout (CN
//     "SURNAME NAME", SURNAME, SERIALNUMBER "IIN…", C=KZ, O, OU "BIN…",
//     GIVENNAME = patronymic), the e-mail in SubjectAltName, the role EKU
//     OIDs, keyUsage, the certificate policy (GOST-2015 1.2.398.3.3.2; the
//     legacy AUTH 1.2.398.3.3.2.4 and SIGN 1.2.398.3.3.2.3 for the legacy
//     kinds; LeafOptions.Policies overrides it) and the key-storage
//     extension 1.2.398.3.3.5.
//   - CRLs (CA.CRL); GOST ones in the NCA shape.
//   - An OCSP responder (NewOCSPResponder, an http.Handler) over any of its
//     CAs: each CA signs the answers about what it issued (no delegated
//     responder certificate), from a status function the caller may answer
//     from a mutable revocation list, echoing the request's nonce; GOST
//     answers in the NCA shape. ParseOCSPRequest reads the requests.
//   - Generator.CA wraps an existing CA certificate and its key (made in an
//     earlier run and kept on disk, say) so that it issues, signs CRLs and
//     answers OCSP again.
//   - CMS SignedData (Leaf.SignCMS): attached or detached, signed attributes
//     with content type, signing time, message digest and ESS
//     signing-certificate-v2, SID by issuer and serial or by subject key
//     identifier, RSA PKCS #1 v1.5 or PSS, ECDSA, GOST; BER output like Java
//     producers; and knobs for negative tests (no signed attributes, edited
//     attributes, extra signers, no signer certificate).
//   - Generator.Leaf wraps an existing certificate and key (for example a
//     real NCA test key) so that it signs the same way.
//   - RFC 3161 time-stamp tokens (Leaf.TimeStampToken, issued by a leaf
//     with LeafOptions.EKU = []string{OIDTimeStamping}) and unsigned
//     attributes on SignerInfos (CMSOptions.UnsignedAttributes;
//     TimeStampAttribute time-stamps each signature value, as CAdES-T
//     does).
//
// # Determinism
//
// Config.Rand and Config.Now make runs reproducible: with the same reader
// and the same sequence of calls, keys, serial numbers and RSA and GOST
// signatures repeat. ECDSA signatures do not (crypto/ecdsa ignores the
// reader since Go 1.26), so ECDSA certificates differ in their signature
// bytes between runs — with the same keys.
package devpki
