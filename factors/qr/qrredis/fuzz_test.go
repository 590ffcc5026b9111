package qrredis

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/store/redis"
)

// seedDevice is a valid device with a fixed P-256 key.
func seedDevice(tb testing.TB) *qr.Device {
	k := &ecdsa.PublicKey{Curve: elliptic.P256(), X: elliptic.P256().Params().Gx, Y: elliptic.P256().Params().Gy}
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		tb.Fatal(err)
	}
	return &qr.Device{ID: "Zm9vYmFyYmF6cXV4cXV1eA", Subject: "880101300123", Name: "Aigerim's iPhone", PublicKey: der,
		CreatedAt: time.Date(2026, 3, 1, 10, 0, 0, 123, time.FixedZone("ALMT", 5*3600)),
		LastUsed:  time.Date(2026, 3, 2, 11, 0, 0, 456, time.UTC)}
}

// deviceFields returns the stored fields of d with sequence number seq.
func deviceFields(tb testing.TB, d *qr.Device, seq string) fields {
	rec, err := encodeRecord(d)
	if err != nil {
		tb.Fatal(err)
	}
	return fields{rec, seq, qr.KeyThumbprint(d.PublicKey), usedText(d.LastUsed)}
}

// FuzzParseDevice feeds parseDevice arbitrary stored fields: it never
// panics, an error comes with no device, and a device it accepts is
// stored and read back unchanged.
func FuzzParseDevice(f *testing.F) {
	d := seedDevice(f)
	fl := deviceFields(f, d, "7")
	f.Add(fl[0], fl[1], fl[2], fl[3], d.Subject)
	f.Add(fl[0], fl[1], fl[2], "", d.Subject)
	f.Fuzz(func(t *testing.T, rec, seq, tp, used, subject string) {
		var claimed struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal([]byte(rec), &claimed)
		idh := idHash(claimed.ID)
		got, n, err := parseDevice(fields{rec, seq, tp, used}, idh, subject)
		if err != nil {
			if got.ID != "" || n != 0 || !errors.Is(err, redis.ErrUnexpectedReply) {
				t.Fatalf("error %v with a device %+v, %d", err, got, n)
			}
			return
		}
		again, n2, err := parseDevice(deviceFields(t, &got, seq), idh, subject)
		if err != nil || n2 != n {
			t.Fatalf("round trip: %v", err)
		}
		if deviceFields(t, &again, seq) != deviceFields(t, &got, seq) {
			t.Fatal("round trip changed the device")
		}
	})
}

func TestParseSubjectShapes(t *testing.T) {
	d := seedDevice(t)
	idh := idHash(d.ID)
	fl := deviceFields(t, d, "1")
	h := map[string]string{"n": "1", "c": "1", "d:" + idh: fl[0], "s:" + idh: fl[1], "t:" + idh: fl[2], "u:" + idh: fl[3],
		"k:" + fl[2]: idh}
	ds, err := parseSubject(h, d.Subject)
	if err != nil || len(ds) != 1 || !ds[0].LastUsed.Equal(d.LastUsed) || !ds[0].CreatedAt.Equal(d.CreatedAt) {
		t.Fatalf("parseSubject = %+v, %v", ds, err)
	}
	if ds, err := parseSubject(map[string]string{}, "x"); err != nil || len(ds) != 0 {
		t.Fatalf("an empty hash = %v, %v", ds, err)
	}
	for name, mut := range map[string]func(map[string]string){
		"short field":         func(h map[string]string) { h["d"] = "x" },
		"empty field":         func(h map[string]string) { h[""] = "x" },
		"key index elsewhere": func(h map[string]string) { h["k:"+fl[2]] = "other" },
		"key index missing":   func(h map[string]string) { delete(h, "k:"+fl[2]) },
		"device incomplete":   func(h map[string]string) { delete(h, "s:"+idh) },
	} {
		c := map[string]string{}
		for k, v := range h {
			c[k] = v
		}
		mut(c)
		if ds, err := parseSubject(c, d.Subject); ds != nil || !errors.Is(err, redis.ErrUnexpectedReply) {
			t.Errorf("%s: %v, %v; want ErrUnexpectedReply", name, ds, err)
		}
	}
	if _, ok, err := parseGet(make([]any, 4), idh, d.Subject); ok || err != nil {
		t.Errorf("a missing device = %v, %v", ok, err)
	}
	if _, _, err := parseGet([]any{fl[0], nil, fl[2], fl[3]}, idh, d.Subject); !errors.Is(err, redis.ErrUnexpectedReply) {
		t.Errorf("an incomplete device = %v", err)
	}
	if validTime(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)) || !validTime(time.Time{}) {
		t.Error("validTime")
	}
}

// BenchmarkParseSubject: reading a subject's three devices beside the
// plain json.Unmarshal of their records that it wraps.
func BenchmarkParseSubject(b *testing.B) {
	h := map[string]string{"n": "3", "c": "3"}
	var recs []string
	for i := range 3 {
		d := seedDevice(b)
		d.ID += string(rune('a' + i))
		d.PublicKey = append(d.PublicKey[:len(d.PublicKey):len(d.PublicKey)], byte(i)) // distinct thumbprints
		idh := idHash(d.ID)
		fl := deviceFields(b, d, string(rune('1'+i)))
		h["d:"+idh], h["s:"+idh], h["t:"+idh], h["u:"+idh], h["k:"+fl[2]] = fl[0], fl[1], fl[2], fl[3], idh
		recs = append(recs, fl[0])
	}
	b.Run("parseSubject", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if ds, err := parseSubject(h, "880101300123"); err != nil || len(ds) != 3 {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw-json.Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, r := range recs {
				var rec record
				if err := json.Unmarshal([]byte(r), &rec); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
