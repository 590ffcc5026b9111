package devpki_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
)

// A GOST development PKI in the NCA profile: root, intermediate, a first
// head's certificate, and a detached CMS over a challenge.
func Example() {
	now := func() time.Time { return time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) }
	g := devpki.New(devpki.Config{Rand: rand.NewChaCha8([32]byte{7}), Now: now})
	root, err := g.Root(devpki.CAOptions{CommonName: "DEV ROOT"}) // GOST 34.10-2015 512 by default
	if err != nil {
		panic(err)
	}
	ca, _ := root.Intermediate(devpki.CAOptions{CommonName: "DEV NCA", CRLURL: "http://pki.example/dev.crl"})
	head, _ := ca.Issue(devpki.LeafOptions{Kind: devpki.FirstHead, Surname: "Тестов", Name: "Тест",
		Patronymic: "Тестович", IIN: "900101300017", BIN: "050607500041", Organization: `ТОО "ТЕСТ"`, Email: "ceo@example.kz"})
	id, _ := signature.IdentityOf(head.Cert, nil)
	fmt.Printf("%s | %s | %s | IIN %s | BIN %s | %s | %s\n", id.CommonName, id.Surname, id.GivenName, id.IIN, id.BIN, id.Organization, id.Roles)
	fmt.Println(head.Cert.UnknownExtKeyUsage, head.Cert.EmailAddresses, head.Cert.CRLDistributionPoints)
	cms, _ := head.SignCMS([]byte("challenge"), devpki.CMSOptions{})
	fmt.Println(string(devpki.PEM(cms)[:19]))
	// Output:
	// ТЕСТОВ ТЕСТ | ТЕСТОВ | ТЕСТОВИЧ | IIN 900101300017 | BIN 050607500041 | ТОО "ТЕСТ" | [legal_entity first_head]
	// [1.2.398.3.3.4.1.2 1.2.398.3.3.4.1.2.1] [ceo@example.kz] [http://pki.example/dev.crl]
	// -----BEGIN CMS-----
}
