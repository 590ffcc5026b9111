package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/strongauth/strongauth/internal/errcode"
	"github.com/strongauth/strongauth/store"
)

// Sentinel errors of this package. Every failure to reach or understand the
// server is an *Error, which also matches store.ErrUnavailable (or
// store.ErrClosed) with errors.Is.
var (
	// ErrConfig reports an invalid Config.
	ErrConfig = errcode.Sentinel("redis: invalid configuration", errcode.Config)
	// ErrUnexpectedReply reports a reply of the wrong shape: a key under the
	// namespace that this package did not write, or a server that is not
	// Redis-compatible.
	ErrUnexpectedReply = errors.New("redis: unexpected reply")
)

// DefaultNamespace is the namespace of a Config without one.
const DefaultNamespace = "strongauth"

// maxNamespace bounds the length of a namespace.
const maxNamespace = 64

// Config configures a Store. Only Client is required.
type Config struct {
	// Client is the go-redis client: a *goredis.Client (single node or
	// Sentinel failover), a *goredis.ClusterClient or a *goredis.Ring, as
	// returned by goredis.NewUniversalClient. Required. The host owns it
	// and closes it; the Store never does.
	//
	// It must honour context deadlines (Options.ContextTimeoutEnabled =
	// true), or a slow server would hold requests for the socket timeout
	// instead of the caller's deadline, and it must not use client-side
	// caching, which could answer Get from a stale local copy. New checks
	// both on the go-redis client types and refuses a client that fails
	// them. Its MaxRetries does not matter: the writing operations are sent
	// as commands that go-redis never re-sends once written.
	Client goredis.UniversalClient
	// Namespace separates the keys of one application from another's on a
	// shared server: every key starts with Namespace + ":". Letters,
	// digits, '.', '_' and '-' only (no ':', so that two namespaces never
	// share a key), at most 64 bytes. Empty means DefaultNamespace.
	Namespace string

	// WaitReplicas, if positive, makes every write (Put, CompareAndSwap,
	// Consume, Incr, Delete) count only once that many replicas have it:
	// the write is sent together with Redis's WAIT on the same connection
	// (still one round trip), and when fewer replicas acknowledge it within
	// WaitTimeout the operation fails with ErrNotReplicated (a *Error,
	// store.ErrUnavailable) and the request is denied. A Consume so denied
	// has spent the secret on the master; if a failover then brings it
	// back, it is used at most once, by a later request.
	//
	// Replication is asynchronous: without this, a failover can undo the
	// last writes a master acknowledged, and a consumed code, challenge or
	// flow step becomes usable once more (README, "Running on Redis
	// Cluster / Sentinel", gives the numbers). Set it to the number of
	// replicas that a failover may promote — every replica of a Sentinel
	// master, since Sentinel may promote any; 1 for a Cluster with one
	// replica per master. Zero (the default) waits for nothing: a single
	// server has no replicas, and the wait costs a replica's round trip on
	// every write. It needs a *goredis.Client (single node or Sentinel
	// failover client) or a *goredis.ClusterClient.
	WaitReplicas int
	// WaitTimeout bounds the wait for replicas. Zero means
	// DefaultWaitTimeout. It should stay well below the client's
	// ReadTimeout and the requests' deadlines.
	WaitTimeout time.Duration
}

// Store is a store.Store on Redis. It is safe for concurrent use and keeps
// no state besides its configuration, so any number of Stores in any number
// of processes sharing one server act as one.
type Store struct {
	c      goredis.UniversalClient
	ns     string
	prefix string // ns + ":s:"

	waitReplicas int           // Config.WaitReplicas
	waitTimeout  time.Duration // Config.WaitTimeout or its default
}

var _ store.Store = (*Store)(nil)

// New validates cfg and returns a Store. It does no I/O; LoadScripts checks
// the server and loads the scripts before the first request.
func New(cfg Config) (*Store, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("%w: Client is required", ErrConfig)
	}
	if err := checkClient(cfg.Client); err != nil {
		return nil, err
	}
	ns := cfg.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	if !validNamespace(ns) {
		return nil, fmt.Errorf("%w: Namespace must be 1 to %d letters, digits, '.', '_' or '-'", ErrConfig, maxNamespace)
	}
	st := &Store{c: cfg.Client, ns: ns, prefix: ns + ":" + shortLived}
	switch {
	case cfg.WaitReplicas < 0 || cfg.WaitTimeout < 0:
		return nil, fmt.Errorf("%w: WaitReplicas and WaitTimeout must not be negative", ErrConfig)
	case cfg.WaitReplicas > 0:
		switch cfg.Client.(type) {
		case *goredis.Client, *goredis.ClusterClient:
		default:
			return nil, fmt.Errorf("%w: WaitReplicas needs a *goredis.Client or a *goredis.ClusterClient, not %T", ErrConfig, cfg.Client)
		}
		st.waitReplicas, st.waitTimeout = cfg.WaitReplicas, cfg.WaitTimeout
		if st.waitTimeout == 0 {
			st.waitTimeout = DefaultWaitTimeout
		}
		if st.waitTimeout < time.Millisecond {
			return nil, fmt.Errorf("%w: WaitTimeout must be at least a millisecond", ErrConfig)
		}
	}
	return st, nil
}

// checkClient refuses the client settings that would break the contract on
// the go-redis client types; other UniversalClient implementations are the
// host's responsibility.
func checkClient(c goredis.UniversalClient) error {
	var deadlines, cached bool
	switch c := c.(type) {
	case *goredis.Client:
		o := c.Options()
		deadlines = o.ContextTimeoutEnabled
		cached = o.ClientSideCacheConfig != nil || o.ClientSideCache != nil
	case *goredis.ClusterClient:
		deadlines = c.Options().ContextTimeoutEnabled
	case *goredis.Ring:
		deadlines = c.Options().ContextTimeoutEnabled
	default:
		return nil
	}
	if !deadlines {
		return fmt.Errorf("%w: the client must honour context deadlines (set ContextTimeoutEnabled: true)", ErrConfig)
	}
	if cached {
		return fmt.Errorf("%w: the client must not use client-side caching", ErrConfig)
	}
	return nil
}

func validNamespace(ns string) bool {
	if ns == "" || len(ns) > maxNamespace {
		return false
	}
	for i := 0; i < len(ns); i++ {
		c := ns[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Key layout under the namespace. See the package documentation.
const (
	// shortLived holds the store.Store contract's keys.
	shortLived = "s:"
	// durable holds the credential stores' spaces (Space).
	durable = "c:"
)

// key returns the Redis key of a contract key.
func (s *Store) key(k string) string { return s.prefix + k }

// Namespace returns the Store's namespace (Config.Namespace, or
// DefaultNamespace). Keys outside the contract's "<namespace>:s:" space,
// such as the credential stores' "<namespace>:c:", are built from it.
func (s *Store) Namespace() string { return s.ns }

// Key returns the Redis key under which the Store keeps the contract key k,
// for operators and tests.
func (s *Store) Key(k string) string { return s.key(k) }

// LoadScripts loads the Store's scripts into the server's script cache (on
// every master of a Cluster), so that from then on every operation is one
// round trip. It is optional: an operation that finds its script missing
// (a restarted or flushed server) sends it once more in full, which is safe
// because a missing script did not run. Hosts call it at start-up, where it
// also serves as a readiness check.
func (s *Store) LoadScripts(ctx context.Context) error {
	for _, sc := range scripts {
		if err := sc.Load(ctx, s.c); err != nil {
			return s.fail(ctx, "load", err)
		}
	}
	return nil
}

// Get implements store.Store: one HMGET.
func (s *Store) Get(ctx context.Context, key string) ([]byte, uint64, error) {
	const op = "get"
	if err := begin(ctx, op, key, 0, false); err != nil {
		return nil, 0, err
	}
	vals, err := s.c.HMGet(ctx, s.key(key), fieldValue, fieldVersion).Result()
	if err != nil {
		return nil, 0, s.fail(ctx, op, err)
	}
	v, ver, err := parseGet(vals)
	if err != nil {
		return nil, 0, s.fail(ctx, op, err)
	}
	return v, ver, nil
}

// Put implements store.Store: one script.
func (s *Store) Put(ctx context.Context, key string, value []byte, ttl time.Duration) (uint64, error) {
	return s.set(ctx, "put", key, "*", value, ttl)
}

// CompareAndSwap implements store.Store: one script.
func (s *Store) CompareAndSwap(ctx context.Context, key string, old uint64, value []byte, ttl time.Duration) (uint64, error) {
	return s.set(ctx, "cas", key, strconv.FormatUint(old, 10), value, ttl)
}

// set runs setScript: an unconditional write when expect is "*", else a
// compare-and-swap against the version expect.
func (s *Store) set(ctx context.Context, op, key, expect string, value []byte, ttl time.Duration) (uint64, error) {
	if err := begin(ctx, op, key, ttl, true); err != nil {
		return 0, err
	}
	if value == nil {
		value = []byte{}
	}
	r, a, err := s.script(ctx, setScript, key, expect, value, millis(ttl))
	if err != nil {
		return 0, s.fail(ctx, op, err)
	}
	n, ok := r.(int64)
	switch {
	case !ok || n < 0:
		return 0, s.fail(ctx, op, fmt.Errorf("%w: version is not a non-negative integer", ErrUnexpectedReply))
	case n == 0:
		return 0, store.ErrConflict
	}
	if err := s.replicated(ctx, op, a); err != nil {
		return 0, err
	}
	return uint64(n), nil
}

// Consume implements store.Store: one script.
func (s *Store) Consume(ctx context.Context, key string) ([]byte, error) {
	const op = "consume"
	if err := begin(ctx, op, key, 0, false); err != nil {
		return nil, err
	}
	r, a, err := s.script(ctx, consumeScript, key)
	if errors.Is(err, goredis.Nil) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, s.fail(ctx, op, err)
	}
	v, ok := r.(string)
	if !ok {
		return nil, s.fail(ctx, op, fmt.Errorf("%w: value is not a string", ErrUnexpectedReply))
	}
	if err := s.replicated(ctx, op, a); err != nil {
		return nil, err
	}
	return []byte(v), nil
}

// Incr implements store.Store: one script.
func (s *Store) Incr(ctx context.Context, key string, delta int64, ttl time.Duration) (int64, error) {
	const op = "incr"
	if err := begin(ctx, op, key, ttl, delta != 0); err != nil {
		return 0, err
	}
	ms := "0"
	if delta != 0 {
		ms = millis(ttl)
	}
	var (
		r   any
		a   *acked
		err error
	)
	if delta == 0 {
		r, err = s.run(ctx, incrScript, key, "0", ms) // a read: nothing to replicate
	} else {
		r, a, err = s.script(ctx, incrScript, key, strconv.FormatInt(delta, 10), ms)
	}
	if err != nil {
		return 0, s.fail(ctx, op, err)
	}
	n, err := parseIncr(r)
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return 0, err
		}
		return 0, s.fail(ctx, op, err)
	}
	if err := s.replicated(ctx, op, a); err != nil {
		return 0, err
	}
	return n, nil
}

// Delete implements store.Store: one DEL.
func (s *Store) Delete(ctx context.Context, key string) error {
	const op = "delete"
	if err := begin(ctx, op, key, 0, false); err != nil {
		return err
	}
	if s.waitReplicas == 0 {
		if err := s.c.Del(ctx, s.key(key)).Err(); err != nil {
			return s.fail(ctx, op, err)
		}
		return nil
	}
	k := s.key(key)
	a := s.sendAcked(ctx, k, func() goredis.Cmder { return goredis.NewIntCmd(ctx, "del", k) })
	n, err := a.cmd.(*goredis.IntCmd).Result()
	if err != nil {
		return s.fail(ctx, op, err)
	}
	if n == 0 {
		return nil // nothing deleted: nothing to replicate
	}
	return s.replicated(ctx, op, &a)
}

// script runs sc on the contract key key, followed by WAIT when the Store
// waits for replicas (then the acknowledgement is returned too).
func (s *Store) script(ctx context.Context, sc *Script, key string, args ...any) (any, *acked, error) {
	if s.waitReplicas == 0 {
		r, err := s.run(ctx, sc, key, args...)
		return r, nil, err
	}
	r, a, err := s.runAcked(ctx, sc, key, args...)
	return r, &a, err
}

// replicated fails a write that changed something if fewer replicas than
// WaitReplicas acknowledged it; a is nil when the Store does not wait.
func (s *Store) replicated(ctx context.Context, op string, a *acked) error {
	if a == nil || a.replicated(s.waitReplicas) {
		return nil
	}
	return s.fail(ctx, op, a.notReplicated(s.waitReplicas))
}

// fail wraps the cause of a failed operation in an *Error and, on a
// cluster client, asks for a fresh slot map if the failure may come from a
// failover or a move.
func (s *Store) fail(ctx context.Context, op string, cause error) error {
	reloadOnFailure(s.c, cause)
	return NewError(ctx, op, cause)
}

// begin checks the arguments and the context before any I/O, so that a
// cancelled request never reaches the server.
func begin(ctx context.Context, op, key string, ttl time.Duration, needTTL bool) error {
	if err := store.CheckArgs(key, ttl, needTTL); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fail(ctx, op, err)
	}
	return nil
}

// millis converts a TTL to whole milliseconds for PEXPIRE, rounding up so
// that a positive TTL never becomes zero.
func millis(ttl time.Duration) string {
	ms := ttl / time.Millisecond
	if ttl%time.Millisecond != 0 {
		ms++
	}
	return strconv.FormatInt(int64(ms), 10)
}
