package signature_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
)

func TestChallengeXMLForms(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 500, time.UTC)
	c, err := signature.NewChallenge(bytes.NewReader(make([]byte, 32)), binding, now, 0)
	require.NoError(t, err)
	assert.Equal(t, `<strongauth-challenge version="1"><origin>https://portal.example.kz</origin>`+
		`<flow>3f1c0a9be2d84c7f9a51d0c2b7e4a613</flow><action>login</action>`+
		`<nonce>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA</nonce>`+
		`<issued>2026-11-23T12:00:00Z</issued><expires>2026-11-23T12:03:00Z</expires></strongauth-challenge>`,
		string(c.XML(signature.XMLFormChallenge)))
	assert.Equal(t, `<login><timeTicket>1795435200000</timeTicket><sessionid>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA</sessionid></login>`,
		string(c.XML(signature.XMLFormLogin)))
	// Both are canonical already.
	for _, f := range []signature.XMLForm{signature.XMLFormChallenge, signature.XMLFormLogin} {
		canon, err := signature.CanonicalXML(c.XML(f))
		require.NoError(t, err)
		assert.Equal(t, c.XML(f), canon)
	}
	assert.Equal(t, "login", signature.XMLFormLogin.String())
	// Text is escaped as C14N writes it (&, <, >; quotes stay), and the
	// result is still canonical.
	odd := *c
	odd.Action, odd.Origin = `a&b<c>"d'`, "https://x.kz"
	assert.Contains(t, string(odd.XML(signature.XMLFormChallenge)), `<action>a&amp;b&lt;c&gt;"d'</action>`)
	canon, err := signature.CanonicalXML(odd.XML(signature.XMLFormChallenge))
	require.NoError(t, err)
	assert.Equal(t, odd.XML(signature.XMLFormChallenge), canon)
}

func TestVerifyChallengeXML(t *testing.T) {
	ctx := context.Background()
	for _, alg := range []devpki.Algorithm{devpki.GOST2015, devpki.RSA2048} {
		p := pkiFor(t, alg)
		v, _ := newVerifier(t, p, withIntermediates(p))
		for _, form := range []signature.XMLForm{signature.XMLFormChallenge, signature.XMLFormLogin} {
			t.Run(string(alg)+"/"+form.String(), func(t *testing.T) {
				ch := newChallenge(t, testNow())
				doc := signXML(t, p.Individual, string(ch.XML(form)), devpki.XMLOptions{CR: true})
				res, err := v.VerifyChallengeXML(ctx, doc, ch, binding, testNow().Add(time.Minute), signature.PurposeLogin(), form)
				require.NoError(t, err)
				assert.Equal(t, ch.XML(form), res.Content)
				// VerifyChallengeAny dispatches on the answer.
				_, err = v.VerifyChallengeAny(ctx, doc, ch, binding, testNow().Add(time.Minute), signature.PurposeLogin(), form)
				require.NoError(t, err)

				other := newChallenge(t, testNow())
				for name, c := range map[string]struct {
					doc  []byte
					ch   *signature.Challenge
					want signature.Binding
					at   time.Time
					form signature.XMLForm
					code string
				}{
					"another challenge's document": {signXML(t, p.Individual, string(other.XML(form)), devpki.XMLOptions{}), ch, binding, testNow(), form, "challenge_mismatch"},
					"another flow":                 {doc, ch, signature.Binding{Origin: binding.Origin, Flow: "other", Action: "login"}, testNow(), form, "challenge_mismatch"},
					"another origin":               {doc, ch, signature.Binding{Origin: "https://evil.example", Flow: binding.Flow, Action: "login"}, testNow(), form, "challenge_mismatch"},
					"expired":                      {doc, ch, binding, ch.ExpiresAt, form, "expired"},
					"the other form":               {doc, ch, binding, testNow(), 1 - form, "challenge_mismatch"},
					"tampered":                     {bytes.Replace(doc, []byte("</action>"), []byte(" </action>"), 1), ch, binding, testNow(), form, "challenge_mismatch"},
					"a CMS through the XML path":   {devpki.PEM(sign(t, p.Individual, ch.Marshal(), devpki.CMSOptions{})), ch, binding, testNow(), form, "malformed"},
				} {
					if name == "tampered" && form == signature.XMLFormLogin {
						c.doc = bytes.Replace(doc, []byte("</sessionid>"), []byte(" </sessionid>"), 1)
					}
					res, err := v.VerifyChallengeXML(ctx, c.doc, c.ch, c.want, c.at, signature.PurposeLogin(), c.form)
					assert.Nil(t, res, name)
					assert.Equal(t, c.code, signature.Code(err), "%s: %v", name, err)
				}
				_, err = v.VerifyChallengeXML(ctx, doc, nil, binding, testNow(), signature.PurposeLogin(), form)
				assert.Equal(t, "challenge_mismatch", signature.Code(err))
				_, err = v.VerifyChallengeXML(ctx, doc, ch, binding, testNow(), signature.PurposeLogin(), 7)
				assert.ErrorIs(t, err, signature.ErrConfig)
			})
		}
	}
}

func TestNCALayerXMLRequests(t *testing.T) {
	doc := []byte(`<login><timeTicket>1</timeTicket><sessionid>n</sessionid></login>`)
	r := signature.NewNCALayerXMLRequest(doc, signature.NCALayerOptions{EKU: []string{"1.3.6.1.5.5.7.3.2"}, Locale: "ru"})
	b, err := json.Marshal(r)
	require.NoError(t, err)
	assert.JSONEq(t, `{"module":"kz.gov.pki.knca.basics","method":"sign","args":{"allowedStorages":null,"format":"xml",
		"data":"<login><timeTicket>1</timeTicket><sessionid>n</sessionid></login>",
		"signingParams":{"decode":false,"encapsulate":true,"digested":false},
		"signerParams":{"extKeyUsageOids":["1.3.6.1.5.5.7.3.2"]},"locale":"ru"}}`, string(b))
	assert.NotContains(t, r.String(), "sessionid")

	l := signature.NewNCALayerSignXMLRequest(doc, "", "")
	b, err = json.Marshal(l)
	require.NoError(t, err)
	assert.JSONEq(t, `{"module":"kz.gov.pki.knca.commonUtils","method":"signXml",
		"args":["PKCS12","SIGNATURE","<login><timeTicket>1</timeTicket><sessionid>n</sessionid></login>","",""]}`, string(b))
	assert.NotContains(t, l.String(), "sessionid")

	for in, want := range map[string]string{
		`{"code":"200","responseObject":"<?xml version=\"1.0\"?><a/>"}`: `<?xml version="1.0"?><a/>`,
		`{"status":true,"body":{"result":["<a><ds:Signature/></a>"]}}`:  `<a><ds:Signature/></a>`,
	} {
		got, err := signature.ParseNCALayerResponse([]byte(in))
		require.NoError(t, err, in)
		assert.Equal(t, want, got)
	}
	for _, in := range []string{
		`{"code":"500","message":"action.canceled"}`,
		`{"code":"200"}`,
		`{"code":"200","responseObject":""}`,
		`{"code":"200","responseObject":{"x":1}}`,
	} {
		got, err := signature.ParseNCALayerResponse([]byte(in))
		assert.Empty(t, got, in)
		assert.ErrorIs(t, err, signature.ErrMalformed, in)
	}
}
