package ecp

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const pemSample = "-----BEGIN CMS-----\r\nMIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCAMIID\r\n-----END CMS-----\r\n"

// The scanner reads the shapes browsers send, and leaves everything else to
// encoding/json.
func TestFastInput(t *testing.T) {
	js, _ := json.Marshal(FinishInput{CMS: pemSample})
	for _, in := range []string{string(js), " {\n\t\"cms\" : \"" + "MIAG/+==" + "\" } ", `{"xml":"<?xml version=\"1.0\"?><a\/>"}`} {
		field, value, ok := fastInput([]byte(in))
		require.True(t, ok, in)
		var fi FinishInput
		require.NoError(t, json.Unmarshal([]byte(in), &fi))
		assert.Equal(t, fi.CMS+fi.XML, string(value))
		assert.Contains(t, []string{"cms", "xml"}, field)
	}
	for _, in := range []string{
		`{"CMS":"x"}`,           // encoding/json matches keys case-insensitively
		`{"cms":"x","cms":"y"}`, // duplicate keys: encoding/json keeps the last
		`{"cms":"x"}}`,          // trailing bytes
		`{"cms":""}`,            // empty
		`{"cms":"\u0041"}`,      // \u escapes
		`{"cms":"Алматы"}`,      // non-ASCII
		`{"ncalayer":{}}`,       // the NCALayer response
		"{\"cms\":\"a\tb\"}",    // a raw control character
		`{"cms":"a\x"}`,         // a bad escape
		`{"cms":"abc}`,          // unterminated
		`["cms","x"]`, `{"cms":1}`, ``,
	} {
		_, _, ok := fastInput([]byte(in))
		assert.False(t, ok, in)
	}
}

// Old challenge records (JSON) are still read.
func TestStoredChallengeJSON(t *testing.T) {
	doc := []byte("strongauth-challenge/v1\nnonce=x\n")
	old, _ := json.Marshal(storedJSON{Challenge: doc})
	got, err := storedChallenge(old)
	require.NoError(t, err)
	assert.Equal(t, doc, got)
	got, err = storedChallenge(append([]byte{storedV1}, doc...))
	require.NoError(t, err)
	assert.Equal(t, doc, got)
	_, err = storedChallenge([]byte("garbage"))
	assert.Error(t, err)
}

// FuzzParseInput: parsing never panics and an error means no answer; what
// the scanner accepts, encoding/json decodes to the same field and bytes.
func FuzzParseInput(f *testing.F) {
	js, _ := json.Marshal(FinishInput{CMS: pemSample})
	f.Add(js)
	f.Add([]byte(`{"xml":"<?xml version=\"1.0\"?><a\/>"}`))
	f.Add([]byte(`{"cms":"x","cms":"y"}`))
	f.Add([]byte(`{"ncalayer":{"status":true,"body":{"result":["MIIB"]}}}`))
	f.Add([]byte(` {"CMS" : "\u0041\n"} `))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := parseInput(in)
		if err != nil && out != nil {
			t.Fatal("error with an answer")
		}
		field, value, ok := fastInput(in)
		if !ok {
			return
		}
		var fi FinishInput
		dec := json.NewDecoder(bytes.NewReader(in))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&fi); err != nil || dec.More() {
			t.Fatalf("scanner accepted what encoding/json refuses: %v", err)
		}
		want := map[string]string{"cms": fi.CMS, "xml": fi.XML}[field]
		if want != string(value) || fi.CMS != "" && fi.XML != "" || len(fi.NCALayer) != 0 {
			t.Fatalf("scanner read %s=%q, encoding/json %+v", field, value, fi)
		}
	})
}

// BenchmarkParseInput: a PEM CMS answer read by the scanner beside
// encoding/json's Decoder.
func BenchmarkParseInput(b *testing.B) {
	pem := bytes.Repeat([]byte("MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCAMIID\r\n"), 40)
	in, _ := json.Marshal(FinishInput{CMS: "-----BEGIN CMS-----\r\n" + string(pem) + "-----END CMS-----\r\n"})
	b.Run("scanner", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parseInput(in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parseInputJSON(in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The word test agrees with the byte test on every byte in every position.
func TestPlainWord(t *testing.T) {
	plainByte := func(c byte) bool { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' }
	for c := range 256 {
		for pos := range 8 {
			w := uint64(0x4141414141414141)&^(0xff<<(8*pos)) | uint64(c)<<(8*pos)
			if plainWord(w) != plainByte(byte(c)) {
				t.Fatalf("byte %#x at %d: word %v", c, pos, plainWord(w))
			}
		}
	}
}
