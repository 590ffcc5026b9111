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
func BenchmarkAudit(b *testing.B) { obstest.BenchAudit(b, "authotel", benchObserver(b)) }

// BenchmarkFlow: a whole login flow (start, begin, finish on a memory
// store) with the Observer as auditor, and as auditor and tracer, beside a
// no-op auditor.
func BenchmarkFlow(b *testing.B) {
	o := benchObserver(b)
	obstest.BenchFlow(b, obstest.Wiring{Name: "authotel-metrics", Audit: o},
		obstest.Wiring{Name: "authotel-metrics+spans", Audit: o, Tracer: o})
}

func BenchmarkObserve(b *testing.B) {
	o := benchObserver(b)
	b.ReportAllocs()
	for b.Loop() {
		o.Observe("finish", auth.KindECP, "ok", 3*time.Millisecond)
	}
}
