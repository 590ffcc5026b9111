// Package signature verifies ECP (ЭЦП) signatures: CMS/PKCS #7 SignedData
// as the Kazakh NCA's NCALayer produces it, the signer's certificate chain
// to configured roots, the key's purpose, and who signed — IIN, BIN, name,
// organisation, roles — read from the certificate profile. It knows nothing
// of sessions or flows; factors/ecp adapts it to auth.Factor.
//
// # Verifying
//
//	v, err := signature.NewVerifier(signature.Config{
//		Roots:         roots,         // required; the system roots are never used
//		Intermediates: intermediates, // optional
//		Revocation:    checker,       // required unless InsecureSkipRevocation
//	})
//	res, err := v.Verify(ctx, cms, signature.VerifyOptions{
//		Content: challenge, Purpose: signature.PurposeLogin(),
//	})
//	// res.Signers[0].Identity.IIN, .BIN, .Roles, .KeyStorage …
//
// Verify accepts what NCALayer returns: PEM ("-----BEGIN CMS-----", from
// basics.sign), bare base64 (legacy createCMSSignatureFromBase64) and DER,
// including BER with indefinite lengths as Java producers write it. The
// content may be attached (it must then equal VerifyOptions.Content) or
// detached (VerifyOptions.Content is what was signed). The result is
// JSON-friendly: per signer the identity, algorithm, certificate, chain,
// revocation answers and the claimed signing time.
//
// # What is checked
//
//   - Structure: ContentInfo → SignedData with id-data content, at most
//     Config.MaxSigners signers (one by default), parsed with
//     golang.org/x/crypto/cryptobyte; input size and nesting are bounded.
//   - Signer: found by issuer and serial or by subject key identifier among
//     the CMS's certificates. Signed attributes are required: content type,
//     message digest (must match the content), signing time (must fall in
//     the caller's window, the challenge's lifetime, widened by
//     Config.SigningTimeSkew — and is never the validation time), and ESS
//     signing-certificate(-v2) when present (its hash must match the
//     signer's certificate). The signature covers the received bytes of the
//     signed attributes re-tagged as SET OF; they are never re-encoded.
//   - Algorithms: RSA PKCS #1 v1.5 (rsaEncryption or shaNWithRSAEncryption,
//     SHA-256/384/512), RSA-PSS, ECDSA P-256/P-384, and GOST 34.310-2004 /
//     34.10-2015 through package signature/gost. Anything else — SHA-1,
//     MD5, DSA, Ed25519, RSA keys under 2048 bits — is
//     ErrUnsupportedAlgorithm.
//   - Chain: built from the signer through the CMS's certificates and
//     Config.Intermediates to Config.Roots (never the system roots),
//     checking every signature (GOST included, which crypto/x509 cannot),
//     validity at the verifier's clock, basic constraints and path length,
//     keyCertSign on issuers, and refusing unhandled critical extensions
//     and name constraints. Verified issuer→child signatures are cached
//     (keyed by both certificates' SHA-256, bounded by Config.CacheSize), so
//     a repeated login verifies one signature; validity and constraints are
//     checked every time.
//   - Purpose: key usage, extended key usage and certificate policies
//     (see Key purposes). Information-system certificates cannot act for a
//     person unless the Purpose allows it.
//   - Revocation: Config.Revocation (see RevocationChecker; the OCSP and CRL
//     implementation is signature/revocation) is called for every chain
//     certificate except the trust anchor; any answer but "good" denies. A
//     Verifier without a checker must say InsecureSkipRevocation.
//
// # XML signatures (signXml)
//
// VerifyXML verifies an enveloped XML-DSig document as NCALayer's signXml
// (and basics.sign with format "xml", and eGov Mobile's XML method) writes
// it, and returns the same Result through the same trust path as Verify —
// chain, purpose, identity, revocation and the Verifier's caches. What is
// checked:
//
//   - Hostile XML is ErrMalformed before any cryptography: a DOCTYPE (and so
//     any entity but the predefined ones), processing instructions other
//     than a leading UTF-8 XML declaration, more than one document element,
//     text or comments outside it, comments anywhere (URI="" drops them
//     before the digest, XML-DSig §4.3.3.3, so they would be unsigned
//     content), duplicate attributes, tabs or line breaks in attribute
//     values, depth beyond 32, more than 20 000 nodes, 64 attributes on
//     an element or 128 namespace declarations in scope,
//     Config.MaxInputSize;
//     and what namespace-aware C14N would read otherwise than a naive
//     reader: names that are not ASCII NCNames, undeclared or reserved
//     prefixes, prefix undeclarations, two qualified attributes of
//     different namespaces on one element, character references to
//     surrogates, a SignedInfo rebinding a prefix its ancestors bind.
//   - Structure, exactly: one ds:Signature in the whole document, the last
//     child of the document element; in it SignedInfo, SignatureValue,
//     KeyInfo and nothing else (no Object, no Id); C14N 1.0 for SignedInfo;
//     exactly one Reference, URI="", with the transforms enveloped-signature
//     then C14N 1.0 with comments; KeyInfo/X509Data with one
//     X509Certificate, which is the signer and is then chained to the roots
//     like a CMS signer. Any other XML-DSig element anywhere — a second or
//     nested Signature, a wrapped copy — is refused (signature wrapping).
//   - Algorithms, as pairs of SignatureMethod and DigestMethod fitting the
//     key: RSA-SHA256 and RSA-SHA512 (xmldsig-more / xmlenc), ECDSA-SHA256
//     (P-256) and ECDSA-SHA384 (P-384), and the NCA's GOST URIs:
//     urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34102015-gostr34112015-512
//     with …:gostr34112015-512 (and -256), and xmldsig-more#gost34310-gost34311
//     with #gost34311. Anything else is ErrUnsupportedAlgorithm.
//   - The Reference digest over the canonical document without its
//     signature (ErrDigestMismatch), then the signature over the canonical
//     SignedInfo (ErrBadSignature). The reader and the C14N 1.0
//     canonicaliser are this package's (xmlparse.go, xmlc14n.go: a login is
//     verified on every request, and encoding/xml with etree and goxmldsig
//     cost more than the RSA signature check); goxmldsig over
//     github.com/beevik/etree is their differential oracle in the tests
//     and in a fuzz target, and xmlsec1 checks both ways. The GOST step is
//     this package's too: the
//     DigestValue is the raw hash output and the SignatureValue is in the
//     NCA's byte order (the reversal of RFC 4491's s‖r), as in the NCA's
//     CMS — checked on a real Kalkan-signed GOST-2015 document.
//   - VerifyOptions.Content, when set, is the document as issued: it must
//     equal the signed one in canonical form (ErrContentMismatch). XML-DSig
//     as the NCA writes it has no signing time.
//
// Challenge.XML gives a challenge's XML form (XMLFormChallenge binds origin,
// flow, action, nonce and lifetime; XMLFormLogin is the common
// <login><timeTicket/><sessionid/></login> shape) and VerifyChallengeXML
// checks a signed one; NewNCALayerXMLRequest and NewNCALayerSignXMLRequest
// build the basics (format "xml") and legacy commonUtils.signXml requests.
// VerifyAny and VerifyChallengeAny take either format.
//
// # Identity
//
// The NCA profile is data (NCAProfile, a Profile a host may adapt): IIN from
// SERIALNUMBER "IIN" + 12 digits, BIN from OU "BIN" + 12 digits, CN
// ("SURNAME NAME"), SURNAME, GIVENNAME (the patronymic), O, C, the e-mail of
// the SubjectAltName; roles from the EKU OIDs 1.2.398.3.3.4.1.1 (individual),
// 1.2.398.3.3.4.1.2 (legal entity) with .2.1 first head, .2.2 right to sign,
// .2.3 financial signer, .2.4 HR, .2.5 employee, .2.6 information system,
// and 1.2.398.5.19.1.2.2.1 (Treasury-Client); the key storage from the
// extension 1.2.398.3.3.5 (KeyStorageFile for a PKCS #12 file). IIN/BIN
// check digits (ValidID) are available but off by default: the NCA's test
// IINs fail them. Checks such as RequireRole(bin, RoleFirstHead,
// RoleRightToSign) express "who may do this action".
//
// # Key purposes
//
// The NCA issues two generations of keys. The legacy one has a separate
// AUTH key (EKU clientAuth) and SIGN key (EKU emailProtection,
// nonRepudiation) per person; the current GOST-2015 one a single combined
// key (EKU emailProtection, nonRepudiation, no clientAuth) for both. A
// legacy SIGN key of an individual carries exactly the EKU of a combined
// key — emailProtection and the individual role — so extended key usages
// cannot tell a signing-only key from one that may log in. The certificate
// policy does, and the purposes require one (digitalSignature is always
// required as well):
//
//	certificate policy   NCA profile                           PurposeLogin  PurposeSign  PurposeInformationSystem
//	1.2.398.3.3.2        GOST-2015 combined key                yes (1)       yes (2)      only with the IS role (3)
//	1.2.398.3.3.2.4      legacy AUTH key, individual           yes (1)       no           no
//	1.2.398.3.3.2.2      legacy AUTH key, legal entity         yes (1)       no           only with the IS role (3)
//	1.2.398.3.3.2.3      legacy SIGN key, individual           no            yes (2)      no
//	1.2.398.3.3.2.1      legacy SIGN key, legal entity         no            yes (2)      only with the IS role (3)
//	none of these        not an NCA end-entity key             no            no           no
//
//	(1) and EKU clientAuth, or emailProtection with the individual
//	    (1.2.398.3.3.4.1.1) or legal-entity (1.2.398.3.3.4.1.2) role
//	(2) and keyUsage nonRepudiation, EKU emailProtection
//	(3) EKU 1.2.398.3.3.4.1.2.6 (information system); persons never carry it
//
// Information-system certificates (a machine of a legal entity) are
// refused by PurposeLogin and PurposeSign whatever else they match; set
// Purpose.AllowInformationSystem to let one through a purpose whose other
// rules it meets, or use PurposeInformationSystem. Verifier.CheckPurpose
// applies these rules to a certificate alone, to tell a user which key
// fits before signing. TestPurposeNCAMaterial checks the table on every
// certificate of the NCA's published test material.
//
// # Time stamps
//
// RFC 3161 time-stamp tokens in a signer's unsigned attributes
// (id-aa-timeStampToken, as CAdES-T signatures and the NCA's TSA add them)
// are reported in Signer.TimeStamps when VerifyOptions.TimeStamps asks for
// them (off by default: a login needs none): genTime, policy, serial, nonce, the
// imprint's hash, and whether the token's signature, its imprint (the hash
// of the signer's signature value) and the TSA's chain to Config.Roots at
// genTime verified, with a coded problem for each check that did not.
// Unsigned attributes are not signed: a time stamp never makes a signature
// valid or invalid. CheckTimeStampToken checks a token on its own.
//
// # Inspecting a refused signature
//
// Inspect reads a CMS without verifying it — the signers' certificates,
// identities, algorithms and claimed signing times — to explain a refusal
// ("who does this say it is from?"). Nothing in an Inspection is trusted.
//
// # PKCS #12 key files
//
// DecodePKCS12 reads .p12 files as the NCA issues them — BER with
// indefinite lengths, which Go's PKCS #12 readers refuse — and as OpenSSL
// writes them: the MAC is verified first (a wrong password is
// ErrPassword), then the certificate bags (RC2-40, RC2-128, 3DES, or PBES2
// with AES) and, on request, the key bags are decrypted. RC2 is
// implemented here for reading such files only.
//
// # Challenges
//
// A login signs a Challenge: a canonical, fixed-order "key=value" document
// binding the origin, the flow, the action, a 256-bit nonce and its lifetime
// (3 minutes by default). VerifyChallenge checks the binding and the expiry
// and verifies the CMS over exactly those bytes. NewNCALayerRequest builds
// the request for NCALayer's kz.gov.pki.knca.basics sign method. Keeping a
// challenge single-use is the caller's duty (factors/ecp consumes it from a
// store).
//
// # Errors
//
// Every refusal wraps one sentinel; Code gives its stable, client-safe
// code:
//
//	malformed                  ErrMalformed (bad PEM/base64/DER, too large, truncated, junk)
//	unsupported_algorithm      ErrUnsupportedAlgorithm
//	too_many_signers           ErrTooManySigners
//	signer_not_found           ErrSignerNotFound
//	missing_attribute          ErrMissingAttribute
//	digest_mismatch            ErrDigestMismatch
//	signing_certificate_mismatch ErrSigningCertMismatch
//	bad_signature              ErrBadSignature
//	content_mismatch           ErrContentMismatch
//	signing_time               ErrSigningTime
//	chain_untrusted            ErrChainUntrusted
//	not_ca                     ErrNotCA
//	certificate_expired        ErrCertificateExpired
//	certificate_not_yet_valid  ErrCertificateNotYetValid
//	key_usage                  ErrKeyUsage
//	revoked                    ErrRevoked
//	revocation_unknown         ErrRevocationUnknown
//	revocation_unavailable     ErrRevocationUnavailable
//	challenge_mismatch         ErrChallengeMismatch
//	replayed                   ErrReplay
//	expired                    ErrExpired (the challenge)
//	identity                   ErrIdentity
//	not_allowed                ErrNotAllowed
//	bad_password               ErrPassword (DecodePKCS12)
//	config                     ErrConfig
//
// Errors about one certificate of a chain are *CertificateError (its index,
// serial and subject CN). No error message contains a challenge, nonce,
// signature or key.
//
// # Security model
//
// Every byte of the CMS is hostile until verified, and every failure denies.
// Validation time is the verifier's clock (Config.Now), never the signer's
// claim. Trust comes only from Config.Roots. The zero values are the strict
// ones; the only weakening setting is named InsecureSkipRevocation.
package signature
