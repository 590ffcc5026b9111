package redis_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/redis/redistest"
)

// FuzzRoundTrip stores hostile keys and values on a real server: whatever
// the bytes (protocol framing, hash-tag braces, Lua quotes, NUL), a Put is
// read back exactly, consumed exactly once, and a failed operation returns
// no result.
func FuzzRoundTrip(f *testing.F) {
	client := redistest.Start(f).Client(f)
	s := newStore(f, client, "fuzz")
	ctx := context.Background()
	f.Add("k", []byte("v"), int64(1))
	f.Add("", []byte("v"), int64(0))
	f.Add("{tag}\r\n*1\r\n$4\r\nPING\r\n", []byte{0, 0xff, '\r', '\n'}, int64(-3))
	f.Add("']] redis.call('FLUSHALL') --", []byte("\"'"), int64(1<<62))
	f.Fuzz(func(t *testing.T, key string, value []byte, delta int64) {
		ver, err := s.Put(ctx, key, value, time.Minute)
		if key == "" {
			if !errors.Is(err, store.ErrInvalid) || ver != 0 {
				t.Fatalf("Put with empty key = v%d, %v", ver, err)
			}
			return
		}
		if err != nil || ver == 0 {
			t.Fatalf("Put = v%d, %v", ver, err)
		}
		got, gotVer, err := s.Get(ctx, key)
		if err != nil || !bytes.Equal(got, value) || gotVer != ver {
			t.Fatalf("Get = %q v%d, %v; want %q v%d", got, gotVer, err, value, ver)
		}
		if n, err := s.Incr(ctx, key, delta, time.Minute); !errors.Is(err, store.ErrConflict) || n != 0 {
			t.Fatalf("Incr on a value = %d, %v; want ErrConflict", n, err)
		}
		got, err = s.Consume(ctx, key)
		if err != nil || !bytes.Equal(got, value) {
			t.Fatalf("Consume = %q, %v", got, err)
		}
		if got, err := s.Consume(ctx, key); !errors.Is(err, store.ErrNotFound) || got != nil {
			t.Fatalf("second Consume = %q, %v", got, err)
		}
		n, err := s.Incr(ctx, key, delta, time.Minute)
		if delta == 0 {
			if err != nil || n != 0 {
				t.Fatalf("Incr(0) of a missing counter = %d, %v", n, err)
			}
			return
		}
		if err != nil || n != delta {
			t.Fatalf("Incr(%d) = %d, %v", delta, n, err)
		}
		if err := s.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
	})
}
