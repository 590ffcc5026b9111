// Package authtest provides factors for tests and examples: they verify
// nothing real. Never configure them in production.
package authtest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/strongauth/strongauth/auth"
)

// Factor is a configurable fake factor. Its Finish accepts the input
// {"subject": "...", "ok": true} and proves that subject with the configured
// AMR values; {"ok": false} fails with auth.ErrVerification.
type Factor struct {
	K auth.Kind
	// AMR is what a successful Finish claims to have verified.
	AMR []string
	// Gate, if set, makes Finish wait on it (to line up concurrent calls).
	Gate chan struct{}
	// FinishErr, if set, is returned by Finish.
	FinishErr error

	begins, finishes atomic.Int64
}

// Strong returns a fake strong factor of kind k (AMR hwk + user).
func Strong(k auth.Kind) *Factor {
	return &Factor{K: k, AMR: []string{auth.AMRHardware, auth.AMRUser}}
}

// Weak returns a fake weak factor of kind k (AMR sms + otp).
func Weak(k auth.Kind) *Factor {
	return &Factor{K: k, AMR: []string{auth.AMRSMS, auth.AMROTP}}
}

// Kind implements auth.Factor.
func (f *Factor) Kind() auth.Kind { return f.K }

// Begins reports how many times Begin ran.
func (f *Factor) Begins() int64 { return f.begins.Load() }

// Finishes reports how many times Finish succeeded.
func (f *Factor) Finishes() int64 { return f.finishes.Load() }

// CanBeStrong implements auth.StrongCapable for a host-defined kind.
func (f *Factor) CanBeStrong() bool { return auth.StrengthOf(f.K, f.AMR) == auth.Strong }

// Begin implements auth.Factor.
func (f *Factor) Begin(_ context.Context, req *auth.BeginRequest) (*auth.Challenge, error) {
	f.begins.Add(1)
	return &auth.Challenge{Data: map[string]string{"hello": string(f.K)}, ExpiresAt: req.Now.Add(time.Minute)}, nil
}

// Input is what Finish accepts.
type Input struct {
	Subject string `json:"subject"`
	OK      bool   `json:"ok"`
}

// Finish implements auth.Factor.
func (f *Factor) Finish(_ context.Context, req *auth.FinishRequest) (*auth.Proof, error) {
	if f.Gate != nil {
		<-f.Gate
	}
	if f.FinishErr != nil {
		return nil, f.FinishErr
	}
	var in Input
	if err := json.Unmarshal(req.Input, &in); err != nil {
		return nil, fmt.Errorf("%w: %s input is not JSON", auth.ErrInvalidInput, f.K)
	}
	if !in.OK {
		return nil, auth.ErrVerification
	}
	subject := in.Subject
	if subject == "" {
		subject = req.Flow.Subject
	}
	f.finishes.Add(1)
	return &auth.Proof{Subject: subject, AMR: append([]string(nil), f.AMR...)}, nil
}

// OK returns a Finish input that succeeds for subject.
func OK(subject string) json.RawMessage {
	b, _ := json.Marshal(Input{Subject: subject, OK: true})
	return b
}

// Bad returns a Finish input that fails verification.
func Bad() json.RawMessage { return json.RawMessage(`{"ok":false}`) }

// Recorder is an auth.Auditor that keeps every event, for tests. It is safe
// for concurrent use; the zero value is ready.
type Recorder struct {
	mu     sync.Mutex
	events []auth.Event
}

// Audit implements auth.Auditor.
func (r *Recorder) Audit(_ context.Context, e auth.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// Events returns a copy of the events so far.
func (r *Recorder) Events() []auth.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]auth.Event(nil), r.events...)
}

// Of returns the events of one type.
func (r *Recorder) Of(typ string) []auth.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []auth.Event
	for _, e := range r.events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}
