package sms_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/sms"
	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/otp"
	"github.com/strongauth/strongauth/otp/otptest"
	"github.com/strongauth/strongauth/store/memory"
)

// phoneBook is the host's binding of accounts to phones (and languages).
type phoneBook struct {
	mu      sync.Mutex
	phones  map[string]string
	langs   map[string]string
	err     error
	langErr error
}

func (b *phoneBook) BoundPhone(_ context.Context, subject string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.phones[subject], b.err
}

func (b *phoneBook) Language(_ context.Context, subject string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.langs[subject], b.langErr
}

func (b *phoneBook) bind(subject, phone string) {
	b.mu.Lock()
	b.phones[subject] = phone
	b.mu.Unlock()
}

const (
	alicePhone = "+77012345612"
	bobPhone   = "+77759876543"
)

type fixture struct {
	clock *fakeclock.Clock
	store *memory.Store
	sent  *otptest.Recorder
	book  *phoneBook
	otp   *otp.Service
	sms   *sms.Factor
}

func newFixture(t testing.TB, mutate ...func(*otp.Config)) *fixture {
	t.Helper()
	fx := &fixture{
		clock: fakeclock.New(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)),
		sent:  &otptest.Recorder{},
		book: &phoneBook{
			phones: map[string]string{"alice": alicePhone, "bob": bobPhone, "ivan": "+79123456789", "landline": "+77172123456"},
			langs:  map[string]string{"alice": "kk", "bob": "en"},
		},
	}
	fx.store = memory.New(memory.Config{Now: fx.clock.Now, SweepInterval: -1})
	t.Cleanup(func() { fx.store.Close() })
	cfg := otp.Config{
		Store:  fx.store,
		Sender: fx.sent,
		Keys:   []otp.Key{otp.Key("0123456789abcdef0123456789abcdef")},
		Domain: "example.kz",
		Now:    fx.clock.Now,
	}
	for _, m := range mutate {
		m(&cfg)
	}
	var err error
	fx.otp, err = otp.New(cfg)
	require.NoError(t, err)
	fx.sms, err = sms.New(sms.Config{OTP: fx.otp, Phones: fx.book})
	require.NoError(t, err)
	return fx
}

// flow returns a flow copy as the engine would pass it: subject and
// evidence as given.
func (fx *fixture) flow(subject string, ev ...auth.Evidence) *auth.Flow {
	return &auth.Flow{ID: "00112233445566778899aabbccddeeff", Action: "login", Subject: subject, Evidence: ev,
		Client: auth.ClientInfo{IP: "203.0.113.7"}, ExpiresAt: fx.clock.Now().Add(10 * time.Minute)}
}

func (fx *fixture) strong(subject string) auth.Evidence {
	return auth.Evidence{Kind: auth.KindECP, Strength: auth.Strong, Subject: subject, Time: fx.clock.Now(), AMR: []string{"sc"}}
}

func (fx *fixture) begin(f *auth.Flow, input string) (*auth.Challenge, error) {
	return fx.sms.Begin(context.Background(), &auth.BeginRequest{Flow: f, Input: json.RawMessage(input), Now: fx.clock.Now()})
}

func (fx *fixture) finish(f *auth.Flow, code string) (*auth.Proof, error) {
	in, _ := json.Marshal(sms.FinishInput{Code: code})
	return fx.sms.Finish(context.Background(), &auth.FinishRequest{Flow: f, Input: in, Now: fx.clock.Now()})
}

func TestNew(t *testing.T) {
	fx := newFixture(t)
	for name, cfg := range map[string]sms.Config{
		"no otp":           {Phones: fx.book},
		"no phones":        {OTP: fx.otp},
		"negative window":  {OTP: fx.otp, Phones: fx.book, StrongWithin: -time.Second},
		"window too large": {OTP: fx.otp, Phones: fx.book, StrongWithin: 2 * time.Hour},
	} {
		_, err := sms.New(cfg)
		assert.ErrorIs(t, err, auth.ErrConfig, name)
	}
	assert.Equal(t, auth.KindSMS, fx.sms.Kind())
}

func TestBeginSendsToTheBoundPhoneOnly(t *testing.T) {
	fx := newFixture(t)
	f := fx.flow("alice", fx.strong("alice"))
	ch, err := fx.begin(f, "{}")
	require.NoError(t, err)
	require.Equal(t, 1, fx.sent.Len())
	m := fx.sent.Last()
	assert.Equal(t, alicePhone, m.To.E164())
	assert.Equal(t, "kk", m.Lang, "the account's language, from the phone book")
	data := ch.Data.(sms.Challenge)
	assert.Equal(t, "+7 7** *** **12", data.Phone)
	assert.Equal(t, 6, data.Digits)
	assert.Equal(t, fx.clock.Now().Add(5*time.Minute), ch.ExpiresAt)
	b, _ := json.Marshal(ch)
	assert.NotContains(t, string(b), m.Code(), "the challenge carries no code")
	assert.NotContains(t, string(b), "7012345612")

	p, err := fx.finish(f, m.Code())
	require.NoError(t, err)
	assert.Equal(t, "alice", p.Subject)
	assert.Equal(t, []string{"sms", "otp"}, p.AMR)
	assert.Equal(t, map[string]string{"phone": "+7 7** *** **12"}, p.Attributes)
	assert.Equal(t, auth.Weak, auth.StrengthOf(auth.KindSMS, p.AMR))
}

func TestBeginRefusals(t *testing.T) {
	fx := newFixture(t)
	old := fx.strong("alice")
	old.Time = fx.clock.Now().Add(-sms.DefaultStrongWithin - time.Second)
	weak := auth.Evidence{Kind: "email", Strength: auth.Weak, Subject: "alice", Time: fx.clock.Now()}
	for name, c := range map[string]struct {
		flow  *auth.Flow
		input string
		want  []error
	}{
		"no strong factor":         {fx.flow("alice"), "", []error{auth.ErrGate, sms.ErrNoStrongFactor}},
		"only weak evidence":       {fx.flow("alice", weak), "", []error{auth.ErrGate, sms.ErrNoStrongFactor}},
		"stale strong factor":      {fx.flow("alice", old), "", []error{auth.ErrGate, sms.ErrNoStrongFactor}},
		"strong for someone else":  {fx.flow("alice", fx.strong("bob")), "", []error{auth.ErrGate, sms.ErrNoStrongFactor}},
		"no subject":               {fx.flow("", fx.strong("alice")), "", []error{auth.ErrGate, auth.ErrNoSubject}},
		"no flow":                  {nil, "", []error{auth.ErrInvalidInput}},
		"no bound phone":           {fx.flow("carol", fx.strong("carol")), "", []error{auth.ErrGate, sms.ErrNoBoundPhone}},
		"bound phone not allowed":  {fx.flow("ivan", fx.strong("ivan")), "", []error{auth.ErrGate, otp.ErrPhoneNotAllowed}},
		"bound phone not mobile":   {fx.flow("landline", fx.strong("landline")), "", []error{auth.ErrGate, otp.ErrPhoneNotMobile}},
		"phone field":              {fx.flow("alice", fx.strong("alice")), `{"phone":"+77011112233"}`, []error{auth.ErrInvalidInput, sms.ErrPhoneInRequest}},
		"phone under another name": {fx.flow("alice", fx.strong("alice")), `{"to":"x"}`, []error{auth.ErrInvalidInput, sms.ErrPhoneInRequest}},
		"number anywhere":          {fx.flow("alice", fx.strong("alice")), `{"x":["8 701 111 22 33"]}`, []error{auth.ErrInvalidInput, sms.ErrPhoneInRequest}},
		"number as a number":       {fx.flow("alice", fx.strong("alice")), `{"x":77011112233}`, []error{auth.ErrInvalidInput, sms.ErrPhoneInRequest}},
		"bare number":              {fx.flow("alice", fx.strong("alice")), `"+77011112233"`, []error{auth.ErrInvalidInput, sms.ErrPhoneInRequest}},
		"not JSON with a number":   {fx.flow("alice", fx.strong("alice")), `phone=+77011112233`, []error{auth.ErrInvalidInput, sms.ErrPhoneInRequest}},
		"any other input":          {fx.flow("alice", fx.strong("alice")), `{"lang":"en"}`, []error{auth.ErrInvalidInput}},
	} {
		_, err := fx.begin(c.flow, c.input)
		for _, w := range c.want {
			assert.ErrorIs(t, err, w, name)
		}
	}
	assert.Zero(t, fx.sent.Len(), "nothing was sent")
}

func TestPhoneBookFailureDenies(t *testing.T) {
	fx := newFixture(t)
	fx.book.err = errors.New("directory down")
	_, err := fx.begin(fx.flow("alice", fx.strong("alice")), "")
	assert.ErrorIs(t, err, auth.ErrUnavailable)
	assert.Zero(t, fx.sent.Len())
}

func TestFinish(t *testing.T) {
	fx := newFixture(t)
	f := fx.flow("alice", fx.strong("alice"))
	_, err := fx.begin(f, "")
	require.NoError(t, err)
	code := fx.sent.Last().Code()
	ctx := context.Background()

	for input, want := range map[string]error{
		``:                                   auth.ErrInvalidInput,
		`{}`:                                 auth.ErrInvalidInput,
		`{"code":123456}`:                    auth.ErrInvalidInput,
		`{"code":"` + code + `","x":1}`:      auth.ErrInvalidInput,
		`{"code":"` + code + `"} trail`:      auth.ErrInvalidInput,
		`{"code":"` + code + `"}{}`:          auth.ErrInvalidInput,
		`{"code":"12a456"}`:                  otp.ErrMalformedCode,
		`["` + code + `"]`:                   auth.ErrInvalidInput,
		`{"code":"` + wrongCode(code) + `"}`: auth.ErrVerification,
	} {
		_, err := fx.sms.Finish(ctx, &auth.FinishRequest{Flow: f, Input: json.RawMessage(input), Now: fx.clock.Now()})
		assert.ErrorIs(t, err, want, input)
	}
	_, err = fx.finish(f, wrongCode(code))
	assert.Equal(t, "verification_failed", auth.Code(err))
	assert.ErrorIs(t, err, otp.ErrWrongCode)
	assert.NotContains(t, err.Error(), code)

	// Finish re-checks the gate in depth.
	_, err = fx.finish(fx.flow("alice"), code)
	assert.ErrorIs(t, err, auth.ErrGate)

	p, err := fx.finish(f, code)
	require.NoError(t, err)
	assert.Equal(t, "alice", p.Subject)
	_, err = fx.finish(f, code)
	assert.ErrorIs(t, err, auth.ErrReplay)
	assert.Equal(t, "replayed", auth.Code(err))
}

func TestFinishFailsAfterPhoneRebinding(t *testing.T) {
	fx := newFixture(t)
	f := fx.flow("alice", fx.strong("alice"))
	_, err := fx.begin(f, "")
	require.NoError(t, err)
	code := fx.sent.Last().Code()
	fx.book.bind("alice", "+77001112233") // the account's phone changed since the code was sent
	_, err = fx.finish(f, code)
	assert.ErrorIs(t, err, auth.ErrVerification)
}

func TestLimitsReachTheClient(t *testing.T) {
	fx := newFixture(t, func(c *otp.Config) { c.MaxFailures = 2 })
	f := fx.flow("alice", fx.strong("alice"))
	_, err := fx.begin(f, "")
	require.NoError(t, err)
	_, err = fx.begin(f, "")
	assert.ErrorIs(t, err, auth.ErrRateLimited)
	var ra auth.RetryAfter
	require.ErrorAs(t, err, &ra)
	assert.Equal(t, time.Minute, ra.RetryAfter())

	code := fx.sent.Last().Code()
	for range 2 {
		_, err = fx.finish(f, wrongCode(code))
		require.ErrorIs(t, err, auth.ErrVerification)
	}
	_, err = fx.finish(f, code)
	assert.ErrorIs(t, err, auth.ErrLocked)
	assert.Equal(t, "locked", auth.Code(err))
	require.ErrorAs(t, err, &ra)
	assert.Equal(t, otp.DefaultLockout, ra.RetryAfter())
}

func TestLanguageFallsBackToDefault(t *testing.T) {
	fx := newFixture(t)
	f := fx.flow("carol", fx.strong("carol"))
	fx.book.bind("carol", "+77781234567")
	_, err := fx.begin(f, "")
	require.NoError(t, err)
	assert.Equal(t, "ru", fx.sent.Last().Lang)
}

// TestLanguageRule: the SMS goes out in the account's language whatever
// the page asked for (a fraudster at the browser cannot pick a language
// the victim cannot read); the flow's language fills in only for an
// account with none; a failing lookup gives the default, not the page's
// choice.
func TestLanguageRule(t *testing.T) {
	type onlyPhones struct{ auth.PhoneBook } // a phone book without languages
	for _, c := range []struct {
		name, subject, flowLang string
		lookupErr               error
		noLanguages             bool
		want                    string
	}{
		{name: "account's language beats the page's", subject: "alice", flowLang: "en", want: "kk"},
		{name: "account's language, page silent", subject: "bob", want: "en"},
		{name: "no account language: the page's", subject: "carol", flowLang: "kk", want: "kk"},
		{name: "no account language, page silent: default", subject: "carol", want: "ru"},
		{name: "lookup fails: default, not the page's", subject: "alice", flowLang: "en", lookupErr: errors.New("directory down"), want: "ru"},
		{name: "no Languages at all: the page's", subject: "alice", flowLang: "en", noLanguages: true, want: "en"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fx := newFixture(t)
			fx.book.bind("carol", "+77781234567")
			fx.book.langErr = c.lookupErr
			if c.noLanguages {
				var err error
				fx.sms, err = sms.New(sms.Config{OTP: fx.otp, Phones: onlyPhones{fx.book}})
				require.NoError(t, err)
			}
			f := fx.flow(c.subject, fx.strong(c.subject))
			f.Lang = c.flowLang
			_, err := fx.begin(f, "")
			require.NoError(t, err)
			assert.Equal(t, c.want, fx.sent.Last().Lang)
		})
	}
}

// TestResendIn: the challenge says in seconds, by the server's clock, when
// the next code may be asked for; a begin inside the cooldown is refused
// with the rest of it as the retry-after.
func TestResendIn(t *testing.T) {
	fx := newFixture(t)
	f := fx.flow("alice", fx.strong("alice"))
	ch, err := fx.begin(f, "")
	require.NoError(t, err)
	data := ch.Data.(sms.Challenge)
	assert.Equal(t, int(otp.DefaultCooldown/time.Second), data.ResendIn)
	assert.Equal(t, fx.clock.Now().Add(otp.DefaultCooldown), data.ResendAt)
	b, err := json.Marshal(data)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"resend_in":60`)

	fx.clock.Advance(18 * time.Second)
	_, err = fx.begin(f, "")
	require.ErrorIs(t, err, auth.ErrRateLimited)
	var ra auth.RetryAfter
	require.ErrorAs(t, err, &ra)
	assert.Equal(t, 42*time.Second, ra.RetryAfter())

	fx.clock.Advance(42 * time.Second)
	ch, err = fx.begin(f, "")
	require.NoError(t, err)
	assert.Equal(t, 60, ch.Data.(sms.Challenge).ResendIn)
}

func wrongCode(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}
