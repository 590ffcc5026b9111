// Package redis implements the strongauth storage contract (package store)
// on Redis, for services that run several instances behind a load
// balancer. The instances then share flows, one-time codes, challenges, QR
// sessions, attempt counters and send budgets: a code is used once across
// all of them, and an attacker gets one budget of guesses, not one per
// instance.
//
// It uses github.com/redis/go-redis/v9 and works with any of its clients
// (goredis.UniversalClient): a single node, Sentinel failover, Cluster or
// Ring.
//
//	client := goredis.NewClient(&goredis.Options{Addr: "redis:6379", ContextTimeoutEnabled: true})
//	st, err := redis.New(redis.Config{Client: client, Namespace: "portal"})
//	if err != nil { … }
//	if err := st.LoadScripts(ctx); err != nil { … } // at start-up; optional
//	eng, err := auth.New(auth.Config{Store: st, …})
//
// # One round trip per operation
//
// Every operation is one command: Get is an HMGET, Delete a DEL, and Put,
// CompareAndSwap, Consume and Incr are each one Lua script, which Redis
// runs atomically. Scripts are called by their SHA-1 (EVALSHA); a server
// that does not know a script (restarted, or its cache flushed) answers
// NOSCRIPT without running anything, and the Store then sends the script
// in full (EVAL) — the only case of two round trips. LoadScripts loads all
// scripts ahead of time.
//
// # Keys
//
// Every key starts with the namespace (Config.Namespace, default
// "strongauth") and a colon; a namespace contains no colon, so several
// applications can share a server without ever sharing a key:
//
//	<namespace>:s:<key>    the store.Store contract: the engine's flows
//	                       ("sa:flow:{<id>}"), codes, challenges, counters
//	<namespace>:c:…        durable credential stores beside it:
//	                       "c:passkey:" (factors/passkey/passkeyredis),
//	                       "c:qr:" (factors/qr/qrredis)
//
// A contract key holds a hash — {v: value, n: version} or {c: count, n:
// version} — with the TTL the caller gave, in milliseconds (rounded up).
// Redis expires keys by its own clock; the caller's clock decides the
// durations (the engine passes a flow's ExpiresAt minus its own Now).
//
// Each operation touches exactly one key, so no operation needs a hash
// tag. The callers put one in their keys all the same (see "Keys and hash
// tags" in package store): every key of a flow — the flow, its codes and
// challenges, its QR session — carries the flow ID as "{<id>}", so a flow
// lies in one slot of a Redis Cluster, and flows spread over all the
// masters by their random IDs. The namespace may not contain braces, so
// that it cannot move the tag or pin every key to one slot. The
// credential stores keep to the same rule — every script of theirs touches
// one key — and so need no hash tags either; where an operation must
// write two keys (a credential and its subject's index, a device and its
// ID's claim) they do it in two steps ordered so that an interruption can
// leave only a harmless extra entry, never a credential that cannot be
// found (see their documentation).
//
// # Beside the Store
//
// Space, Script, NewError, Live and Unexpected serve the packages that
// keep their own data on Redis next to a Store: NewSpace checks a client
// as New does and gives the "<namespace>:c:<name>:" prefix; Script runs a
// one-key Lua script the way the Store runs its own (by SHA, with the
// NOSCRIPT fallback, never retried by go-redis); NewError, Live and
// Unexpected make their failures *Error values that match
// store.ErrUnavailable like the Store's.
//
// # Failure
//
// Every failure denies. A connection error, a timeout, a cancelled or
// expired context, an error reply or a reply of the wrong shape is an
// *Error, which matches store.ErrUnavailable (store.ErrClosed for a
// closed client) and, when the context ended, the context's error, with
// errors.Is. Its message names the operation, never a key or a value.
//
// Nothing is retried in a way that could run a write twice. Put,
// CompareAndSwap, Consume and Incr are sent as commands that go-redis never
// re-sends once they may have reached the server, whatever the client's
// MaxRetries: after a lost reply the caller gets an error, and a Consume
// that ran is not run again (the secret is spent and the request denied).
// Get and Delete are idempotent and follow the client's retry settings.
// A cancelled context is checked before anything is sent.
//
// # Client configuration
//
// New refuses a go-redis client that does not honour context deadlines
// (ContextTimeoutEnabled must be true), since a stuck server would then hold
// every request for the socket timeout rather than the request's deadline,
// and one that uses client-side caching, which could answer Get from a
// stale copy. Keep ReadTimeout and WriteTimeout short as a bound for
// requests without a deadline.
//
// # Deployment
//
//   - Persistence is not needed for this short-lived state: after a restart
//     without it, flows and codes are gone and requests are cleanly denied
//     (auth.ErrFlowNotFound). Attempt counters and send budgets restart
//     too; the codes they protected are gone with them.
//   - Set maxmemory-policy to noeviction. Every key here has a TTL, so a
//     volatile-* or allkeys-* policy could evict an attempt counter and
//     hand out fresh guesses; with noeviction a full server refuses writes
//     and the Store denies.
//   - Replication is asynchronous. A write acknowledged by a master that
//     fails before its replicas saw it is undone by the failover: a
//     consumed code or challenge can be consumed again, a completed flow
//     step taken again, an attempt counted again. Config.WaitReplicas
//     closes that window (see "Replicas and failover").
//   - Durable data — passkey and QR-device credentials — is another
//     matter: losing it locks users out of their authenticators. Keep it
//     on a server with persistence on (appendonly yes, appendfsync
//     everysec or always, RDB snapshots for backups) and noeviction; the
//     credential stores take their own client, so the short-lived state may
//     stay on a server without persistence and the credentials go to one
//     with it. Or keep credentials in the host's own database through the
//     credential-store interfaces (passkey.CredentialStore, proved with
//     passkeytest.RunCredentialStore) and use Redis only for what expires.
//
// # Replicas and failover
//
// With Config.WaitReplicas set, every write is sent together with Redis's
// WAIT on the same connection, in one pipeline — still one round trip —
// and counts only when that many replicas acknowledged it within
// Config.WaitTimeout; otherwise the operation fails with ErrNotReplicated
// (a *Error, store.ErrUnavailable) and the request is denied. WAIT cannot
// run inside a Lua script, so the script and the WAIT cannot be one
// command; sent back to back on one connection they are the equivalent:
// Redis runs the WAIT right after the script, counting the replicas that
// have its writes. On a Cluster the pair goes to the key's master over
// the cluster client's own client of that node, following MOVED and ASK
// itself. A Consume that is denied this way has spent the secret on the
// master; should a failover bring it back, it is still used at most once,
// by a later request.
//
// Measured with SIGKILL on a master while eight requests at a time used
// secrets and flow steps (TestClusterFailover, TestSentinelFailover): with
// replicas on loopback, nothing came back; with replicas 20 ms behind (a
// replica in another zone), every use of the last 20 ms before the crash
// came back — 30 to 50 of the 500 made — and none with WaitReplicas.
// Waiting costs the replica's round trip on every write (about 1.5 times
// a write's latency with replicas on loopback, BenchmarkWaitReplicas); a
// replica that stalls past WaitTimeout denies requests rather than
// risking a replay.
//
// After a failover go-redis's ClusterClient would keep sending the dead
// master's slots to it until its next periodic reload (a minute by
// default), because it reloads its slot map only on MOVED and ASK. The
// Store, and the credential stores through Space.Error, ask it for a fresh
// map after a refused connection, a timeout, CLUSTERDOWN, READONLY or
// LOADING, so that requests reach the new master a moment after the
// failover.
//
// # Testing
//
// Package redistest starts a private redis-server for a test, a 3-master /
// 3-replica Redis Cluster (redis-cli --cluster create) and a Sentinel
// deployment. The tests of this package run the store/storetest
// conformance kit against one server, a one-node Cluster, the 3+3 Cluster
// and Sentinel, with and without WaitReplicas, while a redistest.Guard
// checks that no command's keys span two slots and no MOVED, ASK,
// CROSSSLOT or TRYAGAIN reaches the caller (every node runs with
// cluster-allow-reads-when-down no); two auth engines with separate
// clients on one server, and on the Cluster while slots move between
// masters (TestReshardingWhileFlowsRun: 1 000+ flows, each completed once
// or denied with a typed error, MOVED and ASK followed); failovers
// (above); and faults: a stopped, restarted and frozen (SIGSTOP) server,
// a blocking script, a full server, and a reply lost after a write ran. The tests of internal/crosstest run two
// instances with the real factors on one server and show every code and
// challenge accepted once across both, and attempt limits, cooldowns and
// send budgets shared.
package redis
