package main

import (
	"crypto/x509"
	"errors"
	"time"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/revocation"
)

// Error codes of the command itself, beside signature.Code's.
const (
	codeUsage = "usage" // bad flags or arguments (exit 2)
	codeIO    = "io"    // a file could not be read or written (exit 2)
)

// errorJSON is the "error" object of every JSON answer.
type errorJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Certificate names the chain certificate a refusal is about.
	Certificate *certRefJSON `json:"certificate,omitempty"`
	// Revocation is the answer that denied, for revoked and unknown.
	Revocation *revocationJSON `json:"revocation,omitempty"`
}

type certRefJSON struct {
	// Index in the chain: 0 is the signer.
	Index   int    `json:"index"`
	Serial  string `json:"serial"`
	Subject string `json:"subject"`
}

// revocationJSON is one revocation answer, with the serial it is about and
// the reason's name.
type revocationJSON struct {
	Serial string `json:"serial"`
	signature.RevocationStatus
	ReasonName string `json:"reason_name,omitempty"`
}

func newRevocationJSON(serial string, st signature.RevocationStatus) revocationJSON {
	r := revocationJSON{Serial: serial, RevocationStatus: st}
	if st.Reason >= 0 {
		r.ReasonName = revocation.ReasonString(st.Reason)
	}
	return r
}

// errorFor renders err: the library's stable code, or the command's own
// for usage and I/O errors.
func errorFor(err error) *errorJSON {
	e := &errorJSON{Code: signature.Code(err), Message: err.Error()}
	var ue *usageError
	var ie *ioError
	switch {
	case errors.As(err, &ue):
		e.Code = codeUsage
	case errors.As(err, &ie):
		e.Code = codeIO
	case errors.Is(err, revocation.ErrConfig):
		e.Code = "config"
	}
	var ce *signature.CertificateError
	if errors.As(err, &ce) {
		e.Certificate = &certRefJSON{Index: ce.Index, Serial: ce.Serial, Subject: ce.Subject}
	}
	var se *revocation.StatusError
	if errors.As(err, &se) && e.Certificate != nil {
		r := newRevocationJSON(e.Certificate.Serial, se.Status)
		e.Revocation = &r
	}
	return e
}

// exitFor maps an error to the exit status: 2 for usage, I/O and
// configuration errors, 1 for every refusal.
func exitFor(err error) int {
	var ue *usageError
	var ie *ioError
	if errors.As(err, &ue) || errors.As(err, &ie) || errors.Is(err, signature.ErrConfig) || errors.Is(err, revocation.ErrConfig) {
		return exitUsage
	}
	return exitInvalid
}

// signerJSON is one signer of a verify answer. Verified false means the
// fields are the CMS's unverified claims (see signature.Inspection), shown
// to explain a refusal.
type signerJSON struct {
	Verified      bool                       `json:"verified"`
	Identity      *signature.Identity        `json:"identity,omitempty"`
	IdentityError string                     `json:"identity_error,omitempty"`
	Algorithm     string                     `json:"algorithm,omitempty"`
	Certificate   *signature.CertificateInfo `json:"certificate,omitempty"`
	// Chain is the verified path, signer first, trust anchor last.
	Chain             []signature.CertificateInfo `json:"chain,omitempty"`
	RevocationChecked bool                        `json:"revocation_checked"`
	// Revocation holds the answers obtained, one per chain certificate
	// except the anchor.
	Revocation  []revocationJSON      `json:"revocation,omitempty"`
	SigningTime *time.Time            `json:"signing_time,omitempty"`
	TimeStamps  []signature.TimeStamp `json:"time_stamps,omitempty"`
}

func verifiedSigner(s *signature.Signer) signerJSON {
	id := s.Identity
	cert := s.Certificate
	st := s.SigningTime
	out := signerJSON{
		Verified:          true,
		Identity:          &id,
		Algorithm:         s.Algorithm,
		Certificate:       &cert,
		Chain:             s.Chain,
		RevocationChecked: s.RevocationChecked,
		TimeStamps:        s.TimeStamps,
	}
	if !st.IsZero() { // XML-DSig carries no signing time
		out.SigningTime = &st
	}
	for i, r := range s.Revocation {
		out.Revocation = append(out.Revocation, newRevocationJSON(s.Chain[i].Serial, r))
	}
	return out
}

func claimedSigner(c *signature.SignerClaim, answers []revocationJSON) signerJSON {
	out := signerJSON{
		Identity:      c.Identity,
		IdentityError: c.IdentityError,
		Algorithm:     c.Algorithm,
		Certificate:   c.Certificate,
		TimeStamps:    c.TimeStamps,
	}
	if !c.SigningTime.IsZero() {
		st := c.SigningTime
		out.SigningTime = &st
	}
	if c.Cert != nil {
		for _, a := range answers {
			if a.Serial == c.Certificate.Serial {
				out.Revocation = append(out.Revocation, a)
				out.RevocationChecked = true
			}
		}
	}
	return out
}

// oidJSON is an object identifier with its name, when known.
type oidJSON struct {
	OID  string `json:"oid"`
	Name string `json:"name,omitempty"`
}

func namedOIDs(oids []string) []oidJSON {
	out := make([]oidJSON, 0, len(oids))
	for _, o := range oids {
		out = append(out, oidJSON{OID: o, Name: oidName(o)})
	}
	return out
}

// oidName names the object identifiers the Kazakh PKI puts into
// certificates (extended key usages, policies), after the NCA's published
// lists; "" for others.
func oidName(oid string) string {
	switch oid {
	case signature.OIDServerAuth:
		return "serverAuth"
	case signature.OIDClientAuth:
		return "clientAuth"
	case "1.3.6.1.5.5.7.3.3":
		return "codeSigning"
	case signature.OIDEmailProtection:
		return "emailProtection"
	case signature.OIDTimeStamping:
		return "timeStamping"
	case "1.3.6.1.5.5.7.3.9":
		return "OCSPSigning"
	case "2.5.29.37.0":
		return "anyExtendedKeyUsage"
	case signature.OIDRoleIndividual:
		return "individual (физическое лицо)"
	case signature.OIDRoleLegalEntity:
		return "legal entity (юридическое лицо)"
	case signature.OIDRoleFirstHead:
		return "first head (первый руководитель)"
	case signature.OIDRoleRightToSign:
		return "right to sign (лицо, наделённое правом подписи)"
	case signature.OIDRoleFinancialSigner:
		return "financial signer (право подписи финансовых документов)"
	case signature.OIDRoleHR:
		return "HR (сотрудник отдела кадров)"
	case signature.OIDRoleEmployee:
		return "employee (сотрудник организации)"
	case signature.OIDRoleInformationSystem:
		return "information system (информационная система)"
	case signature.OIDRoleTreasuryClient:
		return "Treasury-Client (Казначейство-Клиент)"
	case "1.2.398.3.1.2":
		return "NCA root policy"
	case "1.2.398.3.3.1.1":
		return "NCA regulations (Регламент НУЦ РК)"
	case "1.2.398.3.3.2":
		return "NCA GOST-2015 registration certificate policy"
	case "1.2.398.3.3.2.1":
		return "signature certificates of legal entities"
	case "1.2.398.3.3.2.2":
		return "authentication certificates of legal entities"
	case "1.2.398.3.3.2.3":
		return "signature certificates of individuals"
	case "1.2.398.3.3.2.4":
		return "authentication certificates of individuals"
	case "1.2.398.3.3.2.6.1":
		return "NCA time-stamping policy"
	case "2.5.29.32.0":
		return "anyPolicy"
	}
	return ""
}

// keyUsageNames lists the key-usage bits of ku.
func keyUsageNames(ku x509.KeyUsage) []string {
	names := []string{"digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
		"keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"}
	out := []string{}
	for i, n := range names {
		if ku&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}
