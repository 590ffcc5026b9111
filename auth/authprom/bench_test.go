package authprom_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authprom"
	"github.com/strongauth/strongauth/auth/internal/obs/obstest"
	"github.com/strongauth/strongauth/signature/sigtest"
)

func benchCollector(b *testing.B) *authprom.Collector {
	c, err := authprom.New(authprom.Config{Actions: obstest.Actions()})
	if err != nil {
		b.Fatal(err)
	}
	prometheus.NewRegistry().MustRegister(c)
	return c
}

// BenchmarkAudit: the Collector's cost per audit event (a mix of one
// flow's events and a revocation check), beside a no-op auditor.
func BenchmarkAudit(b *testing.B) {
	events := obstest.Events()
	ctx := context.Background()
	run := func(a auth.Auditor) func(*testing.B) {
		return func(*testing.B) {
			for i := range events {
				a.Audit(ctx, events[i])
			}
		}
	}
	nop, c := obstest.Nop(), benchCollector(b)
	b.Run("nop", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			nop.Audit(ctx, events[i%len(events)])
		}
	})
	b.Run("authprom", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			c.Audit(ctx, events[i%len(events)])
		}
	})
	// per batch of len(events) events, interleaved
	b.Run("ratio-authprom-to-nop", func(b *testing.B) { sigtest.Ratio(b, run(nop), run(c)) })
}

// BenchmarkFlow: a whole login flow (start, begin, finish on a memory
// store) with the Collector as auditor, beside a no-op auditor.
func BenchmarkFlow(b *testing.B) {
	nop := obstest.FlowRunner(b, obstest.Nop(), nil)
	prom := obstest.FlowRunner(b, benchCollector(b), nil)
	b.Run("nop", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			nop()
		}
	})
	b.Run("authprom", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			prom()
		}
	})
	b.Run("ratio-authprom-to-nop", func(b *testing.B) {
		sigtest.Ratio(b, func(*testing.B) { nop() }, func(*testing.B) { prom() })
	})
}

func BenchmarkObserve(b *testing.B) {
	c := benchCollector(b)
	b.ReportAllocs()
	for b.Loop() {
		c.Observe("finish", auth.KindECP, "ok", 3*time.Millisecond)
	}
}
