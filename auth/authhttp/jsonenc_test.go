package authhttp

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/strongauth/strongauth/auth"
)

// hostile are strings that exercise every escaping rule of encoding/json.
var hostile = func() []string {
	ss := []string{
		"", "plain", `"quoted"`, `back\slash`, "<script>alert(1)</script>", "a&b", "a>b<c",
		"\x00\x01\x1f\x7f", "\b\f\n\r\t", "\u2028\u2029", "x\u2028y\u2029z", "é", "日本語", "😀",
		"\xff", "\xc3", "a\xc3", "\xc3(", "\xe2\x82", "\xed\xa0\x80", "\xf4\x90\x80\x80",
		"\xc0\xaf", "\xef\xbf\xbd", "\xf0\x9f\x98", "mixed <\xff> \u2028 \"\\ &amp; \x01 ok",
		strings.Repeat("<&>", 100), strings.Repeat("\xff", 10),
	}
	for b := 0; b < 256; b++ {
		ss = append(ss, string([]byte{byte(b)}), "a"+string([]byte{byte(b)})+"z")
	}
	for _, r := range []rune{0x7f, 0x80, 0x7ff, 0x800, 0xfffd, 0xfffe, 0xffff, 0x10000, utf8.MaxRune, 0x2027, 0x202a} {
		ss = append(ss, string(r))
	}
	return ss
}()

func encodingJSON(t testing.TB, v any) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(v); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	return b.String()
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range hostile {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); string(got) != string(want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
}

var (
	when  = time.Date(2026, 11, 23, 9, 0, 0, 123456789, time.UTC)
	zoned = time.Date(1, 1, 1, 0, 0, 0, 0, time.FixedZone("x", -(23*3600+59*60)))
)

func views() []flowView {
	var vs []flowView
	for i, s := range hostile {
		vs = append(vs, flowView{Flow: s, CSRF: s, Action: s, State: s, Offer: []auth.Kind{auth.Kind(s), "ecp"},
			Alternatives: [][]string{{s}, {"a", s}}, Done: []auth.Kind{auth.Kind(s)}, Subject: i%2 == 0,
			ExpiresAt: when.Add(time.Duration(i) * time.Hour), Version: uint64(i) << 50, Lang: s})
	}
	return append(vs,
		flowView{},
		flowView{Offer: []auth.Kind{}, Alternatives: [][]string{}, Done: []auth.Kind{}, ExpiresAt: when.In(time.FixedZone("", 5*3600))},
		flowView{Alternatives: [][]string{nil, {}}, ExpiresAt: zoned, Version: ^uint64(0)},
	)
}

func TestAppendViewMatchesEncodingJSON(t *testing.T) {
	for _, v := range views() {
		got, err := appendView(nil, &v)
		if err != nil {
			t.Fatal(err)
		}
		if want := encodingJSON(t, v); string(got) != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
}

func TestAppendFinishMatchesEncodingJSON(t *testing.T) {
	rs := []finishResponse{{}, {Alternatives: [][]string{}, Offer: []auth.Kind{}, AMR: []string{}}}
	for i, s := range hostile {
		rs = append(rs, finishResponse{Allowed: i%2 == 0, Reasons: s, Alternatives: [][]string{{s, "x"}},
			Offer: []auth.Kind{auth.Kind(s)}, Subject: s, ACR: s, AMR: []string{s, "hwk"}})
	}
	for _, r := range rs {
		if got, want := string(appendFinish(nil, &r)), encodingJSON(t, r); got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
}

type marshaler struct{ s string }

func (m *marshaler) MarshalJSON() ([]byte, error) { return json.Marshal(m.s) }

func TestAppendChallengeMatchesEncodingJSON(t *testing.T) {
	var nilMap map[string]string
	var nilPtr *marshaler
	chs := []*auth.Challenge{nil, {}, {Kind: "ecp", ExpiresAt: when}, {Data: nilMap}, {Data: nilPtr},
		{Data: json.RawMessage(` { "html" : "<b>&amp;</b>" } `)}, {Data: &marshaler{"<\u2028>"}}}
	for _, s := range hostile {
		chs = append(chs, &auth.Challenge{Kind: auth.Kind(s), Data: map[string]any{s: s, "n": 1.5, "l": []string{s}}, ExpiresAt: when})
	}
	e := getBuf()
	defer putBuf(e)
	for _, ch := range chs {
		got, err := appendChallenge(nil, e, ch)
		if err != nil {
			t.Fatal(err)
		}
		if want := encodingJSON(t, ch); string(got) != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
}

func TestAppendErrorMatchesEncodingJSON(t *testing.T) {
	for _, s := range hostile {
		got := string(appendError(nil, s, s+"!"))
		if want := encodingJSON(t, map[string]string{"code": s, "message": s + "!"}); got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
}

func TestAppendStepUpMatchesEncodingJSON(t *testing.T) {
	for _, s := range hostile {
		for _, alts := range [][][]string{nil, {}, {{s}, {"ecp", s}}} {
			got := string(appendStepUp(nil, s, alts, s+"?"))
			want := encodingJSON(t, map[string]any{"code": "step_up_required", "message": s + "?", "action": s, "alternatives": alts})
			if got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		}
	}
}

// TestUnencodableTimes: a time encoding/json refuses is refused here too,
// and the handler then answers an error, not a partial body.
func TestUnencodableTimes(t *testing.T) {
	for _, at := range []time.Time{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		when.In(time.FixedZone("", 24*3600))} {
		if _, err := json.Marshal(at); err == nil {
			t.Fatalf("encoding/json encodes %v", at)
		}
		if _, err := appendView(nil, &flowView{ExpiresAt: at}); err == nil {
			t.Errorf("view with %v encoded", at)
		}
		if _, err := appendChallenge(nil, getBuf(), &auth.Challenge{ExpiresAt: at}); err == nil {
			t.Errorf("challenge with %v encoded", at)
		}
		w := httptest.NewRecorder()
		if err := writeView(w, 200, &flowView{ExpiresAt: at}); err == nil || w.Body.Len() != 0 || auth.Code(err) != "internal" {
			t.Errorf("writeView: %v, %q", err, w.Body.String())
		}
	}
	if _, err := appendChallenge(nil, getBuf(), &auth.Challenge{Data: make(chan int)}); err == nil {
		t.Error("unencodable challenge data encoded")
	}
}

// TestEncodedShapes fills every field of the hand-encoded types through
// reflection and compares with encoding/json: a field added to one of
// them (auth.Challenge lives in another package) fails here until the
// hand encoder learns it.
func TestEncodedShapes(t *testing.T) {
	var v flowView
	fill(t, reflect.ValueOf(&v).Elem())
	got, err := appendView(nil, &v)
	if err != nil || string(got) != encodingJSON(t, v) {
		t.Errorf("flowView: got %s (%v), want %s", got, err, encodingJSON(t, v))
	}
	var r finishResponse
	fill(t, reflect.ValueOf(&r).Elem())
	if got := appendFinish(nil, &r); string(got) != encodingJSON(t, r) {
		t.Errorf("finishResponse: got %s, want %s", got, encodingJSON(t, r))
	}
	var ch auth.Challenge
	fill(t, reflect.ValueOf(&ch).Elem())
	got, err = appendChallenge(nil, getBuf(), &ch)
	if err != nil || string(got) != encodingJSON(t, &ch) {
		t.Errorf("auth.Challenge: got %s (%v), want %s", got, err, encodingJSON(t, &ch))
	}
}

func fill(t *testing.T, v reflect.Value) {
	t.Helper()
	if v.Type() == reflect.TypeFor[time.Time]() {
		v.Set(reflect.ValueOf(when))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("<v>")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Uint64:
		v.SetUint(42)
	case reflect.Interface:
		v.Set(reflect.ValueOf(map[string]string{"k": "<v>"}))
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		fill(t, s.Index(0))
		fill(t, s.Index(1))
		v.Set(s)
	case reflect.Struct:
		for i := range v.NumField() {
			if !v.Type().Field(i).IsExported() {
				t.Fatalf("%s has an unexported field", v.Type())
			}
			fill(t, v.Field(i))
		}
	default:
		t.Fatalf("a field of kind %s: teach the hand encoder (jsonenc.go) and this test", v.Kind())
	}
}

// FuzzJSONEncode compares the hand encoder with encoding/json on any
// strings, versions and times.
func FuzzJSONEncode(f *testing.F) {
	f.Add("flow", "<script>&", "\xff\u2028", uint64(7), int64(0), int64(0))
	f.Add("", "\x00\b\f", `"\`, uint64(0), int64(1<<40), int64(-3600))
	f.Fuzz(func(t *testing.T, a, b, c string, version uint64, sec, offset int64) {
		want, _ := json.Marshal(a)
		if got := appendString(nil, a); string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", a, got, want)
		}
		at := time.Unix(sec, sec%1e9).In(time.FixedZone(b, int(offset%(48*3600))))
		v := flowView{Flow: a, CSRF: b, Action: c, State: a + b, Offer: []auth.Kind{auth.Kind(b)},
			Alternatives: [][]string{{a, c}, {b}}, Done: []auth.Kind{auth.Kind(c)}, Subject: version%2 == 0,
			ExpiresAt: at, Version: version, Lang: c}
		got, err := appendView(nil, &v)
		var enc bytes.Buffer
		wantErr := json.NewEncoder(&enc).Encode(v)
		if (err != nil) != (wantErr != nil) || string(got) != enc.String() {
			t.Fatalf("view: got %s (%v), want %s (%v)", got, err, enc.String(), wantErr)
		}
		r := finishResponse{Allowed: version%3 == 0, Reasons: a, Alternatives: [][]string{{b}}, Offer: []auth.Kind{auth.Kind(c)},
			Subject: b, ACR: c, AMR: []string{a, b}}
		if got, want := string(appendFinish(nil, &r)), encodingJSON(t, r); got != want {
			t.Fatalf("finish: got %s, want %s", got, want)
		}
		if got, want := string(appendError(nil, a, b)), encodingJSON(t, map[string]string{"code": a, "message": b}); got != want {
			t.Fatalf("error: got %s, want %s", got, want)
		}
	})
}
