package qrredis

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/store/redis"
)

// ErrInvalidTime reports a time that cannot be stored (a year outside
// 0–9999). Nothing is written.
var ErrInvalidTime = errors.New("qrredis: time out of range")

// A subject's hash holds, per device named by idHash(ID):
//
//	d:<name>  the record, JSON (record)
//	s:<name>  its sequence number: insertion order
//	t:<name>  its key's thumbprint (qr.KeyThumbprint)
//	u:<name>  its last use in usedLayout, or empty for never
//
// and for the subject: k:<thumbprint> → name (one device per key), n the
// last sequence number, c the number of devices.
const formatVersion = 1

// usedLayout is the fixed-width UTC form of a last use, so that Lua
// compares two of them as strings.
const usedLayout = "2006-01-02T15:04:05.000000000Z"

// record is the fixed part of a device.
type record struct {
	V         int       `json:"v"`
	ID        string    `json:"id"`
	Subject   string    `json:"subject"`
	Name      string    `json:"name"`
	PublicKey []byte    `json:"public_key"`
	CreatedAt time.Time `json:"created_at"`
}

// idHash names a device: the hex SHA-256 of its ID.
func idHash(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:])
}

// encodeRecord returns the record of a device.
func encodeRecord(d *qr.Device) (string, error) {
	b, err := json.Marshal(record{V: formatVersion, ID: d.ID, Subject: d.Subject, Name: d.Name,
		PublicKey: d.PublicKey, CreatedAt: d.CreatedAt})
	return string(b), err
}

// validTime reports whether t can be stored in usedLayout.
func validTime(t time.Time) bool {
	y := t.UTC().Year()
	return y >= 0 && y <= 9999
}

// usedText encodes a last use: empty for the zero time.
func usedText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(usedLayout)
}

// fields are one device's stored fields, as strings: d, s, t, u.
type fields [4]string

// parseDevice reads one device of subject, named idh, from its fields. A
// stored device is trusted no more than any reply: anything but a valid
// device of this subject under this name is redis.ErrUnexpectedReply.
func parseDevice(f fields, idh, subject string) (qr.Device, int64, error) {
	bad := func(what string) (qr.Device, int64, error) {
		return qr.Device{}, 0, fmt.Errorf("%w: device %s", redis.ErrUnexpectedReply, what)
	}
	var r record
	dec := json.NewDecoder(bytes.NewReader([]byte(f[0])))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return bad("record is not valid")
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad("record has trailing bytes")
	}
	switch {
	case r.V != formatVersion:
		return bad("record in an unknown format")
	case r.ID == "" || idHash(r.ID) != idh:
		return bad("record holds another device")
	case r.Subject != subject:
		return bad("record of another subject")
	case len(r.PublicKey) == 0 || qr.KeyThumbprint(r.PublicKey) != f[2]:
		return bad("key does not match its thumbprint")
	}
	seq, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil || seq <= 0 || strconv.FormatInt(seq, 10) != f[1] {
		return bad("sequence number is not valid")
	}
	d := qr.Device{ID: r.ID, Subject: r.Subject, Name: r.Name, PublicKey: r.PublicKey, CreatedAt: r.CreatedAt}
	if f[3] != "" {
		t, err := time.Parse(usedLayout, f[3])
		if err != nil || t.Format(usedLayout) != f[3] {
			return bad("last use is not valid")
		}
		d.LastUsed = t
	}
	return d, seq, nil
}

// parseGet reads the reply of HMGET <subject> d:<n> s:<n> t:<n> u:<n>: a
// device, or ok false if there is none.
func parseGet(vals []any, idh, subject string) (d qr.Device, ok bool, err error) {
	if len(vals) != len(fields{}) {
		return d, false, fmt.Errorf("%w: device has %d fields", redis.ErrUnexpectedReply, len(vals))
	}
	var f fields
	missing := 0
	for i, v := range vals {
		switch s := v.(type) {
		case nil:
			missing++
		case string:
			f[i] = s
		default:
			return d, false, fmt.Errorf("%w: device field is not a string", redis.ErrUnexpectedReply)
		}
	}
	switch missing {
	case len(vals):
		return d, false, nil
	case 0:
	default:
		return d, false, fmt.Errorf("%w: incomplete device", redis.ErrUnexpectedReply)
	}
	d, _, err = parseDevice(f, idh, subject)
	return d, err == nil, err
}

// parseSubject reads the reply of HGETALL <subject>: the subject's
// devices in insertion order. Every field must belong to a complete
// device, every device's key must be indexed to it, and the count must be
// right.
func parseSubject(h map[string]string, subject string) ([]qr.Device, error) {
	bad := func(what string) ([]qr.Device, error) {
		return nil, fmt.Errorf("%w: subject's devices: %s", redis.ErrUnexpectedReply, what)
	}
	type entry struct {
		f   fields
		got [4]bool
	}
	byName := map[string]*entry{}
	keys := map[string]string{}
	count := "0"
	for k, v := range h {
		switch {
		case k == "n":
			continue
		case k == "c":
			count = v
			continue
		case strings.HasPrefix(k, "k:"):
			keys[k[2:]] = v
			continue
		}
		i := strings.Index("dstu", k[:min(1, len(k))])
		if len(k) < 3 || k[1] != ':' || i < 0 {
			return bad("unknown field")
		}
		e := byName[k[2:]]
		if e == nil {
			e = &entry{}
			byName[k[2:]] = e
		}
		e.f[i], e.got[i] = v, true
	}
	if strconv.Itoa(len(byName)) != count {
		return bad("count does not match")
	}
	if len(keys) != len(byName) {
		return bad("key index does not match")
	}
	type item struct {
		d   qr.Device
		seq int64
	}
	items := make([]item, 0, len(byName))
	for name, e := range byName {
		if e.got != [4]bool{true, true, true, true} {
			return bad("incomplete device")
		}
		d, seq, err := parseDevice(e.f, name, subject)
		if err != nil {
			return nil, err
		}
		if keys[e.f[2]] != name {
			return bad("key index does not match")
		}
		items = append(items, item{d, seq})
	}
	slices.SortFunc(items, func(a, b item) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]qr.Device, len(items))
	for i, it := range items {
		if i > 0 && items[i-1].seq == it.seq {
			return bad("two devices with one sequence number")
		}
		out[i] = it.d
	}
	return out, nil
}
