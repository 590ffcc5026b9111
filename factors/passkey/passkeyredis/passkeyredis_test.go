package passkeyredis_test

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/factors/passkey/passkeyredis"
	"github.com/strongauth/strongauth/factors/passkey/passkeytest"
	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/redis"
	"github.com/strongauth/strongauth/store/redis/redistest"
)

func newCreds(t testing.TB, c goredis.UniversalClient) *passkeyredis.Credentials {
	t.Helper()
	s, err := passkeyredis.New(passkeyredis.Config{Client: c, Namespace: redistest.Namespace(t)})
	require.NoError(t, err)
	return s
}

func TestConformance(t *testing.T) {
	redistest.Start(t).Protocols(t, func(t *testing.T, client *goredis.Client) {
		passkeytest.RunCredentialStore(t, func(t *testing.T) passkey.CredentialStore { return newCreds(t, client) })
	})
}

// TestCluster runs the kit through a ClusterClient on a one-node Cluster,
// which refuses any script whose keys lie in two slots (CROSSSLOT): every
// script here touches one key.
func TestCluster(t *testing.T) {
	srv := redistest.StartCluster(t)
	cc := srv.ClusterClient(t)
	require.NoError(t, newCreds(t, cc).LoadScripts(context.Background()))
	passkeytest.RunCredentialStore(t, func(t *testing.T) passkey.CredentialStore { return newCreds(t, cc) })
}

func TestNew(t *testing.T) {
	_, err := passkeyredis.New(passkeyredis.Config{})
	assert.ErrorIs(t, err, passkeyredis.ErrConfig)

	plain := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1"})
	defer plain.Close()
	_, err = passkeyredis.New(passkeyredis.Config{Client: plain})
	assert.ErrorIs(t, err, passkeyredis.ErrConfig)
	assert.ErrorIs(t, err, redis.ErrConfig, "the client must honour deadlines, as for the contract store")
	assert.Contains(t, err.Error(), "ContextTimeoutEnabled")

	good := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer good.Close()
	for _, ns := range []string{"a:b", "{tag}", "with space", strings.Repeat("n", 65)} {
		_, err = passkeyredis.New(passkeyredis.Config{Client: good, Namespace: ns})
		assert.ErrorIs(t, err, passkeyredis.ErrConfig, "namespace %q", ns)
	}
	s, err := passkeyredis.New(passkeyredis.Config{Client: good})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(s.RecordKey([]byte("x")), redis.DefaultNamespace+":c:passkey:id:"))
}

// TestKeyLayout: a record and an index under "<ns>:c:passkey:", named by
// digests (no subject or ID in clear in a key name), with no TTL, and
// nothing under the contract's "<ns>:s:" space.
func TestKeyLayout(t *testing.T) {
	client := redistest.Start(t).Client(t)
	ctx := context.Background()
	s, err := passkeyredis.New(passkeyredis.Config{Client: client, Namespace: "portal"})
	require.NoError(t, err)
	c := passkeytest.Credential("880101300123", 1)
	require.NoError(t, s.Add(ctx, c))

	keys, err := client.Keys(ctx, "*").Result()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{s.RecordKey(c.ID), s.IndexKey(c.Subject)}, keys)
	for _, k := range keys {
		assert.Regexp(t, `^portal:c:passkey:(id|sub):[0-9a-f]{64}$`, k)
		assert.NotContains(t, k, c.Subject)
		ttl, err := client.PTTL(ctx, k).Result()
		require.NoError(t, err)
		assert.Equal(t, time.Duration(-1), ttl, "credentials are durable: no TTL on %s", k)
	}
	h, err := client.HGetAll(ctx, s.RecordKey(c.ID)).Result()
	require.NoError(t, err)
	assert.Equal(t, "1", h["f"])
	assert.Equal(t, c.Subject, h["s"])
	assert.Equal(t, "0", h["c"])
	assert.Equal(t, "", h["u"])
	idx, err := client.HGetAll(ctx, s.IndexKey(c.Subject)).Result()
	require.NoError(t, err)
	assert.Equal(t, map[string]string{s.RecordKey(c.ID)[len("portal:c:passkey:id:"):]: "1"}, idx)
}

// TestRoundTrips counts the round trips of each operation with a client
// hook, once the scripts are loaded.
func TestRoundTrips(t *testing.T) {
	opts := redistest.Start(t).Options()
	opts.PoolSize = 1 // no second connection, whose handshake would count
	client := goredis.NewClient(opts)
	t.Cleanup(func() { client.Close() })
	ctx := context.Background()
	require.NoError(t, client.Ping(ctx).Err())
	rec := &redistest.Trips{}
	client.AddHook(rec)
	s := newCreds(t, client)
	require.NoError(t, s.LoadScripts(ctx))
	// go-redis sends one HELLO on a connection's first pipeline: not ours.
	_, err := client.Pipelined(ctx, func(p goredis.Pipeliner) error { p.Ping(ctx); return nil })
	require.NoError(t, err)
	rec.Take()
	a1, a2 := passkeytest.Credential("alice", 1), passkeytest.Credential("alice", 2)
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

	for _, op := range []struct {
		name string
		want []string
		run  func() error
	}{
		{"List of nobody", []string{"hkeys"}, func() error { _, err := s.List(ctx, "alice"); return err }},
		{"Add", []string{"evalsha", "evalsha"}, func() error { return s.Add(ctx, a1) }},
		{"Add duplicate", []string{"evalsha", "evalsha", "evalsha"}, func() error {
			return expect(s.Add(ctx, passkeytest.Credential("mallory", 1)), passkey.ErrCredentialExists)
		}},
		{"Find", []string{"hmget"}, func() error { _, err := s.Find(ctx, a1.ID); return err }},
		{"Find missing", []string{"hmget"}, func() error {
			_, err := s.Find(ctx, []byte("missing"))
			return expect(err, passkey.ErrCredentialNotFound)
		}},
		{"Update", []string{"evalsha"}, func() error { return s.Update(ctx, a1.ID, passkey.Use{SignCount: 1, At: at}) }},
		{"Update regression", []string{"evalsha"}, func() error {
			return expect(s.Update(ctx, a1.ID, passkey.Use{SignCount: 1, At: at}), passkey.ErrCounterRegression)
		}},
		{"Add second", []string{"evalsha", "evalsha"}, func() error { return s.Add(ctx, a2) }},
		{"List of two", []string{"hkeys", "pipeline(2 hmget)"}, func() error {
			l, err := s.List(ctx, "alice")
			if err == nil && len(l) != 2 {
				err = fmt.Errorf("listed %d", len(l))
			}
			return err
		}},
		{"Remove by another subject", []string{"evalsha"}, func() error { return s.Remove(ctx, "mallory", a1.ID) }},
		{"Remove", []string{"evalsha", "evalsha"}, func() error { return s.Remove(ctx, "alice", a1.ID) }},
		{"Remove again", []string{"evalsha"}, func() error { return s.Remove(ctx, "alice", a1.ID) }},
	} {
		require.NoError(t, op.run(), op.name)
		assert.Equal(t, op.want, rec.Take(), op.name)
	}

	// Requests that cannot succeed, or whose context is done, send nothing.
	_, err = s.Find(ctx, nil)
	assert.ErrorIs(t, err, passkey.ErrCredentialNotFound)
	assert.ErrorIs(t, s.Add(ctx, passkey.Credential{}), passkey.ErrInvalidCredential)
	assert.ErrorIs(t, s.Update(ctx, a2.ID, passkey.Use{SignCount: 9, At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}),
		passkeyredis.ErrInvalidUse)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	err = s.Update(cctx, a2.ID, passkey.Use{SignCount: 9, At: at})
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, store.ErrUnavailable)
	assert.Empty(t, rec.Take())
	got, err := s.Find(ctx, a2.ID)
	require.NoError(t, err)
	assert.Zero(t, got.SignCount, "nothing was written")
}

func expect(err, want error) error {
	if err == nil {
		return fmt.Errorf("no error, want %v", want)
	}
	if !errors.Is(err, want) {
		return err
	}
	return nil
}

// indexes returns every subject index under s's namespace: key → fields.
func indexes(t *testing.T, client *goredis.Client, s *passkeyredis.Credentials, subjects []string) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, sub := range subjects {
		h, err := client.HGetAll(context.Background(), s.IndexKey(sub)).Result()
		require.NoError(t, err)
		if len(h) > 0 {
			out[sub] = h
		}
	}
	return out
}

// TestIndexUnderChurn races Adds and Removes of a few IDs by a few
// subjects. At every instant (checked atomically by a script after each
// operation) a live record is counted in its owner's index — List would
// otherwise hide a credential from its owner — and no count is below one.
// Once the races are over the index holds exactly one count per live
// record: the two-step operations balance.
func TestIndexUnderChurn(t *testing.T) {
	client := redistest.Start(t).Client(t)
	s := newCreds(t, client)
	ctx := context.Background()
	subjects := []string{"alice", "bob", "mallory"}
	const ids, workers, rounds = 4, 40, 50
	check := invariant(s, subjects, ids)

	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			r := mrand.New(mrand.NewPCG(uint64(w), 7))
			for range rounds {
				sub := subjects[r.IntN(len(subjects))]
				c := passkeytest.Credential(sub, r.IntN(ids))
				var err error
				if r.IntN(2) == 0 {
					if err = s.Add(ctx, c); errors.Is(err, passkey.ErrCredentialExists) {
						err = nil
					}
				} else {
					err = s.Remove(ctx, sub, c.ID)
				}
				if err == nil {
					err = check(ctx, client)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	want := map[string]map[string]string{}
	for n := range ids {
		c, err := s.Find(ctx, passkeytest.Credential("", n).ID)
		if errors.Is(err, passkey.ErrCredentialNotFound) {
			continue
		}
		require.NoError(t, err)
		if want[c.Subject] == nil {
			want[c.Subject] = map[string]string{}
		}
		want[c.Subject][name(s, c.ID)] = "1"
	}
	require.NotEmpty(t, want, "the churn left some credentials")
	assert.Equal(t, want, indexes(t, client, s, subjects), "one count per live record, no stray entry")
}

// name returns a credential's name in the index (the record key's last
// part).
func name(s *passkeyredis.Credentials, id []byte) string {
	k := s.RecordKey(id)
	return k[strings.LastIndexByte(k, ':')+1:]
}

// invariantScript reads, in one atomic step on a single node, every record
// (KEYS[1..n]) and every subject's index (KEYS[n+1..]), and reports a live
// record its owner's index does not count, or a count below one.
var invariantScript = goredis.NewScript(`
local n = tonumber(ARGV[1])
local owners = {}
for i = 1, #KEYS - n do owners[ARGV[1 + i]] = KEYS[n + i] end
for i = 1, n do
  local s = redis.call('HGET', KEYS[i], 's')
  if s then
    local c = tonumber(redis.call('HGET', owners[s], ARGV[1 + #KEYS - n + i]) or '0')
    if c < 1 then return 'record ' .. i .. ' of ' .. s .. ' is not in the index' end
  end
end
for i = n + 1, #KEYS do
  local h = redis.call('HGETALL', KEYS[i])
  for j = 2, #h, 2 do
    if tonumber(h[j]) < 1 then return 'count below one in ' .. KEYS[i] end
  end
end
return ''
`)

func invariant(s *passkeyredis.Credentials, subjects []string, ids int) func(context.Context, *goredis.Client) error {
	var keys []string
	args := []any{ids}
	for n := range ids {
		keys = append(keys, s.RecordKey(passkeytest.Credential("", n).ID))
	}
	for _, sub := range subjects {
		keys = append(keys, s.IndexKey(sub))
		args = append(args, sub)
	}
	for n := range ids {
		args = append(args, name(s, passkeytest.Credential("", n).ID))
	}
	return func(ctx context.Context, c *goredis.Client) error {
		msg, err := invariantScript.Run(ctx, c, keys, args...).Text()
		if err == nil && msg != "" {
			err = errors.New(msg)
		}
		return err
	}
}

// TestStrayIndexEntries: an entry left behind by an interrupted Add (a
// count without a record) or one naming another subject's credential is
// passed over by List and gets in the way of nothing.
func TestStrayIndexEntries(t *testing.T) {
	client := redistest.Start(t).Client(t)
	s := newCreds(t, client)
	ctx := context.Background()
	a1, m1 := passkeytest.Credential("alice", 1), passkeytest.Credential("mallory", 1)
	name := name(s, a1.ID)

	// An Add of alice's that stopped after its first step.
	require.NoError(t, client.HIncrBy(ctx, s.IndexKey("alice"), name, 1).Err())
	list, err := s.List(ctx, "alice")
	require.NoError(t, err)
	assert.Empty(t, list)
	require.NoError(t, s.Add(ctx, a1), "the stray count does not block an Add")
	list, err = s.List(ctx, "alice")
	require.NoError(t, err)
	require.Len(t, list, 1)

	// An entry in mallory's index that names alice's credential.
	require.NoError(t, client.HIncrBy(ctx, s.IndexKey("mallory"), name, 1).Err())
	list, err = s.List(ctx, "mallory")
	require.NoError(t, err)
	assert.Empty(t, list, "another subject's credential is never listed")
	require.NoError(t, s.Remove(ctx, "mallory", m1.ID))
	_, err = s.Find(ctx, a1.ID)
	require.NoError(t, err, "mallory cannot remove alice's credential through a stray entry")

	require.NoError(t, s.Remove(ctx, "alice", a1.ID))
	list, err = s.List(ctx, "alice")
	require.NoError(t, err)
	assert.Empty(t, list)
	assert.Equal(t, map[string]string{name: "1"}, indexes(t, client, s, []string{"alice"})["alice"],
		"the interrupted Add's count stays behind (harmless, documented)")
}

// TestHostileRecords: keys under the namespace that this package did not
// write are refused with a typed error — never a panic, never a
// credential made up from them.
func TestHostileRecords(t *testing.T) {
	client := redistest.Start(t).Client(t)
	s := newCreds(t, client)
	ctx := context.Background()
	good := passkeytest.Credential("alice", 1)
	require.NoError(t, s.Add(ctx, good))
	key := s.RecordKey(good.ID)
	orig, err := client.HGetAll(ctx, key).Result()
	require.NoError(t, err)
	other := passkeytest.Credential("alice", 2)
	require.NoError(t, s.Add(ctx, other))
	otherData, err := client.HGet(ctx, s.RecordKey(other.ID), "d").Result()
	require.NoError(t, err)

	for name, mutate := range map[string]map[string]string{
		"unknown format":        {"f": "2"},
		"not JSON":              {"d": "{"},
		"unknown JSON field":    {"d": strings.Replace(orig["d"], `{"id"`, `{"admin":true,"id"`, 1)},
		"trailing data":         {"d": orig["d"] + "{}"},
		"another credential":    {"d": otherData},
		"counter with a sign":   {"c": "+1"},
		"counter leading zero":  {"c": "01"},
		"counter too large":     {"c": "4294967296"},
		"backup state":          {"b": "true"},
		"last use":              {"u": "yesterday"},
		"empty subject":         {"s": ""},
		"invalid record (AAID)": {"d": strings.Replace(orig["d"], `"aaguid":"00000000-0000-0000-0000-000000000000"`, `"aaguid":"zz"`, 1)},
	} {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, client.Del(ctx, key).Err())
			require.NoError(t, client.HSet(ctx, key, orig).Err())
			require.NoError(t, client.HSet(ctx, key, mutate).Err())
			_, err := s.Find(ctx, good.ID)
			requireUnexpected(t, "passkey-find", err)
			_, err = s.List(ctx, "alice")
			requireUnexpected(t, "passkey-list", err)
		})
	}

	t.Run("incomplete record", func(t *testing.T) {
		require.NoError(t, client.HDel(ctx, key, "u").Err())
		_, err := s.Find(ctx, good.ID)
		requireUnexpected(t, "passkey-find", err)
	})
	t.Run("counter the update script cannot read", func(t *testing.T) {
		require.NoError(t, client.HSet(ctx, key, orig).Err())
		require.NoError(t, client.HSet(ctx, key, "c", "0x10").Err())
		err := s.Update(ctx, good.ID, passkey.Use{SignCount: 100})
		require.ErrorIs(t, err, store.ErrUnavailable)
		assert.Contains(t, err.Error(), "unknown format")
		c, err := client.HGet(ctx, key, "c").Result()
		require.NoError(t, err)
		assert.Equal(t, "0x10", c, "nothing written")
	})
	t.Run("a record of another type", func(t *testing.T) {
		require.NoError(t, client.Del(ctx, key).Err())
		require.NoError(t, client.Set(ctx, key, "x", 0).Err())
		_, err := s.Find(ctx, good.ID)
		require.ErrorIs(t, err, store.ErrUnavailable)
		assert.ErrorIs(t, s.Update(ctx, good.ID, passkey.Use{SignCount: 1}), store.ErrUnavailable)
		assert.ErrorIs(t, s.Add(ctx, good), passkey.ErrCredentialExists, "the key is taken: no record is written over it")
	})
	t.Run("an index entry that names nothing", func(t *testing.T) {
		require.NoError(t, client.HSet(ctx, s.IndexKey("bob"), "../../etc", "1").Err())
		_, err := s.List(ctx, "bob")
		requireUnexpected(t, "passkey-list", err)
	})
}

func requireUnexpected(t *testing.T, op string, err error) {
	t.Helper()
	require.ErrorIs(t, err, redis.ErrUnexpectedReply)
	require.ErrorIs(t, err, store.ErrUnavailable)
	var re *redis.Error
	require.ErrorAs(t, err, &re)
	assert.Equal(t, op, re.Op)
}

// TestStoppedServerDenies: every operation on a stopped server is a typed
// error, and a stuck one ends at the context's deadline.
func TestStoppedServerDenies(t *testing.T) {
	srv := redistest.Start(t)
	s := newCreds(t, srv.Client(t))
	ctx := context.Background()
	c := passkeytest.Credential("alice", 1)
	require.NoError(t, s.Add(ctx, c))
	require.NoError(t, s.LoadScripts(ctx))

	ops := map[string]func(ctx context.Context) error{
		"passkey-find":   func(ctx context.Context) error { _, err := s.Find(ctx, c.ID); return err },
		"passkey-list":   func(ctx context.Context) error { _, err := s.List(ctx, "alice"); return err },
		"passkey-add":    func(ctx context.Context) error { return s.Add(ctx, passkeytest.Credential("alice", 2)) },
		"passkey-update": func(ctx context.Context) error { return s.Update(ctx, c.ID, passkey.Use{SignCount: 5}) },
		"passkey-remove": func(ctx context.Context) error { return s.Remove(ctx, "alice", c.ID) },
	}
	srv.Pause()
	for op, run := range ops {
		dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		err := run(dctx)
		cancel()
		require.ErrorIs(t, err, context.DeadlineExceeded, op)
		require.ErrorIs(t, err, store.ErrUnavailable, op)
	}
	srv.Resume()
	srv.Stop()
	for op, run := range ops {
		err := run(ctx)
		require.ErrorIs(t, err, store.ErrUnavailable, op)
		var re *redis.Error
		require.ErrorAs(t, err, &re, op)
		assert.Equal(t, op, re.Op)
		assert.NotContains(t, err.Error(), "alice", "no subject in an error")
	}
}

// TestDurableWithAppendOnly: on a server with persistence on, as the
// package documentation requires, credentials and their counters survive
// a restart.
func TestDurableWithAppendOnly(t *testing.T) {
	srv := redistest.Start(t, "--appendonly", "yes", "--appendfsync", "always")
	client := srv.Client(t)
	s := newCreds(t, client)
	ctx := context.Background()
	c := passkeytest.Credential("alice", 1)
	require.NoError(t, s.Add(ctx, c))
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	require.NoError(t, s.Update(ctx, c.ID, passkey.Use{SignCount: 9, At: at}))

	srv.Restart()
	got, err := s.Find(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, uint32(9), got.SignCount)
	assert.True(t, got.LastUsedAt.Equal(at))
	list, err := s.List(ctx, "alice")
	require.NoError(t, err)
	assert.Len(t, list, 1)
	assert.ErrorIs(t, s.Update(ctx, c.ID, passkey.Use{SignCount: 9, At: at}), passkey.ErrCounterRegression,
		"the counter survived: a replayed count is still refused")
}
