package otp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"math"
	"sync"
	"time"
)

// Key is a server secret for the HMAC that codes are kept under. It redacts
// itself when printed or logged.
type Key []byte

// MinKeyLen is the minimum length of a Key in bytes.
const MinKeyLen = 32

// String returns a placeholder, never the key.
func (Key) String() string { return "otp.Key(redacted)" }

// GoString returns a placeholder, never the key.
func (Key) GoString() string { return "otp.Key(redacted)" }

// LogValue returns a placeholder, never the key.
func (Key) LogValue() slog.Value { return slog.StringValue("redacted") }

// keyIDLen is the length of a key's fingerprint stored with each code, so
// that verification picks the right key in one HMAC after a rotation.
const keyIDLen = 8

type macKey struct {
	id   [keyIDLen]byte
	key  []byte
	pool sync.Pool // of *macState keyed with key
}

// macState is a reusable HMAC with its input buffer. hmac.Reset returns to
// the keyed state without hashing the key pads again.
type macState struct {
	h   hash.Hash
	in  []byte
	out [sha256.Size]byte
}

func newMacKey(k Key) *macKey {
	m := &macKey{key: append([]byte(nil), k...)}
	m.pool.New = func() any { return &macState{h: hmac.New(sha256.New, m.key), in: make([]byte, 0, 512)} }
	h := hmac.New(sha256.New, m.key)
	h.Write([]byte("strongauth/otp/key-id"))
	copy(m.id[:], h.Sum(nil))
	return m
}

// mac computes HMAC-SHA256(key, purpose ‖ flowID ‖ account ‖ phone ‖ code),
// every field length-prefixed so that no two different tuples share an
// input.
func (k *macKey) mac(purpose, flowID, account, phone, code string) [sha256.Size]byte {
	st := k.pool.Get().(*macState)
	in := appendField(st.in[:0], "strongauth/otp/v1")
	in = appendField(in, purpose)
	in = appendField(in, flowID)
	in = appendField(in, account)
	in = appendField(in, phone)
	in = appendField(in, code)
	st.h.Reset()
	st.h.Write(in)
	out := [sha256.Size]byte(st.h.Sum(st.out[:0]))
	clear(in) // the code was in it
	st.in = in[:0]
	k.pool.Put(st)
	return out
}

func appendField(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// codeFrom reads a uniformly distributed code of the given number of digits
// from r: rejection sampling over 64-bit values, so no residue is more likely
// than another (no modulo bias).
func codeFrom(r io.Reader, digits int) (string, error) {
	n := uint64(1)
	for range digits {
		n *= 10
	}
	// The largest multiple of n that fits in 64 bits; values at or above
	// it would make low residues more likely and are drawn again.
	limit := math.MaxUint64 - math.MaxUint64%n
	var b [8]byte
	for range 64 { // each draw is rejected with probability < 2^-30
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", fmt.Errorf("otp: randomness: %w", err)
		}
		v := binary.BigEndian.Uint64(b[:])
		if v >= limit {
			continue
		}
		v %= n
		out := make([]byte, digits)
		for i := digits - 1; i >= 0; i-- {
			out[i] = byte('0' + v%10)
			v /= 10
		}
		return string(out), nil
	}
	return "", errors.New("otp: randomness: source is not random")
}

// Record states.
const (
	statePending byte = 1 // stored, SMS not yet confirmed sent: unusable
	stateArmed   byte = 2 // sent: may be verified
	stateUsed    byte = 3 // used: a tombstone that answers replays
)

const (
	recordVersion = 1
	genLen        = 8
	recordLen     = 2 + keyIDLen + genLen + 8 + sha256.Size
)

// record is what the store keeps for a code: never the code, only its MAC.
type record struct {
	state   byte
	keyID   [keyIDLen]byte
	gen     [genLen]byte // random per code; names its attempt counter
	expires time.Time
	mac     [sha256.Size]byte
}

func (r *record) encode() []byte {
	b := make([]byte, 0, recordLen)
	b = append(b, recordVersion, r.state)
	b = append(b, r.keyID[:]...)
	b = append(b, r.gen[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(r.expires.UnixNano()))
	return append(b, r.mac[:]...)
}

var errCorrupt = errors.New("otp: stored code record is corrupt")

func decodeRecord(b []byte) (*record, error) {
	if len(b) != recordLen || b[0] != recordVersion || b[1] < statePending || b[1] > stateUsed {
		return nil, errCorrupt
	}
	r := &record{state: b[1]}
	b = b[2:]
	b = b[copy(r.keyID[:], b):]
	b = b[copy(r.gen[:], b):]
	r.expires = time.Unix(0, int64(binary.BigEndian.Uint64(b)))
	copy(r.mac[:], b[8:])
	return r, nil
}
