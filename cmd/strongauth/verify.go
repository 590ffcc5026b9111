package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/revocation"
)

const verifyHelp = `Usage: strongauth verify --roots FILE [flags] CMS|XML

Verifies a CMS/PKCS #7 signature or an enveloped XML-DSig document (ECP
signatures as NCALayer makes them — sign as CMS, signXml as XML):
the structure, each signer's signed attributes and signature, the chain to
the given roots at the verification clock, the key's purpose and the
revocation status of the chain, and prints what it found as JSON on stdout.

CMS is a file (or - for standard input) in DER or BER, PEM ("BEGIN CMS" or
"BEGIN PKCS7") or bare base64, with the content attached, or detached and
given with --data. XML is a signed document as NCALayer's signXml returns
it (--format auto, the default, takes input starting with '<' as XML);
--data then names the document as it was issued, which the signed one must
equal in canonical form (C14N). Certificate files are PEM (one or more) or
DER.

Revocation: "ocsp,crl" (the default) asks the OCSP responders the
certificates name and reads their CRLs when OCSP gives no usable answer;
"ocsp" and "crl" use one source; "none" skips revocation (development
only: a revoked key passes). --crl loads a CRL file for its issuer among
--roots and --intermediates; an issuer with a CRL file is checked against it
alone, offline. Every chain certificate below the trust anchor is checked,
intermediates included: offline, give a --crl for each CA of the chain, or
make the issuing CA the anchor (--roots nca.cer). With --at in the past,
pass the CRLs of that time: current OCSP answers and CRLs are not valid
then.

Purpose: "sign" (the default: document signing, nonRepudiation), "login"
(authentication keys) or "information-system" (a legal entity's machine
certificate; persons' keys refused). The key's usage, extended key usage
and certificate policy must fit it: an NCA legacy SIGN key cannot log in,
nor an AUTH key sign.

Who may sign: --require-role ROLE[,ROLE] accepts a signer with at least one
of the roles (individual, legal_entity, first_head, right_to_sign,
financial_signer, hr, employee, information_system, treasury_client);
--bin BIN accepts only a certificate of that legal entity (12 digits). Given
together, the signer must act for BIN in one of the roles. A verified
signature that fails them is refused with code not_allowed (exit 1).

Time stamps (RFC 3161 tokens in a signer's unsigned attributes) are reported
with what verified (signature, imprint, TSA chain at genTime); they never
make a signature valid or invalid.

Output: {"valid", "error": {"code", "message"}, "verified_at", "purpose",
"revocation_mode", "detached", "content_size", "signers": [...]}; each
signer has "verified", "identity" (iin, bin, cn, surname, given_name —
the patronymic —, organization, country, email, roles, key_storage),
"algorithm", "certificate", "chain", "revocation", "signing_time" and
"time_stamps". On a refusal the signers are the CMS's unverified claims
("verified": false), to show who the signature says it is from.

Error codes: malformed, unsupported_algorithm, too_many_signers,
signer_not_found, missing_attribute, digest_mismatch,
signing_certificate_mismatch, bad_signature, content_mismatch,
signing_time, chain_untrusted, not_ca, certificate_expired,
certificate_not_yet_valid, key_usage, revoked, revocation_unknown,
revocation_unavailable, identity, not_allowed (exit 1); usage, io, config
(exit 2).

Exit status: 0 valid, 1 invalid, 2 usage or I/O error.

Examples:
  strongauth verify --roots root.pem --data contract.pdf --bin 123456789021 \
      --require-role first_head,right_to_sign contract.pdf.cms
  strongauth verify --roots root.pem --purpose information-system --bin 123456789021 --data req.bin req.cms
  strongauth verify --roots root.pem --intermediates nca.pem --data doc.pdf doc.pdf.cms
  strongauth verify --roots root.cer --intermediates nca_gost2022_test.cer \
      --revocation crl --crl nca_gost2022_test.crl signed.cms
  strongauth verify --roots rsa_root.pem --at 2022-06-01T00:00:00Z --revocation none old.p7s
  strongauth verify --roots root.pem --purpose login --allow-signers 1 - < challenge.cms
  strongauth verify --roots nca_rsa_test.crt --at 2023-11-16T12:00:00Z --revocation none \
      --purpose login ncalayer_signxml_login_rsa_individual.xml

Flags:
`

type verifyOutput struct {
	Valid          bool         `json:"valid"`
	Error          *errorJSON   `json:"error,omitempty"`
	VerifiedAt     *time.Time   `json:"verified_at,omitempty"`
	Purpose        string       `json:"purpose,omitempty"`
	Format         string       `json:"format,omitempty"` // "xml" for XML-DSig; absent for CMS
	RevocationMode string       `json:"revocation_mode,omitempty"`
	Detached       bool         `json:"detached"`
	ContentSize    int          `json:"content_size"`
	Signers        []signerJSON `json:"signers"`
	// Warnings are facts worth a human's look that do not refuse (the
	// signer's claimed signing time after the verification time).
	Warnings []string `json:"warnings,omitempty"`

	// RequireRoles and RequireBIN repeat --require-role and --bin.
	RequireRoles []signature.Role `json:"require_roles,omitempty"`
	RequireBIN   string           `json:"require_bin,omitempty"`
}

// verifyRequest is a parsed verify invocation.
type verifyRequest struct {
	roots, intermediates, crls listFlag
	data, at, mode, purpose    string
	roles, bin                 string
	signers                    int
	cms                        string
	format                     string // auto, cms or xml
}

func runVerify(args []string, stdout, stderr io.Writer) int {
	var r verifyRequest
	fs := newFlags("verify", verifyHelp, stderr)
	fs.Var(&r.roots, "roots", "trust anchor certificates `FILE` (PEM or DER; repeatable; required)")
	fs.Var(&r.intermediates, "intermediates", "intermediate CA certificates `FILE` (repeatable)")
	fs.StringVar(&r.data, "data", "", "the signed content `FILE` of a detached signature")
	fs.StringVar(&r.at, "at", "", "verification clock, RFC 3339 (`TIME`; default now)")
	fs.StringVar(&r.mode, "revocation", "ocsp,crl", "revocation `MODE`: ocsp,crl | ocsp | crl | none")
	fs.Var(&r.crls, "crl", "CRL `FILE` (DER or PEM) of a root or intermediate (repeatable)")
	fs.StringVar(&r.purpose, "purpose", "sign", "key `PURPOSE`: sign (nonRepudiation), login (authentication) or information-system")
	fs.StringVar(&r.roles, "require-role", "", "accept only signers with one of these `ROLE[,ROLE]` (first_head, right_to_sign, …)")
	fs.StringVar(&r.bin, "bin", "", "accept only certificates of the legal entity `BIN` (12 digits)")
	fs.IntVar(&r.signers, "allow-signers", 1, "the most signers (`N`, 1 to 16) accepted")
	fs.StringVar(&r.format, "format", "auto", "input `FORMAT`: auto (XML when it starts with '<'), cms or xml")
	rest, ok, code := parseFlags(fs, args, stdout)
	if !ok {
		if code != exitOK {
			printJSON(stdout, verifyOutput{Error: &errorJSON{Code: codeUsage, Message: "bad flags (see strongauth verify --help)"}, Signers: []signerJSON{}})
		}
		return code
	}
	if len(rest) != 1 {
		return failVerify(stdout, stderr, usagef("want exactly one CMS argument, got %d", len(rest)))
	}
	r.cms = rest[0]
	out, err := r.run(context.Background())
	if err != nil {
		return failVerify(stdout, stderr, err)
	}
	printJSON(stdout, out)
	if !out.Valid {
		fmt.Fprintf(stderr, "strongauth verify: INVALID: %s\n", out.Error.Message)
		return exitInvalid
	}
	return exitOK
}

// failVerify prints the JSON of a verify that could not even start.
func failVerify(stdout, stderr io.Writer, err error) int {
	printJSON(stdout, verifyOutput{Error: errorFor(err), Signers: []signerJSON{}})
	fmt.Fprintf(stderr, "strongauth verify: %v\n", err)
	return exitFor(err)
}

// run verifies; an error means the verification could not be set up
// (usage, I/O, configuration). A refusal is an output with Valid false.
func (r *verifyRequest) run(ctx context.Context) (*verifyOutput, error) {
	purpose, err := purposeByName(r.purpose)
	if err != nil {
		return nil, err
	}
	if r.signers < 1 || r.signers > 16 {
		return nil, usagef("--allow-signers must be in 1..16")
	}
	who, roles, err := r.check()
	if err != nil {
		return nil, err
	}
	// One clock reading for the whole verification: the chain, the
	// revocation answers and the report agree on it.
	at := time.Now().UTC().Truncate(time.Second)
	if r.at != "" {
		t, err := time.Parse(time.RFC3339, r.at)
		if err != nil {
			return nil, usagef("--at: %v", err)
		}
		at = t.UTC()
	}
	now := func() time.Time { return at }
	if len(r.roots) == 0 {
		return nil, usagef("at least one --roots file is required (the system roots are never used)")
	}
	roots, err := readCertificates(r.roots)
	if err != nil {
		return nil, err
	}
	inters, err := readCertificates(r.intermediates)
	if err != nil {
		return nil, err
	}
	input, err := readFile(r.cms, os.Stdin)
	if err != nil {
		return nil, err
	}
	var content []byte
	if r.data != "" {
		if content, err = readFile(r.data, nil); err != nil {
			return nil, err
		}
		if content == nil {
			content = []byte{}
		}
	}
	rec := &recorder{}
	cfg := signature.Config{
		Roots: roots, Intermediates: inters, Now: now,
		MaxSigners: r.signers, MaxInputSize: maxFileSize,
	}
	checker, err := r.checker(now, append(append([]*x509.Certificate{}, roots...), inters...))
	if err != nil {
		return nil, err
	}
	if checker == nil {
		cfg.InsecureSkipRevocation = true
	} else {
		defer checker.Close()
		rec.next = checker
		cfg.Revocation = rec
	}
	v, err := signature.NewVerifier(cfg)
	if err != nil {
		return nil, err
	}
	out := &verifyOutput{VerifiedAt: &at, Purpose: purpose.Name, RevocationMode: r.mode, Signers: []signerJSON{}}
	isXML, err := r.isXML(input)
	if err != nil {
		return nil, err
	}
	var res *signature.Result
	var verr error
	if isXML {
		out.Format = signature.FormatXML
		res, verr = v.VerifyXML(ctx, input, signature.VerifyOptions{Content: content, Purpose: purpose})
		if verr != nil {
			out.Error = errorFor(verr)
			return out, nil
		}
	} else {
		// CMS output keeps its shape (no "format" field).
		res, verr = v.Verify(ctx, input, signature.VerifyOptions{Content: content, Purpose: purpose, TimeStamps: true})
	}
	if verr == nil {
		out.RequireRoles, out.RequireBIN = roles, r.bin
		if err := allowedSigners(res, who); err != nil {
			// The signature verified; its signers are not the ones allowed.
			out.Error = errorFor(err)
			out.Detached, out.ContentSize = res.Detached, len(res.Content)
			for i := range res.Signers {
				out.Signers = append(out.Signers, verifiedSigner(&res.Signers[i]))
			}
			return out, nil
		}
		out.Valid = true
		out.Detached = res.Detached
		out.ContentSize = len(res.Content)
		for i := range res.Signers {
			s := &res.Signers[i]
			out.Signers = append(out.Signers, verifiedSigner(s))
			if s.SigningTime.After(at.Add(signature.DefaultSigningTimeSkew)) {
				out.Warnings = append(out.Warnings, fmt.Sprintf("signer %d claims a signing time (%s) after the verification time: with --at, the signature may have been made after that date",
					i, s.SigningTime.Format(time.RFC3339)))
			}
		}
		return out, nil
	}
	out.Error = errorFor(verr)
	if in, err := v.Inspect(input); err == nil {
		out.Detached = in.Detached
		out.ContentSize = in.ContentSize
		if in.Detached && content != nil {
			out.ContentSize = len(content)
		}
		answers := rec.answers()
		for i := range in.Signers {
			out.Signers = append(out.Signers, claimedSigner(&in.Signers[i], answers))
		}
	}
	return out, nil
}

// isXML decides the input's format from --format.
func (r *verifyRequest) isXML(input []byte) (bool, error) {
	switch r.format {
	case "auto", "":
		return signature.IsXML(input), nil
	case "cms":
		return false, nil
	case "xml":
		return true, nil
	}
	return false, usagef("--format must be auto, cms or xml")
}

func purposeByName(name string) (signature.Purpose, error) {
	for _, p := range []signature.Purpose{signature.PurposeSign(), signature.PurposeLogin(), signature.PurposeInformationSystem()} {
		if p.Name == name {
			return p, nil
		}
	}
	return signature.Purpose{}, usagef("--purpose must be sign, login or information-system, not %q", name)
}

// check builds the rule of --require-role and --bin over a verified
// signer's identity; nil when neither is given.
func (r *verifyRequest) check() (signature.Check, []signature.Role, error) {
	if r.bin != "" {
		if len(r.bin) != 12 || strings.Trim(r.bin, "0123456789") != "" {
			return nil, nil, usagef("--bin must be 12 digits")
		}
	}
	var roles []signature.Role
	if r.roles != "" {
		known := map[signature.Role]bool{}
		for _, m := range signature.NCAProfile().Roles {
			known[m.Role] = true
		}
		for _, name := range strings.Split(r.roles, ",") {
			role := signature.Role(strings.TrimSpace(name))
			if !known[role] {
				return nil, nil, usagef("--require-role: unknown role %q (see strongauth verify --help)", name)
			}
			roles = append(roles, role)
		}
	}
	switch {
	case len(roles) > 0:
		return signature.RequireRole(r.bin, roles...), roles, nil
	case r.bin != "":
		return signature.RequireBIN(r.bin), nil, nil
	}
	return nil, nil, nil
}

// allowedSigners applies the rule of --require-role and --bin (nil: none)
// to every verified signer.
func allowedSigners(res *signature.Result, who signature.Check) error {
	if who == nil {
		return nil
	}
	for i := range res.Signers {
		if err := who(&res.Signers[i].Identity); err != nil {
			return fmt.Errorf("signer %d: %w", i, err)
		}
	}
	return nil
}

// checker builds the revocation checker of --revocation and --crl; nil for
// "none".
func (r *verifyRequest) checker(now func() time.Time, cas []*x509.Certificate) (*revocation.Checker, error) {
	var mode revocation.Mode
	switch strings.ReplaceAll(r.mode, " ", "") {
	case "ocsp,crl":
		mode = revocation.OCSPThenCRL
	case "ocsp":
		mode = revocation.OCSPOnly
	case "crl":
		mode = revocation.CRLOnly
	case "none":
		if len(r.crls) > 0 {
			return nil, usagef("--crl with --revocation none")
		}
		return nil, nil
	default:
		return nil, usagef("--revocation must be ocsp,crl | ocsp | crl | none, not %q", r.mode)
	}
	cfg := revocation.Config{Mode: mode, Now: now}
	for _, p := range r.crls {
		b, err := readFile(p, nil)
		if err != nil {
			return nil, err
		}
		issuer, err := crlIssuer(b, cas)
		if err != nil {
			return nil, usagef("--crl %s: %v", p, err)
		}
		cfg.CRLs = append(cfg.CRLs, revocation.StaticCRL{CRL: b, Issuer: issuer})
	}
	return revocation.New(cfg)
}

// crlIssuer finds the certificate among cas that signed the CRL.
func crlIssuer(b []byte, cas []*x509.Certificate) (*x509.Certificate, error) {
	crl, err := revocation.ParseCRL(b)
	if err != nil {
		return nil, err
	}
	named := false
	for _, c := range cas {
		if !bytes.Equal(c.RawSubject, crl.Issuer) {
			continue
		}
		named = true
		if crl.CheckSignatureFrom(c) == nil {
			return c, nil
		}
	}
	if named {
		return nil, fmt.Errorf("not signed by its issuer among --roots and --intermediates")
	}
	return nil, fmt.Errorf("its issuer is not among --roots and --intermediates")
}

// recorder passes revocation checks on and keeps every answer, so that a
// refusal can show the answer that denied (the reason of a revocation).
type recorder struct {
	next signature.RevocationChecker
	mu   sync.Mutex
	got  []revocationJSON
}

func (r *recorder) CheckRevocation(ctx context.Context, cert, issuer *x509.Certificate) (signature.RevocationStatus, error) {
	st, err := r.next.CheckRevocation(ctx, cert, issuer)
	var se *revocation.StatusError
	if st.Status == "" && errors.As(err, &se) {
		st = se.Status
	}
	if st.Status != "" {
		r.mu.Lock()
		r.got = append(r.got, newRevocationJSON(signature.FormatSerial(cert.SerialNumber), st))
		r.mu.Unlock()
	}
	return st, err
}

func (r *recorder) answers() []revocationJSON {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]revocationJSON(nil), r.got...)
}
