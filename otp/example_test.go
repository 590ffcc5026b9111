package otp_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/strongauth/strongauth/otp"
	"github.com/strongauth/strongauth/otp/otptest"
	"github.com/strongauth/strongauth/store/memory"
)

// A code is issued for one purpose and flow, verified once, and refused
// on replay.
func Example() {
	st := memory.New(memory.Config{})
	defer st.Close()
	phones := &otptest.Recorder{} // a real service uses otp.NewHTTPSender
	svc, err := otp.New(otp.Config{
		Store:  st,
		Sender: phones,
		Keys:   []otp.Key{otp.Key("a 32-byte or longer server secret!")},
		Domain: "example.kz",
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	phone, err := svc.Phone("8 (701) 234-56-12") // from the account's binding, never from the request
	if err != nil {
		panic(err)
	}
	sent, err := svc.Issue(ctx, otp.Request{Purpose: "login", FlowID: "f0123", Account: "870101300123", Phone: phone, Lang: "en"})
	if err != nil {
		panic(err)
	}
	fmt.Println("sent to", sent.To, "in", sent.Lang, "- valid for", svc.TTL(), "- resend after", sent.ResendAt.Sub(sent.ExpiresAt)+svc.TTL())

	typed := phones.Last().Code() // what the user types
	attempt := otp.Attempt{Purpose: "login", FlowID: "f0123", Account: "870101300123", Phone: phone, Code: typed}
	fmt.Println("first use:", svc.Verify(ctx, attempt))
	fmt.Println("replay refused:", errors.Is(svc.Verify(ctx, attempt), otp.ErrUsed))
	// Output:
	// sent to +7 7** *** **12 in en - valid for 5m0s - resend after 1m0s
	// first use: <nil>
	// replay refused: true
}

// Preview shows what users receive; the sample code is 123456.
func ExampleService_Preview() {
	st := memory.New(memory.Config{})
	defer st.Close()
	svc, err := otp.New(otp.Config{Store: st, Sender: &otptest.Recorder{}, Keys: []otp.Key{otp.Key("a 32-byte or longer server secret!")}, Domain: "example.kz"})
	if err != nil {
		panic(err)
	}
	for _, lang := range []string{"kk", "ru", "en"} {
		m, _ := svc.Preview("login", lang)
		fmt.Printf("%s (%s, %d units, %d segments):\n%s\n\n", lang, m.Encoding, m.Units, m.Segments, m.Text)
	}
	// Output:
	// kk (UCS-2, 122 units, 2 segments):
	// example.kz: кіру коды 123456. Оны ешкім (банк, полиция, қызметкер) сұрамайды. Сіз емес пе? Енгізбеңіз.
	// @example.kz #123456
	//
	// ru (UCS-2, 125 units, 2 segments):
	// Код 123456 для входа на example.kz. Его не спросят ни банк, ни полиция, ни сотрудники. Не вы? Не вводите.
	// @example.kz #123456
	//
	// en (GSM-7, 146 units, 1 segments):
	// 123456 is your example.kz code to sign in. Never share it: no bank, police or staff will ask for it. Not you? Do not enter it.
	// @example.kz #123456
}

// Every refusal to send says when a retry may succeed.
func ExampleLimitError() {
	err := error(&otp.LimitError{Err: otp.ErrCooldown, Scope: "cooldown", After: 42e9})
	var le *otp.LimitError
	if errors.As(err, &le) {
		fmt.Println(le.Scope, le.RetryAfter())
	}
	// Output: cooldown 42s
}
