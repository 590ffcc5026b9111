package main

import (
	"crypto/x509"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/ecp/ecptest"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/revocation"
	"github.com/strongauth/strongauth/store"
)

// devPKI is the portal's development PKI in the Kazakh NCA profile: a
// GOST-2015 root, an issuing CA, and a GOST-2015 key for every test person,
// made in memory at start, with CRLs that revoke the persons marked
// Revoked. The verifier checks revocation against these CRLs with
// signature/revocation, as it would against the NCA's. Nothing of it is
// trusted anywhere else; the real NCA roots never appear here.
type devPKI struct {
	root, ca *x509.Certificate
	// rootCA and issuing are root and ca with their keys: they sign the
	// development OCSP responder's answers and re-issue the CRLs
	// (devrevocation.go).
	rootCA, issuing *devpki.CA
	leaves          []devLeaf
	// crls are the root's CRL (for the issuing CA) and the CA's (for the
	// persons), valid for a year.
	crls []revocation.StaticCRL
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
	p := &devPKI{root: root.Cert, ca: ca.Cert, rootCA: root, issuing: ca}
	var revoked []devpki.Revoked
	for _, person := range people {
		kind := person.Kind
		if kind == "" {
			kind = devpki.Individual
		}
		leaf, err := ca.Issue(devpki.LeafOptions{Kind: kind, Surname: person.Surname, Name: person.Name,
			Patronymic: person.Patronymic, IIN: person.IIN, BIN: person.BIN, Organization: person.Organisation})
		if err != nil {
			return nil, fmt.Errorf("person %s: %w", person.IIN, err)
		}
		p.leaves = append(p.leaves, devLeaf{person: person, leaf: leaf})
		if person.Revoked {
			revoked = append(revoked, devpki.Revoked{Serial: leaf.Cert.SerialNumber, At: now().Add(-time.Hour), Reason: 1}) // keyCompromise
		}
	}
	year := now().AddDate(1, 0, 0)
	rootCRL, err := root.CRL(devpki.CRLOptions{NextUpdate: year})
	if err != nil {
		return nil, err
	}
	caCRL, err := ca.CRL(devpki.CRLOptions{Revoked: revoked, NextUpdate: year})
	if err != nil {
		return nil, err
	}
	p.crls = []revocation.StaticCRL{{CRL: rootCRL, Issuer: root.Cert}, {CRL: caCRL, Issuer: ca.Cert}}
	return p, nil
}

func (p *devPKI) roots() []*x509.Certificate         { return []*x509.Certificate{p.root} }
func (p *devPKI) intermediates() []*x509.Certificate { return []*x509.Certificate{p.ca} }

// revocation returns a checker of the dev PKI's CRLs alone (no network):
// the baseline of the benchmarks. The portal itself asks its development
// OCSP responder first (devrevocation.go).
func (p *devPKI) revocation(now func() time.Time, st store.Store, audit auth.Auditor) (*revocation.Checker, error) {
	return revocation.New(revocation.Config{Mode: revocation.CRLOnly, CRLs: p.crls, Now: now, Cache: st, Audit: audit})
}

// simKeys are the test keys for the NCALayer simulator.
func (p *devPKI) simKeys() []ecptest.Key {
	keys := make([]ecptest.Key, len(p.leaves))
	for i, l := range p.leaves {
		keys[i] = ecptest.DevKey(l.leaf)
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
	if err := ecptest.WriteDir(dir, leaves); err != nil {
		return err
	}
	readme := "Development keys of the strongauth portal example (test PKI of one run; NOT NCA keys).\n" +
		"Use: go run ./examples/ncalayer-sim -dev -keys " + dir + "\n"
	return os.WriteFile(filepath.Join(dir, "README.txt"), []byte(readme), 0o600)
}

// leafByIIN returns the key of the person with iin.
func (p *devPKI) leafByIIN(iin string) (devLeaf, bool) {
	for _, l := range p.leaves {
		if l.person.IIN == iin {
			return l, true
		}
	}
	return devLeaf{}, false
}

// leafBySerial returns the person's key with this certificate serial.
func (p *devPKI) leafBySerial(serial *big.Int) (devLeaf, bool) {
	for _, l := range p.leaves {
		if l.leaf.Cert.SerialNumber.Cmp(serial) == 0 {
			return l, true
		}
	}
	return devLeaf{}, false
}

// revokedAtStart lists the persons' certificates on the CA's first CRL
// (those marked Revoked), with the time and reason it gives.
func (p *devPKI) revokedAtStart() []devpki.Revoked {
	crl, err := revocation.ParseCRL(p.crls[len(p.crls)-1].CRL) // the CA's: made or checked at start
	if err != nil {
		return nil
	}
	var out []devpki.Revoked
	for _, l := range p.leaves {
		if e, ok := crl.Lookup(l.leaf.Cert.SerialNumber); ok {
			reason := max(e.Reason, 0)
			out = append(out, devpki.Revoked{Serial: l.leaf.Cert.SerialNumber, At: e.RevokedAt, Reason: reason})
		}
	}
	return out
}
