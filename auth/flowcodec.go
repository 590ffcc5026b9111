package auth

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"time"
	"unicode/utf8"
)

// Flows are stored in a compact binary encoding: a version byte
// (flowCodecV1), then the fields in a fixed order. Strings and byte strings
// are a uvarint length and the bytes; times are a zone flag, a varint Unix
// second and a uvarint nanosecond; lists are a uvarint count. Records
// written by earlier releases are JSON objects (their first byte is '{') and
// are still read. Every length is checked against what remains, and
// trailing bytes are refused: a record decodes completely or not at all.
//
// An instance of an older release cannot read the binary records; during a
// rolling upgrade, a flow started on an upgraded instance fails closed
// (ErrUnavailable) on an old one.
const flowCodecV1 = 0x01

// Bounds of a decoded flow, far above what the engine writes: they only keep
// a hostile record from asking for large allocations.
const (
	maxCodecString = 64 << 10
	maxCodecList   = 1024
)

// errCodec is the decoder's only error; the engine reports any failure as a
// corrupt stored flow.
var errCodec = errors.New("auth: malformed flow record")

// Time zone flags of an encoded time.
const (
	zoneUTC   = 0 // decoded in UTC
	zoneLocal = 1 // decoded in time.Local (as the JSON decoder does for a local offset)
	zoneFixed = 2 // decoded in a fixed zone of the encoded offset
)

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendTime(b []byte, t time.Time) []byte {
	_, off := t.Zone()
	switch {
	case t.Location() == time.UTC || off == 0 && t.Location() != time.Local:
		b = append(b, zoneUTC)
	case t.Location() == time.Local:
		b = append(b, zoneLocal)
	default:
		b = append(b, zoneFixed)
		b = binary.AppendVarint(b, int64(off))
	}
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

// appendList writes a list count; nilAware lists write 0 for nil and n+1
// otherwise, so that nil and empty survive the round trip.
func appendCount(b []byte, n int, isNil bool) []byte {
	if isNil {
		return append(b, 0)
	}
	return binary.AppendUvarint(b, uint64(n)+1)
}

// encodeFlow appends the binary encoding of f to b.
func encodeFlow(b []byte, f *Flow) []byte {
	b = append(b, flowCodecV1)
	b = appendString(b, f.ID)
	b = appendString(b, f.Action)
	b = appendString(b, f.Subject)
	b = appendCount(b, len(f.BindingHash), f.BindingHash == nil)
	b = append(b, f.BindingHash...)
	b = appendCount(b, len(f.Evidence), f.Evidence == nil)
	for i := range f.Evidence {
		e := &f.Evidence[i]
		b = appendString(b, string(e.Kind))
		b = append(b, byte(e.Strength))
		b = appendString(b, e.Subject)
		b = appendTime(b, e.Time)
		b = appendCount(b, len(e.AMR), e.AMR == nil)
		for _, m := range e.AMR {
			b = appendString(b, m)
		}
		b = appendCount(b, len(e.Attributes), e.Attributes == nil)
		var keys [16]string
		for _, k := range sortedKeys(keys[:0], e.Attributes) {
			b = appendString(b, k)
			b = appendString(b, e.Attributes[k])
		}
	}
	b = appendCount(b, len(f.Steps), f.Steps == nil)
	for _, s := range f.Steps {
		b = appendString(b, string(s.Kind))
		b = appendTime(b, s.BegunAt)
	}
	b = appendString(b, f.Client.IP)
	b = appendString(b, f.Client.UserAgent)
	b = appendString(b, f.Client.Location)
	b = appendString(b, f.Client.Origin)
	b = appendTime(b, f.CreatedAt)
	b = appendTime(b, f.ExpiresAt)
	var flags byte
	if f.Completed {
		flags |= 1
	}
	if f.Cancelled {
		flags |= 2
	}
	b = append(b, flags)
	b = appendString(b, f.CancelReason)
	return appendString(b, f.Lang)
}

// sortedKeys appends m's keys to ks in order, so that equal flows encode
// alike.
func sortedKeys(ks []string, m map[string]string) []string {
	for k := range m {
		i := len(ks)
		ks = append(ks, k)
		for ; i > 0 && ks[i-1] > k; i-- { // insertion sort: a handful of keys
			ks[i] = ks[i-1]
		}
		ks[i] = k
	}
	return ks
}

// decodeFlow decodes a stored flow: binary (version 1) or the JSON of
// earlier releases.
func decodeFlow(b []byte) (*Flow, error) {
	if len(b) > 0 && b[0] == flowCodecV1 {
		// One copy of the record; every string of the flow is a substring
		// of it.
		d := decoder{s: string(b[1:])}
		f := d.flow()
		if d.err != nil || len(d.s) != 0 {
			return nil, errCodec
		}
		return f, nil
	}
	var f Flow
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, errCodec
	}
	// Only what the current form can hold: the JSON decoder takes times
	// the binary form refuses (year 0000, or 0001-01-01 at a positive
	// offset, before the first instant of year 1 UTC), and such a flow
	// would be lost at its next save. Legacy records are rare; the check
	// is one encoding.
	if _, err := decodeFlow(encodeFlow(nil, &f)); err != nil {
		return nil, errCodec
	}
	return &f, nil
}

type decoder struct {
	s   string
	err error
}

func (d *decoder) fail() { d.err, d.s = errCodec, "" }

// uvarint reads an unsigned varint as encoding/binary writes it (at most
// 10 bytes, no overflow).
func (d *decoder) uvarint() uint64 {
	var x uint64
	var shift uint
	for i := 0; i < len(d.s) && i < binary.MaxVarintLen64; i++ {
		c := d.s[i]
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				break
			}
			d.s = d.s[i+1:]
			return x | uint64(c)<<shift
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	d.fail()
	return 0
}

func (d *decoder) varint() int64 {
	ux := d.uvarint()
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x
}

func (d *decoder) byte() byte {
	if len(d.s) == 0 {
		d.fail()
		return 0
	}
	c := d.s[0]
	d.s = d.s[1:]
	return c
}

func (d *decoder) bytes(n uint64) string {
	if n > uint64(len(d.s)) || n > maxCodecString {
		d.fail()
		return ""
	}
	s := d.s[:n]
	d.s = d.s[n:]
	return s
}

// string reads a string; like the JSON decoder, it accepts valid UTF-8 only.
func (d *decoder) string() string {
	s := d.bytes(d.uvarint())
	if !utf8.ValidString(s) {
		d.fail()
		return ""
	}
	return s
}

func (d *decoder) count(min int) (n int, isNil bool) {
	c := d.uvarint()
	if c == 0 {
		return 0, true
	}
	c--
	if c > maxCodecList || c*uint64(min) > uint64(len(d.s)) {
		d.fail()
		return 0, false
	}
	return int(c), false
}

func (d *decoder) time() time.Time {
	zone := d.byte()
	off := int64(0)
	if zone == zoneFixed {
		off = d.varint()
		if off <= -24*3600 || off >= 24*3600 {
			d.fail()
		}
	}
	sec := d.varint()
	nsec := d.uvarint()
	if d.err != nil || nsec >= 1e9 || sec < -62135596800 || sec > 253402300799 || zone > zoneFixed {
		d.fail() // outside year 1…9999, as RFC 3339 and the JSON form
		return time.Time{}
	}
	t := time.Unix(sec, int64(nsec))
	switch zone {
	case zoneUTC:
		return t.UTC()
	case zoneLocal:
		return t
	}
	return t.In(time.FixedZone("", int(off)))
}

func (d *decoder) flow() *Flow {
	id, action, subject := d.string(), d.string(), d.string()
	var f *Flow
	if n, isNil := d.count(1); isNil {
		f = newFlow(nil)
	} else {
		f = newFlow([]byte(d.bytes(uint64(n)))) // does not escape when short
	}
	f.ID, f.Action, f.Subject = id, action, subject
	if n, isNil := d.count(8); !isNil && d.err == nil {
		// Room for the evidence a Finish adds, and below for the step a
		// Begin adds, without growing the slice.
		f.Evidence = make([]Evidence, n, n+1)
		for i := range f.Evidence {
			e := &f.Evidence[i]
			e.Kind = Kind(d.string())
			e.Strength = Strength(d.byte())
			e.Subject = d.string()
			e.Time = d.time()
			if n, isNil := d.count(1); !isNil && d.err == nil {
				e.AMR = make([]string, n)
				for j := range e.AMR {
					e.AMR[j] = d.string()
				}
			}
			if n, isNil := d.count(2); !isNil && d.err == nil {
				e.Attributes = make(map[string]string, n)
				for range n {
					k := d.string()
					e.Attributes[k] = d.string()
				}
			}
			if d.err != nil {
				return nil
			}
		}
	}
	if n, isNil := d.count(4); !isNil && d.err == nil {
		f.Steps = make([]Step, n, n+1)
		for i := range f.Steps {
			f.Steps[i].Kind = Kind(d.string())
			f.Steps[i].BegunAt = d.time()
		}
	}
	f.Client.IP = d.string()
	f.Client.UserAgent = d.string()
	f.Client.Location = d.string()
	f.Client.Origin = d.string()
	f.CreatedAt = d.time()
	f.ExpiresAt = d.time()
	flags := d.byte()
	if flags&^3 != 0 {
		d.fail()
	}
	f.Completed, f.Cancelled = flags&1 != 0, flags&2 != 0
	f.CancelReason = d.string()
	f.Lang = d.string()
	if d.err != nil {
		return nil
	}
	return f
}
