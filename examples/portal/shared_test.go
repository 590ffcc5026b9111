package main

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/store/redis"
	"github.com/strongauth/strongauth/store/redis/redistest"
)

func TestParseRedisSpec(t *testing.T) {
	good := map[string]redisSpec{
		"127.0.0.1:6379":                      {kind: "server", addrs: []string{"127.0.0.1:6379"}},
		"redis.internal:6380":                 {kind: "server", addrs: []string{"redis.internal:6380"}},
		"[::1]:6379":                          {kind: "server", addrs: []string{"[::1]:6379"}},
		"cluster:a:7000,b:7001":               {kind: "cluster", addrs: []string{"a:7000", "b:7001"}},
		"sentinel:mymaster@s1:26379,s2:26379": {kind: "sentinel", master: "mymaster", addrs: []string{"s1:26379", "s2:26379"}},
	}
	for in, want := range good {
		got, err := parseRedisSpec(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{
		"", "6379", "host", "a:1,b:2", ":6379", "host:0", "host:65536", "host:+1", "host:01", "host: 1",
		"cluster:", "cluster:a:1,", "sentinel:a:1", "sentinel:@a:1", "sentinel:m@", "sentinel:m,n@a:1",
		"redis://host:6379", "cluster:" + strings.Repeat("a:1,", 64) + "a:1",
	} {
		_, err := parseRedisSpec(in)
		assert.ErrorIs(t, err, errRedisSpec, "%q", in)
	}
}

// FuzzRedisSpec: the -redis parser never panics, and what it accepts has
// one to 64 addresses, each HOST:PORT with a port in range.
func FuzzRedisSpec(f *testing.F) {
	for _, s := range []string{"127.0.0.1:6379", "cluster:a:1,b:2", "sentinel:m@a:1", "sentinel:@", "[::1]:1", "a:99999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseRedisSpec(s)
		if err != nil {
			if !errors.Is(err, errRedisSpec) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(r.addrs) == 0 || len(r.addrs) > maxRedisAddrs || r.kind == "sentinel" && r.master == "" {
			t.Fatalf("accepted %q as %+v", s, r)
		}
	})
}

// TestDevDir: instances starting together make one development directory
// and all load it — the same root, the same keys, the same OTP key — and a
// broken one is refused with a typed error.
func TestDevDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dev")
	people := DefaultPeople()
	var wg sync.WaitGroup
	pkis := make([]*devPKI, 4)
	keys := make([][]byte, 4)
	for i := range pkis {
		wg.Go(func() {
			p := &Portal{cfg: Config{DevDir: dir, People: people, Now: time.Now, Rand: rand.Reader}}
			var err error
			pkis[i], keys[i], err = p.secrets()
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	require.False(t, t.Failed())
	for i := 1; i < len(pkis); i++ {
		assert.Equal(t, pkis[0].root.Raw, pkis[i].root.Raw, "one root for every instance")
		assert.Equal(t, keys[0], keys[i], "one OTP key")
		require.Len(t, pkis[i].leaves, len(people))
		assert.Equal(t, pkis[0].leaves[0].leaf.Cert.Raw, pkis[i].leaves[0].leaf.Cert.Raw)
		require.NotNil(t, pkis[i].issuing, "the CA keys, for the OCSP responder")
		assert.Equal(t, pkis[0].ca.Raw, pkis[i].issuing.Cert.Raw)
	}
	entries, err := os.ReadDir(filepath.Dir(dir))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no half-made directory is left behind")
	info, err := os.Stat(filepath.Join(dir, devOTPKey))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the OTP key is the owner's alone")

	// A person without a key, a broken key file, a directory that is not one.
	_, _, err = loadDevDir(dir, append(people, Person{IIN: "990101300000"}), time.Now)
	assert.ErrorIs(t, err, errDevDir)
	broken := filepath.Join(t.TempDir(), "broken")
	require.NoError(t, os.CopyFS(broken, os.DirFS(dir)))
	require.NoError(t, os.WriteFile(filepath.Join(broken, devOTPKey), []byte("short\n"), 0o600))
	_, _, err = loadDevDir(broken, people, time.Now)
	assert.ErrorIs(t, err, errDevDir)
	assert.NotContains(t, err.Error(), "short", "no key material in the error")
	// A CA key that is not the certificate's.
	wrong := filepath.Join(t.TempDir(), "wrong")
	require.NoError(t, os.CopyFS(wrong, os.DirFS(dir)))
	rootKey, err := os.ReadFile(filepath.Join(dir, devRootKey))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(wrong, devCAKey), rootKey, 0o600))
	_, _, err = loadDevDir(wrong, people, time.Now)
	assert.ErrorIs(t, err, errDevDir)
	assert.NotContains(t, err.Error(), strings.TrimSpace(string(rootKey)), "no key material in the error")
	other := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(other, "unrelated"), nil, 0o600))
	p := &Portal{cfg: Config{DevDir: other, People: people, Now: time.Now, Rand: rand.Reader}}
	_, _, err = p.secrets()
	assert.ErrorIs(t, err, errDevDir)
}

// TestSessionsInStore: sessions live in the Store — a session made
// through one Portal is used through another on the same Redis — expire
// when idle, and a store that fails denies.
func TestSessionsInStore(t *testing.T) {
	srv := redistest.Start(t)
	clock := fakeclock.New(time.Now().UTC())
	ns := redistest.Namespace(t)
	mk := func() *sessions {
		st, err := redis.New(redis.Config{Client: srv.Client(t), Namespace: ns})
		require.NoError(t, err)
		return newSessions(st, clock.Now, nil)
	}
	a, b := mk(), mk()
	a.rand = strings.NewReader(strings.Repeat("r", 64))
	ctx := context.Background()
	h := newHarness(t, nil)
	c := h.client()
	c.loginECPSMS(askar)
	res := h.p.results(reqWithCookie(h, c))
	require.Len(t, res, 1)

	id, err := a.create(ctx, res[0])
	require.NoError(t, err)
	s, ok := b.get(ctx, id)
	require.True(t, ok, "the other instance knows the session")
	assert.Equal(t, askar, s.Subject)
	step := *res[0]
	step.Action = actionSign
	require.NoError(t, b.add(ctx, id, &step))
	s, ok = a.get(ctx, id)
	require.True(t, ok)
	assert.Len(t, s.Results, 2, "a step-up added on one instance is seen on the other")
	other := step
	other.Subject = aigerim
	assert.ErrorIs(t, a.add(ctx, id, &other), errSessionMismatch)

	clock.Advance(sessionIdle + time.Second)
	_, ok = b.get(ctx, id)
	assert.False(t, ok, "an idle session is gone")

	id, err = a.create(ctx, res[0])
	require.NoError(t, err)
	b.delete(ctx, id)
	_, ok = a.get(ctx, id)
	assert.False(t, ok, "logged out on one instance, out on both")
	_, ok = a.get(ctx, "")
	assert.False(t, ok)

	closed := goredis.NewClient(srv.Options())
	require.NoError(t, closed.Close())
	st, err := redis.New(redis.Config{Client: closed, Namespace: ns})
	require.NoError(t, err)
	down := newSessions(st, clock.Now, strings.NewReader(strings.Repeat("r", 64)))
	_, ok = down.get(ctx, id)
	assert.False(t, ok, "a store that fails denies")
	_, err = down.create(ctx, res[0])
	assert.Error(t, err)
}

// reqWithCookie is a request carrying c's portal session cookie.
func reqWithCookie(h *harness, c *client) *http.Request {
	r := httptest.NewRequest("GET", h.origin+"/", nil)
	r.AddCookie(&http.Cookie{Name: "portal", Value: c.cookie("portal")})
	return r
}
