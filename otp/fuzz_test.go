package otp

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"
)

// FuzzParsePhone: parsing never panics; an error means the zero Phone; a
// number that parses round-trips through its E.164 form, and its masked
// form shows at most the country code and three more digits.
func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{"+7 701 234 56 12", "8 (701) 234-56-12", "+79123456789", "+7 7172 12 34 56",
		"+1 415 555 2671", "tel:+7-701-234-5612", "+7 701 234 56 12 ext. 9", "١٢٣", "+0", "++7701", ""} {
		f.Add(s, "KZ")
	}
	f.Add("+998 90 123 45 67", "")
	f.Fuzz(func(t *testing.T, raw, region string) {
		p, err := ParsePhone(raw, region)
		if err != nil {
			if !p.IsZero() {
				t.Fatalf("error %v with a non-zero phone", err)
			}
			return
		}
		e := p.E164()
		if len(e) < 8 || e[0] != '+' || strings.Trim(e[1:], "0123456789") != "" {
			t.Fatalf("not E.164: %q", e)
		}
		again, err := ParsePhone(e, "")
		if err != nil || !again.Equal(p) || again.Masked() != p.Masked() || again.Region() != p.Region() {
			t.Fatalf("%q does not round-trip: %v", e, err)
		}
		m := p.Masked()
		sp := strings.IndexByte(m, ' ')
		if !strings.HasPrefix(m, "+") || sp < 2 || strings.Trim(m[1:sp], "0123456789") != "" {
			t.Fatalf("masked %q does not start with +CC and a space", m)
		}
		shown := 0
		for _, c := range m {
			if c >= '0' && c <= '9' {
				shown++
			}
		}
		if shown > sp-1+3 {
			t.Fatalf("masked %q shows %d digits", m, shown)
		}
		if shown+strings.Count(m, "*") != len(e)-1 {
			t.Fatalf("masked %q does not cover the %d digits of the number", m, len(e)-1)
		}
	})
}

// FuzzVerifyInput: a hostile code submission never panics; it succeeds
// exactly when it is the right code (surrounding white space aside); a
// malformed one is refused without being counted; no error quotes it.
func FuzzVerifyInput(f *testing.F) {
	for _, s := range []string{"123456", " 123456\n", "123457", "12345", "1234567", "12345a", "١٢٣٤٥٦", "", "\x00\x00\x00\x00\x00\x00", strings.Repeat("9", 100)} {
		f.Add(s)
	}
	s := newTestService(f)
	phone := testPhone(f, "+77012345612")
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, input string) {
		// Each input has its own flow and account: the account lockout
		// (DefaultMaxFailures wrong codes with the clock standing still)
		// must not carry over from earlier inputs; TestLockoutSurvivesResend
		// and its neighbours cover it.
		flow := fmt.Sprintf("fuzz%d", n.Add(1))
		s.plant(t, flow, flow, phone, "123456")
		err := s.Verify(context.Background(), Attempt{Purpose: "login", FlowID: flow, Account: flow, Phone: phone, Code: input})
		_, wellFormed := s.normalizeCode(input)
		right := strings.TrimSpace(input) == "123456" && len(input) <= 64
		var wrong *WrongCodeError
		switch {
		case right && err != nil:
			t.Fatalf("the right code %q was refused: %v", input, err)
		case right:
		case err == nil:
			t.Fatalf("%q was accepted for 123456", input)
		case !wellFormed:
			if err != ErrMalformedCode {
				t.Fatalf("malformed %q: want exactly ErrMalformedCode, got %v", input, err)
			}
		case !errors.As(err, &wrong) || wrong.Remaining != int(s.maxAttempts)-1:
			t.Fatalf("wrong code %q: want the first wrong-code refusal, got %v", input, err)
		}
		// The error text is one of the fixed forms, so it cannot quote the
		// input. (Asserting only that the input is not a substring fails on
		// an input such as "ode", which every such text contains.)
		if err != nil && err.Error() != ErrMalformedCode.Error() && !fixedWrongCode.MatchString(err.Error()) {
			t.Fatalf("error %q is not one of the fixed texts", err)
		}
	})
}

// fixedWrongCode is the text of a *WrongCodeError.
var fixedWrongCode = regexp.MustCompile(`^otp: wrong code \([0-9]+ attempts left\)$`)

// FuzzRender: any template and action phrase that New accepts renders
// without panicking, keeps the origin-bound line last, and Segments gives a
// consistent count.
func FuzzRender(f *testing.F) {
	def := DefaultTemplates()
	for _, s := range []string{def.KK, def.RU, def.EN, "{action}{code}{domain}", "{action} {{code}}", "{action}\n@evil.example #000000"} {
		f.Add(s, "входа", "123456")
	}
	f.Add("{action}", "{code}", "0000000000")
	f.Add("\n{action}", "@evil.example", "123456") // a phrase as a second origin line
	f.Fuzz(func(t *testing.T, tmpl, phrase, code string) {
		if checkTemplate("en", tmpl) != nil || checkPhrase("p", "en", phrase) != nil {
			return
		}
		if len(code) < MinDigits || len(code) > MaxDigits || strings.Trim(code, "0123456789") != "" {
			return
		}
		text := render(tmpl, phrase, "example.kz", code)
		if !strings.HasSuffix(text, "\n@example.kz #"+code) {
			t.Fatalf("origin line not last: %q", text)
		}
		if strings.Count(text, "\n@") != 1 {
			t.Fatalf("more than one origin line: %q", text)
		}
		if !strings.Contains(text, phrase) {
			t.Fatalf("action phrase missing: %q", text)
		}
		enc, units, segs := Segments(text)
		single, part := 160, 153
		if enc == UCS2 {
			single, part = 70, 67
		}
		if units < utf8.RuneCountInString(text) || segs < 1 || (units <= single) != (segs == 1) || (segs > 1 && (segs-1)*part >= units) {
			t.Fatalf("Segments(%q) = %s, %d, %d", text, enc, units, segs)
		}
	})
}

// FuzzDecodeRecord: a stored record is decoded or refused, never a panic;
// what decodes re-encodes to the same bytes.
func FuzzDecodeRecord(f *testing.F) {
	r := &record{state: stateArmed}
	f.Add(r.encode())
	f.Add([]byte{})
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeRecord(b)
		if err != nil {
			if r != nil {
				t.Fatal("error with a non-nil record")
			}
			return
		}
		if got := r.encode(); string(got) != string(b) {
			t.Fatalf("round trip: %x -> %x", b, got)
		}
	})
}
