package otp_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/otp"
)

func TestParsePhone(t *testing.T) {
	for _, raw := range []string{"+77012345612", "+7 701 234 56 12", "8 (701) 234-56-12", "87012345612", "+7-701-234-5612", " +7 701 2345612 "} {
		p, err := otp.ParsePhone(raw, "KZ")
		require.NoError(t, err, raw)
		assert.Equal(t, "+77012345612", p.E164(), raw)
		assert.Equal(t, "KZ", p.Region())
		assert.Equal(t, "+7 7** *** **12", p.Masked())
	}
	ru, err := otp.ParsePhone("+7 912 345 67 89", "KZ")
	require.NoError(t, err)
	assert.Equal(t, "RU", ru.Region())
	assert.Equal(t, "+7 9** ***-**-89", ru.Masked())

	for raw, want := range map[string]error{
		"":                       otp.ErrPhoneInvalid,
		"hello":                  otp.ErrPhoneInvalid,
		"+7":                     otp.ErrPhoneInvalid,
		"+7 701 234":             otp.ErrPhoneInvalid,
		"+7 703 234 56 12":       otp.ErrPhoneInvalid, // not an allocated range
		"+7 701 234 56 12 ext 5": otp.ErrPhoneInvalid,
		strings.Repeat("7", 65):  otp.ErrPhoneInvalid,
		"+7 7172 12 34 56":       otp.ErrPhoneNotMobile, // Astana fixed line
		"+7 751 123 45 67":       otp.ErrPhoneNotMobile, // Kazakh VoIP
		"+44 20 7946 0958":       otp.ErrPhoneNotMobile, // London fixed line
	} {
		p, err := otp.ParsePhone(raw, "KZ")
		assert.ErrorIs(t, err, want, "%q", raw)
		assert.True(t, p.IsZero(), "%q", raw)
	}
	// Without a default region only international numbers parse.
	_, err = otp.ParsePhone("87012345612", "")
	assert.ErrorIs(t, err, otp.ErrPhoneInvalid)
}

func TestServicePhoneAllowList(t *testing.T) {
	e := newEnv(t)
	for _, raw := range []string{"+7 912 345 67 89", "+998 90 123 45 67", "+1 415 555 2671"} {
		_, err := e.svc.Phone(raw)
		assert.ErrorIs(t, err, otp.ErrPhoneNotAllowed, raw)
	}
	for _, code := range kzMobileCodes {
		_, err := e.svc.Phone("+7 " + code + " 123 45 67")
		assert.NoError(t, err, code)
	}
	e2 := newEnv(t, func(c *otp.Config) { c.Countries = []string{"KZ", "RU"} })
	p, err := e2.svc.Phone("+7 912 345 67 89")
	require.NoError(t, err)
	assert.Equal(t, "+79123456789", p.E164())
}

func TestPhoneNeverPrintsInFull(t *testing.T) {
	p := mustParse(t, "+7 701 234 56 12")
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "phone", p, "struct", struct{ P otp.Phone }{p})
	for _, s := range []string{fmt.Sprint(p), fmt.Sprintf("%v %+v %#v %s", p, p, p, p), fmt.Sprintf("%+v", struct{ P otp.Phone }{p}), buf.String()} {
		assert.NotContains(t, s, "7012345612")
		assert.NotContains(t, s, "234")
		assert.Contains(t, s, "+7 7** *** **12")
	}
}
