package signature_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
)

// A login: issue a challenge, let the user's key sign it (here a
// development key stands in for NCALayer), verify it, read the identity.
func ExampleVerifier_VerifyChallenge() {
	now := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }

	// A development PKI (never in production): a root and a first head.
	g := devpki.New(devpki.Config{Rand: rand.NewChaCha8([32]byte{1}), Now: clock})
	root, _ := g.Root(devpki.CAOptions{CommonName: "DEV ROOT", Algorithm: devpki.ECDSAP256})
	head, _ := root.Issue(devpki.LeafOptions{Kind: devpki.FirstHead, Surname: "Тестов", Name: "Тест",
		Patronymic: "Тестович", IIN: "900101300017", BIN: "050607500041", Organization: `ТОО "ТЕСТ"`})

	v, err := signature.NewVerifier(signature.Config{
		Roots: []*x509.Certificate{root.Cert}, Now: clock,
		InsecureSkipRevocation: true, // development only: use a RevocationChecker
	})
	if err != nil {
		panic(err)
	}
	b := signature.Binding{Origin: "https://portal.example.kz", Flow: "3f1c0a9be2d84c7f9a51d0c2b7e4a613", Action: "login"}
	ch, _ := signature.NewChallenge(rand.NewChaCha8([32]byte{2}), b, now, 0)

	cms, _ := head.SignCMS(ch.Marshal(), devpki.CMSOptions{}) // what NCALayer returns
	res, err := v.VerifyChallenge(context.Background(), devpki.PEM(cms), ch, b, now.Add(30*time.Second), signature.PurposeLogin())
	if err != nil {
		panic(err)
	}
	id := res.Signers[0].Identity
	fmt.Println(id.IIN, id.BIN, id.CommonName, id.Roles, id.KeyStorage)
	fmt.Println(res.Signers[0].Algorithm)

	// The same signature presented after the challenge expired:
	_, err = v.VerifyChallenge(context.Background(), cms, ch, b, now.Add(time.Hour), signature.PurposeLogin())
	fmt.Println(signature.Code(err), errors.Is(err, signature.ErrExpired))
	// Output:
	// 900101300017 050607500041 ТЕСТОВ ТЕСТ [legal_entity first_head] file
	// ECDSA-P256-SHA256
	// expired true
}

// The canonical challenge document.
func ExampleChallenge_Marshal() {
	b := signature.Binding{Origin: "https://portal.example.kz", Flow: "3f1c0a9be2d84c7f9a51d0c2b7e4a613", Action: "login"}
	ch, _ := signature.NewChallenge(bytes.NewReader(make([]byte, 32)), b, time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), 0)
	fmt.Print(string(ch.Marshal()))
	fmt.Println(ch) // never prints the nonce
	// Output:
	// strongauth-challenge/v1
	// origin=https://portal.example.kz
	// flow=3f1c0a9be2d84c7f9a51d0c2b7e4a613
	// action=login
	// nonce=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
	// issued=2026-11-23T12:00:00Z
	// expires=2026-11-23T12:03:00Z
	// signature.Challenge{origin=https://portal.example.kz action=login expires=2026-11-23T12:03:00Z nonce=REDACTED}
}

// "sign-contract needs a first head or a right-to-sign employee of BIN X".
func ExampleRequireRole() {
	check := signature.RequireRole("050607500041", signature.RoleFirstHead, signature.RoleRightToSign)
	head := &signature.Identity{IIN: "900101300017", BIN: "050607500041", Roles: []signature.Role{signature.RoleLegalEntity, signature.RoleFirstHead}}
	employee := &signature.Identity{IIN: "850505400028", BIN: "050607500041", Roles: []signature.Role{signature.RoleLegalEntity, signature.RoleEmployee}}
	other := &signature.Identity{IIN: "900101300017", BIN: "123456789021", Roles: []signature.Role{signature.RoleLegalEntity, signature.RoleFirstHead}}
	fmt.Println(check(head) == nil, signature.Code(check(employee)), signature.Code(check(other)))
	// Output: true not_allowed not_allowed
}

// The NCALayer request for a challenge, ready for wss://127.0.0.1:13579.
func ExampleNewNCALayerRequest() {
	req := signature.NewNCALayerRequest([]byte("challenge"), signature.NCALayerOptions{IIN: "900101300017"})
	fmt.Println(req.Module, req.Method, req.Args.Format, req.Args.Data)
	fmt.Printf("%+v %+v\n", req.Args.SigningParams, req.Args.SignerParams)
	// Output:
	// kz.gov.pki.knca.basics sign cms Y2hhbGxlbmdl
	// {Decode:true Encapsulate:false Digested:false} {ExtKeyUsageOids:[] IIN:900101300017 BIN: Chain:[]}
}

// A document signature with an RFC 3161 time stamp, verified; then the
// same signature presented with other content: refused, and Inspect says
// who it claims to be from.
func ExampleVerifier_Inspect() {
	now := func() time.Time { return time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC) }
	g := devpki.New(devpki.Config{Rand: rand.NewChaCha8([32]byte{3}), Now: now})
	root, _ := g.Root(devpki.CAOptions{CommonName: "DEV ROOT", Algorithm: devpki.ECDSAP256})
	person, _ := root.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "Тестов", Name: "Тест", IIN: "900101300017"})
	tsa, _ := root.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "Метка", Name: "Время", IIN: "850505400028",
		EKU: []string{devpki.OIDTimeStamping}})
	doc := []byte("договор № 17")
	cms, _ := person.SignCMS(doc, devpki.CMSOptions{UnsignedAttributes: devpki.TimeStampAttribute(tsa, devpki.TimeStampOptions{})})

	v, _ := signature.NewVerifier(signature.Config{Roots: []*x509.Certificate{root.Cert}, Now: now, InsecureSkipRevocation: true})
	res, err := v.Verify(context.Background(), cms, signature.VerifyOptions{Content: doc, Purpose: signature.PurposeSign(), TimeStamps: true})
	if err != nil {
		panic(err)
	}
	ts := res.Signers[0].TimeStamps[0]
	fmt.Println(res.Signers[0].Identity.IIN, ts.GenTime, ts.SignatureVerified, ts.ImprintVerified, ts.ChainVerified)

	_, err = v.Verify(context.Background(), cms, signature.VerifyOptions{Content: []byte("договор № 18"), Purpose: signature.PurposeSign()})
	in, _ := v.Inspect(cms)
	fmt.Println(signature.Code(err), in.Detached, in.Signers[0].Identity.IIN, in.Signers[0].Algorithm)
	// Output:
	// 900101300017 2026-06-01 10:00:00 +0000 UTC true true true
	// digest_mismatch true 900101300017 ECDSA-P256-SHA256
}
