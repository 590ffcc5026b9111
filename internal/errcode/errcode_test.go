package errcode_test

import (
	"errors"
	"testing"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authhttp"
	"github.com/strongauth/strongauth/factors/ecp"
	"github.com/strongauth/strongauth/factors/ecp/ecptest"
	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/factors/passkey/passkeyredis"
	qrfactor "github.com/strongauth/strongauth/factors/qr"
	"github.com/strongauth/strongauth/factors/qr/qrredis"
	"github.com/strongauth/strongauth/factors/sms"
	"github.com/strongauth/strongauth/otp"
	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/revocation"
	"github.com/strongauth/strongauth/store/redis"
)

// TestEveryConfigErrorIsAuthErrConfig: a host checks a configuration error
// of any package with errors.Is(err, auth.ErrConfig), and its client code
// is "config" (before, signature, otp, passkey and revocation gave
// "internal").
func TestEveryConfigErrorIsAuthErrConfig(t *testing.T) {
	errOf := func(_ any, err error) error { return err }
	for name, c := range map[string]struct{ err, own error }{
		"auth":         {errOf(auth.New(auth.Config{})), auth.ErrConfig},
		"authhttp":     {errOf(authhttp.New(authhttp.Config{})), auth.ErrConfig},
		"otp":          {errOf(otp.New(otp.Config{})), otp.ErrConfig},
		"otp http":     {errOf(otp.NewHTTPSender(otp.HTTPConfig{})), otp.ErrConfig},
		"otp dev":      {errOf(otp.NewDevSender(otp.DevConfig{})), otp.ErrConfig},
		"qr":           {errOf(qr.New(qr.Config{})), qr.ErrConfig},
		"signature":    {errOf(signature.NewVerifier(signature.Config{})), signature.ErrConfig},
		"revocation":   {errOf(revocation.New(revocation.Config{Timeout: -1})), revocation.ErrConfig},
		"redis":        {errOf(redis.New(redis.Config{})), redis.ErrConfig},
		"ecp":          {errOf(ecp.New(ecp.Config{})), auth.ErrConfig},
		"passkey":      {errOf(passkey.New(passkey.Config{})), passkey.ErrConfig},
		"passkeyredis": {errOf(passkeyredis.New(passkeyredis.Config{})), passkeyredis.ErrConfig},
		"qr factor":    {errOf(qrfactor.New(qrfactor.Config{})), auth.ErrConfig},
		"qrredis":      {errOf(qrredis.New(qrredis.Config{})), qrredis.ErrConfig},
		"sms":          {errOf(sms.New(sms.Config{})), auth.ErrConfig},
		"ecptest":      {errOf(ecptest.New(ecptest.Config{})), ecptest.ErrConfig},
	} {
		if c.err == nil {
			t.Errorf("%s: an empty Config was accepted", name)
			continue
		}
		if !errors.Is(c.err, auth.ErrConfig) {
			t.Errorf("%s: %v does not match auth.ErrConfig", name, c.err)
		}
		if !errors.Is(c.err, c.own) {
			t.Errorf("%s: %v does not match the package's own ErrConfig", name, c.err)
		}
		if code := auth.Code(c.err); code != "config" {
			t.Errorf("%s: auth.Code = %q, want config", name, code)
		}
	}
	if signature.Code(signature.ErrConfig) != "config" {
		t.Error("signature.Code of ErrConfig changed")
	}
}
