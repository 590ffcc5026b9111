package sigtest

import (
	"slices"
	"testing"
	"time"
)

// Ratio measures full against raw by interleaving them in one benchmark
// loop, so that a busy machine slows both alike, and reports full/raw from
// the fastest ("x-fastest", the least disturbed) and the median
// ("x-median") iteration of each.
func Ratio(b *testing.B, raw, full func(b *testing.B)) {
	b.Helper()
	RatioTimed(b, raw, func(b *testing.B) time.Duration {
		t0 := time.Now()
		full(b)
		return time.Since(t0)
	})
}

// RatioTimed is Ratio for a full operation that times itself, to leave out
// work that is not its own (a client's signing between two requests): full
// returns the duration that counts. It returns the fastest and the median
// duration of full.
func RatioTimed(b *testing.B, raw func(b *testing.B), full func(b *testing.B) time.Duration) (fastest, median time.Duration) {
	b.Helper()
	var r, f []time.Duration
	for b.Loop() {
		t0 := time.Now()
		raw(b)
		r = append(r, time.Since(t0))
		f = append(f, full(b))
	}
	if len(r) == 0 {
		return 0, 0
	}
	slices.Sort(r)
	slices.Sort(f)
	b.ReportMetric(float64(f[0])/float64(r[0]), "x-fastest")
	b.ReportMetric(float64(f[len(f)/2])/float64(r[len(r)/2]), "x-median")
	return f[0], f[len(f)/2]
}
