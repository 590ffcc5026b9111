package otp

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func u64s(vs ...uint64) *bytes.Reader {
	var b []byte
	for _, v := range vs {
		b = binary.BigEndian.AppendUint64(b, v)
	}
	return bytes.NewReader(b)
}

func TestCodeFromRejectsBiasedDraws(t *testing.T) {
	const n = 1_000_000
	limit := uint64(math.MaxUint64 - math.MaxUint64%n)
	// Draws at or above the largest multiple of 10^6 are drawn again;
	// taking them modulo 10^6 would favour the low codes.
	code, err := codeFrom(u64s(limit, math.MaxUint64, limit-1), 6)
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprintf("%06d", (limit-1)%n), code)

	code, err = codeFrom(u64s(42), 6)
	require.NoError(t, err)
	assert.Equal(t, "000042", code, "leading zeros kept")

	code, err = codeFrom(u64s(9_999_999_999), 10)
	require.NoError(t, err)
	assert.Equal(t, "9999999999", code)

	_, err = codeFrom(u64s(limit), 6)
	assert.Error(t, err, "a source that runs dry fails")
	_, err = codeFrom(bytes.NewReader(bytes.Repeat([]byte{0xff}, 8*64)), 6)
	assert.Error(t, err, "a source that is never below the limit fails")
}

// Codes from crypto/rand are spread evenly: a chi-square test over the
// digit positions (10 categories × 6 positions, 60 000 codes) at a bound
// that a uniform source exceeds with probability < 10^-6.
func TestCodeFromIsUniform(t *testing.T) {
	var counts [6][10]int
	const draws = 10_000
	for range draws {
		c, err := codeFrom(rand.Reader, 6)
		require.NoError(t, err)
		for i := range 6 {
			counts[i][c[i]-'0']++
		}
	}
	for pos, cs := range counts {
		chi := 0.0
		for _, c := range cs {
			d := float64(c) - draws/10
			chi += d * d / (draws / 10)
		}
		assert.Less(t, chi, 45.0, "position %d: chi-square %.1f over 9 degrees of freedom", pos, chi)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	r := &record{state: stateArmed, expires: time.Unix(1_800_000_000, 123)}
	copy(r.keyID[:], "keyid123")
	copy(r.gen[:], "gen12345")
	copy(r.mac[:], bytes.Repeat([]byte{7}, 32))
	got, err := decodeRecord(r.encode())
	require.NoError(t, err)
	assert.Equal(t, r.state, got.state)
	assert.Equal(t, r.keyID, got.keyID)
	assert.Equal(t, r.gen, got.gen)
	assert.True(t, r.expires.Equal(got.expires))
	assert.Equal(t, r.mac, got.mac)

	b := r.encode()
	for _, bad := range [][]byte{nil, b[:len(b)-1], append(b, 0), append([]byte{2}, b[1:]...), append([]byte{1, 0}, b[2:]...), append([]byte{1, 4}, b[2:]...)} {
		got, err := decodeRecord(bad)
		assert.ErrorIs(t, err, errCorrupt)
		assert.Nil(t, got)
	}
}

func TestMacSeparatesFields(t *testing.T) {
	k := newMacKey(Key(strings.Repeat("k", 32)))
	base := k.mac("login", "flow", "acct", "+77012345612", "123456")
	for _, other := range [][5]string{
		{"logi", "nflow", "acct", "+77012345612", "123456"},
		{"login", "flo", "wacct", "+77012345612", "123456"},
		{"login", "flow", "acct+", "77012345612", "123456"},
		{"login", "flow", "acct", "+77012345612", "123457"},
		{"sign-document", "flow", "acct", "+77012345612", "123456"},
	} {
		assert.NotEqual(t, base, k.mac(other[0], other[1], other[2], other[3], other[4]), other)
	}
	k2 := newMacKey(Key(strings.Repeat("j", 32)))
	assert.NotEqual(t, base, k2.mac("login", "flow", "acct", "+77012345612", "123456"))
	assert.NotEqual(t, k.id, k2.id)
}

func TestRenderDoesNotReexpand(t *testing.T) {
	got := render("{action} / {code}", "{code}{domain}", "example.kz", "123456")
	assert.Equal(t, "{code}{domain} / 123456\n@example.kz #123456", got)
}

func TestGSM7ASCIIMatchesTheAlphabet(t *testing.T) {
	for r := rune(0); r < 128; r++ {
		assert.Equal(t, strings.ContainsRune(gsm7Basic, r), gsm7ASCII(r), "%q", r)
	}
}
