package qrredis_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
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

	"github.com/strongauth/strongauth/factors/qr/qrredis"
	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/qr/devicetest"
	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/redis"
	"github.com/strongauth/strongauth/store/redis/redistest"
)

func newDevices(t testing.TB, c goredis.UniversalClient) *qrredis.Devices {
	t.Helper()
	s, err := qrredis.New(qrredis.Config{Client: c, Namespace: redistest.Namespace(t)})
	require.NoError(t, err)
	return s
}

func TestConformance(t *testing.T) {
	redistest.Start(t).Protocols(t, func(t *testing.T, client *goredis.Client) {
		devicetest.Run(t, func(t *testing.T) qr.DeviceStore { return newDevices(t, client) })
	})
}

// TestCluster runs the kit through a ClusterClient on a one-node Cluster,
// which refuses any script whose keys lie in two slots (CROSSSLOT): every
// script here touches one key.
func TestCluster(t *testing.T) {
	cc := redistest.StartCluster(t).ClusterClient(t)
	require.NoError(t, newDevices(t, cc).LoadScripts(context.Background()))
	devicetest.Run(t, func(t *testing.T) qr.DeviceStore { return newDevices(t, cc) })
}

func TestNew(t *testing.T) {
	_, err := qrredis.New(qrredis.Config{})
	assert.ErrorIs(t, err, qrredis.ErrConfig)
	plain := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1"})
	defer plain.Close()
	_, err = qrredis.New(qrredis.Config{Client: plain})
	assert.ErrorIs(t, err, redis.ErrConfig, "the client must honour deadlines, as for the contract store")
	good := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer good.Close()
	_, err = qrredis.New(qrredis.Config{Client: good, Namespace: "a:b"})
	assert.ErrorIs(t, err, qrredis.ErrConfig)
}

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// device returns a device of subject with a fresh P-256 key.
func device(t testing.TB, subject string, n int) qr.Device {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	require.NoError(t, err)
	return qr.Device{ID: fmt.Sprintf("dev-%04d-xxxxxxxxxxxxxx", n), Subject: subject, Name: "phone", PublicKey: der,
		CreatedAt: t0.Add(time.Duration(n) * time.Second)}
}

// TestKeyLayout: a claim and a subject's hash under "<ns>:c:qr:", named by
// digests, with no TTL.
func TestKeyLayout(t *testing.T) {
	client := redistest.Start(t).Client(t)
	ctx := context.Background()
	s, err := qrredis.New(qrredis.Config{Client: client, Namespace: "portal"})
	require.NoError(t, err)
	d := device(t, "880101300123", 1)
	require.NoError(t, s.Add(ctx, d, 0))
	keys, err := client.Keys(ctx, "*").Result()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{s.ClaimKey(d.ID), s.SubjectKey(d.Subject)}, keys)
	for _, k := range keys {
		assert.Regexp(t, `^portal:c:qr:(id|sub):[0-9a-f]{64}$`, k)
		ttl, err := client.PTTL(ctx, k).Result()
		require.NoError(t, err)
		assert.Equal(t, time.Duration(-1), ttl, "devices are durable: no TTL on %s", k)
	}
	owner, err := client.Get(ctx, s.ClaimKey(d.ID)).Result()
	require.NoError(t, err)
	assert.Equal(t, d.Subject, owner)
	h, err := client.HGetAll(ctx, s.SubjectKey(d.Subject)).Result()
	require.NoError(t, err)
	assert.Equal(t, "1", h["c"])
	assert.Equal(t, "1", h["n"])
	assert.Len(t, h, 7, "n, c, and d:, s:, t:, u:, k: of one device")
}

// TestRoundTrips counts the round trips of each operation with a client
// hook, once the scripts are loaded.
func TestRoundTrips(t *testing.T) {
	opts := redistest.Start(t).Options()
	opts.PoolSize = 1
	client := goredis.NewClient(opts)
	t.Cleanup(func() { client.Close() })
	ctx := context.Background()
	require.NoError(t, client.Ping(ctx).Err())
	rec := &redistest.Trips{}
	client.AddHook(rec)
	s := newDevices(t, client)
	require.NoError(t, s.LoadScripts(ctx))
	rec.Take()
	d := device(t, "alice", 1)
	other := device(t, "alice", 2)
	other.PublicKey = d.PublicKey

	for _, op := range []struct {
		name string
		want []string
		run  func() error
	}{
		{"List of nobody", []string{"hgetall"}, func() error { _, err := s.List(ctx, "alice"); return err }},
		{"Add", []string{"evalsha", "evalsha"}, func() error { return s.Add(ctx, d, 0) }},
		{"Add of a claimed ID", []string{"evalsha"}, func() error { return is(s.Add(ctx, d, 0), qr.ErrDeviceExists) }},
		{"Add of an enrolled key", []string{"evalsha", "evalsha", "evalsha"}, func() error {
			return is(s.Add(ctx, other, 0), qr.ErrDeviceExists)
		}},
		{"Get", []string{"get", "hmget"}, func() error { _, err := s.Get(ctx, d.ID); return err }},
		{"Get missing", []string{"get"}, func() error { _, err := s.Get(ctx, "missing"); return is(err, qr.ErrDeviceNotFound) }},
		{"Touch", []string{"get", "evalsha"}, func() error { return s.Touch(ctx, d.ID, t0) }},
		{"List", []string{"hgetall"}, func() error { _, err := s.List(ctx, "alice"); return err }},
		{"Remove by another subject", []string{"get"}, func() error {
			return is(s.Remove(ctx, "mallory", d.ID), qr.ErrDeviceNotFound)
		}},
		{"Remove", []string{"get", "evalsha", "evalsha"}, func() error { return s.Remove(ctx, "alice", d.ID) }},
		{"Remove again", []string{"get"}, func() error { return s.Remove(ctx, "alice", d.ID) }},
	} {
		require.NoError(t, op.run(), op.name)
		assert.Equal(t, op.want, rec.Take(), op.name)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err := s.Get(cctx, d.ID)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, store.ErrUnavailable)
	assert.ErrorIs(t, s.Touch(ctx, d.ID, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)), qrredis.ErrInvalidTime)
	assert.ErrorIs(t, s.Add(ctx, qr.Device{Subject: "alice"}, 0), qr.ErrMalformed)
	assert.Empty(t, rec.Take(), "nothing sent for a done context or a refused argument")
}

func is(err, want error) error {
	if errors.Is(err, want) {
		return nil
	}
	return fmt.Errorf("got %v, want %v", err, want)
}

// invariantScript checks, atomically on a single node, every claim
// (KEYS[1..n]) and every subject's hash (KEYS[n+1..]): a device in a
// subject's hash is claimed by that subject and by no other hash, the key
// index and the count agree with the devices. ARGV: n, then the subjects,
// then the devices' names (in KEYS order).
var invariantScript = goredis.NewScript(`
local n = tonumber(ARGV[1])
local subjects = #KEYS - n
local seen = {}
for i = 1, subjects do
  local sub, key = ARGV[1 + i], KEYS[n + i]
  local h = redis.call('HGETALL', key)
  local devices, keys = 0, 0
  for j = 1, #h, 2 do
    local f, v = h[j], h[j + 1]
    if string.sub(f, 1, 2) == 'd:' then
      devices = devices + 1
      local name = string.sub(f, 3)
      if seen[name] then return 'device ' .. name .. ' in two subjects' end
      seen[name] = true
      local claimed = false
      for k = 1, n do
        if ARGV[1 + subjects + k] == name then
          claimed = redis.call('GET', KEYS[k]) == sub
        end
      end
      if not claimed then return 'device of ' .. sub .. ' without its claim' end
      local tp = redis.call('HGET', key, 't:' .. name)
      if redis.call('HGET', key, 'k:' .. tp) ~= name then return 'key index of ' .. sub .. ' wrong' end
    elseif string.sub(f, 1, 2) == 'k:' then
      keys = keys + 1
    end
  end
  if keys ~= devices or tonumber(redis.call('HGET', key, 'c') or '0') ~= devices then
    return 'count of ' .. sub .. ' wrong'
  end
end
return ''
`)

// TestClaimsUnderChurn races Adds (with a limit), Removes and Touches of a
// few device IDs by a few subjects, checking atomically after every
// operation that a device is always claimed by its subject alone and that
// each subject's count and key index agree with its devices. Once the
// races are over, every claim belongs to a device: the steps balance.
func TestClaimsUnderChurn(t *testing.T) {
	client := redistest.Start(t).Client(t)
	s := newDevices(t, client)
	ctx := context.Background()
	subjects := []string{"alice", "bob", "mallory"}
	const ids, workers, rounds = 5, 30, 40
	devs := make(map[string][]qr.Device) // subject → device n
	for _, sub := range subjects {
		for n := range ids {
			d := device(t, sub, n) // one ID per n across subjects, one key per (subject, n)
			devs[sub] = append(devs[sub], d)
		}
	}
	var keys []string
	args := []any{ids}
	for n := range ids {
		keys = append(keys, s.ClaimKey(devs["alice"][n].ID))
	}
	for _, sub := range subjects {
		keys = append(keys, s.SubjectKey(sub))
		args = append(args, sub)
	}
	for n := range ids {
		k := s.ClaimKey(devs["alice"][n].ID)
		args = append(args, k[strings.LastIndexByte(k, ':')+1:])
	}
	check := func() error {
		msg, err := invariantScript.Run(ctx, client, keys, args...).Text()
		if err == nil && msg != "" {
			err = errors.New(msg)
		}
		return err
	}

	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			r := mrand.New(mrand.NewPCG(uint64(w), 11))
			for range rounds {
				sub := subjects[r.IntN(len(subjects))]
				d := devs[sub][r.IntN(ids)]
				var err error
				switch r.IntN(3) {
				case 0:
					err = s.Add(ctx, d, 3)
					if errors.Is(err, qr.ErrDeviceExists) || errors.Is(err, qr.ErrDeviceLimit) {
						err = nil
					}
				case 1:
					err = s.Remove(ctx, sub, d.ID)
					if errors.Is(err, qr.ErrDeviceNotFound) {
						err = nil
					}
				default:
					err = s.Touch(ctx, d.ID, t0.Add(time.Duration(r.IntN(1000))*time.Second))
					if errors.Is(err, qr.ErrDeviceNotFound) {
						err = nil
					}
				}
				if err == nil {
					err = check()
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
	count := func() (live, claims int) {
		for _, sub := range subjects {
			list, err := s.List(ctx, sub)
			require.NoError(t, err)
			assert.LessOrEqual(t, len(list), 3, "the limit held")
			live += len(list)
		}
		for _, k := range keys[:ids] {
			n, err := client.Exists(ctx, k).Result()
			require.NoError(t, err)
			claims += int(n)
		}
		return live, claims
	}
	live, claims := count()
	assert.Equal(t, live, claims, "one claim per device, none left over")
	if live == 0 {
		// The interleaving can end with every device removed; one more Add
		// after the churn must still leave exactly one claim for it.
		require.NoError(t, s.Add(ctx, devs[subjects[0]][0], 3))
		live, claims = count()
		assert.Equal(t, 1, live)
		assert.Equal(t, live, claims, "one claim per device after the churn")
	}
}

// TestStrayClaims: a claim left by an Add that stopped after its first
// step makes the ID unknown, not usable, and blocks nothing else.
func TestStrayClaims(t *testing.T) {
	client := redistest.Start(t).Client(t)
	s := newDevices(t, client)
	ctx := context.Background()
	d := device(t, "alice", 1)
	require.NoError(t, client.Set(ctx, s.ClaimKey(d.ID), "alice", 0).Err())

	_, err := s.Get(ctx, d.ID)
	assert.ErrorIs(t, err, qr.ErrDeviceNotFound)
	assert.ErrorIs(t, s.Touch(ctx, d.ID, t0), qr.ErrDeviceNotFound)
	list, err := s.List(ctx, "alice")
	require.NoError(t, err)
	assert.Empty(t, list)
	require.NoError(t, s.Remove(ctx, "alice", d.ID), "nothing to remove")
	assert.Equal(t, int64(1), client.Exists(ctx, s.ClaimKey(d.ID)).Val(), "Remove does not give up a claim whose device it did not remove")
	assert.ErrorIs(t, s.Add(ctx, d, 0), qr.ErrDeviceExists, "the stray claim keeps its (random, never reused) ID")
	other := device(t, "alice", 2)
	other.PublicKey = d.PublicKey
	require.NoError(t, s.Add(ctx, other, 1), "the key and the limit are not taken by a stray claim")
}

// TestHostileState: keys under the namespace that this package did not
// write are refused with a typed error — never a panic, never a device
// made up from them.
func TestHostileState(t *testing.T) {
	client := redistest.Start(t).Client(t)
	s := newDevices(t, client)
	ctx := context.Background()
	d := device(t, "alice", 1)
	require.NoError(t, s.Add(ctx, d, 0))
	sub := s.SubjectKey("alice")
	orig, err := client.HGetAll(ctx, sub).Result()
	require.NoError(t, err)
	var name string
	for f := range orig {
		if strings.HasPrefix(f, "d:") {
			name = f[2:]
		}
	}
	other := device(t, "bob", 2)
	otherRec := strings.Replace(orig["d:"+name], d.ID, other.ID, 1)

	for what, mutate := range map[string]map[string]string{
		"unknown format":     {"d:" + name: strings.Replace(orig["d:"+name], `"v":1`, `"v":2`, 1)},
		"not JSON":           {"d:" + name: "{"},
		"unknown JSON field": {"d:" + name: strings.Replace(orig["d:"+name], `{"v":1`, `{"v":1,"admin":true`, 1)},
		"another device":     {"d:" + name: otherRec},
		"another subject":    {"d:" + name: strings.Replace(orig["d:"+name], `"subject":"alice"`, `"subject":"bob"`, 1)},
		"another key":        {"t:" + name: strings.Repeat("0", 64)},
		"sequence":           {"s:" + name: "01"},
		"last use":           {"u:" + name: "yesterday"},
		"last use not UTC":   {"u:" + name: "2026-03-01T10:00:00.000000000+05:00"},
		"count":              {"c": "2"},
		"unknown field":      {"x:" + name: "1"},
	} {
		t.Run(what, func(t *testing.T) {
			require.NoError(t, client.Del(ctx, sub).Err())
			require.NoError(t, client.HSet(ctx, sub, orig).Err())
			require.NoError(t, client.HSet(ctx, sub, mutate).Err())
			_, err := s.List(ctx, "alice")
			requireUnexpected(t, "qr-list", err)
			if what != "count" && what != "unknown field" {
				_, err = s.Get(ctx, d.ID)
				requireUnexpected(t, "qr-get", err)
			}
		})
	}
	t.Run("incomplete device", func(t *testing.T) {
		require.NoError(t, client.HSet(ctx, sub, orig).Err())
		require.NoError(t, client.HDel(ctx, sub, "u:"+name).Err())
		_, err := s.Get(ctx, d.ID)
		requireUnexpected(t, "qr-get", err)
	})
	t.Run("empty claim", func(t *testing.T) {
		require.NoError(t, client.Set(ctx, s.ClaimKey(d.ID), "", 0).Err())
		_, err := s.Get(ctx, d.ID)
		requireUnexpected(t, "qr-get", err)
	})
	t.Run("a hash of another type", func(t *testing.T) {
		require.NoError(t, client.Set(ctx, s.ClaimKey(d.ID), "alice", 0).Err())
		require.NoError(t, client.Del(ctx, sub).Err())
		require.NoError(t, client.Set(ctx, sub, "x", 0).Err())
		_, err := s.List(ctx, "alice")
		require.ErrorIs(t, err, store.ErrUnavailable)
		assert.ErrorIs(t, s.Touch(ctx, d.ID, t0), store.ErrUnavailable)
		assert.ErrorIs(t, s.Add(ctx, device(t, "alice", 3), 0), store.ErrUnavailable)
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

// TestFaults: every operation on a frozen server ends at its deadline, on
// a stopped one is a typed error; on a server with persistence on, the
// devices survive a restart.
func TestFaults(t *testing.T) {
	srv := redistest.Start(t, "--appendonly", "yes", "--appendfsync", "always")
	s := newDevices(t, srv.Client(t))
	ctx := context.Background()
	d := device(t, "alice", 1)
	require.NoError(t, s.Add(ctx, d, 0))
	require.NoError(t, s.Touch(ctx, d.ID, t0))
	require.NoError(t, s.LoadScripts(ctx))
	ops := map[string]func(ctx context.Context) error{
		"qr-get":    func(ctx context.Context) error { _, err := s.Get(ctx, d.ID); return err },
		"qr-list":   func(ctx context.Context) error { _, err := s.List(ctx, "alice"); return err },
		"qr-add":    func(ctx context.Context) error { return s.Add(ctx, device(t, "alice", 2), 0) },
		"qr-touch":  func(ctx context.Context) error { return s.Touch(ctx, d.ID, t0.Add(time.Hour)) },
		"qr-remove": func(ctx context.Context) error { return s.Remove(ctx, "alice", d.ID) },
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
	srv.Restart()
	got, err := s.Get(ctx, d.ID)
	require.NoError(t, err, "with appendonly the device survived")
	assert.True(t, got.LastUsed.Equal(t0))
}
