package main

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/gost"
)

const certHelp = `Usage: strongauth cert [--password P | --password-file F] [--at TIME] FILE...

Shows who a certificate belongs to, under the Kazakh NCA profile: IIN, BIN,
common name, surname, given name (the patronymic), organisation, e-mail,
roles and key storage — the identity "verify" prints —, and its serial,
issuer, validity, key and signature algorithms, key usage, extended key
usages and certificate policies with their names, and its CRL, OCSP and
issuer locations. Nothing is verified: use "verify" to trust a signature.

FILE is PEM (one or more certificates), DER, or a PKCS #12 key file (.p12,
.pfx; NCA files are BER, which this reads) with --password or
--password-file; only its certificates are decrypted, never the key.

Output: {"certificates": [...]} (or {"error": {"code", "message"}}).
"expired" and "not_yet_valid" are judged at --at (default now).

Exit status: 0 ok, 1 unreadable certificate or wrong password, 2 usage or
I/O error.

Examples:
  strongauth cert individual_valid.cert.pem
  strongauth cert --password Qwerty12 individual_valid.p12
  strongauth cert --password-file pass.txt --at 2022-06-01T00:00:00Z key.p12
  strongauth cert ca/*.cer

Flags:
`

type certOutput struct {
	Certificates []certJSON `json:"certificates"`
	Error        *errorJSON `json:"error,omitempty"`
}

// certJSON describes one certificate.
type certJSON struct {
	File          string              `json:"file"`
	Format        string              `json:"format"`
	Identity      *signature.Identity `json:"identity,omitempty"`
	IdentityError string              `json:"identity_error,omitempty"`
	signature.CertificateInfo
	Expired             bool      `json:"expired"`
	NotYetValid         bool      `json:"not_yet_valid"`
	PublicKeyAlgorithm  string    `json:"public_key_algorithm"`
	SignatureAlgorithm  string    `json:"signature_algorithm"`
	IsCA                bool      `json:"is_ca"`
	MaxPathLen          *int      `json:"max_path_len,omitempty"`
	KeyUsage            []string  `json:"key_usage"`
	ExtKeyUsage         []oidJSON `json:"extended_key_usage"`
	Policies            []oidJSON `json:"policies"`
	SubjectKeyID        string    `json:"subject_key_id,omitempty"`
	AuthorityKeyID      string    `json:"authority_key_id,omitempty"`
	CRLDistribution     []string  `json:"crl_distribution_points,omitempty"`
	OCSPServers         []string  `json:"ocsp_servers,omitempty"`
	IssuingCertificates []string  `json:"issuing_certificate_urls,omitempty"`
}

func runCert(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("cert", certHelp, stderr)
	password := fs.String("password", "", "`PASSWORD` of a .p12 file (visible to other local users: prefer --password-file)")
	passwordFile := fs.String("password-file", "", "`FILE` whose first line is the .p12 password")
	at := fs.String("at", "", "clock for expired/not_yet_valid, RFC 3339 (`TIME`; default now)")
	files, ok, code := parseFlags(fs, args, stdout)
	if !ok {
		if code != exitOK {
			printJSON(stdout, certOutput{Certificates: []certJSON{}, Error: &errorJSON{Code: codeUsage, Message: "bad flags (see strongauth cert --help)"}})
		}
		return code
	}
	out, err := certs(files, *password, *passwordFile, *at)
	if err != nil {
		printJSON(stdout, certOutput{Certificates: []certJSON{}, Error: errorFor(err)})
		fmt.Fprintf(stderr, "strongauth cert: %v\n", err)
		return exitFor(err)
	}
	printJSON(stdout, out)
	return exitOK
}

func certs(files []string, password, passwordFile, at string) (*certOutput, error) {
	if len(files) == 0 {
		return nil, usagef("want at least one FILE")
	}
	if password != "" && passwordFile != "" {
		return nil, usagef("--password and --password-file together")
	}
	if passwordFile != "" {
		b, err := readFile(passwordFile, nil)
		if err != nil {
			return nil, err
		}
		password, _, _ = strings.Cut(string(b), "\n")
		password = strings.TrimSuffix(password, "\r")
	}
	now := time.Now()
	if at != "" {
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return nil, usagef("--at: %v", err)
		}
		now = t
	}
	out := &certOutput{Certificates: []certJSON{}}
	for _, f := range files {
		b, err := readFile(f, os.Stdin)
		if err != nil {
			return nil, err
		}
		list, format, err := decodeCertFile(b, password)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, c := range list {
			out.Certificates = append(out.Certificates, describe(c, f, format, now))
		}
	}
	return out, nil
}

// decodeCertFile reads PEM, DER or PKCS #12. A file that is neither PEM
// nor a DER certificate is tried as PKCS #12.
func decodeCertFile(b []byte, password string) ([]*x509.Certificate, string, error) {
	if list, err := parseCertificates(b); err == nil {
		format := "der"
		if len(b) > 0 && b[0] != 0x30 {
			format = "pem"
		}
		return list, format, nil
	} else if len(b) == 0 || b[0] != 0x30 {
		return nil, "", fmt.Errorf("%w: %v", signature.ErrMalformed, err)
	}
	p, err := signature.DecodePKCS12(b, password, signature.PKCS12Options{})
	if err != nil {
		return nil, "", err
	}
	if len(p.Certificates) == 0 {
		return nil, "", fmt.Errorf("%w: the PKCS #12 file holds no certificate", signature.ErrMalformed)
	}
	return p.Certificates, "pkcs12", nil
}

func describe(c *x509.Certificate, file, format string, now time.Time) certJSON {
	out := certJSON{
		File:                file,
		Format:              format,
		CertificateInfo:     signature.CertificateInfoOf(c),
		Expired:             now.After(c.NotAfter),
		NotYetValid:         now.Before(c.NotBefore),
		PublicKeyAlgorithm:  publicKeyName(c),
		SignatureAlgorithm:  signatureName(c),
		IsCA:                c.BasicConstraintsValid && c.IsCA,
		KeyUsage:            keyUsageNames(c.KeyUsage),
		ExtKeyUsage:         namedOIDs(ekuOIDs(c)),
		Policies:            []oidJSON{},
		CRLDistribution:     c.CRLDistributionPoints,
		OCSPServers:         c.OCSPServer,
		IssuingCertificates: c.IssuingCertificateURL,
	}
	if id, err := signature.IdentityOf(c, nil); err != nil {
		out.IdentityError = err.Error()
	} else {
		out.Identity = id
	}
	if out.IsCA && (c.MaxPathLen > 0 || c.MaxPathLenZero) {
		n := c.MaxPathLen
		out.MaxPathLen = &n
	}
	for _, p := range c.Policies {
		out.Policies = append(out.Policies, oidJSON{OID: p.String(), Name: oidName(p.String())})
	}
	if len(c.SubjectKeyId) > 0 {
		out.SubjectKeyID = hex.EncodeToString(c.SubjectKeyId)
	}
	if len(c.AuthorityKeyId) > 0 {
		out.AuthorityKeyID = hex.EncodeToString(c.AuthorityKeyId)
	}
	return out
}

// ekuOIDs lists the extended key usages as dotted OIDs, in certificate
// order for the unknown ones after the known ones (as crypto/x509 splits
// them).
func ekuOIDs(c *x509.Certificate) []string {
	known := map[x509.ExtKeyUsage]string{
		x509.ExtKeyUsageAny: "2.5.29.37.0", x509.ExtKeyUsageServerAuth: signature.OIDServerAuth,
		x509.ExtKeyUsageClientAuth: signature.OIDClientAuth, x509.ExtKeyUsageCodeSigning: "1.3.6.1.5.5.7.3.3",
		x509.ExtKeyUsageEmailProtection: signature.OIDEmailProtection, x509.ExtKeyUsageTimeStamping: signature.OIDTimeStamping,
		x509.ExtKeyUsageOCSPSigning: "1.3.6.1.5.5.7.3.9",
	}
	out := []string{}
	for _, u := range c.ExtKeyUsage {
		if o, ok := known[u]; ok {
			out = append(out, o)
		} else {
			out = append(out, fmt.Sprintf("x509.ExtKeyUsage(%d)", u))
		}
	}
	for _, u := range c.UnknownExtKeyUsage {
		out = append(out, u.String())
	}
	return out
}

func publicKeyName(c *x509.Certificate) string {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA-%d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA-" + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	if k, err := gost.PublicKeyFromCertificate(c); err == nil {
		return fmt.Sprintf("GOST-%d (%s)", k.Curve().BitSize(), k.Curve().Name())
	}
	return c.PublicKeyAlgorithm.String()
}

func signatureName(c *x509.Certificate) string {
	if c.SignatureAlgorithm != x509.UnknownSignatureAlgorithm {
		return c.SignatureAlgorithm.String()
	}
	if oid, err := gost.SignatureOID(c.Raw); err == nil {
		if a, ok := gost.SignatureAlgorithmByOID(oid); ok {
			return a.Name
		}
		return oid.String()
	}
	return "unknown"
}
