package sms_test

import (
	"context"
	"fmt"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/factors/sms"
	"github.com/strongauth/strongauth/otp"
	"github.com/strongauth/strongauth/otp/otptest"
	"github.com/strongauth/strongauth/store/memory"
)

// phones is the host's binding of accounts to phone numbers.
type phones map[string]string

func (p phones) BoundPhone(_ context.Context, subject string) (string, error) { return p[subject], nil }

// A login that needs a digital signature and then an SMS code sent to the
// phone bound to the signer's account.
func Example() {
	st := memory.New(memory.Config{})
	defer st.Close()
	gateway := &otptest.Recorder{} // otp.NewHTTPSender in production
	codes, err := otp.New(otp.Config{Store: st, Sender: gateway, Domain: "example.kz",
		Keys: []otp.Key{otp.Key("a 32-byte or longer server secret!")}})
	if err != nil {
		panic(err)
	}
	smsFactor, err := sms.New(sms.Config{OTP: codes, Phones: phones{"870101300123": "+7 701 234 56 12"}})
	if err != nil {
		panic(err)
	}
	rule, _ := auth.ParseRule("ecp & sms")
	eng, err := auth.New(auth.Config{Store: st,
		Factors:  []auth.Factor{authtest.Strong(auth.KindECP), smsFactor}, // the real ECP factor in production
		Policies: []auth.Policy{{Action: "login", Rule: rule}}})
	if err != nil {
		panic(err)
	}

	ctx := context.Background()
	secret, _ := eng.NewBinding()
	flow, _ := eng.Start(ctx, auth.StartRequest{Action: "login", Binding: secret})
	step := auth.StepRequest{FlowID: flow.ID, Binding: secret}

	step.Kind = auth.KindSMS
	_, err = eng.Begin(ctx, step)
	fmt.Println("SMS first:", auth.Code(err), "- sent:", gateway.Len())

	step.Kind = auth.KindECP
	_, _ = eng.Begin(ctx, step)
	step.Input = authtest.OK("870101300123")
	_, _ = eng.Finish(ctx, step)

	step.Kind, step.Input = auth.KindSMS, nil
	ch, _ := eng.Begin(ctx, step)
	fmt.Println("code sent to", ch.Data.(sms.Challenge).Phone)

	step.Input = []byte(`{"code":"` + gateway.Last().Code() + `"}`)
	out, _ := eng.Finish(ctx, step)
	fmt.Println("allowed:", out.Decision.Allowed, out.Result.ACR, out.Result.AMR)
	// Output:
	// SMS first: factor_not_allowed - sent: 0
	// code sent to +7 7** *** **12
	// allowed: true strong-mfa [hwk user sms otp mfa]
}
