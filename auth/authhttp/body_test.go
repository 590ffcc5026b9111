package authhttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/strongauth/strongauth/auth"
)

const testMax = 64

func postRequest(body io.Reader, size int64, ctype string) *http.Request {
	r := httptest.NewRequest("POST", "http://localhost/flows", body)
	r.ContentLength = size
	r.Header.Set("Content-Type", ctype)
	r.Header.Set("Origin", "http://localhost")
	return r
}

// readBody runs readPost on body, announced with its length or, chunked,
// with none.
func readBody(body string, chunked bool) ([]byte, error) {
	h := &Handler{cfg: Config{MaxBody: testMax, Origins: []string{"http://localhost"}}}
	size := int64(len(body))
	var rd io.Reader = strings.NewReader(body)
	if chunked {
		size, rd = -1, iotest.HalfReader(rd) // short reads, as from a socket
	}
	_, v, err := h.readPost(httptest.NewRecorder(), postRequest(rd, size, "application/json"), nil)
	return v, err
}

func TestReadPost(t *testing.T) {
	exact := `{"a":"` + strings.Repeat("x", testMax-8) + `"}`
	for _, c := range []struct {
		body, want string
		code       string
	}{
		{"", "", ""},
		{" \t\r\n ", "", ""},
		{`{}`, `{}`, ""},
		{"\n {\"ok\": true}\r\n", `{"ok": true}`, ""},
		{`"s"`, `"s"`, ""},
		{exact, exact, ""},
		{exact + " ", "", "too_large"},
		{`{"ok":`, "", "invalid_input"},
		{`{"ok":true} {}`, "", "invalid_input"},
		{`{}}`, "", "invalid_input"},
		{`[]]`, "", "invalid_input"},
		{`{} x`, "", "invalid_input"},
		{"\xef\xbb\xbf{}", "", "invalid_input"},
		{`nul`, "", "invalid_input"},
	} {
		for _, chunked := range []bool{false, true} {
			v, err := readBody(c.body, chunked)
			if auth.Code(err) != c.code && !(err == nil && c.code == "") {
				t.Errorf("%q (chunked %v): error %v, want %s", c.body, chunked, err, c.code)
			}
			if string(v) != c.want || (c.want == "" && v != nil) {
				t.Errorf("%q (chunked %v): got %q, want %q", c.body, chunked, v, c.want)
			}
		}
	}
}

func TestReadPostRefusals(t *testing.T) {
	h := &Handler{cfg: Config{MaxBody: testMax, Origins: []string{"http://localhost"}}}
	read := func(r *http.Request) error {
		_, _, err := h.readPost(httptest.NewRecorder(), r, nil)
		return err
	}
	if err := read(postRequest(strings.NewReader("{}"), 2, "text/plain")); !errors.Is(err, ErrContentType) {
		t.Errorf("text/plain: %v", err)
	}
	if err := read(postRequest(strings.NewReader("{}"), 2, "application/json; charset=utf-8; x=\"")); !errors.Is(err, ErrContentType) {
		t.Errorf("bad parameters: %v", err)
	}
	if err := read(postRequest(strings.NewReader("{}"), 2, "Application/JSON ; charset=UTF-8")); err != nil {
		t.Errorf("application/json in other case: %v", err)
	}
	if err := read(postRequest(strings.NewReader("{}"), testMax+1, "application/json")); !errors.Is(err, ErrTooLarge) {
		t.Errorf("announced too large: %v", err)
	}
	// A body longer than it announced (a host's middleware may replace
	// it) is still bounded.
	if err := read(postRequest(strings.NewReader("["+strings.Repeat(" ", 2*testMax)+"]"), 2, "application/json")); !errors.Is(err, ErrTooLarge) {
		t.Errorf("body over its length: %v", err)
	}
	if err := read(postRequest(iotest.ErrReader(errors.New("reset")), -1, "application/json")); !errors.Is(err, auth.ErrInvalidInput) {
		t.Errorf("unreadable body: %v", err)
	}
	r := postRequest(strings.NewReader("{}"), 2, "application/json")
	r.Header.Set("Origin", "https://evil.example")
	if err := read(r); !errors.Is(err, ErrOrigin) {
		t.Errorf("foreign origin: %v", err)
	}
	r = postRequest(strings.NewReader("{}"), 2, "application/json")
	r.Header.Set("Sec-Fetch-Site", "same-site")
	if err := read(r); !errors.Is(err, ErrOrigin) {
		t.Errorf("same-site fetch: %v", err)
	}
}

// FuzzReadPost: whatever the body, readPost accepts exactly the bodies of
// at most MaxBody bytes that hold one JSON value (or only white space),
// and returns that value without the white space around it.
func FuzzReadPost(f *testing.F) {
	f.Add(`{"action":"login"}`, false)
	f.Add(" [1, 2]\n", true)
	f.Add(`{}}`, false)
	f.Add(strings.Repeat("[", testMax+1), true)
	f.Fuzz(func(t *testing.T, body string, chunked bool) {
		v, err := readBody(body, chunked)
		trimmed := bytes.Trim([]byte(body), " \t\r\n")
		switch {
		case len(body) > testMax:
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("%d bytes: %v", len(body), err)
			}
		case len(trimmed) == 0:
			if err != nil || v != nil {
				t.Fatalf("blank body: %q, %v", v, err)
			}
		case json.Valid(trimmed):
			if err != nil || !bytes.Equal(v, trimmed) {
				t.Fatalf("valid body: %q, %v", v, err)
			}
		default:
			if !errors.Is(err, auth.ErrInvalidInput) || v != nil {
				t.Fatalf("invalid body accepted: %q, %v", v, err)
			}
		}
	})
}

var startBodies = []string{
	`{"action":"login"}`, `{"action":"login","lang":"kk"}`, `{"action":"login","lang":""}`, `{"action":""}`,
	`{"action":"login","lang":"xx"}`, `{"lang":"kk","action":"login"}`, `{"action":"log\u0069n"}`,
	`{"action":"a<>&'!~ "}`, `{"action":"login","lang":"kk","x":1}`, `{"action":"login","action":"other"}`,
	`{"Action":"login"}`, `{"ACTION":"login"}`, `{"action":null}`, `{"action":1}`, `{"action":"l\"ogin"}`,
	`{"action":"login\"}`, `{"action":"login"`, `{"action":"login"}}`, `{"action":"login","lang":"kk"`,
	`{"action":"login","lang":"kk"}x`, `{"action":"\u00e9"}`, "{\"action\":\"\xc3\xa9\"}", "{\"action\":\"\xff\"}",
	"{\"action\":\"a\x01\"}", "{\"action\":\"a\x7f\"}", `{"action" : "login"}`, `{ "action":"login"}`, `null`,
	`[]`, `"login"`, `{}`, `{"action":"login","lang":null}`, `{"action":"login","lang":"k\u006b"}`, ``,
}

// unmarshalStart is the reference startFields follows.
func unmarshalStart(v []byte) (startRequest, bool) {
	var req startRequest
	if v == nil || json.Unmarshal(v, &req) != nil {
		return startRequest{}, false
	}
	return req, true
}

func TestStartFields(t *testing.T) {
	for _, body := range startBodies {
		checkStartFields(t, []byte(body))
	}
	if _, _, ok := startFields(nil); ok {
		t.Error("no body accepted")
	}
	if a, l, ok := compactStart([]byte(`{"action":"login","lang":"kk"}`)); !ok || string(a) != "login" || string(l) != "kk" {
		t.Errorf("the compact form is not read in place: %q %q %v", a, l, ok)
	}
}

func checkStartFields(t *testing.T, body []byte) {
	t.Helper()
	action, lang, ok := startFields(body)
	want, wok := unmarshalStart(body)
	if ok != wok || string(action) != want.Action || string(lang) != want.Lang {
		t.Fatalf("%q: got %q %q %v, want %q %q %v", body, action, lang, ok, want.Action, want.Lang, wok)
	}
}

// FuzzStartFields compares the start body reader with json.Unmarshal.
func FuzzStartFields(f *testing.F) {
	for _, b := range startBodies {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if json.Valid([]byte(body)) { // readPost lets only valid JSON through
			checkStartFields(t, []byte(body))
		}
		if a, l, ok := compactStart([]byte(body)); ok {
			var req startRequest
			if err := json.Unmarshal([]byte(body), &req); err != nil || req.Action != string(a) || req.Lang != string(l) {
				t.Fatalf("%q: compact %q %q, json.Unmarshal %+v %v", body, a, l, req, err)
			}
		}
	})
}
