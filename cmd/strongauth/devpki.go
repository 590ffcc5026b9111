package main

import (
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
)

const devpkiHelp = `Usage: strongauth devpki [--algorithms LIST] [--now TIME] [--seed TEXT] [--force] DIR

Writes a complete DEVELOPMENT public-key infrastructure in the Kazakh NCA
profile into DIR, for the portal example, the NCALayer simulator and your
own tests. NEVER trust it in production: its keys are on disk in the clear
and were made by test code that is not constant time.

For each algorithm (default "gost2015,rsa"; also gost2004, ecdsa-p256,
ecdsa-p384) it writes, in DIR/ALGORITHM/:
  root.pem, ca.pem            a root and an intermediate ("NCA") CA
  chain.pem                   the intermediate and the root
  individual.pem              a natural person (IIN, EKU emailProtection + individual)
  first_head.pem              the first head of a legal entity (IIN, BIN, O)
  right_to_sign.pem           an employee with the right to sign
  employee.pem                an employee
  information_system.pem      an information system of the legal entity (no IIN)
  individual_revoked.pem      a person whose certificate is on hold in ca.crl
  ca.crl                      the intermediate's CRL (DER), revoking individual_revoked
                              (reason certificateHold, as the NCA test CRL does)
  root.crl                    the root's CRL, revoking nothing (for offline checks
                              of the intermediate)
  *.key.hex / *.key.pem       each private key: GOST as big-endian hex scalar (the
                              format of the NCA test keys' .key.hex), RSA/ECDSA PKCS #8 PEM
and in DIR: roots.pem, intermediates.pem, manifest.json (what is what: kinds,
IINs, BINs, serials, files) and README.txt. The manifest is also printed.

--now sets the clock (validity: CAs ten years, leaves one year from an hour
before it); --seed makes the keys and serials reproducible (GOST and RSA
signatures too) — and predictable: only for fixtures. DIR must be empty or
absent unless --force.

Exit status: 0 written, 2 usage or I/O error.

Examples:
  strongauth devpki ./devpki
  strongauth verify --roots devpki/roots.pem --intermediates devpki/intermediates.pem \
      --revocation crl --crl devpki/gost2015-512/root.crl --crl devpki/gost2015-512/ca.crl \
      --data doc.txt doc.txt.cms
  strongauth devpki --algorithms gost2015 --now 2026-06-01T09:00:00Z --seed fixtures ./testdata/pki

Flags:
`

// Identities of the development leaves. The IINs and BIN pass the check
// digit (signature.ValidID), unlike the NCA's test values.
const (
	devIIN         = "900101300017"
	devIINEmployee = "850505400028"
	devIINRevoked  = "910202400014"
	devBIN         = "050607500041"
	devOrg         = `ТОО "ТЕСТ ДЕВ"`
)

type devpkiManifest struct {
	Warning       string        `json:"warning"`
	Now           time.Time     `json:"now"`
	Roots         string        `json:"roots"`
	Intermediates string        `json:"intermediates"`
	PKIs          []devpkiEntry `json:"pkis"`
	Error         *errorJSON    `json:"error,omitempty"`
}

type devpkiEntry struct {
	Algorithm string     `json:"algorithm"`
	Root      devpkiCert `json:"root"`
	CA        devpkiCert `json:"ca"`
	Chain     string     `json:"chain"`
	CRL       devpkiCRL  `json:"crl"`
	// RootCRL is the root's CRL, revoking nothing.
	RootCRL string          `json:"root_crl"`
	Leaves  []devpkiLeafOut `json:"leaves"`
}

type devpkiCert struct {
	Cert      string    `json:"cert"`
	Key       string    `json:"key"`
	KeyFormat string    `json:"key_format"`
	Subject   string    `json:"subject"`
	Serial    string    `json:"serial"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
}

type devpkiCRL struct {
	File       string    `json:"file"`
	Revoked    []string  `json:"revoked"`
	Reason     string    `json:"reason"`
	ThisUpdate time.Time `json:"this_update"`
	NextUpdate time.Time `json:"next_update"`
}

type devpkiLeafOut struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	devpkiCert
	IIN     string           `json:"iin,omitempty"`
	BIN     string           `json:"bin,omitempty"`
	Roles   []signature.Role `json:"roles"`
	Revoked bool             `json:"revoked"`
}

func runDevPKI(args []string, stdout, stderr io.Writer) int {
	fset := newFlags("devpki", devpkiHelp, stderr)
	algs := fset.String("algorithms", "gost2015,rsa", "comma-separated `LIST` of gost2015, gost2004, rsa, ecdsa-p256, ecdsa-p384")
	nowFlag := fset.String("now", "", "the generator's clock, RFC 3339 (`TIME`; default now)")
	seed := fset.String("seed", "", "make keys and serials reproducible from `TEXT` (predictable: fixtures only)")
	force := fset.Bool("force", false, "write into a DIR that is not empty, replacing files")
	fail := func(err error) int {
		printJSON(stdout, devpkiManifest{PKIs: []devpkiEntry{}, Error: errorFor(err)})
		fmt.Fprintf(stderr, "strongauth devpki: %v\n", err)
		return exitUsage
	}
	rest, ok, code := parseFlags(fset, args, stdout)
	if !ok {
		if code != exitOK {
			printJSON(stdout, devpkiManifest{PKIs: []devpkiEntry{}, Error: &errorJSON{Code: codeUsage, Message: "bad flags (see strongauth devpki --help)"}})
		}
		return code
	}
	if len(rest) != 1 {
		return fail(usagef("want exactly one DIR argument"))
	}
	now := time.Now().UTC().Truncate(time.Second)
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			return fail(usagef("--now: %v", err))
		}
		now = t.UTC()
	}
	list, err := devpkiAlgorithms(*algs)
	if err != nil {
		return fail(err)
	}
	w := &pkiWriter{dir: rest[0], force: *force}
	if err := w.prepare(); err != nil {
		return fail(err)
	}
	cfg := devpki.Config{Now: func() time.Time { return now }}
	if *seed != "" {
		cfg.Rand = rand.NewChaCha8(sha256.Sum256([]byte("strongauth devpki seed\x00" + *seed)))
	}
	m, err := w.write(devpki.New(cfg), list, now)
	if err != nil {
		return fail(err)
	}
	printJSON(stdout, m)
	fmt.Fprintf(stderr, "strongauth devpki: wrote a DEVELOPMENT PKI to %s (never trust it in production)\n", w.dir)
	return exitOK
}

func devpkiAlgorithms(s string) ([]devpki.Algorithm, error) {
	var out []devpki.Algorithm
	for _, a := range strings.Split(s, ",") {
		var alg devpki.Algorithm
		switch strings.TrimSpace(a) {
		case "gost2015", "gost2015-512":
			alg = devpki.GOST2015
		case "gost2004":
			alg = devpki.GOST2004
		case "rsa", "rsa-2048":
			alg = devpki.RSA2048
		case "ecdsa-p256", "ecdsa":
			alg = devpki.ECDSAP256
		case "ecdsa-p384":
			alg = devpki.ECDSAP384
		default:
			return nil, usagef("--algorithms: unknown %q", a)
		}
		for _, x := range out {
			if x == alg {
				return nil, usagef("--algorithms: %q twice", a)
			}
		}
		out = append(out, alg)
	}
	return out, nil
}

// pkiWriter writes files under dir.
type pkiWriter struct {
	dir   string
	force bool
}

// prepare creates dir, refusing a non-empty one without --force.
func (w *pkiWriter) prepare() error {
	entries, err := os.ReadDir(w.dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(w.dir, 0o755); err != nil {
			return &ioError{err}
		}
		return nil
	case err != nil:
		return &ioError{err}
	case len(entries) > 0 && !w.force:
		return usagef("%s is not empty (use --force to replace its files)", w.dir)
	}
	return nil
}

// file writes rel (slash-separated) under dir; keys are private to the
// user. Without --force an existing file is never overwritten.
func (w *pkiWriter) file(rel string, b []byte, secret bool) error {
	p := filepath.Join(w.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return &ioError{err}
	}
	mode := os.FileMode(0o644)
	if secret {
		mode = 0o600
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if w.force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(p, flags, mode)
	if err != nil {
		return &ioError{err}
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return &ioError{err}
	}
	if err := f.Close(); err != nil {
		return &ioError{err}
	}
	return nil
}

// keyFile returns a key's file name suffix, format and bytes.
func keyBytes(alg devpki.Algorithm, hexKey func() (string, error), pemKey func() ([]byte, error)) (string, string, []byte, error) {
	if alg == devpki.GOST2015 || alg == devpki.GOST2004 {
		h, err := hexKey()
		return ".key.hex", "gost-scalar-hex", []byte(h + "\n"), err
	}
	b, err := pemKey()
	return ".key.pem", "pkcs8-pem", b, err
}

func certInfo(c *x509.Certificate) devpkiCert {
	return devpkiCert{
		Subject: c.Subject.String(), Serial: signature.FormatSerial(c.SerialNumber),
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(),
	}
}

// writeCert writes a certificate and its key under base (relative).
func (w *pkiWriter) writeCert(base string, c *x509.Certificate, alg devpki.Algorithm, hexKey func() (string, error), pemKey func() ([]byte, error)) (devpkiCert, error) {
	info := certInfo(c)
	info.Cert = base + ".pem"
	if err := w.file(info.Cert, devpki.CertificatePEM(c), false); err != nil {
		return info, err
	}
	suffix, format, key, err := keyBytes(alg, hexKey, pemKey)
	if err != nil {
		return info, err
	}
	info.Key, info.KeyFormat = base+suffix, format
	return info, w.file(info.Key, key, true)
}

func (w *pkiWriter) write(g *devpki.Generator, algs []devpki.Algorithm, now time.Time) (*devpkiManifest, error) {
	m := &devpkiManifest{
		Warning:       "DEVELOPMENT PKI: never trust these certificates or keys in production",
		Now:           now,
		Roots:         "roots.pem",
		Intermediates: "intermediates.pem",
		PKIs:          []devpkiEntry{},
	}
	var roots, inters []*x509.Certificate
	for _, alg := range algs {
		e, root, ca, err := w.writePKI(g, alg, now)
		if err != nil {
			return nil, err
		}
		roots, inters = append(roots, root), append(inters, ca)
		m.PKIs = append(m.PKIs, *e)
	}
	if err := w.file(m.Roots, devpki.CertificatePEM(roots...), false); err != nil {
		return nil, err
	}
	if err := w.file(m.Intermediates, devpki.CertificatePEM(inters...), false); err != nil {
		return nil, err
	}
	if err := w.file("manifest.json", jsonBytes(m), false); err != nil {
		return nil, err
	}
	return m, w.file("README.txt", []byte(devpkiReadme(m)), false)
}

func (w *pkiWriter) writePKI(g *devpki.Generator, alg devpki.Algorithm, now time.Time) (*devpkiEntry, *x509.Certificate, *x509.Certificate, error) {
	dir := string(alg)
	name := strings.ToUpper(string(alg))
	root, err := g.Root(devpki.CAOptions{CommonName: "DEV ROOT " + name, Algorithm: alg})
	if err != nil {
		return nil, nil, nil, err
	}
	ca, err := root.Intermediate(devpki.CAOptions{CommonName: "DEV NCA " + name, MaxPathLen: 0, MaxPathLenZero: true})
	if err != nil {
		return nil, nil, nil, err
	}
	e := &devpkiEntry{Algorithm: string(alg), Chain: dir + "/chain.pem", Leaves: []devpkiLeafOut{}}
	if e.Root, err = w.writeCert(dir+"/root", root.Cert, alg, root.PrivateKeyHex, root.PrivateKeyPEM); err != nil {
		return nil, nil, nil, err
	}
	if e.CA, err = w.writeCert(dir+"/ca", ca.Cert, alg, ca.PrivateKeyHex, ca.PrivateKeyPEM); err != nil {
		return nil, nil, nil, err
	}
	if err := w.file(e.Chain, devpki.CertificatePEM(ca.Cert, root.Cert), false); err != nil {
		return nil, nil, nil, err
	}
	person := devpki.LeafOptions{Surname: "Тестов", Name: "Тест", Patronymic: "Тестович", IIN: devIIN, Email: "test@example.kz"}
	legal := func(o devpki.LeafOptions) devpki.LeafOptions {
		o.BIN, o.Organization = devBIN, devOrg
		return o
	}
	leaves := []struct {
		file    string
		kind    devpki.Kind
		o       devpki.LeafOptions
		revoked bool
	}{
		{"individual", devpki.Individual, person, false},
		{"first_head", devpki.FirstHead, legal(person), false},
		{"right_to_sign", devpki.RightToSign, legal(devpki.LeafOptions{Surname: "Сотрудникова", Name: "Айгерим", IIN: devIINEmployee, Email: "signer@example.kz"}), false},
		{"employee", devpki.Employee, legal(devpki.LeafOptions{Surname: "Сотрудников", Name: "Ерлан", Patronymic: "Серикович", IIN: devIINEmployee}), false},
		{"information_system", devpki.InformationSystem, legal(devpki.LeafOptions{Name: "ДОКУМЕНТООБОРОТ"}), false},
		{"individual_revoked", devpki.Individual, devpki.LeafOptions{Surname: "Отозванов", Name: "Тест", IIN: devIINRevoked}, true},
	}
	var revoked []devpki.Revoked
	for _, l := range leaves {
		o := l.o
		o.Kind = l.kind
		leaf, err := ca.Issue(o)
		if err != nil {
			return nil, nil, nil, err
		}
		info, err := w.writeCert(dir+"/"+l.file, leaf.Cert, alg, leaf.PrivateKeyHex, leaf.PrivateKeyPEM)
		if err != nil {
			return nil, nil, nil, err
		}
		out := devpkiLeafOut{Name: l.file, Kind: string(l.kind), devpkiCert: info, IIN: o.IIN, BIN: o.BIN, Revoked: l.revoked, Roles: []signature.Role{}}
		if id, err := signature.IdentityOf(leaf.Cert, nil); err == nil && id.Roles != nil {
			out.Roles = id.Roles
		}
		e.Leaves = append(e.Leaves, out)
		if l.revoked {
			revoked = append(revoked, devpki.Revoked{Serial: leaf.Cert.SerialNumber, At: now, Reason: 6})
			e.CRL.Revoked = append(e.CRL.Revoked, info.Serial)
		}
	}
	e.CRL.File, e.CRL.Reason = dir+"/ca.crl", "certificateHold"
	e.CRL.ThisUpdate, e.CRL.NextUpdate = now, now.AddDate(1, 0, 0)
	crl, err := ca.CRL(devpki.CRLOptions{Number: 1, Revoked: revoked, ThisUpdate: e.CRL.ThisUpdate, NextUpdate: e.CRL.NextUpdate})
	if err != nil {
		return nil, nil, nil, err
	}
	if err := w.file(e.CRL.File, crl, false); err != nil {
		return nil, nil, nil, err
	}
	// The root's CRL (revoking nothing) lets the intermediate be checked
	// offline too.
	e.RootCRL = dir + "/root.crl"
	if crl, err = root.CRL(devpki.CRLOptions{Number: 1, ThisUpdate: e.CRL.ThisUpdate, NextUpdate: e.CRL.NextUpdate}); err != nil {
		return nil, nil, nil, err
	}
	if err := w.file(e.RootCRL, crl, false); err != nil {
		return nil, nil, nil, err
	}
	return e, root.Cert, ca.Cert, nil
}

func devpkiReadme(m *devpkiManifest) string {
	var b strings.Builder
	b.WriteString("DEVELOPMENT PKI in the Kazakh NCA profile — made by `strongauth devpki`.\n")
	b.WriteString("NEVER trust these certificates or keys in production: the keys are on disk in the clear.\n\n")
	fmt.Fprintf(&b, "Clock: %s. roots.pem holds every root, intermediates.pem every intermediate;\n", m.Now.Format(time.RFC3339))
	b.WriteString("manifest.json lists every file with its kind, IIN, BIN, roles and serial.\n\n")
	for _, p := range m.PKIs {
		fmt.Fprintf(&b, "%s/\n  root: %s (serial %s)\n  ca:   %s (serial %s), CRL %s revokes %s (certificateHold)\n",
			p.Algorithm, p.Root.Subject, p.Root.Serial, p.CA.Subject, p.CA.Serial, p.CRL.File, strings.Join(p.CRL.Revoked, ", "))
		for _, l := range p.Leaves {
			fmt.Fprintf(&b, "  %-20s %-18s %s  key %s (%s)\n", l.Name, l.Kind, l.Cert, l.Key, l.KeyFormat)
		}
		b.WriteString("\n")
	}
	b.WriteString("Verify a signature made with one of these keys:\n")
	b.WriteString("  strongauth verify --roots roots.pem --intermediates intermediates.pem --revocation crl \\\n")
	b.WriteString("      --crl ALGORITHM/root.crl --crl ALGORITHM/ca.crl --data CONTENT SIGNATURE.cms\n")
	return b.String()
}
