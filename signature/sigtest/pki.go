package sigtest

import (
	"crypto/x509"
	"sync"
	"testing"
	"time"

	"github.com/strongauth/strongauth/signature/devpki"
)

// Identities of the development PKI's leaves. The IIN and BIN pass the
// check-digit validation (signature.ValidID), unlike the NCA's test values.
const (
	IIN          = "900101300017"
	IINEmployee  = "850505400028"
	BIN          = "050607500041"
	Organization = `ТОО "ТЕСТ ДЕВ"`
)

// Epoch is the fixed "now" of the development PKI: certificates are valid
// from an hour before it (leaves for a year, CAs for ten).
func Epoch() time.Time { return time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) }

// PKI is a development PKI in the Kazakh profile: a root, an intermediate
// and one leaf of each kind.
type PKI struct {
	Gen  *devpki.Generator
	Root *devpki.CA
	CA   *devpki.CA
	// Individual: a natural person (file key).
	Individual *devpki.Leaf
	// Hardware: the same person with a key on a token (OIDStorageToken).
	Hardware *devpki.Leaf
	// Head: the first head of legal entity BIN.
	Head *devpki.Leaf
	// RightToSign and Employee of BIN.
	RightToSign *devpki.Leaf
	Employee    *devpki.Leaf
	// InfoSystem: an information system of BIN (no IIN).
	InfoSystem *devpki.Leaf
	// LegacyAuth: an AUTH key (EKU clientAuth, no nonRepudiation).
	LegacyAuth *devpki.Leaf
}

// Roots returns the PKI's trust anchors.
func (p *PKI) Roots() []*x509.Certificate { return []*x509.Certificate{p.Root.Cert} }

// NewPKI builds a development PKI of algorithm alg at Epoch. It takes a
// moment for RSA (key generation): share it between tests.
func NewPKI(t testing.TB, alg devpki.Algorithm) *PKI {
	t.Helper()
	g := devpki.New(devpki.Config{Now: Epoch})
	p := &PKI{Gen: g}
	var err error
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("devpki %s: %v", alg, err)
		}
	}
	p.Root, err = g.Root(devpki.CAOptions{CommonName: "DEV ROOT " + string(alg), Algorithm: alg})
	must(err)
	p.CA, err = p.Root.Intermediate(devpki.CAOptions{CommonName: "DEV NCA " + string(alg), MaxPathLen: 0, MaxPathLenZero: true})
	must(err)
	person := devpki.LeafOptions{Surname: "Тестов", Name: "Тест", Patronymic: "Тестович", IIN: IIN, Email: "test@example.kz"}
	issue := func(k devpki.Kind, mod func(*devpki.LeafOptions)) *devpki.Leaf {
		t.Helper()
		o := person
		o.Kind = k
		if mod != nil {
			mod(&o)
		}
		l, err := p.CA.Issue(o)
		must(err)
		return l
	}
	legal := func(o *devpki.LeafOptions) { o.BIN, o.Organization = BIN, Organization }
	p.Individual = issue(devpki.Individual, nil)
	p.Hardware = issue(devpki.Individual, func(o *devpki.LeafOptions) { o.Hardware = true })
	p.Head = issue(devpki.FirstHead, legal)
	p.RightToSign = issue(devpki.RightToSign, func(o *devpki.LeafOptions) {
		legal(o)
		o.Surname, o.Name, o.Patronymic, o.IIN = "Сотрудникова", "Айгерим", "", IINEmployee
	})
	p.Employee = issue(devpki.Employee, func(o *devpki.LeafOptions) {
		legal(o)
		o.Surname, o.Name, o.IIN = "Сотрудников", "Ерлан", IINEmployee
	})
	p.InfoSystem = issue(devpki.InformationSystem, func(o *devpki.LeafOptions) {
		legal(o)
		o.Name, o.IIN, o.Surname = "ДОКУМЕНТООБОРОТ", "", ""
	})
	p.LegacyAuth = issue(devpki.LegacyAuth, nil)
	return p
}

// Cache shares development PKIs between the tests of a package (they take
// a moment to make): declare one as a package variable of the test files.
type Cache struct {
	mu sync.Mutex
	m  map[devpki.Algorithm]*PKI
}

// Get returns the PKI of alg, making it on first use.
func (c *Cache) Get(t testing.TB, alg devpki.Algorithm) *PKI {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.m[alg]; ok {
		return p
	}
	if c.m == nil {
		c.m = map[devpki.Algorithm]*PKI{}
	}
	p := NewPKI(t, alg)
	c.m[alg] = p
	return p
}
