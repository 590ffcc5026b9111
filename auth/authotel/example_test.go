package authotel_test

import (
	"context"
	"fmt"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authotel"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/store/memory"
)

func Example() {
	// The host's SDK set-up; here an in-memory reader and span recorder.
	reader := sdkmetric.NewManualReader()
	spans := tracetest.NewSpanRecorder()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))

	o, err := authotel.New(authotel.Config{MeterProvider: mp, TracerProvider: tp, Actions: []string{"login"}})
	if err != nil {
		panic(err)
	}
	st := memory.New(memory.Config{})
	defer st.Close()
	eng, err := auth.New(auth.Config{
		Store:    st,
		Factors:  []auth.Factor{authtest.Strong(auth.KindWebAuthn)},
		Policies: []auth.Policy{{Action: "login", Rule: auth.KindWebAuthn}},
		Audit:    o, // measurements; authhttp.Config{Metrics: o} adds the HTTP ones
		Tracer:   o, // a span per step
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	const binding = "a-browser-binding-secret"
	f, _ := eng.Start(ctx, auth.StartRequest{Action: "login", Binding: binding})
	step := auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: auth.KindWebAuthn}
	_, _ = eng.Begin(ctx, step)
	step.Input = authtest.OK("user-1")
	_, _ = eng.Finish(ctx, step)

	for _, s := range spans.Ended() {
		fmt.Println(s.Name(), s.Status().Code)
	}
	var rm metricdata.ResourceMetrics
	_ = reader.Collect(ctx, &rm)
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if m.Name == "strongauth.flows.completed" {
			dp := m.Data.(metricdata.Sum[int64]).DataPoints[0]
			action, _ := dp.Attributes.Value("action")
			fmt.Println(m.Name, action.AsString(), dp.Value)
		}
	}
	// Output:
	// strongauth.start Unset
	// strongauth.begin Unset
	// strongauth.finish Unset
	// strongauth.flows.completed login 1
}
