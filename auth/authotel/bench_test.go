package authotel_test

import (
	"context"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authotel"
	"github.com/strongauth/strongauth/auth/internal/obs/obstest"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// benchObserver uses the real SDK: a ManualReader that is never read and
// a tracer provider that samples every span into no processor.
func benchObserver(b *testing.B) *authotel.Observer {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	tp := sdktrace.NewTracerProvider()
	b.Cleanup(func() {
		_ = mp.Shutdown(context.Background())
		_ = tp.Shutdown(context.Background())
	})
	o, err := authotel.New(authotel.Config{MeterProvider: mp, TracerProvider: tp, Actions: obstest.Actions()})
	if err != nil {
		b.Fatal(err)
	}
	return o
}

// BenchmarkAudit: the Observer's cost per audit event (a mix of one flow's
// events and a revocation check), beside a no-op auditor.
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
	nop, o := obstest.Nop(), benchObserver(b)
	b.Run("nop", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			nop.Audit(ctx, events[i%len(events)])
		}
	})
	b.Run("authotel", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			o.Audit(ctx, events[i%len(events)])
		}
	})
	b.Run("ratio-authotel-to-nop", func(b *testing.B) { sigtest.Ratio(b, run(nop), run(o)) })
}

// BenchmarkFlow: a whole login flow (start, begin, finish on a memory
// store) with the Observer as auditor, and as auditor and tracer, beside a
// no-op auditor.
func BenchmarkFlow(b *testing.B) {
	nop := obstest.FlowRunner(b, obstest.Nop(), nil)
	o := benchObserver(b)
	metrics := obstest.FlowRunner(b, o, nil)
	traced := obstest.FlowRunner(b, o, o)
	for _, c := range []struct {
		name string
		run  func()
	}{{"nop", nop}, {"authotel-metrics", metrics}, {"authotel-metrics+spans", traced}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.run()
			}
		})
	}
	b.Run("ratio-metrics-to-nop", func(b *testing.B) {
		sigtest.Ratio(b, func(*testing.B) { nop() }, func(*testing.B) { metrics() })
	})
	b.Run("ratio-metrics+spans-to-nop", func(b *testing.B) {
		sigtest.Ratio(b, func(*testing.B) { nop() }, func(*testing.B) { traced() })
	})
}

func BenchmarkObserve(b *testing.B) {
	o := benchObserver(b)
	b.ReportAllocs()
	for b.Loop() {
		o.Observe("finish", auth.KindECP, "ok", 3*time.Millisecond)
	}
}
