package devpki

import (
	"crypto/x509"
	"errors"
	"math/big"
	"time"

	"github.com/strongauth/strongauth/signature/gost/gosttest"
)

// Revoked is one CRL entry.
type Revoked struct {
	Serial *big.Int
	At     time.Time
	// Reason is the RFC 5280 CRLReason (6: certificateHold, 4: superseded…);
	// zero means unspecified.
	Reason int
}

// CRLOptions describe a CRL.
type CRLOptions struct {
	Number  int64
	Revoked []Revoked
	// ThisUpdate and NextUpdate; zero means Now and a week later.
	ThisUpdate, NextUpdate time.Time
}

// CRL returns a DER CRL signed by the CA. A GOST CA's CRL has the NCA shape
// (see gosttest.CreateRevocationList), which crypto/x509 cannot parse.
func (ca *CA) CRL(o CRLOptions) ([]byte, error) {
	now := ca.g.now()
	if o.ThisUpdate.IsZero() {
		o.ThisUpdate = now
	}
	if o.NextUpdate.IsZero() {
		o.NextUpdate = o.ThisUpdate.Add(7 * 24 * time.Hour)
	}
	if o.Number <= 0 {
		o.Number = 1
	}
	t := &x509.RevocationList{
		Number:     big.NewInt(o.Number),
		ThisUpdate: o.ThisUpdate.UTC(),
		NextUpdate: o.NextUpdate.UTC(),
	}
	for _, r := range o.Revoked {
		if r.Serial == nil {
			return nil, errors.New("devpki: revoked entry without a serial")
		}
		t.RevokedCertificateEntries = append(t.RevokedCertificateEntries, x509.RevocationListEntry{
			SerialNumber: r.Serial, RevocationTime: r.At.UTC(), ReasonCode: r.Reason,
		})
	}
	if ca.key.gost != nil {
		return gosttest.CreateRevocationList(ca.g.reader(), t, ca.Cert, ca.key.gost, ca.key.gostAlgorithm().SignatureOID)
	}
	t.SignatureAlgorithm = ca.key.x509Algorithm()
	return x509.CreateRevocationList(ca.g.reader(), t, ca.Cert, ca.key.signer())
}
