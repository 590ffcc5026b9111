package authprom_test

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authprom"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/store/memory"
)

func Example() {
	prom, err := authprom.New(authprom.Config{Actions: []string{"login"}})
	if err != nil {
		panic(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(prom)
	// mux.Handle("GET /metrics", adminOnly(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))

	st := memory.New(memory.Config{})
	defer st.Close()
	eng, err := auth.New(auth.Config{
		Store:    st,
		Factors:  []auth.Factor{authtest.Strong(auth.KindWebAuthn)},
		Policies: []auth.Policy{{Action: "login", Rule: auth.KindWebAuthn}},
		Audit:    prom, // and authhttp.Config{Metrics: prom} for the HTTP series
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

	text, _ := testutil.GatherAndFormat(reg, expfmt.TypeTextPlain,
		"strongauth_flows_started_total", "strongauth_flows_completed_total")
	fmt.Print(string(text))
	// Output:
	// # HELP strongauth_flows_completed_total Flows completed with an allowing decision, by action.
	// # TYPE strongauth_flows_completed_total counter
	// strongauth_flows_completed_total{action="login"} 1
	// # HELP strongauth_flows_started_total Flows started, by action.
	// # TYPE strongauth_flows_started_total counter
	// strongauth_flows_started_total{action="login"} 1
}
