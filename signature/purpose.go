package signature

import (
	"crypto/x509"
	"fmt"
	"strings"
)

// Certificate policies (dotted OIDs) of the NCA's end-entity
// certificates. They tell a key's purpose apart where the extended key
// usages do not: the legacy SIGN keys of individuals carry the same EKU
// (emailProtection + the individual role) as the current combined keys.
const (
	// OIDPolicyNCA is the policy of the NCA's GOST-2015 registration
	// certificates: one combined key for authentication and signing.
	OIDPolicyNCA = "1.2.398.3.3.2"
	// Legacy generation (separate AUTH and SIGN keys).
	OIDPolicyLegalEntitySign = "1.2.398.3.3.2.1" // signing certificates of legal entities
	OIDPolicyLegalEntityAuth = "1.2.398.3.3.2.2" // authentication certificates of legal entities
	OIDPolicyIndividualSign  = "1.2.398.3.3.2.3" // signing certificates of individuals
	OIDPolicyIndividualAuth  = "1.2.398.3.3.2.4" // authentication certificates of individuals
)

// Purpose says what a signature is for, and so which keys may make it. The
// zero Purpose is invalid (Verify refuses it): use PurposeLogin,
// PurposeSign, PurposeInformationSystem, or build one and check it with
// Validate.
type Purpose struct {
	// Name names the purpose in errors and results ("login", "sign",
	// "information-system").
	Name string `json:"name"`
	// KeyUsage lists key-usage bits the signer's certificate must all have,
	// in addition to digitalSignature, which is always required. A
	// certificate without a keyUsage extension is always refused.
	KeyUsage x509.KeyUsage `json:"key_usage,omitempty"`
	// EKU lists the accepted combinations of extended key usages (dotted
	// OIDs): the certificate must carry every OID of at least one
	// combination. It must not be empty.
	EKU [][]string `json:"eku"`
	// Policies, when not empty, lists certificate policy OIDs of which the
	// signer's certificate must carry at least one (the OIDPolicy…
	// constants for the NCA's keys).
	Policies []string `json:"policies,omitempty"`
	// AllowInformationSystem lets an information-system certificate (one
	// with RoleInformationSystem: a machine, not a person) pass a purpose
	// whose other rules it meets. Off, such certificates are refused
	// whatever else they match. The flag widens nothing else: an
	// information system whose extended key usages match none of the
	// purpose's EKU combinations is still refused, and the combinations of
	// PurposeLogin and PurposeSign are those of persons' keys. To accept
	// information systems, use PurposeInformationSystem (its EKU
	// combination is the information-system role), or append its EKU to a
	// person's purpose and set this flag.
	AllowInformationSystem bool `json:"allow_information_system,omitempty"`
	// NCALayerEKU is the extKeyUsageOids filter put into the NCALayer
	// request, which narrows the keys NCALayer offers the user. Empty offers
	// every key; the verifier decides regardless.
	NCALayerEKU []string `json:"ncalayer_eku,omitempty"`
}

// PurposeLogin is authentication: digitalSignature; either the legacy
// AUTH keys (EKU clientAuth) or the current combined GOST-2015 keys (EKU
// emailProtection with an individual or legal-entity role OID, and no
// clientAuth) — rejecting the latter would reject every current NCA key;
// and a certificate policy of an authentication key: the combined keys'
// OIDPolicyNCA or the legacy AUTH policies. The legacy SIGN keys, whose EKU
// is that of the combined keys, are refused by their policy (see "Key
// purposes" in the package documentation).
func PurposeLogin() Purpose {
	return Purpose{
		Name: "login",
		EKU: [][]string{
			{OIDClientAuth},
			{OIDEmailProtection, OIDRoleIndividual},
			{OIDEmailProtection, OIDRoleLegalEntity},
		},
		Policies: []string{OIDPolicyNCA, OIDPolicyIndividualAuth, OIDPolicyLegalEntityAuth},
	}
}

// PurposeSign is document signing: digitalSignature and nonRepudiation, EKU
// emailProtection, and a certificate policy of a signing key: the combined
// keys' OIDPolicyNCA or the legacy SIGN policies (the legacy AUTH keys have
// neither nonRepudiation nor such a policy).
func PurposeSign() Purpose {
	return Purpose{
		Name:        "sign",
		KeyUsage:    x509.KeyUsageContentCommitment,
		EKU:         [][]string{{OIDEmailProtection}},
		Policies:    []string{OIDPolicyNCA, OIDPolicyIndividualSign, OIDPolicyLegalEntitySign},
		NCALayerEKU: []string{OIDEmailProtection},
	}
}

// PurposeInformationSystem is a signature by an information system — a
// machine of a legal entity, not a person (RoleInformationSystem, EKU
// 1.2.398.3.3.4.1.2.6): digitalSignature, the information-system role
// among the extended key usages, and a certificate policy of the NCA's
// legal-entity keys (OIDPolicyNCA or a legacy legal-entity policy). A
// person's certificate never carries the role, so it is refused. Check the
// organisation with RequireRole(bin, RoleInformationSystem).
func PurposeInformationSystem() Purpose {
	return Purpose{
		Name:                   "information-system",
		EKU:                    [][]string{{OIDRoleInformationSystem}},
		Policies:               []string{OIDPolicyNCA, OIDPolicyLegalEntityAuth, OIDPolicyLegalEntitySign},
		AllowInformationSystem: true,
		NCALayerEKU:            []string{OIDRoleInformationSystem},
	}
}

// Validate reports a purpose that cannot be checked.
func (p Purpose) Validate() error {
	if len(p.EKU) == 0 {
		return fmt.Errorf("%w: purpose %q lists no extended key usage", ErrConfig, p.Name)
	}
	for _, combo := range p.EKU {
		if len(combo) == 0 {
			return fmt.Errorf("%w: purpose %q has an empty EKU combination", ErrConfig, p.Name)
		}
		for _, oid := range combo {
			if !validDottedOID(oid) {
				return fmt.Errorf("%w: purpose %q: %q is not an OID", ErrConfig, p.Name, oid)
			}
		}
	}
	for _, oid := range p.Policies {
		if !validDottedOID(oid) {
			return fmt.Errorf("%w: purpose %q: policy %q is not an OID", ErrConfig, p.Name, oid)
		}
	}
	return nil
}

// CheckPurpose reports whether cert may make signatures of purpose p, by
// the rules Verify applies to a signer (key usage, extended key usage,
// certificate policies, information systems) under the verifier's
// profile: nil when it may, an error wrapping ErrKeyUsage when not (or
// ErrConfig for an invalid purpose, ErrUnsupportedAlgorithm for a key this
// package cannot use). It checks nothing else — no chain, no validity, no
// revocation: use it to tell a user which of their certificates fits
// before they sign, never to accept a signature.
func (v *Verifier) CheckPurpose(cert *x509.Certificate, p Purpose) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if cert == nil {
		return fmt.Errorf("%w: nil certificate", ErrKeyUsage)
	}
	e, err := v.parseCert(cert.Raw)
	if err != nil {
		return err
	}
	return p.check(e)
}

// check applies the purpose to the signer's certificate.
func (p Purpose) check(e *certEntry) error {
	ku := e.cert.KeyUsage
	if ku == 0 {
		return fmt.Errorf("%w: %s: the certificate has no keyUsage", ErrKeyUsage, p.Name)
	}
	if want := x509.KeyUsageDigitalSignature | p.KeyUsage; ku&want != want {
		return fmt.Errorf("%w: %s needs keyUsage %s, the certificate has %s", ErrKeyUsage, p.Name,
			keyUsageString(want), keyUsageString(ku))
	}
	ok := false
	for _, combo := range p.EKU {
		all := true
		for _, oid := range combo {
			if !e.hasEKU(oid) {
				all = false
				break
			}
		}
		if all {
			ok = true
			break
		}
	}
	if !ok {
		return fmt.Errorf("%w: %s: extended key usage [%s] matches none of the accepted combinations", ErrKeyUsage,
			p.Name, strings.Join(e.ekus, " "))
	}
	if len(p.Policies) > 0 && !hasPolicy(e.cert, p.Policies) {
		have := make([]string, len(e.cert.Policies))
		for i, o := range e.cert.Policies {
			have[i] = o.String()
		}
		return fmt.Errorf("%w: %s: certificate policies [%s] include none of [%s]", ErrKeyUsage, p.Name,
			strings.Join(have, " "), strings.Join(p.Policies, " "))
	}
	if !p.AllowInformationSystem && e.id != nil && e.id.IsInformationSystem() {
		return fmt.Errorf("%w: %s: an information-system certificate cannot act for a person", ErrKeyUsage, p.Name)
	}
	return nil
}

func hasPolicy(c *x509.Certificate, want []string) bool {
	for _, have := range c.Policies {
		h := have.String()
		for _, w := range want {
			if h == w {
				return true
			}
		}
	}
	return false
}

func keyUsageString(ku x509.KeyUsage) string {
	names := []string{"digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
		"keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"}
	var out []string
	for i, n := range names {
		if ku&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ",")
}

func validDottedOID(s string) bool {
	arcs, digits := 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if digits == 0 || digits > 9 || (digits > 1 && s[i-digits] == '0') {
				return false
			}
			arcs, digits = arcs+1, 0
			continue
		}
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		digits++
	}
	return arcs >= 2
}
