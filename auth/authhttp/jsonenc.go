package authhttp

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/strongauth/strongauth/auth"
)

// The hot responses (a flow's view, a challenge, a finish, an error) are
// encoded by hand into a pooled buffer: encoding/json's reflection, its
// Encoder and time.Time.MarshalJSON cost more than the rest of the HTTP
// layer. The output is byte for byte what json.NewEncoder(w).Encode gives
// (HTML-safe escaping, field order, omitempty, the final newline);
// jsonenc_test.go compares the two on hostile values and FuzzJSONEncode
// keeps comparing them.

// Header values shared by every response. They are assigned straight into
// the header map (the keys are canonical already), which spares
// Header.Set its one-element slice per call. Their capacity equals their
// length, so that Header.Add appends to a copy; nothing in this package
// writes into them, and a host must not either (http.Header values are
// not to be modified in place).
var (
	hdrNoStore     = []string{"no-store"}
	hdrNoSniff     = []string{"nosniff"}
	hdrContentJSON = []string{"application/json; charset=utf-8"}
)

// encBuf is a pooled response buffer; data and enc encode the values
// that only encoding/json can (a challenge's factor-defined Data).
type encBuf struct {
	b    []byte
	data bytes.Buffer
	enc  *json.Encoder
}

// maxPooled bounds the buffers kept for reuse: one huge response must not
// pin its memory.
const maxPooled = 64 << 10

var encPool = sync.Pool{New: func() any {
	e := &encBuf{b: make([]byte, 0, 1024)}
	e.enc = json.NewEncoder(&e.data)
	return e
}}

func getBuf() *encBuf { return encPool.Get().(*encBuf) }

func putBuf(e *encBuf) {
	if cap(e.b) > maxPooled || e.data.Cap() > maxPooled {
		return
	}
	e.b = e.b[:0]
	e.data.Reset()
	encPool.Put(e)
}

// send writes b, a complete JSON document, with status.
func send(w http.ResponseWriter, status int, b []byte) {
	w.Header()["Content-Type"] = hdrContentJSON
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// appendString appends s as a JSON string escaped as encoding/json does by
// default: HTML-safe (<, > and & as \u003c, \u003e, \u0026), control
// characters escaped, invalid UTF-8 replaced by \ufffd, U+2028 and U+2029
// escaped.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if htmlSafe(b) {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default: // other controls, <, >, &
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// htmlSafe reports whether the ASCII byte b stands for itself in a JSON
// string that may end up inside HTML (encoding/json's htmlSafeSet).
func htmlSafe(b byte) bool {
	return b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
}

func appendKinds(dst []byte, ks []auth.Kind) []byte {
	if ks == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, k := range ks {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, string(k))
	}
	return append(dst, ']')
}

func appendStrings(dst []byte, ss []string) []byte {
	if ss == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s)
	}
	return append(dst, ']')
}

func appendAlternatives(dst []byte, alts [][]string) []byte {
	if alts == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, a := range alts {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendStrings(dst, a)
	}
	return append(dst, ']')
}

func appendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, "true"...)
	}
	return append(dst, "false"...)
}

// appendTime appends t as time.Time.MarshalJSON does (RFC 3339 with
// nanoseconds); like it, it fails for a year outside [0, 9999] or a zone
// offset of a day or more.
func appendTime(dst []byte, t time.Time) ([]byte, error) {
	dst = append(dst, '"')
	dst, err := t.AppendText(dst)
	if err != nil {
		return nil, err
	}
	return append(dst, '"'), nil
}

// appendView appends v as encoding/json encodes a flowView, with the
// Encoder's final newline.
func appendView(dst []byte, v *flowView) ([]byte, error) {
	dst = append(dst, `{"flow":`...)
	dst = appendString(dst, v.Flow)
	if v.CSRF != "" {
		dst = append(dst, `,"csrf":`...)
		dst = appendString(dst, v.CSRF)
	}
	dst = append(dst, `,"action":`...)
	dst = appendString(dst, v.Action)
	dst = append(dst, `,"state":`...)
	dst = appendString(dst, v.State)
	dst = append(dst, `,"offer":`...)
	dst = appendKinds(dst, v.Offer)
	dst = append(dst, `,"alternatives":`...)
	dst = appendAlternatives(dst, v.Alternatives)
	dst = append(dst, `,"done":`...)
	dst = appendKinds(dst, v.Done)
	dst = append(dst, `,"subject_known":`...)
	dst = appendBool(dst, v.Subject)
	dst = append(dst, `,"expires_at":`...)
	dst, err := appendTime(dst, v.ExpiresAt)
	if err != nil {
		return nil, err
	}
	dst = append(dst, `,"version":`...)
	dst = strconv.AppendUint(dst, v.Version, 10)
	if v.Lang != "" {
		dst = append(dst, `,"lang":`...)
		dst = appendString(dst, v.Lang)
	}
	return append(dst, "}\n"...), nil
}

// appendFinish appends r as encoding/json encodes a finishResponse, with
// the Encoder's final newline.
func appendFinish(dst []byte, r *finishResponse) []byte {
	dst = append(dst, `{"allowed":`...)
	dst = appendBool(dst, r.Allowed)
	if r.Reasons != "" {
		dst = append(dst, `,"reasons":`...)
		dst = appendString(dst, r.Reasons)
	}
	dst = append(dst, `,"alternatives":`...)
	dst = appendAlternatives(dst, r.Alternatives)
	dst = append(dst, `,"offer":`...)
	dst = appendKinds(dst, r.Offer)
	if r.Subject != "" {
		dst = append(dst, `,"subject":`...)
		dst = appendString(dst, r.Subject)
	}
	if r.ACR != "" {
		dst = append(dst, `,"acr":`...)
		dst = appendString(dst, r.ACR)
	}
	if len(r.AMR) > 0 {
		dst = append(dst, `,"amr":`...)
		dst = appendStrings(dst, r.AMR)
	}
	return append(dst, "}\n"...)
}

// appendChallenge appends ch as encoding/json encodes an *auth.Challenge,
// with the Encoder's final newline; the factor's Data goes through e's
// json.Encoder.
func appendChallenge(dst []byte, e *encBuf, ch *auth.Challenge) ([]byte, error) {
	if ch == nil {
		return append(dst, "null\n"...), nil
	}
	dst = append(dst, `{"kind":`...)
	dst = appendString(dst, string(ch.Kind))
	if ch.Data != nil {
		e.data.Reset()
		if err := e.enc.Encode(ch.Data); err != nil {
			return nil, err
		}
		dst = append(dst, `,"data":`...)
		dst = append(dst, bytes.TrimSuffix(e.data.Bytes(), []byte{'\n'})...)
	}
	dst = append(dst, `,"expires_at":`...)
	dst, err := appendTime(dst, ch.ExpiresAt)
	if err != nil {
		return nil, err
	}
	return append(dst, "}\n"...), nil
}

// appendError appends the error answer {"code", "message"} (the keys in
// the order encoding/json gives a map), with the final newline.
func appendError(dst []byte, code, message string) []byte {
	dst = append(dst, `{"code":`...)
	dst = appendString(dst, code)
	dst = append(dst, `,"message":`...)
	dst = appendString(dst, message)
	return append(dst, "}\n"...)
}

// appendStepUp appends Require's refusal {"action", "alternatives",
// "code": "step_up_required", "message"} (the keys in the order
// encoding/json gives a map), with the final newline.
func appendStepUp(dst []byte, action string, alts [][]string, message string) []byte {
	dst = append(dst, `{"action":`...)
	dst = appendString(dst, action)
	dst = append(dst, `,"alternatives":`...)
	dst = appendAlternatives(dst, alts)
	dst = append(dst, `,"code":"step_up_required","message":`...)
	dst = appendString(dst, message)
	return append(dst, "}\n"...)
}
