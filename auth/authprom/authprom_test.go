package authprom_test

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authhttp/authmetrics"
	"github.com/strongauth/strongauth/auth/authprom"
	"github.com/strongauth/strongauth/auth/internal/obs"
	"github.com/strongauth/strongauth/auth/internal/obs/obstest"
	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/signature/revocation"
)

func newCollector(t *testing.T) *authprom.Collector {
	t.Helper()
	c, err := authprom.New(authprom.Config{Actions: obstest.Actions()})
	require.NoError(t, err)
	return c
}

// TestEngineMetrics drives a real engine and revocation checker and reads
// every library-wide series back with prometheus/testutil.
func TestEngineMetrics(t *testing.T) {
	c := newCollector(t)
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(c))
	res := obstest.Run(t, c, nil)

	const want = `
# HELP strongauth_events_total Audit events, by type.
# TYPE strongauth_events_total counter
strongauth_events_total{type="decision"} 2
strongauth_events_total{type="factor_begun"} 4
strongauth_events_total{type="factor_failed"} 2
strongauth_events_total{type="factor_finished"} 2
strongauth_events_total{type="factor_refused"} 1
strongauth_events_total{type="flow_cancelled"} 1
strongauth_events_total{type="flow_completed"} 1
strongauth_events_total{type="flow_started"} 3
strongauth_events_total{type="revocation_checked"} 1
strongauth_events_total{type="step_failed"} 2
# HELP strongauth_flows_started_total Flows started, by action.
# TYPE strongauth_flows_started_total counter
strongauth_flows_started_total{action="login"} 3
# HELP strongauth_flows_completed_total Flows completed with an allowing decision, by action.
# TYPE strongauth_flows_completed_total counter
strongauth_flows_completed_total{action="login"} 1
# HELP strongauth_flows_cancelled_total Flows cancelled (by the host or a fraud report), by action.
# TYPE strongauth_flows_cancelled_total counter
strongauth_flows_cancelled_total{action="login"} 1
# HELP strongauth_flow_refusals_total Factor steps that failed or that a gate refused, by action and error code.
# TYPE strongauth_flow_refusals_total counter
strongauth_flow_refusals_total{action="login",code="factor_not_allowed"} 1
strongauth_flow_refusals_total{action="login",code="unavailable"} 2
strongauth_flow_refusals_total{action="login",code="verification_failed"} 1
strongauth_flow_refusals_total{action="other",code="unknown_action"} 1
# HELP strongauth_decisions_total Policy decisions, by action and result.
# TYPE strongauth_decisions_total counter
strongauth_decisions_total{action="login",allowed="false"} 1
strongauth_decisions_total{action="login",allowed="true"} 1
# HELP strongauth_factor_operations_total Factor begins and finishes, by factor, operation and outcome (ok or the error code).
# TYPE strongauth_factor_operations_total counter
strongauth_factor_operations_total{factor="ecp",op="begin",outcome="ok"} 2
strongauth_factor_operations_total{factor="ecp",op="finish",outcome="ok"} 1
strongauth_factor_operations_total{factor="ecp",op="finish",outcome="verification_failed"} 1
strongauth_factor_operations_total{factor="sms",op="begin",outcome="factor_not_allowed"} 1
strongauth_factor_operations_total{factor="sms",op="begin",outcome="ok"} 1
strongauth_factor_operations_total{factor="sms",op="finish",outcome="ok"} 1
strongauth_factor_operations_total{factor="webauthn",op="begin",outcome="ok"} 1
strongauth_factor_operations_total{factor="webauthn",op="finish",outcome="unavailable"} 1
# HELP strongauth_sms_sent_total SMS codes sent (SMS factor begins that succeeded).
# TYPE strongauth_sms_sent_total counter
strongauth_sms_sent_total 1
# HELP strongauth_sms_refused_total SMS codes not sent: SMS factor begins refused by a gate or failed, by error code.
# TYPE strongauth_sms_refused_total counter
strongauth_sms_refused_total{code="factor_not_allowed"} 1
# HELP strongauth_revocation_checks_total Certificate revocation checks, by source (ocsp, crl, none), status and outcome.
# TYPE strongauth_revocation_checks_total counter
strongauth_revocation_checks_total{outcome="revoked",source="crl",status="revoked"} 1
# HELP strongauth_store_errors_total Steps that failed because a store or a backend was unavailable (code unavailable), by factor and operation.
# TYPE strongauth_store_errors_total counter
strongauth_store_errors_total{factor="",op="start"} 1
strongauth_store_errors_total{factor="webauthn",op="finish"} 1
`
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want),
		"strongauth_events_total", "strongauth_flows_started_total", "strongauth_flows_completed_total",
		"strongauth_flows_cancelled_total", "strongauth_flow_refusals_total", "strongauth_decisions_total",
		"strongauth_factor_operations_total", "strongauth_sms_sent_total", "strongauth_sms_refused_total",
		"strongauth_revocation_checks_total", "strongauth_store_errors_total", "strongauth_fraud_reports_total"))

	// One latency series per factor and operation, each with its calls.
	assert.Equal(t, 6, testutil.CollectAndCount(c, "strongauth_factor_duration_seconds"))
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != "strongauth_factor_duration_seconds" {
			continue
		}
		counts := map[string]uint64{}
		for _, m := range mf.GetMetric() {
			var key []string
			for _, l := range m.GetLabel() {
				key = append(key, l.GetValue())
			}
			counts[strings.Join(key, " ")] = m.GetHistogram().GetSampleCount()
		}
		assert.Equal(t, map[string]uint64{"ecp begin": 2, "ecp finish": 2, "sms begin": 1, "sms finish": 1,
			"webauthn begin": 1, "webauthn finish": 1}, counts)
	}

	// Nothing identifying reaches the exposition.
	var text bytes.Buffer
	enc := expfmt.NewEncoder(&text, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		require.NoError(t, enc.Encode(mf))
	}
	for _, secret := range append([]string{res.Subject, res.Completed, res.Refused, res.Broken, "870101300123", "TESTOV"}, res.FlowIDs...) {
		assert.NotContains(t, text.String(), secret)
	}

	problems, err := testutil.CollectAndLint(c)
	require.NoError(t, err)
	assert.Empty(t, problems)
}

// TestUnboundedValuesFold: actions, kinds, codes, event types, revocation
// sources and HTTP operations outside their closed sets become "other".
func TestUnboundedValuesFold(t *testing.T) {
	c, err := authprom.New(authprom.Config{Actions: []string{"login"}, Kinds: []auth.Kind{auth.KindECP}})
	require.NoError(t, err)
	ctx := context.Background()
	for i := range 50 {
		s := strings.Repeat("x", i)
		c.Audit(ctx, auth.Event{Type: auth.EventFactorFailed, Action: "act" + s, Kind: auth.Kind("k" + s), Op: "finish",
			Code: "mapper_" + s, Subject: "subj" + s, Flow: "ref" + s})
		c.Audit(ctx, auth.Event{Type: "custom" + s, Code: "x" + s})
		c.Audit(ctx, auth.Event{Type: revocation.EventRevocation, Code: "c" + s,
			Attrs: map[string]string{"source": "s" + s, "status": "st" + s}})
		c.Observe("op"+s, auth.Kind("k"+s), "code"+s, time.Millisecond)
	}
	assert.Equal(t, 50.0, value(t, c, "strongauth_flow_refusals_total", "action", "other", "code", "other"))
	assert.Equal(t, 1, testutil.CollectAndCount(c, "strongauth_flow_refusals_total"))
	assert.Equal(t, 1, testutil.CollectAndCount(c, "strongauth_factor_operations_total"))
	assert.Equal(t, 3, testutil.CollectAndCount(c, "strongauth_events_total"), "factor_failed, revocation_checked, other")
	assert.Equal(t, 1, testutil.CollectAndCount(c, "strongauth_revocation_checks_total"))
	assert.Equal(t, 1, testutil.CollectAndCount(c, "strongauth_http_requests_total"))
	assert.Equal(t, 1, testutil.CollectAndCount(c, "strongauth_http_request_duration_seconds"))
}

// value gathers c and returns the counter of one metric with the given
// label pairs.
func value(t *testing.T, c prometheus.Collector, name string, labels ...string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	require.NoError(t, reg.Register(c))
	mfs, err := reg.Gather()
	require.NoError(t, err)
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if v, ok := want[l.GetName()]; ok && v != l.GetValue() {
					continue next
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	t.Fatalf("no series %s%v", name, labels)
	return 0
}

func TestHTTPMetrics(t *testing.T) {
	c := newCollector(t)
	c.Observe("finish", auth.KindECP, "ok", 5*time.Millisecond)
	c.Observe("finish", auth.KindECP, "ok", 50*time.Millisecond)
	c.Observe("begin", auth.KindSMS, "rate_limited", time.Millisecond)
	c.Observe("status", "", "ok", time.Second)
	const want = `
# HELP strongauth_http_requests_total Operations of the strongauth HTTP layer.
# TYPE strongauth_http_requests_total counter
strongauth_http_requests_total{factor="",op="status",outcome="ok"} 1
strongauth_http_requests_total{factor="ecp",op="finish",outcome="ok"} 2
strongauth_http_requests_total{factor="sms",op="begin",outcome="rate_limited"} 1
`
	require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(want), "strongauth_http_requests_total"))
	assert.Equal(t, 3, testutil.CollectAndCount(c, "strongauth_http_request_duration_seconds"))
}

// TestSameSeriesAsAuthmetrics: for the same observations, the
// dependency-free authmetrics.Registry writes exactly the HTTP series that
// the Collector gathers (names, help, labels, buckets, values), read back
// through testutil's parser: switching from one to the other keeps every
// dashboard, and the hand-written exposition is valid.
func TestSameSeriesAsAuthmetrics(t *testing.T) {
	c := newCollector(t)
	reg, err := authmetrics.New(authmetrics.Config{})
	require.NoError(t, err)
	for _, o := range []struct {
		op      string
		kind    auth.Kind
		outcome string
		d       time.Duration
	}{
		{"start", "", "ok", 2 * time.Millisecond},
		{"begin", auth.KindSMS, "rate_limited", 700 * time.Microsecond},
		{"finish", auth.KindECP, "ok", 120 * time.Millisecond},
		{"finish", auth.KindECP, "ok", 3 * time.Second},
		{"finish", auth.KindECP, "verification_failed", 40 * time.Millisecond},
		{"status", "", "flow_not_found", 20 * time.Second},
	} {
		c.Observe(o.op, o.kind, o.outcome, o.d)
		reg.Observe(o.op, o.kind, o.outcome, o.d)
	}
	var text bytes.Buffer
	_, err = reg.WriteTo(&text)
	require.NoError(t, err)
	// The reference parser reads the hand-written text; labels are then
	// put in client_golang's order (the text format leaves it free).
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(&text)
	require.NoError(t, err)
	var sorted bytes.Buffer
	enc := expfmt.NewEncoder(&sorted, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, name := range slices.Sorted(maps.Keys(mfs)) {
		for _, m := range mfs[name].GetMetric() {
			slices.SortFunc(m.Label, func(a, b *dto.LabelPair) int { return strings.Compare(a.GetName(), b.GetName()) })
		}
		require.NoError(t, enc.Encode(mfs[name]))
	}
	require.NoError(t, testutil.CollectAndCompare(c, &sorted,
		"strongauth_http_requests_total", "strongauth_http_request_duration_seconds"))
}

// TestEventTypes: the event types the adapters know are those the library's
// packages define.
func TestEventTypes(t *testing.T) {
	for _, typ := range []string{revocation.EventRevocation, passkey.EventCounterRegression, passkey.EventRegistered,
		passkey.EventRegistrationRefused, auth.EventFraudReported} {
		assert.Contains(t, obs.EventTypes(), typ)
	}
	assert.Equal(t, obs.EventRevocation, revocation.EventRevocation)
}

func TestConfig(t *testing.T) {
	for _, cfg := range []authprom.Config{
		{Actions: []string{""}}, {Actions: []string{"other"}}, {Kinds: []auth.Kind{"a b"}},
		{Buckets: []float64{}}, {Buckets: []float64{1, 0.5}}, {Buckets: []float64{0}},
	} {
		_, err := authprom.New(cfg)
		assert.ErrorIs(t, err, auth.ErrConfig, "%+v", cfg)
	}
	c, err := authprom.New(authprom.Config{})
	require.NoError(t, err)
	c.Audit(context.Background(), auth.Event{Type: auth.EventFlowStarted, Action: "login"})
	assert.Equal(t, 1.0, value(t, c, "strongauth_flows_started_total", "action", authprom.Other),
		"no Actions: every action is other")
}

// TestConcurrent: parallel audits and observations lose nothing (run with
// -race).
func TestConcurrent(t *testing.T) {
	c := newCollector(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 500 {
				c.Audit(context.Background(), auth.Event{Type: auth.EventFlowStarted, Action: "login"})
				c.Observe("start", "", "ok", time.Millisecond)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 4000.0, value(t, c, "strongauth_flows_started_total", "action", "login"))
	assert.Equal(t, 4000.0, value(t, c, "strongauth_http_requests_total", "op", "start"))
}
