package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/ecp"
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
		step.Input, _ = json.Marshal(ecp.FinishInput{CMS: h.sim.Handle(ctx, msg).Body.Result[0]})
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
	b.Run("engine", logins(engineLogin))
	b.Run("http-loopback", logins(httpLogin))
	// interleaved alternates the two, so that a busy machine slows both
	// alike, and reports the median of each and their ratio.
	b.Run("interleaved", func(b *testing.B) {
		var te, th []time.Duration
		for b.Loop() {
			h.clock.Advance(11 * time.Second)
			t0 := time.Now()
			engineLogin(b)
			t1 := time.Now()
			h.clock.Advance(11 * time.Second)
			httpLogin(b)
			te, th = append(te, t1.Sub(t0)), append(th, time.Since(t1))
		}
		me, mh := median(te), median(th)
		b.ReportMetric(float64(me.Nanoseconds()), "engine-ns/login")
		b.ReportMetric(float64(mh.Nanoseconds()), "http-ns/login")
		b.ReportMetric(float64(mh)/float64(me), "http/engine")
	})
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
