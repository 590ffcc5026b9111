package devpki

import (
	"crypto"
	"crypto/ecdsa"
	crand "crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // subject key identifiers, RFC 5280 method 1
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/gosttest"
)

// Object identifiers of the Kazakh profile used by the generator.
const (
	OIDClientAuth      = "1.3.6.1.5.5.7.3.2"
	OIDEmailProtection = "1.3.6.1.5.5.7.3.4"
	// OIDPolicyGOST2015 is the NCA policy of GOST-2015 registration
	// certificates.
	OIDPolicyGOST2015 = "1.2.398.3.3.2"
	// OIDPolicyLegacyIndividualAuth and OIDPolicyLegacyIndividualSign are
	// the policies of the legacy generation's AUTH and SIGN keys of
	// individuals (LegacyAuth, LegacySign); the legal entities' ones are
	// …2.2 (AUTH) and …2.1 (SIGN), set with LeafOptions.Policies.
	OIDPolicyLegacyIndividualAuth = "1.2.398.3.3.2.4"
	OIDPolicyLegacyIndividualSign = "1.2.398.3.3.2.3"
	// OIDKeyStorage is the key-storage extension.
	OIDKeyStorage = "1.2.398.3.3.5"
	// OIDStorageFile is the storage OID the NCA writes for PKCS#12 files.
	OIDStorageFile = "1.2.398.3.3.5.1.1"
	// OIDStorageToken is a PLACEHOLDER storage OID this development PKI
	// writes for "hardware token" keys. It is not a confirmed NCA value;
	// signature.NCAProfile does not map it (a test maps it explicitly).
	OIDStorageToken = "1.2.398.3.3.5.1.2"
)

// Config configures a Generator.
type Config struct {
	// Rand is the randomness for keys, serial numbers and signatures. Nil
	// means crypto/rand. With a deterministic reader, keys and serials are
	// reproducible, and so are RSA and GOST signatures; ECDSA signatures are
	// not (crypto/ecdsa ignores the reader).
	Rand io.Reader
	// Now is the clock for default validity periods and signing times. Nil
	// means time.Now.
	Now func() time.Time
}

// Generator makes development CAs. It is safe for concurrent use; with a
// deterministic Rand, results are reproducible only if calls are made in
// the same order.
type Generator struct {
	mu            sync.Mutex // serialises reads of rand
	rand          io.Reader
	deterministic bool
	now           func() time.Time
}

// New returns a Generator.
func New(cfg Config) *Generator {
	g := &Generator{rand: cfg.Rand, now: cfg.Now, deterministic: cfg.Rand != nil}
	if g.rand == nil {
		g.rand = crand.Reader
	}
	if g.now == nil {
		g.now = time.Now
	}
	return g
}

// Rand returns a reader that serialises access to the generator's
// randomness.
func (g *Generator) reader() io.Reader { return lockedReader{g} }

type lockedReader struct{ g *Generator }

func (r lockedReader) Read(p []byte) (int, error) {
	r.g.mu.Lock()
	defer r.g.mu.Unlock()
	return io.ReadFull(r.g.rand, p)
}

func (g *Generator) serial() (*big.Int, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(g.reader(), b); err != nil {
		return nil, err
	}
	b[0] &= 0x7f
	b[0] |= 0x10
	return new(big.Int).SetBytes(b), nil
}

// Name is an X.501 name as an ordered list of attributes.
type Name []pkix.AttributeTypeAndValue

// Attribute OIDs of names.
const (
	attrCN           = "2.5.4.3"
	attrSurname      = "2.5.4.4"
	attrSerialNumber = "2.5.4.5"
	attrCountry      = "2.5.4.6"
	attrOrganization = "2.5.4.10"
	attrOrgUnit      = "2.5.4.11"
	attrGivenName    = "2.5.4.42"
)

// attr is one name attribute.
func attr(oid, value string) pkix.AttributeTypeAndValue {
	return pkix.AttributeTypeAndValue{Type: mustOID(oid), Value: value}
}

func (n Name) der() ([]byte, error) {
	var seq pkix.RDNSequence
	for _, a := range n {
		seq = append(seq, []pkix.AttributeTypeAndValue{a})
	}
	return asn1.Marshal(seq)
}

// CAOptions describe a CA certificate.
type CAOptions struct {
	// CommonName of the CA; the subject is CN=…, C=KZ.
	CommonName string
	// Algorithm of the CA's key. Zero means the issuer's, or GOST2015 for a
	// root.
	Algorithm Algorithm
	// NotBefore and NotAfter; zero means one hour before Now and ten years
	// after it.
	NotBefore, NotAfter time.Time
	// MaxPathLen is the path length constraint: -1 (or zero with
	// MaxPathLenZero false) for none.
	MaxPathLen     int
	MaxPathLenZero bool
	// InsecureNotCA makes a "CA" without the CA flag (basic constraints
	// CA=false), for negative tests.
	InsecureNotCA bool
	// KeyUsage overrides keyCertSign|cRLSign (for negative tests).
	KeyUsage x509.KeyUsage
	// CRLURL and OCSPURL are put into the certificates this CA issues.
	CRLURL, OCSPURL string
}

// CA is a development certificate authority.
type CA struct {
	Cert *x509.Certificate
	// Chain is the CA's issuers up to the root (empty for a root).
	Chain []*x509.Certificate
	Alg   Algorithm
	key   *key
	g     *Generator
	opts  CAOptions
}

// Root makes a self-signed root CA.
func (g *Generator) Root(o CAOptions) (*CA, error) {
	if o.Algorithm == "" {
		o.Algorithm = GOST2015
	}
	return g.makeCA(nil, o)
}

// Intermediate makes a CA issued by ca.
func (ca *CA) Intermediate(o CAOptions) (*CA, error) {
	if o.Algorithm == "" {
		o.Algorithm = ca.Alg
	}
	return ca.g.makeCA(ca, o)
}

func (g *Generator) makeCA(parent *CA, o CAOptions) (*CA, error) {
	if o.CommonName == "" {
		return nil, errors.New("devpki: CA without a common name")
	}
	k, err := newKey(o.Algorithm, g.reader(), g.deterministic)
	if err != nil {
		return nil, err
	}
	now := g.now()
	if o.NotBefore.IsZero() {
		o.NotBefore = now.Add(-time.Hour)
	}
	if o.NotAfter.IsZero() {
		o.NotAfter = now.AddDate(10, 0, 0)
	}
	subject, err := Name{attr(attrCN, o.CommonName), attr(attrCountry, "KZ")}.der()
	if err != nil {
		return nil, err
	}
	serial, err := g.serial()
	if err != nil {
		return nil, err
	}
	ski, err := subjectKeyID(k)
	if err != nil {
		return nil, err
	}
	ku := o.KeyUsage
	if ku == 0 {
		ku = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	}
	t := &x509.Certificate{
		SerialNumber:          serial,
		RawSubject:            subject,
		NotBefore:             o.NotBefore.UTC(),
		NotAfter:              o.NotAfter.UTC(),
		KeyUsage:              ku,
		BasicConstraintsValid: true,
		IsCA:                  !o.InsecureNotCA,
		MaxPathLen:            o.MaxPathLen,
		MaxPathLenZero:        o.MaxPathLenZero,
		SubjectKeyId:          ski,
		Policies:              policies(),
	}
	if o.InsecureNotCA {
		t.MaxPathLen, t.MaxPathLenZero = 0, false
	}
	issuerCert, issuerKey := t, k
	var chain []*x509.Certificate
	if parent != nil {
		issuerCert, issuerKey = parent.Cert, parent.key
		chain = append([]*x509.Certificate{parent.Cert}, parent.Chain...)
		parent.leafExtras(t)
	}
	der, err := createCertificate(g.reader(), t, issuerCert, k, issuerKey)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Chain: chain, Alg: o.Algorithm, key: k, g: g, opts: o}, nil
}

// leafExtras adds the issuing CA's distribution points to t.
func (ca *CA) leafExtras(t *x509.Certificate) {
	if ca.opts.CRLURL != "" {
		t.CRLDistributionPoints = []string{ca.opts.CRLURL}
	}
	if ca.opts.OCSPURL != "" {
		t.OCSPServer = []string{ca.opts.OCSPURL}
	}
}

func subjectKeyID(k *key) ([]byte, error) {
	var raw []byte
	switch {
	case k.rsa != nil:
		raw = x509.MarshalPKCS1PublicKey(&k.rsa.PublicKey)
	case k.ec != nil:
		b, err := k.ec.PublicKey.Bytes()
		if err != nil {
			return nil, err
		}
		raw = b
	default:
		raw = k.gost.Public().Bytes()
	}
	h := sha1.Sum(raw)
	return h[:], nil
}

// policies returns the NCA's GOST-2015 certificate policy.
func policies() []x509.OID {
	p, _ := policyOIDs([]string{OIDPolicyGOST2015}) // a valid constant
	return p
}

// policyOIDs parses dotted certificate policy OIDs.
func policyOIDs(dotted []string) ([]x509.OID, error) {
	out := make([]x509.OID, 0, len(dotted))
	for _, d := range dotted {
		oid, err := x509.ParseOID(d)
		if err != nil {
			return nil, fmt.Errorf("devpki: bad policy OID %q: %w", d, err)
		}
		out = append(out, oid)
	}
	return out, nil
}

// mustOID parses a dotted OID constant of this package (gost.OID returns
// nil only for malformed text, which the constants are not).
func mustOID(s string) asn1.ObjectIdentifier { return gost.OID(s) }

// Kind is the kind of an end-entity certificate, with the NCA's role OIDs.
type Kind string

// Leaf kinds.
const (
	// Individual: a natural person (EKU emailProtection + 1.2.398.3.3.4.1.1).
	Individual Kind = "individual"
	// FirstHead: the first head of a legal entity (… 1.2.398.3.3.4.1.2 +
	// .2.1).
	FirstHead Kind = "first_head"
	// RightToSign: an employee with the right to sign (.2.2).
	RightToSign Kind = "right_to_sign"
	// FinancialSigner: signs financial documents (.2.3).
	FinancialSigner Kind = "financial_signer"
	// HR: a human-resources employee (.2.4).
	HR Kind = "hr"
	// Employee: an employee (.2.5).
	Employee Kind = "employee"
	// InformationSystem: a machine of a legal entity (.2.6); no IIN.
	InformationSystem Kind = "information_system"
	// LegacyAuth: the legacy AUTH key of a natural person (EKU clientAuth,
	// keyUsage digitalSignature + keyEncipherment, policy
	// 1.2.398.3.3.2.4).
	LegacyAuth Kind = "legacy_auth"
	// LegacySign: the legacy SIGN key of a natural person (EKU
	// emailProtection, keyUsage digitalSignature + nonRepudiation, policy
	// 1.2.398.3.3.2.3).
	LegacySign Kind = "legacy_sign"
)

// LeafOptions describe an end-entity certificate in the NCA subject
// layout: CN "SURNAME NAME", SURNAME, SERIALNUMBER "IIN…", C=KZ, O, OU
// "BIN…", GIVENNAME (the patronymic), and the e-mail in SubjectAltName.
type LeafOptions struct {
	Kind Kind
	// Algorithm of the key; zero means the CA's.
	Algorithm Algorithm
	// Surname, Name and Patronymic of a person; for an information system
	// Name is the system's name.
	Surname, Name, Patronymic string
	// IIN and BIN: 12 digits each (no prefix). Legal-entity kinds need a
	// BIN; person kinds an IIN.
	IIN, BIN     string
	Organization string
	Email        string
	// NotBefore and NotAfter; zero means one hour before Now and one year
	// after it.
	NotBefore, NotAfter time.Time
	// KeyUsage and EKU override the kind's (for negative tests). EKU is a
	// list of dotted OIDs.
	KeyUsage x509.KeyUsage
	EKU      []string
	// Hardware marks the key as stored on a token (OIDStorageToken) rather
	// than in a PKCS#12 file (OIDStorageFile).
	Hardware bool
	// NoKeyStorage omits the key-storage extension.
	NoKeyStorage bool
	// Policies overrides the kind's certificate policies (dotted OIDs):
	// OIDPolicyGOST2015 for the GOST-2015 kinds, the legacy AUTH or SIGN
	// policy for LegacyAuth and LegacySign. NoPolicies omits the extension
	// (for negative tests).
	Policies   []string
	NoPolicies bool
	// Serial is the certificate's serial number; nil means a random one
	// (16 octets).
	Serial *big.Int
	// ExtraSubject is appended to the subject as it is (for negative
	// tests: a second IIN, an odd attribute…).
	ExtraSubject []pkix.AttributeTypeAndValue
}

// Leaf is an end-entity certificate with its key.
type Leaf struct {
	Cert *x509.Certificate
	// Chain is the issuing CA's certificate followed by its issuers up to
	// the root.
	Chain []*x509.Certificate
	Alg   Algorithm
	key   *key
	g     *Generator
}

// kindProfile returns the EKU OIDs and key usage of a kind.
func kindProfile(k Kind) (eku []string, ku x509.KeyUsage, legal bool, err error) {
	const combined = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment | x509.KeyUsageKeyAgreement
	legalRole := func(sub string) []string {
		return []string{OIDEmailProtection, "1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2." + sub}
	}
	switch k {
	case Individual:
		return []string{OIDEmailProtection, "1.2.398.3.3.4.1.1"}, combined, false, nil
	case FirstHead:
		return legalRole("1"), combined, true, nil
	case RightToSign:
		return legalRole("2"), combined, true, nil
	case FinancialSigner:
		return legalRole("3"), combined, true, nil
	case HR:
		return legalRole("4"), combined, true, nil
	case Employee:
		return legalRole("5"), combined, true, nil
	case InformationSystem:
		return legalRole("6"), combined, true, nil
	case LegacyAuth:
		return []string{OIDClientAuth, "1.2.398.3.3.4.1.1"}, x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, false, nil
	case LegacySign:
		return []string{OIDEmailProtection, "1.2.398.3.3.4.1.1"}, x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment, false, nil
	}
	return nil, 0, false, fmt.Errorf("devpki: unknown kind %q", k)
}

// kindPolicies returns the certificate policies of a kind: the legacy
// generation's AUTH and SIGN policies of individuals, or the GOST-2015
// registration policy of the current combined keys.
func kindPolicies(k Kind) []string {
	switch k {
	case LegacyAuth:
		return []string{OIDPolicyLegacyIndividualAuth}
	case LegacySign:
		return []string{OIDPolicyLegacyIndividualSign}
	}
	return []string{OIDPolicyGOST2015}
}

// Issue makes an end-entity certificate and its key.
func (ca *CA) Issue(o LeafOptions) (*Leaf, error) {
	if o.Algorithm == "" {
		o.Algorithm = ca.Alg
	}
	eku, ku, legal, err := kindProfile(o.Kind)
	if err != nil {
		return nil, err
	}
	if o.EKU != nil {
		eku = o.EKU
	}
	if o.KeyUsage != 0 {
		ku = o.KeyUsage
	}
	var name Name
	if o.Kind == InformationSystem {
		if o.Name == "" || o.BIN == "" {
			return nil, errors.New("devpki: an information system needs a Name and a BIN")
		}
		name = Name{attr(attrCN, o.Name), attr(attrCountry, "KZ")}
	} else {
		if o.Surname == "" || o.Name == "" || o.IIN == "" {
			return nil, errors.New("devpki: a person needs Surname, Name and IIN")
		}
		name = Name{
			attr(attrCN, strings.ToUpper(o.Surname+" "+o.Name)),
			attr(attrSurname, strings.ToUpper(o.Surname)),
			attr(attrSerialNumber, "IIN"+o.IIN),
			attr(attrCountry, "KZ"),
		}
	}
	if legal {
		if o.BIN == "" {
			return nil, fmt.Errorf("devpki: a %s certificate needs a BIN", o.Kind)
		}
		if o.Organization != "" {
			name = append(name, attr(attrOrganization, o.Organization))
		}
		name = append(name, attr(attrOrgUnit, "BIN"+o.BIN))
	}
	if o.Patronymic != "" && o.Kind != InformationSystem {
		name = append(name, attr(attrGivenName, strings.ToUpper(o.Patronymic)))
	}
	name = append(name, o.ExtraSubject...)
	subject, err := name.der()
	if err != nil {
		return nil, err
	}
	k, err := newKey(o.Algorithm, ca.g.reader(), ca.g.deterministic)
	if err != nil {
		return nil, err
	}
	now := ca.g.now()
	if o.NotBefore.IsZero() {
		o.NotBefore = now.Add(-time.Hour)
	}
	if o.NotAfter.IsZero() {
		o.NotAfter = now.AddDate(1, 0, 0)
	}
	serial := o.Serial
	if serial == nil {
		if serial, err = ca.g.serial(); err != nil {
			return nil, err
		}
	}
	ski, err := subjectKeyID(k)
	if err != nil {
		return nil, err
	}
	pol := o.Policies
	if pol == nil {
		pol = kindPolicies(o.Kind)
	}
	if o.NoPolicies {
		pol = nil
	}
	certPolicies, err := policyOIDs(pol)
	if err != nil {
		return nil, err
	}
	t := &x509.Certificate{
		SerialNumber: serial,
		RawSubject:   subject,
		NotBefore:    o.NotBefore.UTC(),
		NotAfter:     o.NotAfter.UTC(),
		KeyUsage:     ku,
		SubjectKeyId: ski,
		Policies:     certPolicies,
	}
	for _, oid := range eku {
		switch oid {
		case OIDClientAuth:
			t.ExtKeyUsage = append(t.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
		case OIDEmailProtection:
			t.ExtKeyUsage = append(t.ExtKeyUsage, x509.ExtKeyUsageEmailProtection)
		default:
			t.UnknownExtKeyUsage = append(t.UnknownExtKeyUsage, mustOID(oid))
		}
	}
	if o.Email != "" {
		t.EmailAddresses = []string{o.Email}
	}
	if !o.NoKeyStorage {
		storage := OIDStorageFile
		if o.Hardware {
			storage = OIDStorageToken
		}
		v, err := asn1.Marshal(struct{ Storage asn1.ObjectIdentifier }{mustOID(storage)})
		if err != nil {
			return nil, err
		}
		t.ExtraExtensions = append(t.ExtraExtensions, pkix.Extension{Id: mustOID(OIDKeyStorage), Value: v})
	}
	ca.leafExtras(t)
	der, err := createCertificate(ca.g.reader(), t, ca.Cert, k, ca.key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Leaf{Cert: cert, Chain: append([]*x509.Certificate{ca.Cert}, ca.Chain...), Alg: o.Algorithm, key: k, g: ca.g}, nil
}

// PrivateKeyPEM returns the leaf's private key as PKCS#8 PEM ("PRIVATE
// KEY"), for RSA and ECDSA keys (for openssl and other tools). GOST keys
// have no PKCS#8 form here: use PrivateKeyHex.
func (l *Leaf) PrivateKeyPEM() ([]byte, error) { return l.key.pkcs8PEM() }

// PrivateKeyHex returns a GOST key's private scalar as big-endian hex, zero
// padded to the curve's size (the format of the NCA test keys' .key.hex
// files: 128 digits for GOST-2015 512-bit keys, 64 for GOST-2004).
func (l *Leaf) PrivateKeyHex() (string, error) { return l.key.hexScalar() }

// PrivateKeyPEM returns the CA's private key (RSA or ECDSA) as PKCS#8 PEM.
func (ca *CA) PrivateKeyPEM() ([]byte, error) { return ca.key.pkcs8PEM() }

// PrivateKeyHex returns a GOST CA key's private scalar as big-endian hex.
func (ca *CA) PrivateKeyHex() (string, error) { return ca.key.hexScalar() }

func (k *key) pkcs8PEM() ([]byte, error) {
	var priv any
	switch {
	case k.rsa != nil:
		priv = k.rsa
	case k.ec != nil:
		priv = k.ec
	default:
		return nil, errors.New("devpki: GOST keys have no PKCS#8 export here")
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

func (k *key) hexScalar() (string, error) {
	if k.gost == nil {
		return "", errors.New("devpki: not a GOST key")
	}
	// As many hex digits as the curve's order has bytes, doubled: 128 on
	// TC26-512-A, 64 on CryptoPro-A, as the NCA test keys' .key.hex files.
	return fmt.Sprintf("%0*x", k.gost.Curve().BitSize()/4, k.gost.D()), nil
}

// CertificatePEM returns certificates as concatenated PEM blocks.
func CertificatePEM(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

// Leaf wraps an existing certificate and its private key — for example a
// real NCA test key — so that it can sign CMS like a generated leaf. priv
// is a *rsa.PrivateKey, *ecdsa.PrivateKey or *gosttest.PrivateKey; chain is
// the issuing CA's certificate and its issuers (may be empty).
func (g *Generator) Leaf(cert *x509.Certificate, chain []*x509.Certificate, priv any) (*Leaf, error) {
	if cert == nil {
		return nil, errors.New("devpki: nil certificate")
	}
	k, err := wrapKey(priv)
	if err != nil {
		return nil, err
	}
	return &Leaf{Cert: cert, Chain: chain, Alg: k.alg, key: k, g: g}, nil
}

// CA wraps an existing CA certificate and its private key — one this
// package made in an earlier run, say — so that it can issue certificates
// and CRLs and sign OCSP answers again. priv is as for Leaf; chain is the
// CA's issuers up to the root (empty for a root). The key must be the
// certificate's.
func (g *Generator) CA(cert *x509.Certificate, chain []*x509.Certificate, priv any) (*CA, error) {
	if cert == nil {
		return nil, errors.New("devpki: nil certificate")
	}
	k, err := wrapKey(priv)
	if err != nil {
		return nil, err
	}
	pub, ok := k.public().(interface{ Equal(crypto.PublicKey) bool })
	certKey := cert.PublicKey
	if k.gost != nil {
		gp, err := gost.PublicKeyFromCertificate(cert)
		if err != nil {
			return nil, fmt.Errorf("devpki: the certificate has no GOST key: %w", err)
		}
		certKey = gp
	}
	if !ok || !pub.Equal(certKey) {
		return nil, errors.New("devpki: the key is not the certificate's")
	}
	return &CA{Cert: cert, Chain: chain, Alg: k.alg, key: k, g: g}, nil
}

// wrapKey wraps a private key of one of the Algorithms.
func wrapKey(priv any) (*key, error) {
	k := &key{}
	switch p := priv.(type) {
	case *rsa.PrivateKey:
		k.alg, k.rsa = RSA2048, p
	case *ecdsa.PrivateKey:
		k.ec = p
		k.alg = ECDSAP256
		if p.Curve.Params().BitSize == 384 {
			k.alg = ECDSAP384
		}
	case *gosttest.PrivateKey:
		k.gost = p
		k.alg = GOST2015
		if p.Curve().Name() == gost.CurveCryptoProA().Name() {
			k.alg = GOST2004
		}
	default:
		return nil, fmt.Errorf("devpki: unsupported private key %T", priv)
	}
	return k, nil
}
