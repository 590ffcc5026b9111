package ecptest_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/digitorus/pkcs7"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/factors/ecp/ecptest"
)

const origin = "http://localhost:8080"

// testKey makes a self-signed ECDSA key in the NCA subject profile and a
// CMS signer over it (digitorus/pkcs7; the portal uses GOST keys from
// signature/devpki instead).
func testKey(t testing.TB, iin, bin string, eku ...x509.ExtKeyUsage) ecptest.Key {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	names := []pkix.AttributeTypeAndValue{
		{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "TEST " + iin},
		{Type: asn1.ObjectIdentifier{2, 5, 4, 5}, Value: "IIN" + iin},
	}
	if bin != "" {
		names = append(names, pkix.AttributeTypeAndValue{Type: asn1.ObjectIdentifier{2, 5, 4, 11}, Value: "BIN" + bin})
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{ExtraNames: names},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: eku,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return ecptest.Key{Certificate: cert, Sign: func(content []byte, attached bool) ([]byte, error) {
		sd, err := pkcs7.NewSignedData(content)
		if err != nil {
			return nil, err
		}
		sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
		if err := sd.AddSigner(cert, priv, pkcs7.SignerInfoConfig{}); err != nil {
			return nil, err
		}
		if !attached {
			sd.Detach()
		}
		return sd.Finish()
	}}
}

type fixture struct {
	sim  *ecptest.Sim
	url  string
	keys []ecptest.Key
}

func newFixture(t *testing.T, tweak func(*ecptest.Config)) *fixture {
	t.Helper()
	keys := []ecptest.Key{
		testKey(t, "880101300128", "", x509.ExtKeyUsageClientAuth),
		testKey(t, "920202450019", "123456789012", x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageEmailProtection),
	}
	cfg := ecptest.Config{InsecureTestKeys: true, Keys: keys, Origins: []string{origin}}
	if tweak != nil {
		tweak(&cfg)
	}
	sim, err := ecptest.New(cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &fixture{sim: sim, url: "ws" + strings.TrimPrefix(srv.URL, "http"), keys: keys}
}

// dial connects as a page on origin would, and reads the version message.
func (f *fixture) dial(t *testing.T, from string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{}
	if from != "" {
		h.Set("Origin", from)
	}
	c, _, err := websocket.Dial(ctx, f.url, &websocket.DialOptions{HTTPHeader: h})
	require.NoError(t, err)
	t.Cleanup(func() { c.CloseNow() })
	_, hello, err := c.Read(ctx)
	require.NoError(t, err)
	assert.JSONEq(t, `{"result":{"version":"1.4"}}`, string(hello))
	return c
}

func roundTrip(t *testing.T, c *websocket.Conn, req string) ecptest.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, c.Write(ctx, websocket.MessageText, []byte(req)))
	_, msg, err := c.Read(ctx)
	require.NoError(t, err)
	var r ecptest.Response
	require.NoError(t, json.Unmarshal(msg, &r), string(msg))
	return r
}

func signRequest(data string, attached bool, iin, bin string, eku ...string) string {
	args := map[string]any{
		"allowedStorages": nil, "format": "cms", "data": data,
		"signingParams": map[string]any{"decode": true, "encapsulate": attached, "digested": false},
		"signerParams":  map[string]any{"extKeyUsageOids": append([]string{}, eku...), "iin": iin, "bin": bin},
		"locale":        "ru",
	}
	b, _ := json.Marshal(map[string]any{"module": ecptest.Module, "method": "sign", "args": args})
	return string(b)
}

// parseCMS reads one PEM CMS of a result and returns it verified.
func parseCMS(t *testing.T, s string, detached []byte) *pkcs7.PKCS7 {
	t.Helper()
	block, rest := pem.Decode([]byte(s))
	require.NotNil(t, block)
	assert.Equal(t, "CMS", block.Type)
	assert.Empty(t, strings.TrimSpace(string(rest)))
	p7, err := pkcs7.Parse(block.Bytes)
	require.NoError(t, err)
	if detached != nil {
		p7.Content = detached
	}
	require.NoError(t, p7.Verify())
	return p7
}

func TestSignDetachedAndAttached(t *testing.T) {
	f := newFixture(t, nil)
	c := f.dial(t, origin)
	challenge := []byte("strongauth challenge \x00\x01")
	data := base64.StdEncoding.EncodeToString(challenge)

	r := roundTrip(t, c, signRequest(data, false, "", "", "1.3.6.1.5.5.7.3.2"))
	require.True(t, r.Status, r)
	require.Len(t, r.Body.Result, 1)
	p7 := parseCMS(t, r.Body.Result[0], challenge)
	assert.Equal(t, f.keys[0].Certificate.Raw, p7.GetOnlySigner().Raw, "the first matching key")

	r = roundTrip(t, c, signRequest(data, true, "", "", "1.3.6.1.5.5.7.3.2"))
	require.True(t, r.Status, r)
	p7 = parseCMS(t, r.Body.Result[0], nil)
	assert.Equal(t, challenge, p7.Content, "attached")

	// A tampered detached content does not verify: the signature is real.
	block, _ := pem.Decode([]byte(r.Body.Result[0]))
	p7, err := pkcs7.Parse(block.Bytes)
	require.NoError(t, err)
	p7.Content = []byte("other")
	assert.Error(t, p7.Verify())
	assert.Equal(t, int64(2), f.sim.Signed())
}

func TestSignerSelection(t *testing.T) {
	f := newFixture(t, nil)
	c := f.dial(t, origin)
	data := base64.StdEncoding.EncodeToString([]byte("x"))
	signer := func(r ecptest.Response) *x509.Certificate {
		require.True(t, r.Status, r)
		return parseCMS(t, r.Body.Result[0], []byte("x")).GetOnlySigner()
	}
	assert.Equal(t, f.keys[1].Certificate.Raw, signer(roundTrip(t, c, signRequest(data, false, "920202450019", ""))).Raw, "by IIN")
	assert.Equal(t, f.keys[1].Certificate.Raw, signer(roundTrip(t, c, signRequest(data, false, "", "123456789012"))).Raw, "by BIN")
	assert.Equal(t, f.keys[1].Certificate.Raw, signer(roundTrip(t, c, signRequest(data, false, "", "", "1.3.6.1.5.5.7.3.4"))).Raw, "by EKU")
	assert.Equal(t, "880101300128", f.keys[0].IIN())
	assert.Equal(t, "123456789012", f.keys[1].BIN())

	for name, req := range map[string]string{
		"unknown IIN":       signRequest(data, false, "000000000000", ""),
		"IIN and wrong BIN": signRequest(data, false, "920202450019", "999999999999"),
		"missing EKU":       signRequest(data, false, "880101300128", "", "1.3.6.1.5.5.7.3.4"),
		"storage":           strings.Replace(signRequest(data, false, "", ""), `"allowedStorages":null`, `"allowedStorages":["AKKaztokenStore"]`, 1),
	} {
		r := roundTrip(t, c, req)
		assert.False(t, r.Status, name)
		assert.Equal(t, ecptest.CodeNoSuitableKey, r.Code, name)
		assert.Nil(t, r.Body, name)
	}
}

func TestSeveralItems(t *testing.T) {
	f := newFixture(t, nil)
	c := f.dial(t, origin)
	a, b := base64.StdEncoding.EncodeToString([]byte("a")), base64.StdEncoding.EncodeToString([]byte("b"))
	req := strings.Replace(signRequest("", false, "", ""), `"data":""`, `"data":["`+a+`","`+b+`"]`, 1)
	r := roundTrip(t, c, req)
	require.True(t, r.Status, r)
	require.Len(t, r.Body.Result, 2)
	parseCMS(t, r.Body.Result[0], []byte("a"))
	parseCMS(t, r.Body.Result[1], []byte("b"))

	// Without decode the string itself is signed.
	req = strings.Replace(signRequest("plain text", false, "", ""), `"decode":true`, `"decode":false`, 1)
	r = roundTrip(t, c, req)
	require.True(t, r.Status, r)
	parseCMS(t, r.Body.Result[0], []byte("plain text"))
}

func TestCancelAndRefuse(t *testing.T) {
	var mode string
	var seen *ecptest.Request
	f := newFixture(t, func(c *ecptest.Config) {
		c.Approve = func(_ context.Context, req *ecptest.Request, _ *ecptest.Key) error {
			seen = req
			switch mode {
			case "cancel":
				return ecptest.ErrCancelled
			case "refuse":
				return errors.New("the token is locked")
			}
			return nil
		}
	})
	c := f.dial(t, origin)
	data := base64.StdEncoding.EncodeToString([]byte("x"))
	mode = "cancel"
	r := roundTrip(t, c, signRequest(data, false, "", ""))
	assert.True(t, r.Status, "NCALayer answers a cancelled dialog with a success status…")
	require.NotNil(t, r.Body)
	assert.Empty(t, r.Body.Result, "…and no result")
	assert.Equal(t, "ru", seen.Args.Locale)
	mode = "refuse"
	r = roundTrip(t, c, signRequest(data, false, "", ""))
	assert.False(t, r.Status)
	assert.Equal(t, ecptest.CodeRefused, r.Code)
	assert.NotContains(t, r.Message, "token is locked")
	assert.Zero(t, f.sim.Signed())
}

func TestBadRequests(t *testing.T) {
	f := newFixture(t, nil)
	c := f.dial(t, origin)
	data := base64.StdEncoding.EncodeToString([]byte("x"))
	good := signRequest(data, false, "", "")
	for _, tc := range []struct{ name, req, code string }{
		{"not json", `{"module":`, ecptest.CodeBadRequest},
		{"args not an object", `{"module":"kz.gov.pki.knca.basics","method":"sign","args":[1]}`, ecptest.CodeBadRequest},
		{"other module", strings.Replace(good, ecptest.Module, "kz.gov.pki.knca.other", 1), ecptest.CodeUnknownModule},
		{"other method", strings.Replace(good, `"method":"sign"`, `"method":"getKeyInfo"`, 1), ecptest.CodeUnknownMethod},
		{"other format", strings.Replace(good, `"format":"cms"`, `"format":"pdf"`, 1), ecptest.CodeUnsupported},
		{"digested", strings.Replace(good, `"digested":false`, `"digested":true`, 1), ecptest.CodeUnsupported},
		{"not base64", signRequest("%%%", false, "", ""), ecptest.CodeBadRequest},
		{"no data", strings.Replace(good, `"data":"`+data+`"`, `"data":[]`, 1), ecptest.CodeBadRequest},
		{"data not strings", strings.Replace(good, `"data":"`+data+`"`, `"data":{"a":1}`, 1), ecptest.CodeBadRequest},
		{"too many items", strings.Replace(good, `"data":"`+data+`"`, `"data":[`+strings.Repeat(`"eA==",`, 16)+`"eA=="]`, 1), ecptest.CodeBadRequest},
	} {
		r := roundTrip(t, c, tc.req)
		assert.False(t, r.Status, tc.name)
		assert.Equal(t, tc.code, r.Code, tc.name)
	}
	// A binary frame is refused but the connection stays usable.
	ctx := context.Background()
	require.NoError(t, c.Write(ctx, websocket.MessageBinary, []byte(good)))
	_, msg, err := c.Read(ctx)
	require.NoError(t, err)
	assert.Contains(t, string(msg), ecptest.CodeBadRequest)
	assert.True(t, roundTrip(t, c, good).Status)
}

func TestOriginsAndLimits(t *testing.T) {
	f := newFixture(t, func(c *ecptest.Config) { c.MaxMessage = 4096 })
	ctx := context.Background()
	h := http.Header{"Origin": {"https://evil.example"}}
	_, resp, err := websocket.Dial(ctx, f.url, &websocket.DialOptions{HTTPHeader: h})
	require.Error(t, err, "a page of another site cannot use the keys")
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	f.dial(t, "") // not a browser

	c := f.dial(t, origin)
	big := signRequest(strings.Repeat("A", 8192), false, "", "")
	require.NoError(t, c.Write(ctx, websocket.MessageText, []byte(big)))
	_, _, err = c.Read(ctx)
	require.Error(t, err, "an oversized request closes the connection")
	assert.Equal(t, websocket.StatusMessageTooBig, websocket.CloseStatus(err))
}

// TestConcurrentClients: many pages at once each get their own, valid
// signature.
func TestConcurrentClients(t *testing.T) {
	f := newFixture(t, nil)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := f.dial(t, origin)
			content := []byte{byte(i), 'x'}
			r := roundTrip(t, c, signRequest(base64.StdEncoding.EncodeToString(content), false, "", ""))
			if assert.True(t, r.Status) {
				parseCMS(t, r.Body.Result[0], content)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(20), f.sim.Signed())
}

func TestNewValidates(t *testing.T) {
	k := testKey(t, "880101300128", "")
	for name, cfg := range map[string]ecptest.Config{
		"no keys":      {Origins: []string{origin}},
		"no origins":   {Keys: []ecptest.Key{k}},
		"origin path":  {Keys: []ecptest.Key{k}, Origins: []string{origin + "/x"}},
		"key, no sign": {Keys: []ecptest.Key{{Certificate: k.Certificate}}, Origins: []string{origin}},
	} {
		cfg.InsecureTestKeys = true
		_, err := ecptest.New(cfg)
		assert.ErrorIs(t, err, ecptest.ErrConfig, name)
	}
	// Without the explicit acknowledgement the kit does not start at all.
	_, err := ecptest.New(ecptest.Config{Keys: []ecptest.Key{k}, Origins: []string{origin}})
	require.ErrorIs(t, err, ecptest.ErrConfig)
	assert.Contains(t, err.Error(), "InsecureTestKeys")
}

// FuzzHandle: any message gets an answer; a refusal carries a code and no
// result, a success a result per item.
func FuzzHandle(f *testing.F) {
	sim, err := ecptest.New(ecptest.Config{InsecureTestKeys: true, Keys: []ecptest.Key{testKey(f, "880101300128", "", x509.ExtKeyUsageClientAuth)}, Origins: []string{origin}})
	require.NoError(f, err)
	f.Add([]byte(signRequest("eA==", false, "", "", "1.3.6.1.5.5.7.3.2")))
	f.Add([]byte(signRequest("eA==", true, "880101300128", "")))
	f.Add([]byte(`{"module":"kz.gov.pki.knca.basics","method":"sign","args":{"format":"cms","data":["eA==","eQ=="],"signingParams":{"decode":false}}}`))
	f.Add([]byte(`{"module":"kz.gov.pki.knca.basics","method":"sign","args":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, msg []byte) {
		r := sim.Handle(context.Background(), msg)
		if r == nil {
			t.Fatal("no answer")
		}
		if !r.Status {
			if r.Code == "" || r.Body != nil {
				t.Fatalf("a refusal needs a code and no body: %+v", r)
			}
			return
		}
		if r.Body == nil || len(r.Body.Result) == 0 {
			t.Fatalf("success without a result: %+v", r)
		}
		for _, s := range r.Body.Result {
			if b, _ := pem.Decode([]byte(s)); b == nil || b.Type != "CMS" {
				t.Fatalf("result is not a PEM CMS: %q", s)
			}
		}
	})
}

// BenchmarkHandle is one sign request through the simulator, beside the
// raw CMS signature it wraps.
func BenchmarkHandle(b *testing.B) {
	k := testKey(b, "880101300128", "", x509.ExtKeyUsageClientAuth)
	sim, err := ecptest.New(ecptest.Config{InsecureTestKeys: true, Keys: []ecptest.Key{k}, Origins: []string{origin}})
	require.NoError(b, err)
	content := make([]byte, 200)
	req := []byte(signRequest(base64.StdEncoding.EncodeToString(content), false, "", "", "1.3.6.1.5.5.7.3.2"))
	b.Run("raw-sign", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := k.Sign(content, false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("handle", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if r := sim.Handle(context.Background(), req); !r.Status {
				b.Fatal(r.Code)
			}
		}
	})
}
