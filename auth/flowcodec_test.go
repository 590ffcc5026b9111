package auth

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// codecSample is a flow with every field set, times in UTC, a fixed zone
// and Local.
func codecSample() *Flow {
	t0 := time.Date(2026, 6, 1, 9, 0, 0, 123456789, time.UTC)
	return &Flow{
		ID: "0123456789abcdef0123456789abcdef", Action: "login", Subject: "alice",
		BindingHash: BindingHash("browser-secret-0123456789"),
		Evidence: []Evidence{
			{Kind: KindECP, Strength: Strong, Subject: "alice", Time: t0, AMR: []string{"sc", "swk"},
				Attributes: map[string]string{"iin": "900101300017", "serial": "AB", "roles": "a,b"}},
			{Kind: KindSMS, Strength: Weak, Subject: "alice", Time: t0.In(time.FixedZone("", 5*3600)), AMR: []string{}},
			{Kind: KindQR, Strength: Strong, Subject: "alice", Time: time.Unix(1.8e9, 5).In(time.Local)},
		},
		Steps:     []Step{{Kind: KindECP, BegunAt: t0}, {Kind: KindSMS, BegunAt: t0.Add(time.Second)}},
		Client:    ClientInfo{IP: "10.0.0.1", UserAgent: "Mozilla/5.0 (Алматы)", Location: "Almaty, KZ", Origin: "https://portal.example.kz"},
		CreatedAt: t0.Add(-time.Minute), ExpiresAt: t0.Add(10 * time.Minute),
		Completed: true, Cancelled: true, CancelReason: "fraud_reported", Lang: "kk",
	}
}

// TestFlowCodecSampleIsComplete: the sample sets every stored field of a
// flow, so that a field added to Flow, Evidence, Step or ClientInfo without
// a place in the encoding fails the round trip (Flow.Lang was once added
// beside the encoding and dropped by it).
func TestFlowCodecSampleIsComplete(t *testing.T) {
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.Struct:
			if v.Type() == reflect.TypeOf(time.Time{}) {
				assert.False(t, v.Interface().(time.Time).IsZero(), "%s is zero in the sample", path)
				return
			}
			for i := range v.NumField() {
				f := v.Type().Field(i)
				if !f.IsExported() || f.Tag.Get("json") == "-" {
					continue
				}
				walk(v.Field(i), path+"."+f.Name)
			}
		case reflect.Slice:
			require.Positive(t, v.Len(), "%s is empty in the sample", path)
			walk(v.Index(0), path+"[0]")
		default:
			assert.False(t, v.IsZero(), "%s is zero in the sample", path)
		}
	}
	walk(reflect.ValueOf(*codecSample()), "Flow")
}

// The binary encoding keeps every field, nil and empty lists apart, and
// each time's instant and zone.
func TestFlowCodecRoundTrip(t *testing.T) {
	for _, f := range []*Flow{codecSample(), {ID: "0123456789abcdef0123456789abcdef"}} {
		b := encodeFlow(nil, f)
		require.Equal(t, byte(flowCodecV1), b[0])
		got, err := decodeFlow(b)
		require.NoError(t, err)
		assert.Equal(t, f, got)
		for i, e := range f.Evidence {
			_, off := e.Time.Zone()
			_, gotOff := got.Evidence[i].Time.Zone()
			assert.Equal(t, off, gotOff)
		}
		assert.Equal(t, b, encodeFlow(nil, got), "a decoded flow encodes to the same bytes")
	}
	// The encoding is compact: less than half of the JSON form.
	f := codecSample()
	j, _ := json.Marshal(f)
	assert.Less(t, len(encodeFlow(nil, f)), len(j)/2)
}

// Records written by earlier releases (JSON) are still read.
func TestFlowCodecReadsJSON(t *testing.T) {
	f := codecSample()
	for i := range f.Evidence {
		f.Evidence[i].Time = f.Evidence[i].Time.UTC()
	}
	j, err := json.Marshal(f)
	require.NoError(t, err)
	got, err := decodeFlow(j)
	require.NoError(t, err)
	assert.Equal(t, f, got)
}

// A JSON record with a time the binary form cannot hold is refused, not
// read and then lost at its next save.
func TestFlowCodecJSONTimesInRange(t *testing.T) {
	for _, ts := range []string{"0000-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"} {
		f, err := decodeFlow([]byte(`{"id":"x","created_at":"` + ts + `"}`))
		require.ErrorIs(t, err, errCodec, ts)
		require.Nil(t, f)
	}
	for _, ts := range []string{"0001-01-01T00:00:00Z", "0001-01-01T00:00:00-01:00", "9999-12-31T23:59:59Z"} {
		f, err := decodeFlow([]byte(`{"id":"x","created_at":"` + ts + `"}`))
		require.NoError(t, err, ts)
		again, err := decodeFlow(encodeFlow(nil, f))
		require.NoError(t, err, ts)
		assert.True(t, flowsEqual(f, again), ts)
	}
}

// A truncated, extended or altered record is refused, never half read.
func TestFlowCodecRefuses(t *testing.T) {
	b := encodeFlow(nil, codecSample())
	for n := range len(b) {
		f, err := decodeFlow(b[:n])
		require.Error(t, err, "truncated at %d", n)
		require.Nil(t, f)
	}
	for _, bad := range [][]byte{
		append(append([]byte{}, b...), 0),           // trailing byte
		{flowCodecV1, 0xff, 0xff, 0xff, 0xff, 0x7f}, // huge length
		{0x02},        // unknown version
		[]byte("nul"), // neither
	} {
		f, err := decodeFlow(bad)
		require.ErrorIs(t, err, errCodec)
		require.Nil(t, f)
	}
	flags := append([]byte{}, b...)
	flags[len(flags)-len("kk")-1-len("fraud_reported")-2] |= 4 // an unknown flag bit (before the reason and the language)
	_, err := decodeFlow(flags)
	require.ErrorIs(t, err, errCodec)
}

// FuzzDecodeFlow: decoding never panics; an error means no flow; a decoded
// flow re-encodes to a record that decodes to the same flow.
func FuzzDecodeFlow(f *testing.F) {
	f.Add(encodeFlow(nil, codecSample()))
	f.Add(encodeFlow(nil, &Flow{ID: "x"}))
	j, _ := json.Marshal(codecSample())
	f.Add(j)
	f.Add([]byte{flowCodecV1, 1, 'x', 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		fl, err := decodeFlow(b)
		if err != nil {
			if fl != nil {
				t.Fatal("error with a flow")
			}
			return
		}
		again, err := decodeFlow(encodeFlow(nil, fl))
		if err != nil {
			t.Fatalf("re-encoded flow does not decode: %v", err)
		}
		if !flowsEqual(fl, again) {
			t.Fatalf("round trip changed the flow:\n%+v\n%+v", fl, again)
		}
	})
}

// flowsEqual compares two flows field by field, times by instant and zone
// offset.
func flowsEqual(a, b *Flow) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y) && (a.BindingHash == nil) == (b.BindingHash == nil) &&
		(a.Evidence == nil) == (b.Evidence == nil) && (a.Steps == nil) == (b.Steps == nil)
}

// BenchmarkFlowCodec: the binary encoding beside encoding/json on a flow
// with two pieces of evidence.
func BenchmarkFlowCodec(b *testing.B) {
	f := codecSample()
	f.Evidence = f.Evidence[:2]
	f.Evidence[1].Time = f.Evidence[1].Time.UTC()
	bin := encodeFlow(nil, f)
	js, _ := json.Marshal(f)
	b.Run("binary", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 512)
		for b.Loop() {
			if _, err := decodeFlow(encodeFlow(buf[:0], f)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(bin)), "bytes")
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			x, _ := json.Marshal(f)
			var g Flow
			if err := json.Unmarshal(x, &g); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(js)), "bytes")
	})
}

// A flow and its binding hash share one allocation when the hash has the
// usual 32 bytes; every length, nil and empty survive a round trip and a
// Clone, and a copy's hash is its own.
func TestFlowBindingHashLengths(t *testing.T) {
	for _, h := range [][]byte{nil, {}, bytes.Repeat([]byte{7}, 31), bytes.Repeat([]byte{8}, 32), bytes.Repeat([]byte{9}, 40)} {
		f := &Flow{ID: "0123456789abcdef0123456789abcdef", BindingHash: h}
		got, err := decodeFlow(encodeFlow(nil, f))
		require.NoError(t, err)
		assert.Equal(t, f, got, "len %d", len(h))
		c := f.Clone()
		assert.Equal(t, f, c, "len %d", len(h))
		if len(h) > 0 {
			c.BindingHash[0]++
			got.BindingHash[0]++
			assert.Equal(t, h[0], f.BindingHash[0], "a clone's hash is its own")
			assert.Equal(t, c.BindingHash, got.BindingHash)
		}
	}
}

// A Clone shares nothing a caller could change with its original.
func TestCloneIsIndependent(t *testing.T) {
	f := codecSample()
	c := f.Clone()
	require.Equal(t, f, c)
	c.BindingHash[0]++
	c.Steps[0].Kind = "changed"
	c.Evidence[0].AMR[0] = "changed"
	c.Evidence[0].Attributes["iin"] = "changed"
	c.Evidence[0].Subject = "changed"
	assert.Equal(t, codecSample(), f)
}
