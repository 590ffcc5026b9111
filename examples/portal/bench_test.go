package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/ecp"
	"github.com/strongauth/strongauth/internal/testenv"
	"github.com/strongauth/strongauth/otp"
	"github.com/strongauth/strongauth/signature"
)

// benchHarness is a portal whose SMS limits let one person log in again
// and again (the clock moves 11 s per login, past the 10 s cooldown).
func benchHarness(b *testing.B) *harness {
	huge := otp.Limit{Max: 1 << 40, Per: time.Hour}
	return newHarness(b, func(c *Config) {
		c.SMSCooldown = 10 * time.Second
		c.SMSBudgets = otp.Budgets{Phone: huge, Account: huge, IP: huge, Prefix: huge, Global: huge}
	})
}

// BenchmarkLoginECPSMS measures complete ECP+SMS logins: through the
// portal's handler over loopback (an httptest server and an http.Client,
// cookies, CSRF, JSON), and the same steps as direct engine calls, in the
// same run, so the ratio is the HTTP layer's overhead with the real
// factors. Each login includes the client's GOST-2015 signature (the
// NCALayer simulator's work), shown alone as raw-sign, and the server's
// verification, shown alone as raw-verify.
func BenchmarkLoginECPSMS(b *testing.B) {
	h := benchHarness(b)
	h.cpu = testenv.CPUTime
	ctx := context.Background()
	phone := h.person(askar).Phone

	b.Run("raw-sign", func(b *testing.B) {
		req := signature.NewNCALayerRequest(make([]byte, 200), signature.NCALayerOptions{IIN: askar})
		msg, _ := json.Marshal(req)
		b.ReportAllocs()
		for b.Loop() {
			if r := h.sim.Handle(ctx, msg); !r.Status {
				b.Fatal(r.Code)
			}
		}
	})
	b.Run("raw-verify", func(b *testing.B) {
		content := make([]byte, 200)
		req := signature.NewNCALayerRequest(content, signature.NCALayerOptions{IIN: askar})
		msg, _ := json.Marshal(req)
		cms := h.sim.Handle(ctx, msg).Body.Result[0]
		rc, err := h.p.pki.revocation(h.clock.Now, h.p.store, nil)
		if err != nil {
			b.Fatal(err)
		}
		v, err := signature.NewVerifier(signature.Config{Roots: h.p.pki.roots(), Intermediates: h.p.pki.intermediates(),
			Now: h.clock.Now, Revocation: rc})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(ctx, []byte(cms), signature.VerifyOptions{Purpose: signature.PurposeLogin(), Content: content}); err != nil {
				b.Fatal(err)
			}
		}
	})

	eng := h.p.Engine()
	engineLogin := func(b *testing.B) {
		client := auth.ClientInfo{IP: "127.0.0.1", Origin: h.origin}
		binding, _ := eng.NewBinding()
		f, err := eng.Start(ctx, auth.StartRequest{Action: actionLogin, Binding: binding, Client: client})
		if err != nil {
			b.Fatal(err)
		}
		step := auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: auth.KindECP, Client: client}
		ch, err := eng.Begin(ctx, step)
		if err != nil {
			b.Fatal(err)
		}
		challenge, _ := base64.StdEncoding.DecodeString(ch.Data.(*ecp.BeginData).Challenge)
		msg, _ := json.Marshal(signature.NewNCALayerRequest(challenge, signature.NCALayerOptions{IIN: askar}))
		t0, c0 := time.Now(), testenv.CPUTime()
		cms := h.sim.Handle(ctx, msg).Body.Result[0]
		h.signing.Add(int64(time.Since(t0)))
		h.signingCPU.Add(int64(testenv.CPUTime() - c0))
		step.Input, _ = json.Marshal(ecp.FinishInput{CMS: cms})
		if _, err := eng.Finish(ctx, step); err != nil {
			b.Fatal(err)
		}
		step.Kind, step.Input = auth.KindSMS, nil
		if _, err := eng.Begin(ctx, step); err != nil {
			b.Fatal(err)
		}
		step.Input, _ = json.Marshal(map[string]string{"code": h.lastCode(phone)})
		if out, err := eng.Finish(ctx, step); err != nil || out.Result == nil {
			b.Fatal(err)
		}
	}
	// The harness serves the portal on a loopback listener; the client is a
	// real http.Client with a cookie jar, as in the tests.
	c := h.client()
	httpLogin := func(*testing.B) { c.loginECPSMS(askar) }
	// The same client over an in-process transport that calls the portal's
	// handler: the time inside ServeHTTP is the HTTP layer's own work
	// (routing, cookies, CSRF, JSON, the engine), without the kernel, the
	// net/http connection machinery or the test client.
	var inHandler atomic.Int64
	hc := h.client()
	hc.c.Transport = inProcess{h: h.p, spent: &inHandler}
	handlerLogin := func(*testing.B) { hc.loginECPSMS(askar) }

	logins := func(login func(*testing.B)) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				h.clock.Advance(11 * time.Second) // past the SMS cooldown
				login(b)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
		}
	}
	// bare-roundtrip is the transport alone: one POST over loopback to a
	// handler that answers {} (net/http on both ends and the kernel), what
	// each of a login's four requests pays before any of our code runs.
	b.Run("bare-roundtrip", func(b *testing.B) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, "{}")
		}))
		defer srv.Close()
		hc := &http.Client{}
		c0 := testenv.CPUTime()
		b.ReportAllocs()
		for b.Loop() {
			resp, err := hc.Post(srv.URL, "application/json", strings.NewReader(`{"code":"123456"}`))
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		b.ReportMetric(float64(testenv.CPUTime()-c0)/float64(b.N), "cpu-ns/op")
	})
	b.Run("engine", logins(engineLogin))
	b.Run("http-loopback", logins(httpLogin))
	// interleaved alternates the two, so that a busy machine slows both
	// alike, and reports the median of each and their ratio: http/engine
	// without the client's signing (the server's work and the loopback
	// round trips against the engine's), http/engine-signed with it, and
	// http/engine-cpu, the process CPU of each without the signing's (the
	// client, the server and the collector together; on a loaded machine
	// wall time counts every goroutine hand-off's wait for a core).
	b.Run("interleaved", func(b *testing.B) {
		var te, th, tes, ths, tsrv []time.Duration
		var ce, ch time.Duration
		measure := func(login func(*testing.B), cpu *time.Duration) (all, unsigned time.Duration) {
			s0, sc0 := h.signing.Load(), h.signingCPU.Load()
			t0, c0 := time.Now(), testenv.CPUTime()
			login(b)
			all = time.Since(t0)
			*cpu += testenv.CPUTime() - c0 - time.Duration(h.signingCPU.Load()-sc0)
			return all, all - time.Duration(h.signing.Load()-s0)
		}
		for b.Loop() {
			h.clock.Advance(11 * time.Second)
			es, e := measure(engineLogin, &ce)
			h.clock.Advance(11 * time.Second)
			hs, hh := measure(httpLogin, &ch)
			h.clock.Advance(11 * time.Second)
			s0 := inHandler.Load()
			handlerLogin(b)
			tsrv = append(tsrv, time.Duration(inHandler.Load()-s0))
			te, th, tes, ths = append(te, e), append(th, hh), append(tes, es), append(ths, hs)
		}
		me, mh := median(te), median(th)
		b.ReportMetric(float64(me.Nanoseconds()), "engine-ns/login")
		b.ReportMetric(float64(mh.Nanoseconds()), "http-ns/login")
		b.ReportMetric(float64(mh)/float64(me), "http/engine")
		b.ReportMetric(float64(median(ths))/float64(median(tes)), "http/engine-signed")
		b.ReportMetric(float64(ch)/float64(ce), "http/engine-cpu")
		b.ReportMetric(float64(median(tsrv))/float64(me), "handler/engine")
	})
}

// inProcess is an http.RoundTripper that serves each request with a
// handler in the same goroutine and adds the time spent in ServeHTTP to
// spent.
type inProcess struct {
	h     http.Handler
	spent *atomic.Int64
}

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context()) // a RoundTripper leaves the caller's request alone
	r.RemoteAddr, r.RequestURI = "127.0.0.1:40000", r.URL.RequestURI()
	if r.Body == nil {
		r.Body = http.NoBody
	}
	w := httptest.NewRecorder()
	t0 := time.Now()
	t.h.ServeHTTP(w, r)
	t.spent.Add(int64(time.Since(t0)))
	return w.Result(), nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
