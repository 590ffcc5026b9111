package redistest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	goredis "github.com/redis/go-redis/v9"
)

// Trips is a go-redis hook that records the round trips a client makes: a
// command by its name ("evalsha", "hmget"), a pipeline as one trip,
// "pipeline(<n> <first command>)". Add it with client.AddHook once the
// client is connected, so that the connection's handshake is not counted.
// It is safe for concurrent use.
type Trips struct {
	// CountOnly keeps the count but no names (for benchmarks).
	CountOnly bool

	n     atomic.Int64
	mu    sync.Mutex
	names []string
}

// Count returns the round trips so far.
func (t *Trips) Count() int64 { return t.n.Load() }

// Take returns the names recorded since the last Take and forgets them.
func (t *Trips) Take() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := t.names
	t.names = nil
	return n
}

func (t *Trips) add(name func() string) {
	t.n.Add(1)
	if t.CountOnly {
		return
	}
	t.mu.Lock()
	t.names = append(t.names, name())
	t.mu.Unlock()
}

// DialHook implements goredis.Hook.
func (t *Trips) DialHook(next goredis.DialHook) goredis.DialHook { return next }

// ProcessHook implements goredis.Hook.
func (t *Trips) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		t.add(cmd.Name)
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook implements goredis.Hook.
func (t *Trips) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		t.add(func() string {
			if len(cmds) == 0 {
				return "pipeline(0)"
			}
			return fmt.Sprintf("pipeline(%d %s)", len(cmds), cmds[0].Name())
		})
		return next(ctx, cmds)
	}
}
