package ecp_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"runtime/metrics"
	"slices"
	"testing"
	"time"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/ecp"
	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/sigtest"
	"github.com/strongauth/strongauth/store/memory"
)

// BenchmarkLogin measures a complete ECP login — Start, Begin, Finish on
// the engine with the memory store, the answer a PEM CMS as NCALayer sends
// it — beside the raw signature verification it wraps (hashing a message
// of the size of the signed attributes and one public-key verification),
// for RSA-2048 and GOST 34.10-2015 (512-bit). The client's signature is
// made between Begin and Finish, outside the measured time. The chain's
// links are cached after the first login (a returning signer); revocation
// is skipped (see signature/revocation's BenchmarkLoginVerify for its
// cost, which its cache makes nil).
//
//	raw-verify  the primitive
//	login       one login (signing excluded); logins/s per core
//	ratio       login / raw-verify, interleaved in one loop: x-median and
//	            x-fastest (the least disturbed iteration of each)
func BenchmarkLogin(b *testing.B) {
	for _, alg := range []devpki.Algorithm{devpki.RSA2048, devpki.GOST2015} {
		b.Run(string(alg), func(b *testing.B) {
			lb := newLoginBench(b, alg)
			b.Run("raw-verify", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					lb.raw(b)
				}
			})
			b.Run("login", func(b *testing.B) {
				var d []time.Duration
				b.ReportAllocs()
				lb.allocs = 0
				for b.Loop() {
					d = append(d, lb.login(b))
				}
				b.ReportMetric(1e9/float64(median(d)), "logins/s")
				// allocs/op above counts the client's signing too.
				b.ReportMetric(float64(lb.allocs)/float64(b.N), "server-allocs/login")
			})
			b.Run("ratio", func(b *testing.B) {
				fastest, med := sigtest.RatioTimed(b, lb.raw, lb.login)
				b.ReportMetric(1e9/float64(med), "logins/s")
				b.ReportMetric(1e9/float64(fastest), "logins/s-fastest")
			})
			// batched is ratio as a busy server sees it: 32 logins'
			// Start+Begin back to back, then (untimed) the clients sign,
			// then the 32 Finishes, beside 32 raw verifications; per
			// login. A client's signing between two steps of one login
			// (ratio above) leaves the server's caches cold and its
			// garbage to collect, which no server meets 32 times in a row.
			b.Run("batched", func(b *testing.B) {
				const n = 32
				var r, f []time.Duration
				for b.Loop() {
					t0 := time.Now()
					for range n {
						lb.raw(b)
					}
					r = append(r, time.Since(t0)/n)
					f = append(f, lb.loginBatch(b, n)/n)
				}
				fr, mr, ff, mf := slices.Min(r), median(r), slices.Min(f), median(f)
				b.ReportMetric(float64(ff)/float64(fr), "x-fastest")
				b.ReportMetric(float64(mf)/float64(mr), "x-median")
				b.ReportMetric(1e9/float64(mf), "logins/s")
				b.ReportMetric(1e9/float64(ff), "logins/s-fastest")
			})
		})
	}
}

type loginBench struct {
	allocs uint64 // heap allocations in the timed parts of logins
	p      *sigtest.PKI
	clock  *fakeclock.Clock
	eng    *auth.Engine
	raw    func(b *testing.B)
}

func newLoginBench(b *testing.B, alg devpki.Algorithm) *loginBench {
	lb := &loginBench{p: pkiFor(b, alg), clock: fakeclock.New(sigtest.Epoch().Add(time.Hour))}
	st := memory.New(memory.Config{Now: lb.clock.Now, SweepInterval: -1})
	b.Cleanup(func() { st.Close() })
	v, err := signature.NewVerifier(signature.Config{Roots: lb.p.Roots(), Intermediates: []*x509.Certificate{lb.p.CA.Cert},
		Now: lb.clock.Now, InsecureSkipRevocation: true})
	if err != nil {
		b.Fatal(err)
	}
	f, err := ecp.New(ecp.Config{Verifier: v, Store: st, Mapper: &mapper{}, Origin: origin})
	if err != nil {
		b.Fatal(err)
	}
	rule, _ := auth.ParseRule("ecp")
	lb.eng, err = auth.New(auth.Config{Store: st, Factors: []auth.Factor{f}, Policies: []auth.Policy{{Action: "login", Rule: rule}},
		Now: lb.clock.Now})
	if err != nil {
		b.Fatal(err)
	}

	// The raw primitive: a message as long as a CMS's signed attributes.
	msg := make([]byte, 110)
	leaf := lb.p.Individual
	sig, err := leaf.SignBytes(msg, crypto.SHA256)
	if err != nil {
		b.Fatal(err)
	}
	switch alg {
	case devpki.RSA2048:
		pub := leaf.Cert.PublicKey.(*rsa.PublicKey)
		lb.raw = func(b *testing.B) {
			h := crypto.SHA256.New()
			h.Write(msg)
			if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, h.Sum(nil), sig); err != nil {
				b.Fatal(err)
			}
		}
	case devpki.GOST2015:
		pub, err := gost.PublicKeyFromCertificate(leaf.Cert)
		if err != nil {
			b.Fatal(err)
		}
		lb.raw = func(b *testing.B) {
			if err := gost.CheckSignature(gost.OID(gost.OIDKZSignature2015512), pub, msg, sig); err != nil {
				b.Fatal(err)
			}
		}
	}
	lb.raw(b)
	lb.login(b) // warms the chain cache
	return lb
}

// begin starts a login flow and begins ECP in it: the Finish's request
// (without its input) and the challenge (base64).
func (lb *loginBench) begin(ctx context.Context, b *testing.B, client auth.ClientInfo) (auth.StepRequest, string) {
	binding, err := lb.eng.NewBinding()
	if err != nil {
		b.Fatal(err)
	}
	f, err := lb.eng.Start(ctx, auth.StartRequest{Action: "login", Binding: binding, Client: client})
	if err != nil {
		b.Fatal(err)
	}
	step := auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: auth.KindECP, Client: client}
	ch, err := lb.eng.Begin(ctx, step)
	if err != nil {
		b.Fatal(err)
	}
	return step, ch.Data.(*ecp.BeginData).Challenge
}

// login runs one login and returns its duration without the signing.
func (lb *loginBench) login(b *testing.B) time.Duration {
	ctx := context.Background()
	client := auth.ClientInfo{Origin: origin}
	a0 := heapAllocs()
	t0 := time.Now()
	step, challenge := lb.begin(ctx, b, client)
	d := time.Since(t0)
	lb.allocs += heapAllocs() - a0

	doc, _ := base64.StdEncoding.DecodeString(challenge)
	cms, err := lb.p.Individual.SignCMS(doc, devpki.CMSOptions{SigningTime: lb.clock.Now()})
	if err != nil {
		b.Fatal(err)
	}
	step.Input, _ = json.Marshal(ecp.FinishInput{CMS: string(devpki.PEM(cms))})

	a1 := heapAllocs()
	t1 := time.Now()
	out, err := lb.eng.Finish(ctx, step)
	d += time.Since(t1)
	lb.allocs += heapAllocs() - a1
	if err != nil || out.Result == nil {
		b.Fatal(err)
	}
	return d
}

// loginBatch runs n logins step by step — every Start and Begin, then the
// clients' signatures (untimed), then every Finish — and returns the time
// of the steps.
func (lb *loginBench) loginBatch(b *testing.B, n int) time.Duration {
	ctx := context.Background()
	client := auth.ClientInfo{Origin: origin}
	steps := make([]auth.StepRequest, n)
	docs := make([]string, n)
	t0 := time.Now()
	for i := range steps {
		steps[i], docs[i] = lb.begin(ctx, b, client)
	}
	d := time.Since(t0)
	for i := range steps {
		doc, _ := base64.StdEncoding.DecodeString(docs[i])
		cms, err := lb.p.Individual.SignCMS(doc, devpki.CMSOptions{SigningTime: lb.clock.Now()})
		if err != nil {
			b.Fatal(err)
		}
		steps[i].Input, _ = json.Marshal(ecp.FinishInput{CMS: string(devpki.PEM(cms))})
	}
	t1 := time.Now()
	for i := range steps {
		if out, err := lb.eng.Finish(ctx, steps[i]); err != nil || out.Result == nil {
			b.Fatal(err)
		}
	}
	return d + time.Since(t1)
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

var allocSample = []metrics.Sample{{Name: "/gc/heap/allocs:objects"}, {Name: "/gc/heap/tiny/allocs:objects"}}

// heapAllocs returns the number of heap allocations so far, tiny ones
// included (cumulative, for all goroutines: the benchmark runs one).
func heapAllocs() uint64 {
	metrics.Read(allocSample)
	return allocSample[0].Value.Uint64() + allocSample[1].Value.Uint64()
}
