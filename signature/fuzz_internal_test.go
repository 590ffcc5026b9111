package signature

import (
	"bytes"
	"testing"
)

// FuzzBERToDER: the BER normaliser never panics; its output is DER that
// normalises to itself (idempotence), so that DER input passes through
// byte for byte; and parsing the output never panics.
func FuzzBERToDER(f *testing.F) {
	f.Add([]byte{0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00})
	f.Add([]byte{0x24, 0x80, 0x04, 0x01, 'a', 0x04, 0x01, 'b', 0x00, 0x00})
	f.Add([]byte{0x30, 0x81, 0x03, 0x02, 0x01, 0x05})
	f.Add([]byte{0x1f, 0x81, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := berToDER(in)
		if err != nil {
			if out != nil {
				t.Fatalf("error %v with output", err)
			}
			return
		}
		again, err := berToDER(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %x -> %x -> %x (%v)", in, out, again, err)
		}
		if sd, err := parseSignedData(out); (err == nil) == (sd == nil) {
			t.Fatalf("parse: %v with %v", sd, err)
		}
	})
}
