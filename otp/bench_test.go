package otp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/store/memory"
)

// The benchmarks put each operation beside the primitive it wraps, so the
// overhead shows as a ratio:
//
//	BenchmarkVerify / BenchmarkHMACBare    bookkeeping around the one HMAC
//	BenchmarkIssue  / BenchmarkHMACBare    everything a send costs us
//	BenchmarkParsePhone / BenchmarkPhonenumbersParse

const benchFlow = "0123456789abcdef0123456789abcdef"

// BenchmarkHMACBare is the raw primitive: HMAC-SHA256 over the same input
// Verify authenticates (purpose, flow, account, phone, code, framed).
func BenchmarkHMACBare(b *testing.B) {
	key := []byte("0123456789abcdef0123456789abcdef")
	var buf [256]byte
	in := appendField(buf[:0], "strongauth/otp/v1")
	for _, f := range []string{"login", benchFlow, "870101300123", "+77012345612", "123456"} {
		in = appendField(in, f)
	}
	b.ReportAllocs()
	for b.Loop() {
		h := hmac.New(sha256.New, key)
		h.Write(in)
		_ = h.Sum(nil)
	}
}

// BenchmarkMAC is our framing plus the HMAC.
func BenchmarkMAC(b *testing.B) {
	k := newMacKey(Key("0123456789abcdef0123456789abcdef"))
	b.ReportAllocs()
	for b.Loop() {
		_ = k.mac("login", benchFlow, "870101300123", "+77012345612", "123456")
	}
}

// batch is how many codes the Verify and Issue benchmarks prepare at a time
// with the timer stopped; between batches the clock moves on and the store
// is swept, so the store stays small (as it is in service) rather than
// growing with b.N and making the benchmark measure the garbage collector.
const batch = 1000

// BenchmarkVerify is one successful verification against the memory store:
// the record read, two attempt counters, the HMAC, the compare-and-swap that
// uses the code, and the reset of the failure count.
func BenchmarkVerify(b *testing.B) {
	benchVerify(b, "123456")
}

// BenchmarkVerifyWrong is a wrong code: the same bookkeeping without the
// final compare-and-swap and reset (one attempt per code, one account per
// code, so no limit is reached).
func BenchmarkVerifyWrong(b *testing.B) {
	benchVerify(b, "654321")
}

func benchVerify(b *testing.B, submit string) {
	s, clock, st := newTestServiceClock(b)
	phone := testPhone(b, "+77012345612")
	flows, accounts := make([]string, batch), make([]string, batch)
	for i := range flows {
		flows[i] = fmt.Sprintf("%032x", i)
		accounts[i] = fmt.Sprintf("8701013%05d", i)
	}
	ctx := context.Background()
	batched(b, clock, st, func() {
		for k := range flows {
			s.plant(b, flows[k], accounts[k], phone, "123456")
		}
	}, func(j int) {
		err := s.Verify(ctx, Attempt{Purpose: "login", FlowID: flows[j], Account: accounts[j], Phone: phone, Code: submit})
		if (err == nil) != (submit == "123456") {
			b.Fatal(err)
		}
	})
}

// batched runs op b.N times on indexes 0..batch-1; before each batch, with
// the timer stopped, everything in the store expires and refill runs.
func batched(b *testing.B, clock *fakeclock.Clock, st *memory.Store, refill func(), op func(j int)) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := i % batch
		if j == 0 {
			b.StopTimer()
			clock.Advance(2 * DefaultFailureWindow)
			st.Sweep()
			refill()
			b.StartTimer()
		}
		op(j)
	}
}

// BenchmarkIssue is one send through a sender that delivers nothing: the
// lockout check, the cooldown, five budgets, the code, the record, the
// message and arming. Each iteration sends to another phone (cooldown).
func BenchmarkIssue(b *testing.B) {
	s, clock, st := newTestServiceClock(b)
	phones, flows := make([]Phone, batch), make([]string, batch)
	for i := range phones {
		e164 := fmt.Sprintf("+7701%07d", i)
		phones[i] = Phone{e164: e164, region: "KZ", masked: "+7 7** *** **00", prefix: e164[:len(e164)-4]}
		flows[i] = fmt.Sprintf("%032x", i)
	}
	ctx := context.Background()
	batched(b, clock, st, func() {}, func(j int) {
		_, err := s.Issue(ctx, Request{Purpose: "login", FlowID: flows[j], Account: "870101300123", Phone: phones[j], ClientIP: "203.0.113.7"})
		if err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkParsePhone is ParsePhone (parse, validate, type, format twice).
func BenchmarkParsePhone(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePhone("+7 701 234 56 12", "KZ"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPhonenumbersParse is the library's parse alone.
func BenchmarkPhonenumbersParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := phonenumbers.Parse("+7 701 234 56 12", "KZ"); err != nil {
			b.Fatal(err)
		}
	}
}
