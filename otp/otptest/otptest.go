// Package otptest provides a recording Sender for tests and examples. It
// delivers nothing; never configure it in production.
package otptest

import (
	"context"
	"sync"

	"github.com/strongauth/strongauth/otp"
)

// Recorder is an otp.Sender that records every message it is given. Its
// zero value is ready to use and it is safe for concurrent use.
type Recorder struct {
	mu   sync.Mutex
	msgs []*otp.Message
	err  error
}

// Send records m and returns the error set by FailWith, if any. A failing
// Recorder still records the message: a test can then show that a code
// whose send failed is unusable.
func (r *Recorder) Send(_ context.Context, m *otp.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := *m
	r.msgs = append(r.msgs, &c)
	return r.err
}

// FailWith makes every later Send fail with err (nil: succeed again).
func (r *Recorder) FailWith(err error) {
	r.mu.Lock()
	r.err = err
	r.mu.Unlock()
}

// Messages returns the recorded messages, oldest first.
func (r *Recorder) Messages() []*otp.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*otp.Message(nil), r.msgs...)
}

// Len returns how many messages were recorded.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

// Last returns the latest message, or nil.
func (r *Recorder) Last() *otp.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.msgs) == 0 {
		return nil
	}
	return r.msgs[len(r.msgs)-1]
}

// Reset forgets every recorded message.
func (r *Recorder) Reset() {
	r.mu.Lock()
	r.msgs = nil
	r.mu.Unlock()
}
