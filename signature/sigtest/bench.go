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
	var r, f []time.Duration
	for b.Loop() {
		t0 := time.Now()
		raw(b)
		t1 := time.Now()
		full(b)
		f = append(f, time.Since(t1))
		r = append(r, t1.Sub(t0))
	}
	if len(r) == 0 {
		return
	}
	slices.Sort(r)
	slices.Sort(f)
	b.ReportMetric(float64(f[0])/float64(r[0]), "x-fastest")
	b.ReportMetric(float64(f[len(f)/2])/float64(r[len(r)/2]), "x-median")
}
