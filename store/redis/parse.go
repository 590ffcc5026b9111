package redis

import (
	"fmt"
	"strconv"

	"github.com/strongauth/strongauth/store"
)

// The parsers below read the server's replies. A reply is trusted no more
// than any other input: a key under the namespace may have been written by
// something else, and a wrong shape is ErrUnexpectedReply, never a panic or
// a guess.

// parseGet reads the reply of HMGET key v n: ErrNotFound if there is no
// value (a missing key or a counter), else the value and its version.
func parseGet(vals []any) ([]byte, uint64, error) {
	if len(vals) != 2 {
		return nil, 0, fmt.Errorf("%w: HMGET returned %d fields, want 2", ErrUnexpectedReply, len(vals))
	}
	if vals[0] == nil {
		return nil, 0, store.ErrNotFound
	}
	v, ok := vals[0].(string)
	if !ok {
		return nil, 0, fmt.Errorf("%w: value is not a string", ErrUnexpectedReply)
	}
	n, ok := vals[1].(string)
	if !ok {
		return nil, 0, fmt.Errorf("%w: value has no version", ErrUnexpectedReply)
	}
	ver, err := parseVersion(n)
	if err != nil {
		return nil, 0, err
	}
	return []byte(v), ver, nil
}

// parseIncr reads the reply of incrScript: {1, "count"}, or {0} when the
// key holds a value (store.ErrConflict).
func parseIncr(r any) (int64, error) {
	a, ok := r.([]any)
	if !ok || len(a) == 0 {
		return 0, fmt.Errorf("%w: counter reply is not a list", ErrUnexpectedReply)
	}
	status, ok := a[0].(int64)
	switch {
	case ok && status == 0 && len(a) == 1:
		return 0, store.ErrConflict // a value, not a counter
	case !ok || status != 1 || len(a) != 2:
		return 0, fmt.Errorf("%w: counter reply has the wrong shape", ErrUnexpectedReply)
	}
	s, ok := a[1].(string)
	if !ok {
		return 0, fmt.Errorf("%w: counter is not a string", ErrUnexpectedReply)
	}
	return parseCounter(s)
}

// parseVersion reads a version: a positive decimal integer in canonical
// form (no sign, no leading zeros), as Redis writes integers.
func parseVersion(s string) (uint64, error) {
	if !canonical(s, false) {
		return 0, fmt.Errorf("%w: version is not a canonical decimal", ErrUnexpectedReply)
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%w: version out of range", ErrUnexpectedReply)
	}
	return n, nil
}

// parseCounter reads a counter: a decimal int64 in canonical form.
func parseCounter(s string) (int64, error) {
	if !canonical(s, true) {
		return 0, fmt.Errorf("%w: counter is not a canonical decimal", ErrUnexpectedReply)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: counter out of range", ErrUnexpectedReply)
	}
	return n, nil
}

// canonical reports whether s is a decimal integer as Redis prints one:
// digits without leading zeros, "0", and with signed a leading "-" before
// a non-zero number.
func canonical(s string, signed bool) bool {
	if signed && len(s) > 1 && s[0] == '-' {
		s = s[1:]
		if s == "0" {
			return false
		}
	}
	if s == "" || len(s) > 1 && s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
