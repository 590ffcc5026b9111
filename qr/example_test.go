package qr_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log"
	"time"

	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/store/memory"
)

// A whole mode A approval against the Service: enrol a device, begin a
// session, scan, pick the browser's number, approve, redeem.
func Example() {
	ctx := context.Background()
	clock := fakeclock.New(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	st := memory.New(memory.Config{Now: clock.Now})
	defer st.Close()
	svc, err := qr.New(qr.Config{Store: st, Devices: qr.NewMemoryDevices(), Service: "eGov.kz", Now: clock.Now})
	if err != nil {
		log.Fatal(err)
	}

	// The phone (see package qr/phone for the HTTP client).
	phone := examplePhone(svc, clock, "alice")

	// The browser: a flow bound to a secret cookie, shown as a QR code.
	bind := sha256.Sum256([]byte("the browser's binding secret"))
	_, _ = svc.Begin(ctx, qr.BeginRequest{FlowID: "flow-1", Binding: bind[:], Action: "login",
		IP: "203.0.113.7", UserAgent: "Mozilla/5.0 (Windows NT 10.0) Chrome/131.0", Location: "Almaty, KZ"})
	clock.Advance(time.Second)
	status, _ := svc.Status(ctx, "flow-1", bind[:])
	fmt.Println("frame t:", status.T)

	// The phone scans the current frame and shows the details.
	res, err := svc.Scan(ctx, phone.sign(qr.Document{Type: qr.DocScan, Frame: status.Content}), "en")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("phone shows:", string(res.Details))

	// The browser now shows one number; the user picks it on the phone.
	status, _ = svc.Status(ctx, "flow-1", bind[:])
	fmt.Println("browser:", status.State)
	err = svc.Approve(ctx, phone.sign(qr.Document{Type: qr.DocApprove, Session: res.Session,
		Number: status.Number, Action: qr.DetailsDigest(res.Details)}))
	fmt.Println("approve:", err)

	// Only the originating browser redeems, once.
	a, err := svc.Redeem(ctx, "flow-1", bind[:], time.Time{})
	fmt.Println("redeemed for", a.Subject, err)
	_, err = svc.Redeem(ctx, "flow-1", bind[:], time.Time{})
	fmt.Println("again:", err)
	// Output:
	// frame t: 1
	// phone shows: {"service":"eGov.kz","action":"login","action_text":"Sign in","browser":"Chrome","os":"Windows","ip":"203.0.113.7","location":"Almaty, KZ","time":"2026-11-23T10:00:00Z","expires_at":"2026-11-23T10:01:30Z","device":"Alice's phone"}
	// browser: scanned
	// approve: <nil>
	// redeemed for alice <nil>
	// again: qr: no such QR session
}

// The frame format: BankID's animated QR construction.
func ExampleFrame() {
	secret := []byte("a server-side secret that never leaves the server")
	f := qr.Frame{Prefix: "strongauth", Token: "AAECAwQFBgcICQoLDA0ODw", T: 3, MAC: qr.FrameMAC(secret, 3)}
	fmt.Println(f.Content()) // HMAC as by: printf 3 | openssl dgst -sha256 -hmac "a server-side…"
	fmt.Println(f)           // redacted
	parsed, err := qr.ParseFrame(f.Content())
	fmt.Println(parsed.T, err)
	// Output:
	// strongauth.AAECAwQFBgcICQoLDA0ODw.3.ebda4a83fb57a091011dbcaab5016489915777e0b9bd072c6c8bfe6056891d2a
	// qr.Frame{strongauth, session 5d2611d5a4dd2b40, t=3}
	// 3 <nil>
}

// The canonical text a phone signs for an approval.
func ExampleDocument_Marshal() {
	d := qr.Document{Type: qr.DocApprove, Device: "AAECAwQFBgcICQoLDA0ODw", Session: "EBESExQVFhcYGRobHB0eHw",
		Number: 42, Action: qr.DetailsDigest([]byte(`{"service":"eGov.kz"}`)), Time: 1795000000}
	fmt.Print(string(d.Marshal()))
	// Output:
	// strongauth-qr/1
	// type=approve
	// device=AAECAwQFBgcICQoLDA0ODw
	// session=EBESExQVFhcYGRobHB0eHw
	// number=42
	// action=5fb293aee21f237b008c72e7a4310961b47c41371c8eb3d054d940bba2f0e315
	// time=1795000000
}

// examplePhone enrols a fresh device key for subject, as the app would.
func examplePhone(svc *qr.Service, clock *fakeclock.Clock, subject string) *exPhone {
	ctx := context.Background()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	spki, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	ch, _ := svc.BeginEnrol(ctx, subject) // after a strong factor, in the host
	signed, _ := qr.Sign(key, nil, &qr.Document{Type: qr.DocEnrol, Challenge: ch.Challenge,
		Key: qr.KeyThumbprint(spki), Name: "Alice's phone", Time: clock.Now().Unix()})
	signed.Key = base64.RawURLEncoding.EncodeToString(spki)
	body, _ := json.Marshal(signed)
	d, err := svc.FinishEnrol(ctx, subject, body)
	if err != nil {
		log.Fatal(err)
	}
	return &exPhone{clock: clock, key: key, id: d.ID}
}

type exPhone struct {
	clock *fakeclock.Clock
	key   *ecdsa.PrivateKey
	id    string
}

// sign returns the request body of a document signed by the device.
func (p *exPhone) sign(d qr.Document) []byte {
	d.Device, d.Time = p.id, p.clock.Now().Unix()
	s, _ := qr.Sign(p.key, nil, &d)
	b, _ := json.Marshal(s)
	return b
}

// Reading eGov Mobile's answer to a document that asked for
// SIGN_BYTES_ARRAY: the file data is the JSON text of the bare signature
// and the signer's certificate. An answer in another method than the one
// asked is refused.
func ExampleParseMobileSubmit() {
	body := `{"signMethod":"SIGN_BYTES_ARRAY","version":1,"documentsToSign":[{"id":1,"nameRu":"Вход",` +
		`"meta":[],"document":{"file":{"mime":"text/plain","data":"{\"signature\":\"AQID\",\"certificate\":\"MAMCAQE=\"}"}}}]}`
	a, err := qr.ParseMobileSubmit([]byte(body), qr.SignBytesArray)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(a) // the signature is not printed
	fmt.Printf("certificate: % x\n", a.Certificate)
	_, err = qr.ParseMobileSubmit([]byte(body), qr.SignOnly)
	fmt.Println(err)
	// Output:
	// qr.MobileAnswer{method=SIGN_BYTES_ARRAY signature=3 bytes}
	// certificate: 30 03 02 01 01
	// qr: answer in another sign method than the one asked
}
