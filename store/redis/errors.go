package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/strongauth/strongauth/store"
)

// Error reports an operation that the server did not answer, or answered
// in a way the Store does not understand: a connection error, a timeout, a
// cancelled or expired context, an error reply or a reply of the wrong
// shape. Callers must deny.
//
// errors.Is matches store.ErrUnavailable (store.ErrClosed for a closed
// client), the context's error when the context was done, and the cause
// (ErrUnexpectedReply, a net.Error, goredis.Error …). Its message names the
// operation and the cause, never a key or a value.
type Error struct {
	// Op is the operation: "get", "put", "cas", "consume", "incr",
	// "delete" or "load" for a Store; the credential stores name theirs
	// ("passkey-add", …).
	Op string
	// Err is the cause.
	Err error

	class error // store.ErrUnavailable or store.ErrClosed
	ctx   error // the context's error, if the context was done
}

func (e *Error) Error() string {
	if e.ctx != nil && !errors.Is(e.Err, e.ctx) {
		return fmt.Sprintf("redis: %s: %v: %v: %v", e.Op, e.class, e.ctx, e.Err)
	}
	return fmt.Sprintf("redis: %s: %v: %v", e.Op, e.class, e.Err)
}

// Unwrap returns the class (store.ErrUnavailable or store.ErrClosed), the
// context's error if the context was done, and the cause.
func (e *Error) Unwrap() []error {
	if e.ctx != nil {
		return []error{e.class, e.ctx, e.Err}
	}
	return []error{e.class, e.Err}
}

// NewError returns the *Error of an operation op that failed with cause
// under ctx: it matches store.ErrUnavailable (store.ErrClosed when the
// client was closed) and, if ctx is done or past its deadline, the
// context's error. For packages that keep their own data on Redis beside a
// Store, so that their failures look and match like the Store's. The
// cause must not carry a key or a value.
func NewError(ctx context.Context, op string, cause error) *Error {
	e := &Error{Op: op, Err: cause, class: store.ErrUnavailable, ctx: ctxErr(ctx)}
	if errors.Is(cause, goredis.ErrClosed) {
		e.class = store.ErrClosed
	}
	return e
}

// fail wraps the cause of a failed operation in an *Error.
func fail(ctx context.Context, op string, cause error) error { return NewError(ctx, op, cause) }

// ctxErr returns the context's error, and context.DeadlineExceeded once
// the deadline has passed even if the context has not noticed yet: go-redis
// sets the socket deadline to the context's, and the socket can time out a
// moment before the context's own timer fires.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}
