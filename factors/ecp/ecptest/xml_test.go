package ecptest_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/factors/ecp/ecptest"
	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// The simulator signs XML (basics format "xml" and the legacy
// commonUtils.signXml) with GOST-2015 and RSA keys, and the signed
// documents verify as the issued ones.
func TestSignXML(t *testing.T) {
	doc := []byte(`<login><timeTicket>1</timeTicket><sessionid>n</sessionid></login>`)
	for _, alg := range []devpki.Algorithm{devpki.GOST2015, devpki.RSA2048} {
		t.Run(string(alg), func(t *testing.T) {
			p := sigtest.NewPKI(t, alg)
			sim, err := ecptest.New(ecptest.Config{InsecureTestKeys: true, Keys: []ecptest.Key{ecptest.DevKey(p.Individual)}, Origins: []string{origin}})
			require.NoError(t, err)
			v, err := signature.NewVerifier(signature.Config{Roots: p.Roots(), Intermediates: []*x509.Certificate{p.CA.Cert},
				Now: fakeclock.New(sigtest.Epoch().Add(1e12)).Now, InsecureSkipRevocation: true})
			require.NoError(t, err)
			basics, err := json.Marshal(signature.NewNCALayerXMLRequest(doc, signature.NCALayerOptions{}))
			require.NoError(t, err)
			legacy, err := json.Marshal(signature.NewNCALayerSignXMLRequest(doc, "", ""))
			require.NoError(t, err)
			for name, req := range map[string][]byte{"basics": basics, "signXml": legacy} {
				resp := sim.Handle(context.Background(), req)
				b, err := json.Marshal(resp)
				require.NoError(t, err)
				signed, err := signature.ParseNCALayerResponse(b)
				require.NoError(t, err, "%s: %s", name, b)
				res, err := v.VerifyXML(context.Background(), []byte(signed), signature.VerifyOptions{Purpose: signature.PurposeLogin(), Content: doc})
				require.NoError(t, err, name)
				assert.Equal(t, sigtest.IIN, res.Signers[0].Identity.IIN)
			}
			assert.EqualValues(t, 2, sim.Signed())
		})
	}
}

func TestSignXMLRefusals(t *testing.T) {
	noXML := testKey(t, "900101300017", "")
	sim, err := ecptest.New(ecptest.Config{InsecureTestKeys: true, Keys: []ecptest.Key{noXML}, Origins: []string{origin},
		Approve: func(_ context.Context, r *ecptest.Request, _ *ecptest.Key) error {
			if strings.Contains(string(r.Args.Data), "cancel") {
				return ecptest.ErrCancelled
			}
			return nil
		}})
	require.NoError(t, err)
	req := func(v any) []byte { b, _ := json.Marshal(v); return b }
	r := sim.Handle(context.Background(), req(signature.NewNCALayerXMLRequest([]byte("<a/>"), signature.NCALayerOptions{})))
	assert.Equal(t, ecptest.CodeUnsupported, r.Code)
	for name, c := range map[string]struct {
		req  []byte
		code string
	}{
		"no XML key":    {req(signature.NewNCALayerSignXMLRequest([]byte("<a/>"), "", "")), ecptest.CodeUnsupported},
		"cancelled":     {req(signature.NewNCALayerSignXMLRequest([]byte("<cancel/>"), "", "")), "action.canceled"},
		"other method":  {[]byte(`{"module":"kz.gov.pki.knca.commonUtils","method":"getKeyInfo","args":[]}`), "unknown method"},
		"short args":    {[]byte(`{"module":"kz.gov.pki.knca.commonUtils","method":"signXml","args":["PKCS12"]}`), "args must be [storage, keyType, xml, …]"},
		"other storage": {req(signature.NewNCALayerSignXMLRequest([]byte("<a/>"), "AKKaztokenStore", "")), ecptest.CodeNoSuitableKey},
	} {
		r := sim.Handle(context.Background(), c.req)
		assert.Equal(t, "500", r.Code, name)
		assert.Equal(t, c.code, r.Message, name)
		assert.Empty(t, r.ResponseObject, name)
	}
}
