package redis

import (
	"context"
	"fmt"

	goredis "github.com/redis/go-redis/v9"
)

// Space is a key space beside a Store's contract keys,
// "<namespace>:c:<name>:", on a client checked as New checks it: the
// common ground of the durable credential stores (passkey credentials, QR
// devices), which keep their own data next to the short-lived state.
type Space struct {
	// Client is the checked client.
	Client goredis.UniversalClient
	// Prefix is "<namespace>:c:<name>:".
	Prefix string
}

// NewSpace checks cfg as New does and returns the space of name (lower-case
// letters only) under its namespace. It does no I/O.
func NewSpace(cfg Config, name string) (*Space, error) {
	if name == "" || len(name) > maxNamespace {
		return nil, fmt.Errorf("%w: a space name is 1 to %d lower-case letters", ErrConfig, maxNamespace)
	}
	for i := 0; i < len(name); i++ {
		if name[i] < 'a' || name[i] > 'z' {
			return nil, fmt.Errorf("%w: a space name is 1 to %d lower-case letters", ErrConfig, maxNamespace)
		}
	}
	st, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return &Space{Client: cfg.Client, Prefix: st.ns + ":" + durable + name + ":"}, nil
}

// LoadScripts loads scripts into the server's script cache (on every
// master of a Cluster); a failure is the *Error of op.
func (sp *Space) LoadScripts(ctx context.Context, op string, scripts ...*Script) error {
	for _, sc := range scripts {
		if err := sc.Load(ctx, sp.Client); err != nil {
			return NewError(ctx, op, err)
		}
	}
	return nil
}

// Live returns the *Error of op if ctx is done, and nil otherwise: checked
// before any I/O, so that a cancelled request never reaches the server.
func Live(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return NewError(ctx, op, err)
	}
	return nil
}

// Unexpected returns the *Error of op for a script reply r of the wrong
// shape (ErrUnexpectedReply).
func Unexpected(ctx context.Context, op string, r any) error {
	return NewError(ctx, op, fmt.Errorf("%w: script returned %T", ErrUnexpectedReply, r))
}

// Error returns the *Error of op for cause, as NewError does, and on a
// cluster client asks for a fresh slot map when the failure may come from
// a failover or a moved slot, as the Store does: go-redis would otherwise
// keep sending a failed-over master's slots to the dead node until its
// next periodic reload.
func (sp *Space) Error(ctx context.Context, op string, cause error) *Error {
	reloadOnFailure(sp.Client, cause)
	return NewError(ctx, op, cause)
}
