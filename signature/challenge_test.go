package signature_test

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
)

var binding = signature.Binding{Origin: "https://portal.example.kz", Flow: "3f1c0a9be2d84c7f9a51d0c2b7e4a613", Action: "login"}

func newChallenge(t *testing.T, now time.Time) *signature.Challenge {
	t.Helper()
	c, err := signature.NewChallenge(rand.Reader, binding, now, 0)
	require.NoError(t, err)
	return c
}

func TestChallengeFormat(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 500, time.UTC)
	zero := bytes.NewReader(make([]byte, 32))
	c, err := signature.NewChallenge(zero, binding, now, 0)
	require.NoError(t, err)
	want := "strongauth-challenge/v1\n" +
		"origin=https://portal.example.kz\n" +
		"flow=3f1c0a9be2d84c7f9a51d0c2b7e4a613\n" +
		"action=login\n" +
		"nonce=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n" +
		"issued=2026-11-23T12:00:00Z\n" +
		"expires=2026-11-23T12:03:00Z\n"
	assert.Equal(t, want, string(c.Marshal()))
	back, err := signature.ParseChallenge([]byte(want))
	require.NoError(t, err)
	assert.True(t, back.Equal(c))
	assert.Equal(t, signature.DefaultChallengeTTL, c.ExpiresAt.Sub(c.IssuedAt))
}

func TestChallengeNonceIsFresh(t *testing.T) {
	a, b := newChallenge(t, time.Now()), newChallenge(t, time.Now())
	assert.NotEqual(t, a.Nonce, b.Nonce)
	assert.False(t, a.Equal(b))
	assert.False(t, a.Equal(nil))
}

func TestChallengeRefusesNonCanonical(t *testing.T) {
	good := string(newChallenge(t, time.Now()).Marshal())
	mutations := map[string]string{
		"no final newline":   strings.TrimSuffix(good, "\n"),
		"CRLF":               strings.ReplaceAll(good, "\n", "\r\n"),
		"extra line":         good + "extra=1\n",
		"reordered":          strings.Replace(strings.Replace(good, "flow=", "FLOW=", 1), "action=", "flow=", 1),
		"other magic":        strings.Replace(good, "v1", "v2", 1),
		"space after =":      strings.Replace(good, "action=", "action= ", 1),
		"upper-case origin":  strings.Replace(good, "https://portal", "https://PORTAL", 1),
		"origin with a path": strings.Replace(good, ".kz\n", ".kz/login\n", 1),
		"short nonce":        strings.Replace(good, "nonce=", "nonce=A", 1),
		"padded nonce":       strings.Replace(good, "\nissued", "=\nissued", 1),
		"local time":         strings.Replace(good, "Z\nexpires", "+05:00\nexpires", 1),
		"fractional seconds": strings.Replace(good, "Z\nexpires", ".5Z\nexpires", 1),
		"bad action":         strings.Replace(good, "action=login", "action=Login", 1),
		"empty flow":         strings.Replace(good, "flow=3f1c0a9be2d84c7f9a51d0c2b7e4a613", "flow=", 1),
		"expiry before issue": func() string {
			c := newChallenge(t, time.Now())
			c.ExpiresAt = c.IssuedAt.Add(-time.Second)
			return string(c.Marshal())
		}(),
		"huge": good + strings.Repeat("x", 4096),
	}
	for name, m := range mutations {
		t.Run(name, func(t *testing.T) {
			c, err := signature.ParseChallenge([]byte(m))
			require.ErrorIs(t, err, signature.ErrChallengeMismatch)
			assert.Nil(t, c)
		})
	}
}

func TestChallengeCheck(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	c := newChallenge(t, now)
	require.NoError(t, c.Check(binding, now))
	require.NoError(t, c.Check(binding, now.Add(signature.DefaultChallengeTTL-time.Second)))
	cases := map[string]struct {
		b    signature.Binding
		at   time.Time
		want error
	}{
		"other flow":    {signature.Binding{Origin: binding.Origin, Flow: "aaaa", Action: binding.Action}, now, signature.ErrChallengeMismatch},
		"other origin":  {signature.Binding{Origin: "https://evil.example", Flow: binding.Flow, Action: binding.Action}, now, signature.ErrChallengeMismatch},
		"other action":  {signature.Binding{Origin: binding.Origin, Flow: binding.Flow, Action: "sign-contract"}, now, signature.ErrChallengeMismatch},
		"at expiry":     {binding, now.Add(signature.DefaultChallengeTTL), signature.ErrExpired},
		"late":          {binding, now.Add(time.Hour), signature.ErrExpired},
		"issued future": {binding, now.Add(-2 * time.Minute), signature.ErrExpired},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := c.Check(tc.b, tc.at)
			require.ErrorIs(t, err, tc.want)
		})
	}
	assert.Equal(t, "expired", signature.Code(c.Check(binding, now.Add(time.Hour))))
	assert.Equal(t, "challenge_mismatch", signature.Code(c.Check(signature.Binding{}, now)))
}

func TestNewChallengeValidates(t *testing.T) {
	now := time.Now()
	for name, b := range map[string]signature.Binding{
		"no origin":       {Flow: "f", Action: "login"},
		"origin path":     {Origin: "https://a.kz/x", Flow: "f", Action: "login"},
		"origin query":    {Origin: "https://a.kz?x=1", Flow: "f", Action: "login"},
		"origin userinfo": {Origin: "https://u@a.kz", Flow: "f", Action: "login"},
		"flow newline":    {Origin: "https://a.kz", Flow: "f\nx", Action: "login"},
		"action newline":  {Origin: "https://a.kz", Flow: "f", Action: "login\nnonce=x"},
		"long flow":       {Origin: "https://a.kz", Flow: strings.Repeat("f", 129), Action: "login"},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := signature.NewChallenge(rand.Reader, b, now, 0)
			require.Error(t, err)
			assert.Nil(t, c)
		})
	}
	_, err := signature.NewChallenge(rand.Reader, binding, now, time.Hour)
	require.ErrorIs(t, err, signature.ErrConfig)
	_, err = signature.NewChallenge(failingReader{}, binding, now, 0)
	require.Error(t, err)
	c, err := signature.NewChallenge(rand.Reader, signature.Binding{Origin: "HTTPS://Portal.Example.KZ:8443", Flow: "F_1-x", Action: "sign-contract"}, now, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, "https://portal.example.kz:8443", c.Origin, "origins are compared in lower case")
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

// The nonce never appears when a challenge is printed or logged.
func TestChallengeRedacted(t *testing.T) {
	c := newChallenge(t, time.Now())
	nonce := base64.RawURLEncoding.EncodeToString(c.Nonce[:])
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "challenge", c, "value", *c)
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", *c, *c, *c, c), logged.String()} {
		assert.NotContains(t, s, nonce)
		assert.NotContains(t, s, c.Flow)
		assert.Contains(t, s, "REDACTED")
	}
}

// VerifyChallenge: the whole anti-relay check.
func TestVerifyChallenge(t *testing.T) {
	for _, alg := range allAlgorithms {
		t.Run(string(alg), func(t *testing.T) {
			p := pkiFor(t, alg)
			v, _ := newVerifier(t, p)
			now := testNow()
			ch := newChallenge(t, now)
			signAt := func(c *signature.Challenge, o devpki.CMSOptions) []byte {
				o.Chain = true
				o.SigningTime = now.Add(30 * time.Second)
				return sign(t, p.Individual, c.Marshal(), o)
			}
			res, err := v.VerifyChallenge(ctx, signAt(ch, devpki.CMSOptions{}), ch, binding, now.Add(time.Minute), signature.PurposeLogin())
			require.NoError(t, err)
			assert.Equal(t, ch.Marshal(), res.Content)
			res, err = v.VerifyChallenge(ctx, signAt(ch, devpki.CMSOptions{Attached: true}), ch, binding, now.Add(time.Minute), signature.PurposeLogin())
			require.NoError(t, err)
			assert.False(t, res.Detached)

			other := newChallenge(t, now)
			cases := []struct {
				name string
				cms  []byte
				b    signature.Binding
				at   time.Time
				want error
			}{
				{"another challenge (detached)", signAt(other, devpki.CMSOptions{}), binding, now, signature.ErrDigestMismatch},
				{"another challenge (attached)", signAt(other, devpki.CMSOptions{Attached: true}), binding, now, signature.ErrContentMismatch},
				{"late", signAt(ch, devpki.CMSOptions{}), binding, ch.ExpiresAt, signature.ErrExpired},
				{"another flow", signAt(ch, devpki.CMSOptions{}), signature.Binding{Origin: binding.Origin, Flow: "other", Action: "login"}, now, signature.ErrChallengeMismatch},
				{"another origin", signAt(ch, devpki.CMSOptions{}), signature.Binding{Origin: "https://phish.example", Flow: binding.Flow, Action: "login"}, now, signature.ErrChallengeMismatch},
				{"signed long before the challenge", sign(t, p.Individual, ch.Marshal(), devpki.CMSOptions{Chain: true, SigningTime: now.Add(-time.Hour)}), binding, now, signature.ErrSigningTime},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					res, err := v.VerifyChallenge(ctx, c.cms, ch, c.b, c.at, signature.PurposeLogin())
					require.ErrorIs(t, err, c.want)
					assert.Nil(t, res)
				})
			}
			_, err = v.VerifyChallenge(ctx, signAt(ch, devpki.CMSOptions{}), nil, binding, now, signature.PurposeLogin())
			require.ErrorIs(t, err, signature.ErrChallengeMismatch)
		})
	}
}

func TestNCALayerRequest(t *testing.T) {
	ch := newChallenge(t, time.Now())
	req := signature.NewNCALayerRequest(ch.Marshal(), signature.NCALayerOptions{IIN: "900101300017", EKU: signature.PurposeSign().NCALayerEKU, Locale: "kk"})
	b, err := json.Marshal(req)
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(b, &got))
	args := got["args"].(map[string]any)
	assert.Equal(t, "kz.gov.pki.knca.basics", got["module"])
	assert.Equal(t, "sign", got["method"])
	assert.Equal(t, "cms", args["format"])
	assert.Nil(t, args["allowedStorages"])
	assert.Equal(t, map[string]any{"decode": true, "encapsulate": false, "digested": false}, args["signingParams"])
	assert.Equal(t, map[string]any{"extKeyUsageOids": []any{"1.3.6.1.5.5.7.3.4"}, "iin": "900101300017"}, args["signerParams"])
	assert.Equal(t, "kk", args["locale"])
	data, err := base64.StdEncoding.DecodeString(args["data"].(string))
	require.NoError(t, err)
	assert.Equal(t, ch.Marshal(), data)
	assert.NotContains(t, req.String(), args["data"].(string))

	req = signature.NewNCALayerRequest([]byte("x"), signature.NCALayerOptions{Attached: true, AllowedStorages: []string{"PKCS12"}})
	b, err = json.Marshal(req)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"encapsulate":true`)
	assert.Contains(t, string(b), `"extKeyUsageOids":[]`, "an empty filter is an array, never null")
	assert.Contains(t, string(b), `"allowedStorages":["PKCS12"]`)
}

func TestParseNCALayerResponse(t *testing.T) {
	for name, in := range map[string]string{
		"array":  `{"status":true,"body":{"result":["-----BEGIN CMS-----\nMII=\n-----END CMS-----"]}}`,
		"string": `{"status":true,"body":{"result":"-----BEGIN CMS-----\nMII=\n-----END CMS-----"}}`,
	} {
		got, err := signature.ParseNCALayerResponse([]byte(in))
		require.NoError(t, err, name)
		assert.Equal(t, "-----BEGIN CMS-----\nMII=\n-----END CMS-----", got)
	}
	for name, in := range map[string]string{
		"cancelled":   `{"status":false,"code":"USER_CANCELLED","message":"cancelled"}`,
		"two results": `{"status":true,"body":{"result":["a","b"]}}`,
		"no result":   `{"status":true,"body":{}}`,
		"empty":       `{"status":true,"body":{"result":[""]}}`,
		"not JSON":    `<html>`,
		"number":      `{"status":true,"body":{"result":5}}`,
	} {
		got, err := signature.ParseNCALayerResponse([]byte(in))
		require.ErrorIs(t, err, signature.ErrMalformed, name)
		assert.Empty(t, got)
	}
}

func TestNewVerifierConfig(t *testing.T) {
	p := pkiFor(t, devpki.ECDSAP256)
	ok := signature.Config{Roots: p.Roots(), InsecureSkipRevocation: true}
	_, err := signature.NewVerifier(ok)
	require.NoError(t, err)
	bad := map[string]func(c *signature.Config){
		"no roots":                 func(c *signature.Config) { c.Roots = nil },
		"no revocation checker":    func(c *signature.Config) { c.InsecureSkipRevocation = false },
		"checker and insecure":     func(c *signature.Config) { c.Revocation = &okChecker{} },
		"leaf as root":             func(c *signature.Config) { c.Roots = []*x509.Certificate{p.Individual.Cert} },
		"nil root":                 func(c *signature.Config) { c.Roots = []*x509.Certificate{nil} },
		"leaf as intermediate":     func(c *signature.Config) { c.Intermediates = []*x509.Certificate{p.Head.Cert} },
		"negative signers":         func(c *signature.Config) { c.MaxSigners = -1 },
		"too many signers":         func(c *signature.Config) { c.MaxSigners = 1000 },
		"negative input size":      func(c *signature.Config) { c.MaxInputSize = -1 },
		"huge skew":                func(c *signature.Config) { c.SigningTimeSkew = 2 * time.Hour },
		"negative cache":           func(c *signature.Config) { c.CacheSize = -1 },
		"profile without IIN attr": func(c *signature.Config) { c.Profile = &signature.Profile{Name: "x", IDDigits: 12} },
	}
	for name, mod := range bad {
		t.Run(name, func(t *testing.T) {
			c := ok
			mod(&c)
			v, err := signature.NewVerifier(c)
			require.ErrorIs(t, err, signature.ErrConfig)
			assert.Nil(t, v)
			assert.Equal(t, "config", signature.Code(err))
		})
	}
}

func TestPurposeValidate(t *testing.T) {
	require.NoError(t, signature.PurposeLogin().Validate())
	require.NoError(t, signature.PurposeSign().Validate())
	for name, p := range map[string]signature.Purpose{
		"zero":              {},
		"empty combination": {Name: "x", EKU: [][]string{{}}},
		"not an OID":        {Name: "x", EKU: [][]string{{"clientAuth"}}},
		"leading zero":      {Name: "x", EKU: [][]string{{"1.03.4"}}},
	} {
		require.ErrorIs(t, p.Validate(), signature.ErrConfig, name)
	}
}

// Every sentinel has its own stable code.
func TestCodes(t *testing.T) {
	codes := signature.Codes()
	seen := map[string]bool{}
	for _, c := range codes {
		require.NotEmpty(t, c)
		require.False(t, seen[c], "duplicate code %q", c)
		seen[c] = true
	}
	for _, want := range []string{"chain_untrusted", "digest_mismatch", "revoked", "expired", "key_usage", "unsupported_algorithm", "malformed", "replayed"} {
		assert.True(t, seen[want], want)
	}
	assert.Equal(t, "", signature.Code(nil))
	assert.Equal(t, "internal", signature.Code(errors.New("x")))
	assert.Equal(t, "revoked", signature.Code(fmt.Errorf("wrapped: %w", &signature.CertificateError{Err: signature.ErrRevoked})))
}
