package authhttp

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
)

// netHTTPCookie is what net/http reads: the reference for cookie.
func netHTTPCookie(lines []string, name string) (string, bool) {
	r := &http.Request{Header: http.Header{"Cookie": lines}}
	c, err := r.Cookie(name)
	if err != nil {
		return "", false
	}
	return c.Value, true
}

var cookieLines = [][]string{
	nil, {}, {""}, {";"}, {"strongauth"}, {"strongauth="}, {"strongauth=v"}, {" strongauth = v "},
	{"strongauth=\"v\""}, {"strongauth=\""}, {"strongauth=\"\""}, {"strongauth=\"v"}, {"strongauth=a\"b"},
	{"strongauth=a b"}, {"strongauth=a,b"}, {"strongauth=a\\b"}, {"strongauth=a\x7fb", "strongauth=ok"},
	{"strongauth=\xff"}, {"strongauth=a\tb"}, {"\tstrongauth=v\t"}, {"x=1; strongauth=v; strongauth=w"},
	{"x=1;strongauth=bad\x01;strongauth=good"}, {"x=1", "strongauth=second-line"}, {"Strongauth=v"},
	{"strongauthx=v"}, {"xstrongauth=v"}, {"strong auth=v"}, {"=v; strongauth=w"}, {"strongauth==v="},
	{";;; strongauth=v ;;;"}, {"strongauth=v;", "strongauth=w"}, {"__Host-strongauth=v; strongauth=w"},
	{strings.Repeat("a=1;", 2999) + "strongauth=v"}, {strings.Repeat("a=1;", 3000) + "strongauth=v"},
	{strings.Repeat("a=1;", 1500), strings.Repeat("b=1;", 1499) + "strongauth=v"},
	{strings.Repeat("a=1;", 1500), strings.Repeat("b=1;", 1500) + "strongauth=v"},
}

func TestCookieMatchesNetHTTP(t *testing.T) {
	for _, lines := range cookieLines {
		for _, name := range []string{"strongauth", "__Host-strongauth", "x"} {
			v, ok := cookie(http.Header{"Cookie": lines}, name)
			wv, wok := netHTTPCookie(lines, name)
			if v != wv || ok != wok {
				t.Errorf("%.60q, %s: got %q %v, want %q %v", lines, name, v, ok, wv, wok)
			}
		}
	}
}

func FuzzCookie(f *testing.F) {
	for _, lines := range cookieLines {
		if len(lines) == 1 && len(lines[0]) < 100 {
			f.Add(lines[0], "", "strongauth")
		}
	}
	f.Add("a=1", "strongauth=\"x\"", "strongauth")
	f.Fuzz(func(t *testing.T, line1, line2, name string) {
		if (&http.Cookie{Name: name, Value: "v"}).Valid() != nil {
			return // New refuses such a name
		}
		for _, lines := range [][]string{{line1}, {line1, line2}} {
			v, ok := cookie(http.Header{"Cookie": lines}, name)
			wv, wok := netHTTPCookie(lines, name)
			if v != wv || ok != wok {
				t.Fatalf("%q, %q: got %q %v, want %q %v", lines, name, v, ok, wv, wok)
			}
		}
	})
}

func TestCSRFToken(t *testing.T) {
	for _, c := range [][2]string{{"", ""}, {strings.Repeat("b", 43), "0123456789abcdef0123456789abcdef"},
		{strings.Repeat("b", 128), strings.Repeat("f", 300)}, {"\x00", "\xff"}} {
		sum := sha256.Sum256([]byte("strongauth/csrf\x00" + c[0] + "\x00" + c[1]))
		want := base64.RawURLEncoding.EncodeToString(sum[:])
		if got := CSRFToken(c[0], c[1]); got != want || len(got) != csrfLen {
			t.Errorf("CSRFToken(%q, %q) = %q, want %q", c[0], c[1], got, want)
		}
		r, _ := http.NewRequest("POST", "http://localhost/", nil)
		h := &Handler{}
		for _, tok := range []string{"", want[:42], want + "A", strings.ToUpper(want), "A" + want[1:]} {
			if tok == want {
				continue
			}
			r.Header.Set(CSRFHeader, tok)
			if h.checkCSRF(r, c[0], c[1]) == nil {
				t.Errorf("token %q accepted", tok)
			}
		}
		r.Header.Set(CSRFHeader, want)
		if err := h.checkCSRF(r, c[0], c[1]); err != nil {
			t.Errorf("the right token refused: %v", err)
		}
	}
}
