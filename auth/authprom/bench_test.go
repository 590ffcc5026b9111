package authprom_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authprom"
	"github.com/strongauth/strongauth/auth/internal/obs/obstest"
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
func BenchmarkAudit(b *testing.B) { obstest.BenchAudit(b, "authprom", benchCollector(b)) }

// BenchmarkFlow: a whole login flow (start, begin, finish on a memory
// store) with the Collector as auditor, beside a no-op auditor.
func BenchmarkFlow(b *testing.B) {
	obstest.BenchFlow(b, obstest.Wiring{Name: "authprom", Audit: benchCollector(b)})
}

func BenchmarkObserve(b *testing.B) {
	c := benchCollector(b)
	b.ReportAllocs()
	for b.Loop() {
		c.Observe("finish", auth.KindECP, "ok", 3*time.Millisecond)
	}
}
