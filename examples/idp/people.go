package main

import (
	"context"
	"crypto/x509"
	"errors"
	"slices"
	"time"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/ecp"
	"github.com/strongauth/strongauth/factors/ecp/ecptest"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/revocation"
	"github.com/strongauth/strongauth/store"
)

// Person is a test person: an account (its subject is the IIN), the phone
// bound to it and the language of its SMS.
type Person struct {
	IIN, Surname, Name, Patronymic string
	Phone, Lang                    string
}

// FullName is "SURNAME NAME".
func (p Person) FullName() string { return p.Surname + " " + p.Name }

// DefaultPeople are the test persons (made-up, well-formed IINs).
func DefaultPeople() []Person {
	return []Person{
		{IIN: "880101300123", Surname: "Әлиев", Name: "Асқар", Patronymic: "Серікұлы", Phone: "+77015550123", Lang: "ru"},
		{IIN: "920202450012", Surname: "Сейтқали", Name: "Айгерім", Patronymic: "Ержанқызы", Phone: "+77075550012", Lang: "kk"},
	}
}

var errNoPerson = errors.New("idp: no such person")

// directory is the provider's user table. It implements auth.PhoneBook,
// sms.Languages and ecp.Mapper.
type directory struct{ people []Person }

func (d *directory) find(iin string) (Person, bool) {
	i := slices.IndexFunc(d.people, func(p Person) bool { return p.IIN == iin })
	if i < 0 {
		return Person{}, false
	}
	return d.people[i], true
}

// BoundPhone implements auth.PhoneBook.
func (d *directory) BoundPhone(_ context.Context, subject string) (string, error) {
	if p, ok := d.find(subject); ok {
		return p.Phone, nil
	}
	return "", errNoPerson
}

// Language implements sms.Languages.
func (d *directory) Language(_ context.Context, subject string) (string, error) {
	if p, ok := d.find(subject); ok {
		return p.Lang, nil
	}
	return "", errNoPerson
}

// Map implements ecp.Mapper: the signer's IIN must be a person of the
// directory (and the flow's person in a step-up; the engine checks that
// too).
func (d *directory) Map(_ context.Context, req *ecp.MapRequest) (string, error) {
	p, ok := d.find(req.Identity.IIN)
	if !ok {
		return "", auth.Classify(auth.ErrVerification, errNoPerson)
	}
	if req.FlowSubject != "" && req.FlowSubject != p.IIN {
		return "", auth.ErrSubjectMismatch
	}
	return p.IIN, nil
}

// profile gives the claims of the profile scope, from the directory.
// NCA certificates carry the patronymic in GIVENNAME; OIDC calls it
// middle_name.
func (d *directory) profile(subject string) map[string]any {
	p, ok := d.find(subject)
	if !ok {
		return nil
	}
	return map[string]any{"name": p.FullName(), "family_name": p.Surname, "given_name": p.Name, "middle_name": p.Patronymic}
}

// devPKI is a development PKI in the NCA profile (GOST-2015 root, issuing
// CA, a key per person), made in memory at start and trusted nowhere else.
type devPKI struct {
	root, ca *devpki.CA
	leaves   []*devpki.Leaf
}

func newDevPKI(people []Person, now func() time.Time) (*devPKI, error) {
	g := devpki.New(devpki.Config{Now: now})
	root, err := g.Root(devpki.CAOptions{CommonName: "DEV ROOT OF THE STRONGAUTH IdP (NOT THE NCA)", Algorithm: devpki.GOST2015})
	if err != nil {
		return nil, err
	}
	ca, err := root.Intermediate(devpki.CAOptions{CommonName: "DEV ISSUING CA OF THE STRONGAUTH IdP", MaxPathLenZero: true})
	if err != nil {
		return nil, err
	}
	k := &devPKI{root: root, ca: ca}
	for _, p := range people {
		l, err := ca.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: p.Surname, Name: p.Name, Patronymic: p.Patronymic, IIN: p.IIN})
		if err != nil {
			return nil, err
		}
		k.leaves = append(k.leaves, l)
	}
	return k, nil
}

// verifier checks signatures against the dev PKI, with revocation from its
// (empty) CRLs.
func (k *devPKI) verifier(now func() time.Time, st store.Store, audit auth.Auditor) (*signature.Verifier, error) {
	year := now().AddDate(1, 0, 0)
	var crls []revocation.StaticCRL
	for _, ca := range []struct{ crlOf, issuer *devpki.CA }{{k.root, k.root}, {k.ca, k.ca}} {
		crl, err := ca.crlOf.CRL(devpki.CRLOptions{NextUpdate: year})
		if err != nil {
			return nil, err
		}
		crls = append(crls, revocation.StaticCRL{CRL: crl, Issuer: ca.issuer.Cert})
	}
	checker, err := revocation.New(revocation.Config{Mode: revocation.CRLOnly, CRLs: crls, Now: now, Cache: st, Audit: audit})
	if err != nil {
		return nil, err
	}
	return signature.NewVerifier(signature.Config{Roots: []*x509.Certificate{k.root.Cert},
		Intermediates: []*x509.Certificate{k.ca.Cert}, Now: now, Revocation: checker})
}

// simKeys are the persons' keys for the NCALayer simulator.
func (k *devPKI) simKeys() []ecptest.Key {
	keys := make([]ecptest.Key, len(k.leaves))
	for i, l := range k.leaves {
		keys[i] = ecptest.DevKey(l)
	}
	return keys
}
