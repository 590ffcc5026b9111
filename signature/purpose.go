package signature

import (
	"crypto/x509"
	"fmt"
	"strings"
)

// Purpose says what a signature is for, and so which keys may make it. The
// zero Purpose is invalid (Verify refuses it): use PurposeLogin,
// PurposeSign, or build one and check it with Validate.
type Purpose struct {
	// Name names the purpose in errors and results ("login", "sign").
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
	// signer's certificate must carry at least one (for example the NCA's
	// 1.2.398.3.3.2 for GOST-2015 registration certificates).
	Policies []string `json:"policies,omitempty"`
	// AllowInformationSystem accepts information-system certificates (a
	// machine, not a person). Off by default: a person's login or signature
	// must come from a person's key.
	AllowInformationSystem bool `json:"allow_information_system,omitempty"`
	// NCALayerEKU is the extKeyUsageOids filter put into the NCALayer
	// request, which narrows the keys NCALayer offers the user. Empty offers
	// every key; the verifier decides regardless.
	NCALayerEKU []string `json:"ncalayer_eku,omitempty"`
}

// PurposeLogin is authentication: digitalSignature, and either the legacy
// AUTH keys (EKU clientAuth) or the current combined GOST-2015 keys (EKU
// emailProtection with an individual or legal-entity role OID, and no
// clientAuth). Rejecting the latter would reject every current NCA key.
func PurposeLogin() Purpose {
	return Purpose{
		Name: "login",
		EKU: [][]string{
			{OIDClientAuth},
			{OIDEmailProtection, OIDRoleIndividual},
			{OIDEmailProtection, OIDRoleLegalEntity},
		},
	}
}

// PurposeSign is document signing: digitalSignature and nonRepudiation, EKU
// emailProtection (the SIGN keys of the legacy generation and the combined
// GOST-2015 keys; the legacy AUTH keys have no nonRepudiation).
func PurposeSign() Purpose {
	return Purpose{
		Name:        "sign",
		KeyUsage:    x509.KeyUsageContentCommitment,
		EKU:         [][]string{{OIDEmailProtection}},
		NCALayerEKU: []string{OIDEmailProtection},
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
		return fmt.Errorf("%w: %s: the certificate has none of the policies [%s]", ErrKeyUsage, p.Name, strings.Join(p.Policies, " "))
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
