package main

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/strongauth/strongauth/internal/ncalayersim"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
)

// devPKI is the portal's development PKI in the Kazakh NCA profile: a
// GOST-2015 root, an issuing CA, and a GOST-2015 key for every test person,
// made in memory at start. It is also the verifier's revocation checker: it
// knows every certificate it issued and which it revoked. Nothing of it is
// trusted anywhere else; the real NCA roots never appear here.
type devPKI struct {
	root, ca *devpki.CA
	leaves   []devLeaf
	// status by issuer-and-serial: "good" or "revoked".
	status map[string]string
	now    func() time.Time
}

type devLeaf struct {
	person Person
	leaf   *devpki.Leaf
}

func newDevPKI(people []Person, now func() time.Time) (*devPKI, error) {
	g := devpki.New(devpki.Config{Now: now})
	root, err := g.Root(devpki.CAOptions{CommonName: "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (DEV ROOT, NOT THE NCA)", Algorithm: devpki.GOST2015})
	if err != nil {
		return nil, err
	}
	ca, err := root.Intermediate(devpki.CAOptions{CommonName: "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) DEV", MaxPathLenZero: true})
	if err != nil {
		return nil, err
	}
	p := &devPKI{root: root, ca: ca, status: map[string]string{}, now: now}
	p.status[certID(ca.Cert)] = "good"
	for _, person := range people {
		leaf, err := ca.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: person.Surname, Name: person.Name,
			Patronymic: person.Patronymic, IIN: person.IIN})
		if err != nil {
			return nil, fmt.Errorf("person %s: %w", person.IIN, err)
		}
		p.leaves = append(p.leaves, devLeaf{person: person, leaf: leaf})
		p.status[certID(leaf.Cert)] = "good"
		if person.Revoked {
			p.status[certID(leaf.Cert)] = "revoked"
		}
	}
	return p, nil
}

func certID(c *x509.Certificate) string {
	return hex.EncodeToString(c.RawIssuer) + "/" + c.SerialNumber.Text(16)
}

func (p *devPKI) roots() []*x509.Certificate         { return []*x509.Certificate{p.root.Cert} }
func (p *devPKI) intermediates() []*x509.Certificate { return []*x509.Certificate{p.ca.Cert} }

// CheckRevocation implements signature.RevocationChecker from the dev
// PKI's register: good, revoked, or — for anything it did not issue —
// unavailable, which denies.
func (p *devPKI) CheckRevocation(_ context.Context, cert, _ *x509.Certificate) (signature.RevocationStatus, error) {
	st := signature.RevocationStatus{Source: "devpki", Reason: -1, ThisUpdate: p.now()}
	switch p.status[certID(cert)] {
	case "good":
		st.Status = "good"
		return st, nil
	case "revoked":
		st.Status, st.Reason, st.RevokedAt = "revoked", 1, p.now().Add(-24*time.Hour) // keyCompromise
		return st, fmt.Errorf("%w: the dev PKI revoked %s", signature.ErrRevoked, cert.SerialNumber.Text(16))
	}
	return st, fmt.Errorf("%w: not issued by the dev PKI", signature.ErrRevocationUnavailable)
}

// simKeys are the test keys for the NCALayer simulator.
func (p *devPKI) simKeys() []ncalayersim.Key {
	keys := make([]ncalayersim.Key, len(p.leaves))
	for i, l := range p.leaves {
		keys[i] = ncalayersim.DevKey(l.leaf)
	}
	return keys
}

// writeDir writes the persons' certificates and test keys for an NCALayer
// simulator in another process (examples/ncalayer-sim -keys DIR).
func (p *devPKI) writeDir(dir string) error {
	leaves := make([]*devpki.Leaf, len(p.leaves))
	for i, l := range p.leaves {
		leaves[i] = l.leaf
	}
	if err := ncalayersim.WriteDir(dir, leaves); err != nil {
		return err
	}
	readme := "Development keys of the strongauth portal example (test PKI of one run; NOT NCA keys).\n" +
		"Use: go run ./examples/ncalayer-sim -dev -keys " + dir + "\n"
	return os.WriteFile(filepath.Join(dir, "README.txt"), []byte(readme), 0o600)
}
