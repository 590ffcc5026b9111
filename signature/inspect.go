package signature

import (
	"crypto/x509"
	"time"
)

// Inspection is what a CMS SignedData says about itself, read WITHOUT
// verifying it: no signature, digest, chain, key usage or revocation is
// checked (time-stamp tokens excepted, whose flags say what verified).
// It explains a refusal — who claims to have signed, with which
// certificate — and must never grant anything.
type Inspection struct {
	// ContentType is the encapsulated content type (dotted OID).
	ContentType string `json:"content_type"`
	Detached    bool   `json:"detached"`
	// ContentSize is the length of the attached content (0 when detached).
	ContentSize int `json:"content_size"`
	// Certificates are the certificates the CMS carries.
	Certificates []CertificateInfo `json:"certificates"`
	Signers      []SignerClaim     `json:"signers"`
}

// SignerClaim is one SignerInfo of an Inspection: unverified claims.
type SignerClaim struct {
	// Certificate is the certificate the signer identifier names, nil when
	// the CMS does not carry it.
	Certificate *CertificateInfo `json:"certificate,omitempty"`
	// Identity is read from that certificate under the verifier's profile;
	// IdentityError says why it could not be.
	Identity      *Identity `json:"identity,omitempty"`
	IdentityError string    `json:"identity_error,omitempty"`
	// Algorithm names the signature algorithm when the verifier supports
	// it for the certificate's key; DigestAlgorithm and
	// SignatureAlgorithm are the OIDs as written.
	Algorithm          string `json:"algorithm,omitempty"`
	DigestAlgorithm    string `json:"digest_algorithm"`
	SignatureAlgorithm string `json:"signature_algorithm"`
	// SigningTime is the claimed signing time, zero when absent or
	// unreadable.
	SigningTime time.Time   `json:"signing_time,omitzero"`
	TimeStamps  []TimeStamp `json:"time_stamps,omitempty"`
	// Cert is the certificate (shared with the verifier's cache: read
	// only), nil when absent.
	Cert *x509.Certificate `json:"-"`
}

// Inspect reads a CMS (PEM, base64, DER or BER, within the verifier's
// input bound) without verifying it, and reports its signers' claims (see
// Inspection). It fails only when the input is not a CMS SignedData
// (ErrMalformed) or carries an unparseable certificate; on error the
// result is nil. Use Verify to decide anything. It checks the signers'
// time-stamp tokens (at most four each, a signature verification or more
// apiece): a diagnostic for operators, not for request paths.
func (v *Verifier) Inspect(input []byte) (*Inspection, error) {
	der, err := DecodeCMS(input, v.maxInput)
	if err != nil {
		return nil, err
	}
	sd, err := parseCMS(der)
	if err != nil {
		return nil, err
	}
	pool := make([]*certEntry, 0, len(sd.Certs))
	out := &Inspection{
		ContentType:  oidString(sd.ContentType),
		Detached:     !sd.Attached,
		ContentSize:  len(sd.Content),
		Certificates: make([]CertificateInfo, 0, len(sd.Certs)),
		Signers:      make([]SignerClaim, 0, len(sd.Signers)),
	}
	for _, der := range sd.Certs {
		e, err := v.parseCert(der)
		if err != nil {
			return nil, err
		}
		pool = append(pool, e)
		out.Certificates = append(out.Certificates, e.info)
	}
	for i := range sd.Signers {
		si := &sd.Signers[i]
		c := SignerClaim{
			DigestAlgorithm:    oidString(si.DigestAlg.OID),
			SignatureAlgorithm: oidString(si.SigAlg.OID),
			TimeStamps:         v.timeStamps(si),
		}
		if st, ok, err := si.attr(derSigningTime); ok && err == nil {
			if t, err := parseTime(st); err == nil {
				c.SigningTime = t
			}
		}
		if leaf, err := v.findSigner(si, pool); err == nil {
			info := leaf.info
			c.Certificate, c.Cert = &info, leaf.cert
			if leaf.idErr != nil {
				c.IdentityError = leaf.idErr.Error()
			} else {
				c.Identity = leaf.id.clone()
			}
			if alg, err := resolveAlgorithm(si.DigestAlg, si.SigAlg, leaf); err == nil {
				c.Algorithm = alg.Name
			}
		}
		out.Signers = append(out.Signers, c)
	}
	return out, nil
}
