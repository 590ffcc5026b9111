package redis_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/redis"
	"github.com/strongauth/strongauth/store/redis/redistest"
)

// deadline is the context deadline of the slow-server tests.
const deadline = 200 * time.Millisecond

// watchdog ends a test whose operation ignored its deadline, long after
// the deadline: it is not a timing assertion.
const watchdog = 30 * time.Second

// eachOp runs every Store operation once on its own goroutine with ctx and
// returns their errors by name.
func eachOp(ctx context.Context, s *redis.Store) map[string]error {
	ops := map[string]func() error{
		"get":     func() error { _, _, err := s.Get(ctx, "k"); return err },
		"put":     func() error { _, err := s.Put(ctx, "k", []byte("v"), time.Minute); return err },
		"cas":     func() error { _, err := s.CompareAndSwap(ctx, "k", 0, []byte("v"), time.Minute); return err },
		"consume": func() error { _, err := s.Consume(ctx, "k"); return err },
		"incr":    func() error { _, err := s.Incr(ctx, "c", 1, time.Minute); return err },
		"delete":  func() error { return s.Delete(ctx, "k") },
	}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs = make(map[string]error)
	)
	for name, op := range ops {
		wg.Go(func() {
			err := op()
			mu.Lock()
			errs[name] = err
			mu.Unlock()
		})
	}
	wg.Wait()
	return errs
}

// requireDenied checks that err is the typed, fail-closed error of op.
func requireDenied(t *testing.T, op string, err error) *redis.Error {
	t.Helper()
	require.Error(t, err, op)
	require.ErrorIs(t, err, store.ErrUnavailable, op)
	var re *redis.Error
	require.ErrorAs(t, err, &re, op)
	assert.Equal(t, op, re.Op)
	return re
}

// TestStoppedServerDenies: with the server gone every operation fails
// with a typed error; after a restart the Store works again on an empty
// server.
func TestStoppedServerDenies(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv.Client(t), "stop")
	ctx := context.Background()
	_, err := s.Put(ctx, "k", []byte("v"), time.Minute)
	require.NoError(t, err)

	srv.Stop()
	for op, err := range eachOp(ctx, s) {
		re := requireDenied(t, op, err)
		var ne net.Error
		assert.ErrorAs(t, re, &ne, "%s: the cause is the network error", op)
	}
	require.Error(t, s.LoadScripts(ctx))

	srv.Restart()
	_, _, err = s.Get(ctx, "k")
	assert.ErrorIs(t, err, store.ErrNotFound, "the data went with the server")
	_, err = s.Put(ctx, "k", []byte("v"), time.Minute)
	require.NoError(t, err, "the script is sent again to the new server")
	v, err := s.Consume(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "v", string(v))
}

// TestPausedServerHonoursDeadline: a server that stops answering (SIGSTOP)
// holds no operation beyond its context deadline; each fails with an error
// that matches both context.DeadlineExceeded and store.ErrUnavailable.
//
// The client has no socket timeouts, so only the deadline can end the
// wait; should it be ignored, a watchdog resumes the server after a long
// while and the test fails instead of hanging.
func TestPausedServerHonoursDeadline(t *testing.T) {
	srv := redistest.Start(t)
	opts := srv.Options()
	opts.ReadTimeout, opts.WriteTimeout = -1, -1
	c := goredis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	s := newStore(t, c, "pause")
	ctx := context.Background()
	require.NoError(t, s.LoadScripts(ctx))

	srv.Pause()
	dctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	var errs map[string]error
	done := make(chan struct{})
	go func() { errs = eachOp(dctx, s); close(done) }()
	select {
	case <-done:
	case <-time.After(watchdog):
		srv.Resume()
		<-done
		t.Fatalf("operations ignored their %v deadline", deadline)
	}
	for op, err := range errs {
		requireDenied(t, op, err)
		assert.ErrorIs(t, err, context.DeadlineExceeded, op)
	}
	srv.Resume()
	_, err := s.Put(ctx, "k", []byte("v"), time.Minute)
	require.NoError(t, err, "the Store recovers when the server does")
}

// TestBusyScriptHonoursDeadline: another client's long-running script
// blocks the server; operations give up at their deadline, then work once
// the script is killed.
func TestBusyScriptHonoursDeadline(t *testing.T) {
	srv := redistest.Start(t)
	admin := srv.Client(t)
	s := newStore(t, srv.Client(t), "busy")
	ctx := context.Background()
	require.NoError(t, s.LoadScripts(ctx))
	// Let SCRIPT KILL in after 300ms instead of Redis's default 5s.
	require.NoError(t, admin.ConfigSet(ctx, "busy-reply-threshold", "300").Err())

	busyOpts := srv.Options()
	busyOpts.MaxRetries = -1 // never start the endless script twice
	busyOpts.ReadTimeout = -1
	busy := goredis.NewClient(busyOpts)
	t.Cleanup(func() { busy.Close() })
	busyDone := make(chan error, 1)
	go func() { busyDone <- busy.Eval(ctx, "while true do end", nil).Err() }()
	// Wait until the script runs: then the server answers nobody.
	require.Eventually(t, func() bool {
		pctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		return admin.Ping(pctx).Err() != nil
	}, 5*time.Second, time.Millisecond)

	dctx, cancel := context.WithTimeout(ctx, deadline/2)
	defer cancel()
	for op, err := range eachOp(dctx, s) {
		requireDenied(t, op, err)
	}
	require.Eventually(t, func() bool { return admin.ScriptKill(ctx).Err() == nil }, 5*time.Second, 20*time.Millisecond)
	assert.Error(t, <-busyDone, "the busy script was killed")
	_, err := s.Put(ctx, "k", []byte("v"), time.Minute)
	require.NoError(t, err)
}

func TestClosedClientDenies(t *testing.T) {
	srv := redistest.Start(t)
	c := goredis.NewClient(srv.Options())
	s := newStore(t, c, "closed")
	require.NoError(t, c.Close())
	for op, err := range eachOp(context.Background(), s) {
		require.ErrorIs(t, err, store.ErrClosed, op)
		var re *redis.Error
		require.ErrorAs(t, err, &re, op)
	}
}

// dropProxy forwards TCP to a Redis server and, when armed, swallows the
// next reply and cuts the connection: the command ran on the server but
// the client cannot know. That is the ambiguous failure after which a
// retry would run a write twice.
type dropProxy struct {
	ln     net.Listener
	target string
	armed  atomic.Bool
}

func startDropProxy(t *testing.T, target string) *dropProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &dropProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close() })
	go p.serve()
	return p
}

func (p *dropProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.handle(c)
	}
}

func (p *dropProxy) handle(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer server.Close()
	go func() { _, _ = io.Copy(server, client); server.Close() }()
	buf := make([]byte, 64<<10)
	for {
		n, err := server.Read(buf)
		if err != nil {
			return
		}
		if p.armed.CompareAndSwap(true, false) {
			return // swallow the reply and cut both connections
		}
		if _, err := client.Write(buf[:n]); err != nil {
			return
		}
	}
}

// TestNoRetryAfterAmbiguousFailure: the reply to a write is lost after the
// server ran it. A plain go-redis command on a client with retries runs
// twice (the hazard); the Store's write runs once and reports the failure,
// whatever the client's MaxRetries.
func TestNoRetryAfterAmbiguousFailure(t *testing.T) {
	srv := redistest.Start(t)
	direct := srv.Client(t)
	p := startDropProxy(t, srv.Addr())
	opts := srv.Options()
	opts.Addr = p.ln.Addr().String()
	opts.MaxRetries = 3 // go-redis's default: retries are on
	opts.PoolSize = 1
	viaProxy := goredis.NewClient(opts)
	t.Cleanup(func() { viaProxy.Close() })
	s := newStore(t, viaProxy, "amb")
	ctx := context.Background()
	require.NoError(t, s.LoadScripts(ctx)) // also opens the one pooled connection

	// The hazard: a retried INCR counts twice.
	p.armed.Store(true)
	require.NoError(t, viaProxy.Incr(ctx, "plain").Err(), "go-redis retried and hid the failure")
	n, err := direct.Get(ctx, "plain").Int64()
	require.NoError(t, err)
	require.Equal(t, int64(2), n, "the proxy must provoke a retry, or this test proves nothing")

	// The Store: every write runs once and the caller is told it failed.
	p.armed.Store(true)
	_, err = s.Incr(ctx, "ctr", 1, time.Minute)
	requireDenied(t, "incr", err)
	got, err := s.Incr(ctx, "ctr", 0, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, int64(1), got, "the increment ran exactly once")

	_, err = s.Put(ctx, "code", []byte("123456"), time.Minute)
	require.NoError(t, err)
	p.armed.Store(true)
	_, err = s.Consume(ctx, "code")
	requireDenied(t, "consume", err)
	_, err = s.Consume(ctx, "code")
	assert.ErrorIs(t, err, store.ErrNotFound, "the lost consume did consume: it cannot be used again")

	v, err := s.Put(ctx, "flow", []byte("a"), time.Minute)
	require.NoError(t, err)
	p.armed.Store(true)
	_, err = s.CompareAndSwap(ctx, "flow", v, []byte("b"), time.Minute)
	requireDenied(t, "cas", err)
	_, ver, err := s.Get(ctx, "flow")
	require.NoError(t, err)
	assert.Equal(t, v+1, ver, "the swap ran exactly once")
	assert.False(t, errors.Is(err, store.ErrConflict))
}
