package redis

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// ErrNotReplicated reports a write that fewer replicas than
// Config.WaitReplicas acknowledged within Config.WaitTimeout: it ran on
// the master, but a failover could still undo it, so the Store denies. It
// comes inside an *Error, which also matches store.ErrUnavailable.
var ErrNotReplicated = errors.New("redis: write not acknowledged by enough replicas")

// DefaultWaitTimeout is the wait of a Config with WaitReplicas but no
// WaitTimeout.
const DefaultWaitTimeout = 100 * time.Millisecond

// maxRedirects bounds the MOVED and ASK redirections a replicated write
// follows on a Cluster.
const maxRedirects = 3

// movedSettle bounds how long a replicated write waits, after a MOVED, for
// the cluster client's slot map to name the new master.
const movedSettle = 500 * time.Millisecond

// acked is a command sent with WAIT: the command's own result, and the
// number of replicas that acknowledged it (or why WAIT failed).
type acked struct {
	cmd     goredis.Cmder
	acks    int64
	waitErr error
}

// replicated reports whether at least n replicas acknowledged.
func (a acked) replicated(n int) bool { return a.waitErr == nil && a.acks >= int64(n) }

// notReplicated is the cause of a write that was not acknowledged.
func (a acked) notReplicated(n int) error {
	if a.waitErr != nil {
		return fmt.Errorf("%w: WAIT failed: %w", ErrNotReplicated, a.waitErr)
	}
	return fmt.Errorf("%w: %d of %d", ErrNotReplicated, a.acks, n)
}

// sendAcked sends the command mk makes, then WAIT for the Store's replicas,
// on one connection to the master of key, in one round trip (a pipeline).
// Redis runs WAIT right after the command on that connection, so it counts
// the replicas that have the command's writes. WAIT cannot run inside a
// script, so this is the closest equivalent: the write and the wait travel
// together and nothing else runs on the connection between them.
//
// On a Cluster the connection is the cluster client's own client of the
// key's master; MOVED and ASK (which mean the command did not run there)
// are followed to the node they name, as the cluster client would.
func (s *Store) sendAcked(ctx context.Context, key string, mk func() goredis.Cmder) acked {
	cc, ok := s.c.(*goredis.ClusterClient)
	if !ok {
		return pipeAcked(ctx, s.c, false, mk(), s.waitReplicas, s.waitTimeout)
	}
	node, err := cc.MasterForKey(ctx, key)
	if err != nil {
		cmd := mk()
		cmd.SetErr(err)
		return acked{cmd: cmd}
	}
	asking := false
	for attempt := 0; ; attempt++ {
		a := pipeAcked(ctx, node, asking, mk(), s.waitReplicas, s.waitTimeout)
		err := a.cmd.Err()
		if attempt == maxRedirects || err == nil {
			return a
		}
		if addr, moved := goredis.IsMovedError(err); moved {
			cc.ReloadState(ctx)
			node, err = settle(ctx, cc, key, addr)
			asking = false
		} else if addr, ask := goredis.IsAskError(err); ask {
			node, err = masterAt(ctx, cc, addr)
			asking = true
		} else {
			return a
		}
		if err != nil {
			a.cmd.SetErr(err)
			return a
		}
	}
}

// pipeAcked sends [ASKING,] cmd and WAIT n timeout in one pipeline.
func pipeAcked(ctx context.Context, c goredis.UniversalClient, asking bool, cmd goredis.Cmder, n int, timeout time.Duration) acked {
	wait := goredis.NewIntCmd(ctx, "wait", n, timeout.Milliseconds())
	pipe := c.Pipeline()
	if asking {
		_ = pipe.Process(ctx, goredis.NewStatusCmd(ctx, "asking"))
	}
	_ = pipe.Process(ctx, cmd)
	_ = pipe.Process(ctx, wait)
	_, _ = pipe.Exec(ctx)
	acks, err := wait.Result()
	return acked{cmd: cmd, acks: acks, waitErr: err}
}

// settle waits until the cluster client's slot map names addr as the
// master of key (after a MOVED to addr) and returns its client.
func settle(ctx context.Context, cc *goredis.ClusterClient, key, addr string) (*goredis.Client, error) {
	deadline := time.Now().Add(movedSettle)
	for {
		node, err := cc.MasterForKey(ctx, key)
		if err == nil && node.Options().Addr == addr {
			return node, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w: the slot moved to a node the cluster client does not know yet", errSlotMoved)
		}
		t := time.NewTimer(10 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// masterAt returns the cluster client's client of the master at addr (the
// target of an ASK: a master importing the slot).
func masterAt(ctx context.Context, cc *goredis.ClusterClient, addr string) (*goredis.Client, error) {
	var (
		mu    sync.Mutex
		found *goredis.Client
	)
	err := cc.ForEachMaster(ctx, func(_ context.Context, c *goredis.Client) error {
		if c.Options().Addr == addr {
			mu.Lock()
			found = c
			mu.Unlock()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, fmt.Errorf("%w: the slot is moving to a node the cluster client does not know", errSlotMoved)
	}
	return found, nil
}

// errSlotMoved reports a replicated write whose slot moved to a node the
// cluster client did not know in time; the write did not run.
var errSlotMoved = errors.New("redis: slot moved")

// runAcked runs sc on the contract key key followed by WAIT, by SHA, and
// in full when the server does not know the script (it then did not run).
func (s *Store) runAcked(ctx context.Context, sc *Script, key string, args ...any) (any, acked, error) {
	k := s.key(key)
	a := s.sendAcked(ctx, k, func() goredis.Cmder { return sc.cmd(ctx, "evalsha", sc.sha, k, args) })
	if err := a.cmd.Err(); err != nil && goredis.HasErrorPrefix(err, "NOSCRIPT") {
		a = s.sendAcked(ctx, k, func() goredis.Cmder { return sc.cmd(ctx, "eval", sc.src, k, args) })
	}
	r, err := a.cmd.(noRetryCmd).Result()
	return r, a, err
}

// reloadOnFailure asks a cluster client to reload its slot map after a
// failure that a failover or a move can cause (a refused connection, a
// timeout, CLUSTERDOWN, READONLY, LOADING). go-redis reloads by itself only
// on MOVED and ASK, and otherwise every ClusterStateReloadInterval (a
// minute by default), so that without this a failed-over master's slots
// would be sent to the dead node for up to a minute. The reload runs in the
// background, at most one at a time.
func reloadOnFailure(c goredis.UniversalClient, err error) {
	cc, ok := c.(*goredis.ClusterClient)
	if !ok || err == nil || errors.Is(err, goredis.Nil) || errors.Is(err, goredis.ErrClosed) ||
		errors.Is(err, ErrNotReplicated) || errors.Is(err, ErrUnexpectedReply) {
		return
	}
	var reply goredis.Error
	if !errors.As(err, &reply) || goredis.IsClusterDownError(err) || goredis.IsReadOnlyError(err) ||
		goredis.IsLoadingError(err) || goredis.IsTryAgainError(err) || goredis.IsMasterDownError(err) {
		cc.ReloadState(context.Background())
	}
}
