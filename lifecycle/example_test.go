package lifecycle_test

import (
	"context"
	"fmt"
	"time"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/lifecycle"
	"github.com/strongauth/strongauth/otp"
)

// The default notifier's informational SMS: what changed, when, where, and
// the "this was not me" link — no code.
func ExampleSMSNotifier() {
	var sent *otp.Message
	n, err := lifecycle.NewSMSNotifier(lifecycle.SMSConfig{
		Sender:    otp.SenderFunc(func(_ context.Context, m *otp.Message) error { sent = m; return nil }),
		Phones:    func(context.Context, string) (string, error) { return "+77015550123", nil },
		Languages: func(context.Context, string) (string, error) { return "ru", nil },
		Service:   "eGov",
		ReportURL: "https://egov.example.kz/not-me",
		Location:  time.FixedZone("Almaty", 5*3600),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	notice := lifecycle.Notice{
		Event:      lifecycle.NoticeAdded,
		Subject:    "880101300123",
		Credential: lifecycle.Credential{Kind: lifecycle.KindPasskey, Name: "iPhone"},
		Time:       time.Date(2026, 3, 1, 5, 15, 0, 0, time.UTC),
		Client:     auth.ClientInfo{Location: "Almaty, KZ"},
		Token:      "TOKEN",
	}
	if err := n.Notify(context.Background(), notice); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sent.To, sent.Lang)
	fmt.Println(sent.Text)
	fmt.Println(n.Text(notice, "kk"))
	fmt.Println(n.Text(notice, "en"))
	fmt.Println(notice.Token)
	// Output:
	// +7 7** *** **23 ru
	// eGov: к вашей учётной записи добавлен ключ входа «iPhone», 01.03 10:15 (Almaty, KZ). Это были не вы? Откройте https://egov.example.kz/not-me#TOKEN Мы никогда не просим коды.
	// eGov: есептік жазбаңызға кіру кілті «iPhone» қосылды, 01.03 10:15 (Almaty, KZ). Бұл сіз емессіз бе? Ашыңыз: https://egov.example.kz/not-me#TOKEN Біз ешқашан код сұрамаймыз.
	// eGov: a passkey «iPhone» was added to your account on 01.03 10:15 (Almaty, KZ). Not you? Open https://egov.example.kz/not-me#TOKEN We never ask for codes.
	// [redacted]
}
