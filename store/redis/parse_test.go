package redis

import (
	"errors"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/store"
)

func TestParseGet(t *testing.T) {
	v, n, err := parseGet([]any{"val", "7"})
	require.NoError(t, err)
	assert.Equal(t, []byte("val"), v)
	assert.Equal(t, uint64(7), n)

	v, n, err = parseGet([]any{"", "1"})
	require.NoError(t, err)
	assert.NotNil(t, v, "an empty value is a value")
	assert.Empty(t, v)
	assert.Equal(t, uint64(1), n)

	_, _, err = parseGet([]any{nil, nil})
	assert.ErrorIs(t, err, store.ErrNotFound)
	_, _, err = parseGet([]any{nil, "3"}) // a counter
	assert.ErrorIs(t, err, store.ErrNotFound)

	for name, reply := range map[string][]any{
		"short":          {"v"},
		"long":           {"v", "1", "x"},
		"value not text": {int64(3), "1"},
		"no version":     {"v", nil},
		"version zero":   {"v", "0"},
		"version signed": {"v", "-1"},
		"version plus":   {"v", "+1"},
		"leading zero":   {"v", "01"},
		"version float":  {"v", "1.5"},
		"version huge":   {"v", "18446744073709551616"},
		"version empty":  {"v", ""},
		"version int":    {"v", int64(1)},
	} {
		v, n, err := parseGet(reply)
		assert.ErrorIs(t, err, ErrUnexpectedReply, name)
		assert.Nil(t, v, name)
		assert.Zero(t, n, name)
	}
}

func TestParseIncr(t *testing.T) {
	n, err := parseIncr([]any{int64(1), "-42"})
	require.NoError(t, err)
	assert.Equal(t, int64(-42), n)
	n, err = parseIncr([]any{int64(1), "9223372036854775807"})
	require.NoError(t, err)
	assert.Equal(t, int64(9223372036854775807), n, "64-bit counters are exact")

	_, err = parseIncr([]any{int64(0)})
	assert.ErrorIs(t, err, store.ErrConflict)

	for name, reply := range map[string]any{
		"nil":            nil,
		"scalar":         int64(1),
		"empty":          []any{},
		"status only":    []any{int64(1)},
		"conflict+extra": []any{int64(0), "1"},
		"bad status":     []any{int64(2), "1"},
		"status text":    []any{"1", "1"},
		"count number":   []any{int64(1), int64(1)},
		"count text":     []any{int64(1), "one"},
		"count minus 0":  []any{int64(1), "-0"},
		"count overflow": []any{int64(1), "9223372036854775808"},
	} {
		n, err := parseIncr(reply)
		assert.ErrorIs(t, err, ErrUnexpectedReply, name)
		assert.Zero(t, n, name)
	}
}

// FuzzParseVersion: a version parses only from its canonical decimal form
// and formats back to exactly the input; on error the result is zero.
func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"1", "0", "01", "-1", "18446744073709551615", "18446744073709551616", "", "1e3", " 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseVersion(s)
		checkParsed(t, s, n, err, func(n uint64) string { return strconv.FormatUint(n, 10) })
		if err == nil && n == 0 {
			t.Fatal("version 0 accepted")
		}
	})
}

// FuzzParseCounter: as FuzzParseVersion, for signed counters in the
// counter script's reply.
func FuzzParseCounter(f *testing.F) {
	for _, s := range []string{"0", "-0", "-1", "00", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "+5", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseIncr([]any{int64(1), s})
		checkParsed(t, s, n, err, func(n int64) string { return strconv.FormatInt(n, 10) })
	})
}

// FuzzParseGet: a Get reply with any value and any version text (or
// missing fields) gives either a value that is exactly the stored bytes
// with a round-tripping version, ErrNotFound, or ErrUnexpectedReply with no
// result.
func FuzzParseGet(f *testing.F) {
	f.Add("value", "1", false, false)
	f.Add("", "42", false, false)
	f.Add("\x00\r\n", "007", false, false)
	f.Add("v", "", false, true)
	f.Add("", "3", true, false)
	f.Fuzz(func(t *testing.T, value, version string, noValue, noVersion bool) {
		reply := []any{value, version}
		if noValue {
			reply[0] = nil
		}
		if noVersion {
			reply[1] = nil
		}
		v, n, err := parseGet(reply)
		if noValue {
			if !errors.Is(err, store.ErrNotFound) || v != nil || n != 0 {
				t.Fatalf("no value: %q v%d %v, want ErrNotFound", v, n, err)
			}
			return
		}
		if err != nil && v != nil {
			t.Fatalf("error with value %q", v)
		}
		checkParsed(t, version, n, err, func(n uint64) string { return strconv.FormatUint(n, 10) })
		if err == nil && string(v) != value {
			t.Fatalf("value %q came back as %q", value, v)
		}
	})
}

// checkParsed fails t unless an error comes with a zero result and is
// ErrUnexpectedReply, and a success formats back to exactly the input.
func checkParsed[N int64 | uint64](t *testing.T, s string, n N, err error, format func(N) string) {
	t.Helper()
	if err != nil {
		if n != 0 {
			t.Fatalf("error with result %d", n)
		}
		if !errors.Is(err, ErrUnexpectedReply) {
			t.Fatalf("error %v is not ErrUnexpectedReply", err)
		}
		return
	}
	if format(n) != s {
		t.Fatalf("%q parsed as %d does not round-trip", s, n)
	}
}

func TestMillisRoundsUp(t *testing.T) {
	assert.Equal(t, "1", millis(1))
	assert.Equal(t, "1", millis(999_999))
	assert.Equal(t, "1", millis(1_000_000))
	assert.Equal(t, "2", millis(1_000_001))
	assert.Equal(t, "600000", millis(10*60*1e9))
}

func TestNamespaceValidation(t *testing.T) {
	for _, ok := range []string{"a", "app", "my-app_1.prod", "A9"} {
		assert.True(t, validNamespace(ok), ok)
	}
	long := make([]byte, maxNamespace+1)
	for i := range long {
		long[i] = 'a'
	}
	for _, bad := range []string{"", "{app}", "app}", "app:prod", "a b", "a\nb", "ä", "a*", string(long)} {
		assert.False(t, validNamespace(bad), bad)
	}
}
