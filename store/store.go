// Package store defines the storage contract that the strongauth engine and its
// factors use for short-lived, security-critical state: flows, one-time codes,
// challenges, QR sessions, attempt counters and rate-limit budgets.
//
// # Contract
//
// A Store holds opaque byte values under string keys, each with a time to live.
// Every operation takes a context first and is atomic with respect to every
// other operation on the same key, also across processes for shared backends:
//
//   - Get reads a value and its version.
//   - Put writes a value unconditionally and returns its new version.
//   - CompareAndSwap writes only if the stored version is the expected one
//     (0 means "only if absent"); otherwise it fails with ErrConflict. This is the
//     optimistic update the engine uses for flows.
//   - Consume reads and deletes a value in one step: of any number of concurrent
//     callers exactly one receives the value, the others get ErrNotFound. This is
//     how one-time secrets are used once.
//   - Incr adds to a counter that expires ttl after it was created (a fixed
//     window), and returns the new value. Incr with delta 0 reads the counter.
//   - Delete is idempotent: deleting a missing key is not an error.
//
// Expired entries behave exactly like missing ones. Versions are positive and
// increase with every write of a key; a key that is deleted and written again may
// reuse versions, so callers compare versions only between a Get and the update
// that follows it.
//
// # Failure
//
// A backend that cannot answer returns an error wrapping ErrUnavailable (or the
// context's error). Callers must treat every error as a denial: nothing in
// strongauth fails open.
//
// # Keys and hash tags
//
// Keys are opaque to a Store, but the library builds them so that the keys
// of one flow — the flow record, its one-time code and the code's attempt
// counter, its ECP or WebAuthn challenge, its QR session — carry the flow
// ID as a hash tag, "{<flow ID>}" (HashTag), and the keys of one account
// or phone (failure counter, lockout, send budget, cooldown) carry that
// subject's hash the same way. A backend that shards by hash slot, as Redis
// Cluster does, hashes only the text between a key's first '{' and the
// next '}', so each flow's keys, and each subject's, live in one slot, on
// one master: a master lost in a failover takes whole flows with it rather
// than one part of many, and an operation over two keys of a flow could
// run atomically there. Other backends ignore the braces. A key prefix
// configured by the host goes before the tag and therefore may contain no
// brace (ValidKeyPrefix): a '{' in it would become the tag.
//
// # Implementations
//
// store/memory is the embedded default for a single process. A shared backend
// (store/redis) serves many instances. Every implementation must pass the
// conformance kit in store/storetest.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors of the storage contract.
var (
	// ErrNotFound reports a missing or expired key.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict reports a failed compare-and-swap: the key changed, or
	// exists when it was expected to be absent.
	ErrConflict = errors.New("store: version conflict")
	// ErrUnavailable reports a backend that could not answer (connection
	// error, timeout, unexpected reply). The caller must deny.
	ErrUnavailable = errors.New("store: unavailable")
	// ErrClosed reports use of a closed store.
	ErrClosed = errors.New("store: closed")
	// ErrInvalid reports an invalid argument (empty key, non-positive TTL).
	ErrInvalid = errors.New("store: invalid argument")
)

// Store is the storage contract. See the package documentation for the
// semantics every implementation guarantees.
type Store interface {
	// Get returns the value stored under key and its version.
	Get(ctx context.Context, key string) (value []byte, version uint64, err error)
	// Put stores value under key for ttl and returns the new version.
	Put(ctx context.Context, key string, value []byte, ttl time.Duration) (version uint64, err error)
	// CompareAndSwap stores value under key for ttl if the current version
	// is old (0: the key must be absent) and returns the new version, or
	// fails with ErrConflict.
	CompareAndSwap(ctx context.Context, key string, old uint64, value []byte, ttl time.Duration) (version uint64, err error)
	// Consume atomically returns and deletes the value under key.
	Consume(ctx context.Context, key string) ([]byte, error)
	// Incr adds delta to the counter under key, creating it with a lifetime
	// of ttl if it is absent, and returns the new value. Incr with delta 0
	// returns the current value (0 if absent) and creates nothing.
	Incr(ctx context.Context, key string, delta int64, ttl time.Duration) (int64, error)
	// Delete removes key. Deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// CheckArgs validates the arguments shared by every operation; backends call
// it first so that they all reject the same inputs.
func CheckArgs(key string, ttl time.Duration, needTTL bool) error {
	if key == "" {
		return fmt.Errorf("%w: empty key", ErrInvalid)
	}
	if needTTL && ttl <= 0 {
		return fmt.Errorf("%w: ttl must be positive", ErrInvalid)
	}
	return nil
}

// HashTag returns id as a hash tag, "{" + id + "}", to put in a key after a
// prefix without braces: every key that carries the same tag this way lies
// in one hash slot of a Redis Cluster. id should hold no '}' (a tag ends at
// the first one); an id that does still gives one slot for all its keys,
// keyed by the text before it.
func HashTag(id string) string { return "{" + id + "}" }

// TaggedKey returns prefix + space + HashTag(id) in one allocation.
func TaggedKey(prefix, space, id string) string { return prefix + space + "{" + id + "}" }

// ValidKeyPrefix reports whether p may start keys that carry a hash tag:
// it must hold neither '{' nor '}', so that the first '{' of a key is the
// tag's. Packages with a configurable key prefix refuse one that fails it.
func ValidKeyPrefix(p string) bool { return !strings.ContainsAny(p, "{}") }
