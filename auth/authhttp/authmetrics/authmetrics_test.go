package authmetrics_test

import (
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authhttp/authmetrics"
)

func TestExposition(t *testing.T) {
	r, err := authmetrics.New(authmetrics.Config{Buckets: []float64{0.01, 0.1}})
	require.NoError(t, err)
	r.Observe("finish", auth.KindECP, "ok", 5*time.Millisecond)
	r.Observe("finish", auth.KindECP, "ok", 50*time.Millisecond)
	r.Observe("finish", auth.KindECP, "ok", time.Second)
	r.Observe("begin", auth.KindSMS, "factor_not_allowed", time.Millisecond)
	r.Observe("start", "", `we"ird\`+"\n", time.Millisecond)
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	assert.Equal(t, "text/plain; version=0.0.4; charset=utf-8", w.Header().Get("Content-Type"))
	out := w.Body.String()
	for _, line := range []string{
		`strongauth_http_requests_total{op="finish",factor="ecp",outcome="ok"} 3`,
		`strongauth_http_requests_total{op="begin",factor="sms",outcome="factor_not_allowed"} 1`,
		`strongauth_http_request_duration_seconds_bucket{op="finish",factor="ecp",outcome="ok",le="0.01"} 1`,
		`strongauth_http_request_duration_seconds_bucket{op="finish",factor="ecp",outcome="ok",le="0.1"} 2`,
		`strongauth_http_request_duration_seconds_bucket{op="finish",factor="ecp",outcome="ok",le="+Inf"} 3`,
		`strongauth_http_request_duration_seconds_count{op="finish",factor="ecp",outcome="ok"} 3`,
		`strongauth_http_requests_total{op="start",factor="",outcome="we\"ird\\\n"} 1`,
	} {
		assert.Contains(t, out, line+"\n")
	}
	assert.Less(t, strings.Index(out, `op="begin"`), strings.Index(out, `op="finish"`), "sorted")
	assert.Equal(t, uint64(3), r.Count("finish", auth.KindECP, "ok"))
	assert.Zero(t, r.Count("finish", auth.KindQR, "ok"))
}

func TestBucketsValidated(t *testing.T) {
	for _, b := range [][]float64{{0}, {1, 1}, {2, 1}, {-1}} {
		_, err := authmetrics.New(authmetrics.Config{Buckets: b})
		assert.ErrorIs(t, err, auth.ErrConfig, b)
	}
}

// TestConcurrentAndBounded: many goroutines observing lose nothing, and
// unbounded labels stop growing the registry.
func TestConcurrentAndBounded(t *testing.T) {
	r, err := authmetrics.New(authmetrics.Config{})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 100 {
				r.Observe("begin", auth.KindWebAuthn, "ok", time.Duration(j)*time.Microsecond)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, uint64(20*100), r.Count("begin", auth.KindWebAuthn, "ok"))
	for i := range 5000 {
		r.Observe("begin", auth.Kind(fmt.Sprint("k", i)), "ok", 0)
	}
	var b strings.Builder
	_, err = r.WriteTo(&b)
	require.NoError(t, err)
	assert.LessOrEqual(t, strings.Count(b.String(), "strongauth_http_requests_total{"), 4096)
	assert.Contains(t, b.String(), "strongauth_http_metrics_dropped_total ")
}

func Example() {
	reg, _ := authmetrics.New(authmetrics.Config{Buckets: []float64{0.1}})
	// authhttp.Config{Metrics: reg, …}; mux.Handle("/metrics", adminOnly(reg))
	reg.Observe("finish", auth.KindWebAuthn, "ok", 20*time.Millisecond)
	_, _ = reg.WriteTo(os.Stdout)
	// Output:
	// # HELP strongauth_http_requests_total Operations of the strongauth HTTP layer.
	// # TYPE strongauth_http_requests_total counter
	// strongauth_http_requests_total{op="finish",factor="webauthn",outcome="ok"} 1
	// # HELP strongauth_http_request_duration_seconds Latency of the strongauth HTTP layer's operations.
	// # TYPE strongauth_http_request_duration_seconds histogram
	// strongauth_http_request_duration_seconds_bucket{op="finish",factor="webauthn",outcome="ok",le="0.1"} 1
	// strongauth_http_request_duration_seconds_bucket{op="finish",factor="webauthn",outcome="ok",le="+Inf"} 1
	// strongauth_http_request_duration_seconds_sum{op="finish",factor="webauthn",outcome="ok"} 0.02
	// strongauth_http_request_duration_seconds_count{op="finish",factor="webauthn",outcome="ok"} 1
}

func BenchmarkObserve(b *testing.B) {
	r, _ := authmetrics.New(authmetrics.Config{})
	b.ReportAllocs()
	for b.Loop() {
		r.Observe("finish", auth.KindECP, "ok", 3*time.Millisecond)
	}
}
