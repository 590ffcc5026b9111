// Command strongauth verifies and inspects Kazakh ECP signatures and
// certificates, checks authentication policies and makes development PKIs,
// built only on the strongauth library's public API — no NCANode, no Kalkan
// jars.
//
//	go install github.com/strongauth/strongauth/cmd/strongauth@latest
//
// # Usage
//
//	strongauth verify --roots FILE [--intermediates FILE] [--data FILE] [--at TIME]
//	                  [--revocation ocsp,crl|ocsp|crl|none] [--crl FILE]
//	                  [--purpose sign|login|information-system] [--allow-signers N]
//	                  [--require-role ROLE[,ROLE]] [--bin BIN] CMS
//	strongauth cert [--password P | --password-file F] [--at TIME] FILE...
//	strongauth policy TEXT
//	strongauth devpki [--algorithms LIST] [--now TIME] [--seed TEXT] [--force] DIR
//	strongauth --version
//
// Every subcommand has --help with examples. Flags and arguments may come
// in any order.
//
// # Output and exit status
//
// verify, cert, policy and devpki print JSON on stdout for every outcome —
// refusals and usage errors included — with an "error" object {code,
// message} when something was refused; a human message goes to stderr.
// Exit status: 0 valid / ok, 1 invalid / refused, 2 usage, I/O or
// configuration error. Refusal codes are the library's stable codes
// (signature.Code: malformed, digest_mismatch, bad_signature,
// chain_untrusted, certificate_expired, certificate_not_yet_valid,
// key_usage, revoked, revocation_unavailable, unsupported_algorithm,
// bad_password…); the command adds usage and io.
//
// # verify
//
// Verification is signature.Verifier.Verify with the given roots and
// intermediates (never the system roots), the clock of --at (one reading
// for the chain, the revocation answers and the report) and a
// signature/revocation checker: OCSP then CRL by default, CRL files with
// --crl (checked offline against their issuer among the roots and
// intermediates), or none. On a refusal the signers shown are the CMS's
// unverified claims (signature.Verifier.Inspect, "verified": false) and
// the error carries the refused certificate and, for revoked, the
// revocation answer with its reason. Time-stamp tokens are reported, never
// required. A signing time claimed after the verification clock is
// warned about. --purpose picks signature.PurposeSign (the default),
// PurposeLogin or PurposeInformationSystem; --require-role and --bin apply
// signature.RequireRole / RequireBIN to every verified signer, refusing
// others with not_allowed. Serials are printed as signature.FormatSerial
// does (the DER INTEGER's octets, leading zeros kept), as in the NCA's
// lists.
//
// # cert
//
// PEM, DER, or PKCS #12 (signature.DecodePKCS12: the NCA's BER files, MAC
// verified, only the certificate bags decrypted), described with
// signature.IdentityOf and signature.CertificateInfoOf, plus key usage,
// EKU and policy OIDs with their NCA names. Nothing is verified.
//
// # devpki
//
// signature/devpki written to disk: GOST-2015 and RSA (or other) roots and
// intermediates, every leaf kind, a CRL holding one leaf, the root's CRL,
// keys, a manifest and a README. For development and tests only.
//
// # Security model
//
// Every input file is hostile: sizes are bounded (64 MiB), parsers are
// the library's fuzzed ones, and the command never panics on input (a
// fuzz target runs the whole verify command). Passwords never appear in
// output; prefer --password-file to --password, which other local users
// can see. Private keys are never decrypted by cert.
package main
