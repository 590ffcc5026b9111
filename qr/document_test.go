package qr_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/qr"
)

const (
	testDevice  = "AAECAwQFBgcICQoLDA0ODw"                      // 16 bytes
	testSession = "EBESExQVFhcYGRobHB0eHw"                      // 16 bytes
	testChal    = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8" // 32 bytes
	testHex     = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	testFrame   = "strongauth." + testSession + ".7." + testHex
)

func sampleDocs() []*qr.Document {
	return []*qr.Document{
		{Type: qr.DocEnrol, Challenge: testChal, Key: testHex, Name: "Айгерім's iPhone 15", Time: 1795000000},
		{Type: qr.DocScan, Device: testDevice, Frame: testFrame, Time: 1795000001},
		{Type: qr.DocApprove, Device: testDevice, Session: testSession, Number: 42, Action: testHex, Time: 1795000002},
		{Type: qr.DocDeny, Device: testDevice, Session: testSession, Time: 0},
	}
}

func TestDocumentRoundTrip(t *testing.T) {
	for _, d := range sampleDocs() {
		b := d.Marshal()
		got, err := qr.ParseDocument(b)
		require.NoError(t, err, string(b))
		assert.Equal(t, d, got)
		assert.Equal(t, b, got.Marshal())
	}
	assert.Equal(t, "strongauth-qr/1\ntype=approve\ndevice="+testDevice+"\nsession="+testSession+
		"\nnumber=42\naction="+testHex+"\ntime=1795000002\n", string(sampleDocs()[2].Marshal()))
}

func TestParseDocumentRefusesNonCanonical(t *testing.T) {
	good := string(sampleDocs()[2].Marshal())
	bad := map[string]string{
		"no final newline":   strings.TrimSuffix(good, "\n"),
		"CRLF":               strings.ReplaceAll(good, "\n", "\r\n"),
		"extra newline":      good + "\n",
		"wrong header":       strings.Replace(good, "strongauth-qr/1", "strongauth-qr/2", 1),
		"unknown type":       strings.Replace(good, "type=approve", "type=approval", 1),
		"type mismatch":      strings.Replace(good, "type=approve", "type=deny", 1),
		"leading zero time":  strings.Replace(good, "time=1795000002", "time=01795000002", 1),
		"negative time":      strings.Replace(good, "time=1795000002", "time=-1", 1),
		"number 09":          strings.Replace(good, "number=42", "number=09", 1),
		"number 100":         strings.Replace(good, "number=42", "number=100", 1),
		"number +4":          strings.Replace(good, "number=42", "number=+4", 1),
		"upper-case hex":     strings.Replace(good, testHex, strings.ToUpper(testHex), 1),
		"space after =":      strings.Replace(good, "number=42", "number= 42", 1),
		"fields swapped":     strings.Replace(strings.Replace(good, "number=42\n", "", 1), "time=", "number=42\ntime=", 1),
		"extra field":        strings.Replace(good, "time=", "x=1\ntime=", 1),
		"repeated field":     strings.Replace(good, "number=42\n", "number=42\nnumber=42\n", 1),
		"device too short":   strings.Replace(good, testDevice, testDevice[:21], 1),
		"device non-strict":  strings.Replace(good, testDevice, testDevice[:21]+"x", 1),
		"session with a dot": strings.Replace(good, testSession, "EBESExQVFhcYGRobHB0e.w", 1),
		"invalid UTF-8":      good[:20] + "\xff" + good[21:],
		"empty":              "",
	}
	for name, s := range bad {
		d, err := qr.ParseDocument([]byte(s))
		assert.ErrorIs(t, err, qr.ErrMalformed, name)
		assert.Nil(t, d, name)
	}
	enrol := string(sampleDocs()[0].Marshal())
	for name, n := range map[string]string{
		"newline in name":  "a\nb",
		"bidi override":    "iPhone\u202e",
		"leading space":    " phone",
		"trailing space":   "phone ",
		"control":          "pho\x01ne",
		"too long":         strings.Repeat("я", qr.MaxNameRunes+1),
		"zero-width joins": "ph\u200done",
	} {
		s := strings.Replace(enrol, "Айгерім's iPhone 15", n, 1)
		_, err := qr.ParseDocument([]byte(s))
		assert.ErrorIs(t, err, qr.ErrMalformed, name)
	}
	_, err := qr.ParseDocument([]byte(strings.Repeat("a", qr.MaxDocument+1)))
	assert.ErrorIs(t, err, qr.ErrMalformed)
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return k
}

func TestSignVerifyASN1AndRaw(t *testing.T) {
	k, other := newKey(t), newKey(t)
	d := sampleDocs()[2]
	s, err := qr.Sign(k, nil, d)
	require.NoError(t, err)
	sig, err := base64.RawURLEncoding.DecodeString(s.Sig)
	require.NoError(t, err)
	assert.True(t, qr.VerifySignature(&k.PublicKey, []byte(s.Doc), sig))
	assert.False(t, qr.VerifySignature(&other.PublicKey, []byte(s.Doc), sig), "another key")
	tampered := strings.Replace(s.Doc, "number=42", "number=43", 1)
	assert.False(t, qr.VerifySignature(&k.PublicKey, []byte(tampered), sig), "tampered document")

	// The raw r‖s form (WebCrypto) verifies too.
	h := sha256.Sum256([]byte(s.Doc))
	r, ss, err := ecdsa.Sign(rand.Reader, k, h[:])
	require.NoError(t, err)
	raw := make([]byte, 64)
	r.FillBytes(raw[:32])
	ss.FillBytes(raw[32:])
	assert.True(t, qr.VerifySignature(&k.PublicKey, []byte(s.Doc), raw))
	raw[5] ^= 1
	assert.False(t, qr.VerifySignature(&k.PublicKey, []byte(s.Doc), raw))
}

func TestOpenSigned(t *testing.T) {
	k := newKey(t)
	s, err := qr.Sign(k, nil, sampleDocs()[2])
	require.NoError(t, err)
	body := `{"doc":` + jsonString(s.Doc) + `,"sig":"` + s.Sig + `"}`
	o, err := qr.OpenSigned([]byte(body), qr.DocApprove)
	require.NoError(t, err)
	assert.Equal(t, 42, o.Doc.Number)
	assert.Equal(t, []byte(s.Doc), o.Raw)

	for name, b := range map[string]string{
		"wrong type":      body,
		"unknown field":   strings.Replace(body, `{"doc"`, `{"x":1,"doc"`, 1),
		"trailing data":   body + `{}`,
		"not JSON":        `doc=1`,
		"padded sig":      strings.Replace(body, s.Sig, s.Sig+"==", 1),
		"short sig":       strings.Replace(body, s.Sig, "AAAA", 1),
		"key on approval": strings.Replace(body, `"sig"`, `"key":"AAAA","sig"`, 1),
		"too large":       body + strings.Repeat(" ", qr.MaxEnvelope),
	} {
		want := qr.DocApprove
		if name == "wrong type" {
			want = qr.DocDeny
		}
		o, err := qr.OpenSigned([]byte(b), want)
		assert.ErrorIs(t, err, qr.ErrMalformed, name)
		assert.Nil(t, o, name)
	}
	// An enrolment request must carry the key.
	e, err := qr.Sign(k, nil, sampleDocs()[0])
	require.NoError(t, err)
	_, err = qr.OpenSigned([]byte(`{"doc":`+jsonString(e.Doc)+`,"sig":"`+e.Sig+`"}`), qr.DocEnrol)
	assert.ErrorIs(t, err, qr.ErrMalformed)
}

func TestParsePublicKeyRequiresP256(t *testing.T) {
	k := newKey(t)
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	require.NoError(t, err)
	pub, err := qr.ParsePublicKey(der)
	require.NoError(t, err)
	assert.True(t, pub.Equal(&k.PublicKey))

	k384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	der384, err := x509.MarshalPKIXPublicKey(&k384.PublicKey)
	require.NoError(t, err)
	_, err = qr.ParsePublicKey(der384)
	assert.ErrorIs(t, err, qr.ErrBadKey)
	_, err = qr.ParsePublicKey([]byte("garbage"))
	assert.ErrorIs(t, err, qr.ErrBadKey)
}

func TestFrameRoundTripAndRedaction(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	f := qr.Frame{Prefix: "strongauth", Token: testSession, T: 17, MAC: qr.FrameMAC(secret, 17)}
	c := f.Content()
	got, err := qr.ParseFrame(c)
	require.NoError(t, err)
	assert.Equal(t, f, got)
	assert.Equal(t, c, got.Content())
	// BankID's construction: the MAC is over the decimal seconds.
	assert.NotEqual(t, qr.FrameMAC(secret, 17), qr.FrameMAC(secret, 18))
	for _, s := range []string{f.String(), f.GoString()} {
		assert.NotContains(t, s, testSession)
		assert.NotContains(t, s, c[len(c)-64:])
	}
	for name, s := range map[string]string{
		"three parts":      "strongauth." + testSession + ".17",
		"five parts":       c + ".1",
		"upper prefix":     strings.Replace(c, "strongauth", "StrongAuth", 1),
		"leading zero t":   strings.Replace(c, ".17.", ".017.", 1),
		"negative t":       strings.Replace(c, ".17.", ".-1.", 1),
		"huge t":           strings.Replace(c, ".17.", ".100000.", 1),
		"short MAC":        c[:len(c)-2],
		"upper MAC":        c[:len(c)-64] + strings.ToUpper(c[len(c)-64:]),
		"token too long":   strings.Replace(c, testSession, testSession+"A", 1),
		"empty":            "",
		"prefix too long":  strings.Repeat("a", 40) + c[len("strongauth"):],
		"prefix digit":     strings.Replace(c, "strongauth", "1sa", 1),
		"token with slash": strings.Replace(c, testSession, "EBESExQVFhcYGRobHB0e/w", 1),
	} {
		_, err := qr.ParseFrame(s)
		assert.ErrorIs(t, err, qr.ErrMalformed, name)
	}
}

func TestBrowserOS(t *testing.T) {
	cases := map[string][2]string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36":                  {"Chrome", "Windows"},
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15":               {"Safari", "macOS"},
		"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0":                                                           {"Firefox", "Linux"},
		"Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36 YaBrowser/24.10":         {"Yandex Browser", "Android"},
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0 Mobile/15E148 Safari": {"Chrome", "iOS"},
		"Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0":                        {"Edge", "Windows"},
		"curl/8.5.0": {"script", "unknown"},
		"":           {"unknown", "unknown"},
		"<script>alert(1)</script> Bank of Kazakhstan official": {"unknown", "unknown"},
	}
	for ua, want := range cases {
		b, o := qr.BrowserOS(ua)
		assert.Equal(t, want, [2]string{b, o}, ua)
	}
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '\n':
			b.WriteString(`\n`)
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
