package signature_test

import (
	"crypto/x509"
	"fmt"
	"math/big"
	"math/rand/v2"
	"time"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
)

// Which purposes a key fits, before anyone signs: a current combined key
// logs in and signs; a legacy SIGN key, whose EKU is the same, only signs
// (its certificate policy is 1.2.398.3.3.2.3); an information system only
// acts as one.
func ExampleVerifier_CheckPurpose() {
	now := func() time.Time { return time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC) }
	g := devpki.New(devpki.Config{Rand: rand.NewChaCha8([32]byte{3}), Now: now})
	root, _ := g.Root(devpki.CAOptions{CommonName: "DEV ROOT", Algorithm: devpki.ECDSAP256})
	person := devpki.LeafOptions{Surname: "Тестов", Name: "Тест", IIN: "900101300017"}
	combined, legacySign, system := person, person, devpki.LeafOptions{Kind: devpki.InformationSystem, Name: "ШЛЮЗ", BIN: "050607500041"}
	combined.Kind, legacySign.Kind = devpki.Individual, devpki.LegacySign
	v, _ := signature.NewVerifier(signature.Config{Roots: []*x509.Certificate{root.Cert}, Now: now, InsecureSkipRevocation: true})
	for _, o := range []devpki.LeafOptions{combined, legacySign, system} {
		leaf, _ := root.Issue(o)
		fmt.Printf("%-18s", o.Kind)
		for _, p := range []signature.Purpose{signature.PurposeLogin(), signature.PurposeSign(), signature.PurposeInformationSystem()} {
			fmt.Printf(" %s:%v", p.Name, v.CheckPurpose(leaf.Cert, p) == nil)
		}
		fmt.Println()
	}
	// Output:
	// individual         login:true sign:true information-system:false
	// legacy_sign        login:false sign:true information-system:false
	// information_system login:false sign:false information-system:true
}

// Serials are printed as the octets of their DER INTEGER: the NCA's
// leading zero is kept, a negative time-stamp serial has no minus sign.
func ExampleFormatSerial() {
	nca, _ := new(big.Int).SetString("0FF06211DC82BEB00253FFA000F1DE84ABEF454F", 16)
	fmt.Println(signature.FormatSerial(nca))
	fmt.Println(signature.FormatSerial(big.NewInt(-2)))
	fmt.Println(signature.FormatSerial(big.NewInt(0x80)))
	// Output:
	// 0FF06211DC82BEB00253FFA000F1DE84ABEF454F
	// FE
	// 0080
}
