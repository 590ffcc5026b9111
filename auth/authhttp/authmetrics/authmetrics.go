// Package authmetrics counts the operations of an authhttp.Handler and
// serves them in the Prometheus text exposition format, without any
// dependency: set a Registry as authhttp.Config.Metrics and mount it
// (behind the host's own access control) where Prometheus scrapes.
//
// # Series
//
//	strongauth_http_requests_total{op, factor, outcome}             counter
//	strongauth_http_request_duration_seconds{op, factor, outcome}   histogram
//
// op is start, begin, finish, status or decision; factor the factor kind
// (empty when none, and never a kind the engine does not know); outcome is
// "ok" or the error code (auth.Code). Every label comes from a small, fixed
// set, so a client cannot grow the number of series.
//
// # Why it is kept beside auth/authprom
//
// auth/authprom (client_golang) and auth/authotel (OpenTelemetry) give the
// same HTTP series and the library-wide ones (flows, factors, SMS,
// revocation, store errors) as well. This package stays for hosts that want
// the HTTP series without any metrics library: importing it adds no module
// to a host's go.mod, where authprom adds nine (client_golang,
// client_model, common, procfs, protobuf…) and authotel eight. Its series
// are exactly authprom's HTTP series — names, help, labels, buckets and
// values (TestSameSeriesAsAuthmetrics in authprom parses this package's
// output with Prometheus's own parser and compares) — so a host can move to
// authprom without touching a dashboard. It does not bound outcome codes
// itself (authhttp passes auth.Code values, and a host mapper's own codes
// pass through); maxSeries bounds the total.
package authmetrics

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/strongauth/strongauth/auth"
)

// DefaultBuckets are the latency histogram's upper bounds, in seconds.
func DefaultBuckets() []float64 {
	return []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
}

// maxSeries bounds the number of label combinations kept, as a last line
// of defence against a host that feeds unbounded labels.
const maxSeries = 4096

// Config configures a Registry.
type Config struct {
	// Buckets are the histogram's upper bounds in seconds, increasing.
	// Nil means DefaultBuckets.
	Buckets []float64
}

// Registry implements authhttp.Metrics and http.Handler. It is safe for
// concurrent use.
type Registry struct {
	buckets []float64
	mu      sync.Mutex
	series  map[labels]*series
	dropped uint64
}

type labels struct{ op, factor, outcome string }

type series struct {
	count  uint64
	sum    float64
	counts []uint64 // per bucket, not cumulative
}

// New validates cfg and returns a Registry.
func New(cfg Config) (*Registry, error) {
	b := cfg.Buckets
	if b == nil {
		b = DefaultBuckets()
	}
	for i := range b {
		if b[i] <= 0 || (i > 0 && b[i] <= b[i-1]) {
			return nil, fmt.Errorf("%w: authmetrics: buckets must be positive and increasing", auth.ErrConfig)
		}
	}
	return &Registry{buckets: slices.Clone(b), series: make(map[labels]*series)}, nil
}

// Observe implements authhttp.Metrics.
func (r *Registry) Observe(op string, kind auth.Kind, outcome string, d time.Duration) {
	l := labels{op, string(kind), outcome}
	sec := d.Seconds()
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.series[l]
	if s == nil {
		if len(r.series) >= maxSeries {
			r.dropped++
			return
		}
		s = &series{counts: make([]uint64, len(r.buckets))}
		r.series[l] = s
	}
	s.count++
	s.sum += sec
	if i, _ := slices.BinarySearch(r.buckets, sec); i < len(r.buckets) {
		s.counts[i]++
	}
}

// Count returns how many operations with these labels were observed.
func (r *Registry) Count(op string, kind auth.Kind, outcome string) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s := r.series[labels{op, string(kind), outcome}]; s != nil {
		return s.count
	}
	return 0
}

// ServeHTTP writes the metrics in the Prometheus text format (0.0.4).
func (r *Registry) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = r.WriteTo(w)
}

// WriteTo writes the metrics in the Prometheus text format, series sorted.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	r.mu.Lock()
	keys := make([]labels, 0, len(r.series))
	snap := make(map[labels]series, len(r.series))
	for k, s := range r.series {
		keys = append(keys, k)
		snap[k] = series{count: s.count, sum: s.sum, counts: slices.Clone(s.counts)}
	}
	dropped := r.dropped
	r.mu.Unlock()
	slices.SortFunc(keys, func(a, b labels) int {
		return strings.Compare(a.op+"\x00"+a.factor+"\x00"+a.outcome, b.op+"\x00"+b.factor+"\x00"+b.outcome)
	})
	cw := &countWriter{w: bufio.NewWriter(w)}
	fmt.Fprintln(cw, "# HELP strongauth_http_requests_total Operations of the strongauth HTTP layer.")
	fmt.Fprintln(cw, "# TYPE strongauth_http_requests_total counter")
	for _, k := range keys {
		fmt.Fprintf(cw, "strongauth_http_requests_total{%s} %d\n", k.format(), snap[k].count)
	}
	fmt.Fprintln(cw, "# HELP strongauth_http_request_duration_seconds Latency of the strongauth HTTP layer's operations.")
	fmt.Fprintln(cw, "# TYPE strongauth_http_request_duration_seconds histogram")
	for _, k := range keys {
		s := snap[k]
		var cum uint64
		for i, le := range r.buckets {
			cum += s.counts[i]
			fmt.Fprintf(cw, "strongauth_http_request_duration_seconds_bucket{%s,le=%q} %d\n", k.format(), strconv.FormatFloat(le, 'g', -1, 64), cum)
		}
		fmt.Fprintf(cw, "strongauth_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %d\n", k.format(), s.count)
		fmt.Fprintf(cw, "strongauth_http_request_duration_seconds_sum{%s} %s\n", k.format(), strconv.FormatFloat(s.sum, 'g', -1, 64))
		fmt.Fprintf(cw, "strongauth_http_request_duration_seconds_count{%s} %d\n", k.format(), s.count)
	}
	if dropped > 0 {
		fmt.Fprintln(cw, "# TYPE strongauth_http_metrics_dropped_total counter")
		fmt.Fprintf(cw, "strongauth_http_metrics_dropped_total %d\n", dropped)
	}
	err := cw.w.Flush()
	if cw.err != nil {
		err = cw.err
	}
	return cw.n, err
}

func (l labels) format() string {
	return `op="` + escape(l.op) + `",factor="` + escape(l.factor) + `",outcome="` + escape(l.outcome) + `"`
}

// escape escapes a label value as the text format requires.
func escape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

type countWriter struct {
	w   *bufio.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}
