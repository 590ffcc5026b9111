package errcode_test

import (
	"context"
	"errors"
	"testing"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authhttp"
	"github.com/strongauth/strongauth/auth/authoidc"
	"github.com/strongauth/strongauth/auth/authotel"
	"github.com/strongauth/strongauth/auth/authprom"
	"github.com/strongauth/strongauth/factors/ecp"
	"github.com/strongauth/strongauth/factors/ecp/ecptest"
	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/factors/passkey/passkeypg"
	"github.com/strongauth/strongauth/factors/passkey/passkeyredis"
	qrfactor "github.com/strongauth/strongauth/factors/qr"
	"github.com/strongauth/strongauth/factors/qr/qrpg"
	"github.com/strongauth/strongauth/factors/qr/qrredis"
	"github.com/strongauth/strongauth/factors/sms"
	"github.com/strongauth/strongauth/lifecycle"
	"github.com/strongauth/strongauth/lifecycle/lifecyclehttp"
	"github.com/strongauth/strongauth/lifecycle/phonepg"
	"github.com/strongauth/strongauth/otp"
	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/revocation"
	"github.com/strongauth/strongauth/store/postgres"
	"github.com/strongauth/strongauth/store/redis"
)

// TestEveryConfigErrorIsAuthErrConfig: a host checks a configuration error
// of any package with errors.Is(err, auth.ErrConfig), and its client code
// is "config" (before, signature, otp, passkey and revocation gave
// "internal").
func TestEveryConfigErrorIsAuthErrConfig(t *testing.T) {
	errOf := func(_ any, err error) error { return err }
	for name, c := range map[string]struct{ err, own error }{
		"auth":          {errOf(auth.New(auth.Config{})), auth.ErrConfig},
		"authhttp":      {errOf(authhttp.New(authhttp.Config{})), auth.ErrConfig},
		"otp":           {errOf(otp.New(otp.Config{})), otp.ErrConfig},
		"otp http":      {errOf(otp.NewHTTPSender(otp.HTTPConfig{})), otp.ErrConfig},
		"otp dev":       {errOf(otp.NewDevSender(otp.DevConfig{})), otp.ErrConfig},
		"qr":            {errOf(qr.New(qr.Config{})), qr.ErrConfig},
		"signature":     {errOf(signature.NewVerifier(signature.Config{})), signature.ErrConfig},
		"revocation":    {errOf(revocation.New(revocation.Config{Timeout: -1})), revocation.ErrConfig},
		"redis":         {errOf(redis.New(redis.Config{})), redis.ErrConfig},
		"ecp":           {errOf(ecp.New(ecp.Config{})), auth.ErrConfig},
		"passkey":       {errOf(passkey.New(passkey.Config{})), passkey.ErrConfig},
		"passkeyredis":  {errOf(passkeyredis.New(passkeyredis.Config{})), passkeyredis.ErrConfig},
		"qr factor":     {errOf(qrfactor.New(qrfactor.Config{})), auth.ErrConfig},
		"qrredis":       {errOf(qrredis.New(qrredis.Config{})), qrredis.ErrConfig},
		"sms":           {errOf(sms.New(sms.Config{})), auth.ErrConfig},
		"ecptest":       {errOf(ecptest.New(ecptest.Config{})), ecptest.ErrConfig},
		"passkeypg":     {errOf(passkeypg.New(passkeypg.Config{})), passkeypg.ErrConfig},
		"qrpg":          {errOf(qrpg.New(qrpg.Config{})), qrpg.ErrConfig},
		"phonepg":       {errOf(phonepg.New(phonepg.Config{})), phonepg.ErrConfig},
		"postgres":      {postgres.Migrate(context.Background(), nil, "no such schema!", "x", nil), postgres.ErrConfig},
		"lifecycle":     {errOf(lifecycle.New(lifecycle.Config{})), lifecycle.ErrConfig},
		"lifecyclehttp": {errOf(lifecyclehttp.New(nil, lifecyclehttp.Config{})), auth.ErrConfig},
		"authoidc":      {errOf(authoidc.New(authoidc.Config{})), auth.ErrConfig},
		"authprom":      {errOf(authprom.New(authprom.Config{Actions: []string{"a b"}})), auth.ErrConfig},
		"authotel":      {errOf(authotel.New(authotel.Config{Actions: []string{"a b"}})), auth.ErrConfig},
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
