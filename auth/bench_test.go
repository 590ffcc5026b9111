package auth

import (
	"testing"
	"time"
)

// BenchmarkDecide checks a 3-factor flow against "(ecp & sms) | webauthn | qr".
func BenchmarkDecide(b *testing.B) {
	now := time.Unix(1e9, 0)
	c := mustCompile(b, "(ecp & sms) | webauthn | qr")
	f := &Flow{Subject: "alice", ExpiresAt: now.Add(time.Minute), Evidence: []Evidence{
		{Kind: KindQR, Strength: Weak, Subject: "alice", Time: now},
		{Kind: KindECP, Strength: Strong, Subject: "alice", Time: now},
		{Kind: KindSMS, Strength: Weak, Subject: "alice", Time: now},
	}}
	b.ReportAllocs()
	for b.Loop() {
		if !c.decide(f, 5*time.Minute, now).Allowed {
			b.Fatal("not allowed")
		}
	}
}

// BenchmarkDecideRefused is the refusal path (no alternatives computed).
func BenchmarkDecideRefused(b *testing.B) {
	now := time.Unix(1e9, 0)
	c := mustCompile(b, "(ecp & sms) | webauthn | qr")
	f := &Flow{Subject: "alice", ExpiresAt: now.Add(time.Minute), Evidence: []Evidence{
		{Kind: KindECP, Strength: Strong, Subject: "alice", Time: now},
	}}
	b.ReportAllocs()
	for b.Loop() {
		if c.decide(f, 0, now).Allowed {
			b.Fatal("allowed")
		}
	}
}

func BenchmarkParseRule(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		e, err := ParseRule("(ecp & sms) | webauthn | qr")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := compile(e); err != nil {
			b.Fatal(err)
		}
	}
}
