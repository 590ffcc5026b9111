package sms

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/strongauth/strongauth/auth"
)

// FuzzFinishInput: the client's Finish JSON is parsed or refused, never a
// panic; a refusal yields no code and is auth.ErrInvalidInput; an accepted
// code round-trips through the documented form {"code": "…"}.
func FuzzFinishInput(f *testing.F) {
	for _, s := range []string{`{"code":"123456"}`, `{"code":123456}`, `{"code":"1","x":2}`, `{"code":"1"} x`, `{}`, `null`, `[]`, ``, `{"code":"\u0031"}`, `{"Code":"1"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		code, err := parseFinishInput(in)
		if err != nil {
			if code != "" {
				t.Fatalf("error %v with code %q", err, code)
			}
			if !errors.Is(err, auth.ErrInvalidInput) {
				t.Fatalf("error %v is not invalid input", err)
			}
			return
		}
		if code == "" {
			t.Fatal("accepted an empty code")
		}
		// The documented form, without HTML escaping; it may still be
		// longer than the input (U+2028 is written as \u2028), and one over
		// maxInput is refused.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(FinishInput{Code: code}); err != nil {
			t.Fatal(err)
		}
		b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		again, err := parseFinishInput(b)
		switch {
		case len(b) > maxInput:
			if again != "" || !errors.Is(err, auth.ErrInvalidInput) {
				t.Fatalf("a form of %d bytes was not refused: %v", len(b), err)
			}
		case err != nil || again != code:
			t.Fatalf("%q does not round-trip: %v", code, err)
		}
	})
}

// FuzzBeginInput: Begin accepts only no input (empty, null or {}, white
// space aside); everything else is refused as invalid input, and anything
// with seven digits as a phone in the request.
func FuzzBeginInput(f *testing.F) {
	for _, s := range []string{``, `{}`, ` null `, `{"phone":"+77012345678"}`, `{"a":1}`, `"87012345678"`, `[{"to":1}]`, `{"x":7.7e10}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		err := checkBeginInput(in)
		empty := bytes.TrimSpace(in)
		isEmpty := len(empty) == 0 || string(empty) == "null" || string(empty) == "{}"
		if (err == nil) != isEmpty {
			t.Fatalf("checkBeginInput(%q) = %v", in, err)
		}
		if err != nil && !errors.Is(err, auth.ErrInvalidInput) {
			t.Fatalf("error %v is not invalid input", err)
		}
		if !isEmpty && len(in) <= maxInput && digitCount(string(in)) >= 7 && !errors.Is(err, ErrPhoneInRequest) {
			t.Fatalf("%q has a number but is not refused as a phone", in)
		}
	})
}
