// Package devicetest is a conformance kit for implementations of
// qr.DeviceStore, in the manner of testing/slogtest: the in-memory store
// and any shared one (Redis, SQL) must pass Run.
//
// It checks round trips and copies, the not-found sentinel, insertion
// order, duplicate IDs and keys, the per-subject limit (also with 50
// goroutines racing), removal scoped to the subject and idempotent, and
// Touch never moving LastUsed backwards.
package devicetest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strongauth/strongauth/qr"
)

// Racers is how many goroutines race in the concurrency checks.
const Racers = 50

// Run runs the kit as subtests of t. newStore returns a fresh, empty store
// for each subtest.
func Run(t *testing.T, newStore func(t *testing.T) qr.DeviceStore) {
	t.Helper()
	ctx := context.Background()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	n := 0
	dev := func(t *testing.T, subject string) qr.Device {
		t.Helper()
		n++
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		must(t, err)
		der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
		must(t, err)
		return qr.Device{ID: fmt.Sprintf("device-%04d-xxxxxxxxxxx", n), Subject: subject, Name: "phone",
			PublicKey: der, CreatedAt: t0.Add(time.Duration(n) * time.Second)}
	}

	t.Run("AddGetCopies", func(t *testing.T) {
		s := newStore(t)
		d := dev(t, "alice")
		must(t, s.Add(ctx, d, 0))
		got, err := s.Get(ctx, d.ID)
		must(t, err)
		if !equal(got, d) {
			t.Fatalf("Get = %+v, want %+v", got, d)
		}
		got.PublicKey[0] ^= 0xff
		again, err := s.Get(ctx, d.ID)
		must(t, err)
		if !equal(again, d) {
			t.Fatal("Get returned the stored key bytes, not a copy")
		}
		if _, err := s.Get(ctx, "missing"); !errors.Is(err, qr.ErrDeviceNotFound) {
			t.Fatalf("Get(missing) = %v, want ErrDeviceNotFound", err)
		}
	})

	t.Run("ListInOrder", func(t *testing.T) {
		s := newStore(t)
		a1, a2, b := dev(t, "alice"), dev(t, "alice"), dev(t, "bob")
		for _, d := range []qr.Device{a1, b, a2} {
			must(t, s.Add(ctx, d, 0))
		}
		ds, err := s.List(ctx, "alice")
		must(t, err)
		if len(ds) != 2 || ds[0].ID != a1.ID || ds[1].ID != a2.ID {
			t.Fatalf("List(alice) = %v, want [%s %s]", ids(ds), a1.ID, a2.ID)
		}
		ds, err = s.List(ctx, "nobody")
		must(t, err)
		if len(ds) != 0 {
			t.Fatalf("List(nobody) = %v, want none", ids(ds))
		}
	})

	t.Run("Duplicates", func(t *testing.T) {
		s := newStore(t)
		d := dev(t, "alice")
		must(t, s.Add(ctx, d, 0))
		sameID := dev(t, "bob")
		sameID.ID = d.ID
		if err := s.Add(ctx, sameID, 0); !errors.Is(err, qr.ErrDeviceExists) {
			t.Fatalf("Add(same ID) = %v, want ErrDeviceExists", err)
		}
		sameKey := dev(t, "alice")
		sameKey.PublicKey = d.PublicKey
		if err := s.Add(ctx, sameKey, 0); !errors.Is(err, qr.ErrDeviceExists) {
			t.Fatalf("Add(same key, same subject) = %v, want ErrDeviceExists", err)
		}
		if got, err := s.Get(ctx, d.ID); err != nil || got.Subject != "alice" {
			t.Fatalf("a refused Add changed the stored device: %+v, %v", got, err)
		}
	})

	t.Run("Limit", func(t *testing.T) {
		s := newStore(t)
		must(t, s.Add(ctx, dev(t, "alice"), 2))
		must(t, s.Add(ctx, dev(t, "alice"), 2))
		if err := s.Add(ctx, dev(t, "alice"), 2); !errors.Is(err, qr.ErrDeviceLimit) {
			t.Fatalf("third Add with max 2 = %v, want ErrDeviceLimit", err)
		}
		must(t, s.Add(ctx, dev(t, "bob"), 2))
		must(t, s.Add(ctx, dev(t, "alice"), 0)) // no limit
	})

	t.Run("LimitUnderConcurrency", func(t *testing.T) {
		s := newStore(t)
		devs := make([]qr.Device, Racers)
		for i := range devs {
			devs[i] = dev(t, "alice")
		}
		var ok atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, d := range devs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				err := s.Add(ctx, d, 5)
				switch {
				case err == nil:
					ok.Add(1)
				case !errors.Is(err, qr.ErrDeviceLimit):
					t.Errorf("Add = %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		ds, err := s.List(ctx, "alice")
		must(t, err)
		if ok.Load() != 5 || len(ds) != 5 {
			t.Fatalf("%d adds succeeded and %d devices are listed, want 5 and 5", ok.Load(), len(ds))
		}
	})

	t.Run("SameIDUnderConcurrency", func(t *testing.T) {
		s := newStore(t)
		var ok atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range Racers {
			d := dev(t, fmt.Sprintf("user%d", i))
			d.ID = "the-same-device-id-xxxx"
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if s.Add(ctx, d, 0) == nil {
					ok.Add(1)
				}
			}()
		}
		close(start)
		wg.Wait()
		if ok.Load() != 1 {
			t.Fatalf("%d adds of one ID succeeded, want 1", ok.Load())
		}
	})

	t.Run("Remove", func(t *testing.T) {
		s := newStore(t)
		d := dev(t, "alice")
		must(t, s.Add(ctx, d, 0))
		if err := s.Remove(ctx, "mallory", d.ID); !errors.Is(err, qr.ErrDeviceNotFound) {
			t.Fatalf("Remove by another subject = %v, want ErrDeviceNotFound", err)
		}
		if _, err := s.Get(ctx, d.ID); err != nil {
			t.Fatalf("Remove by another subject removed the device: %v", err)
		}
		must(t, s.Remove(ctx, "alice", d.ID))
		if _, err := s.Get(ctx, d.ID); !errors.Is(err, qr.ErrDeviceNotFound) {
			t.Fatalf("Get after Remove = %v, want ErrDeviceNotFound", err)
		}
		must(t, s.Remove(ctx, "alice", d.ID)) // idempotent
		ds, err := s.List(ctx, "alice")
		must(t, err)
		if len(ds) != 0 {
			t.Fatalf("List after Remove = %v", ids(ds))
		}
		// The ID and key are free again.
		must(t, s.Add(ctx, d, 1))
	})

	t.Run("Touch", func(t *testing.T) {
		s := newStore(t)
		d := dev(t, "alice")
		must(t, s.Add(ctx, d, 0))
		must(t, s.Touch(ctx, d.ID, t0.Add(time.Hour)))
		must(t, s.Touch(ctx, d.ID, t0.Add(time.Minute))) // older: ignored
		got, err := s.Get(ctx, d.ID)
		must(t, err)
		if !got.LastUsed.Equal(t0.Add(time.Hour)) {
			t.Fatalf("LastUsed = %v, want %v", got.LastUsed, t0.Add(time.Hour))
		}
		if err := s.Touch(ctx, "missing", t0); !errors.Is(err, qr.ErrDeviceNotFound) {
			t.Fatalf("Touch(missing) = %v, want ErrDeviceNotFound", err)
		}
	})

	t.Run("CancelledContext", func(t *testing.T) {
		s := newStore(t)
		c, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.Add(c, dev(t, "alice"), 0); err == nil {
			t.Fatal("Add with a cancelled context succeeded")
		}
		if _, err := s.Get(c, "x"); err == nil || errors.Is(err, qr.ErrDeviceNotFound) {
			t.Fatalf("Get with a cancelled context = %v, want the context's error", err)
		}
	})
}

func equal(a, b qr.Device) bool {
	return a.ID == b.ID && a.Subject == b.Subject && a.Name == b.Name && string(a.PublicKey) == string(b.PublicKey) &&
		a.CreatedAt.Equal(b.CreatedAt) && a.LastUsed.Equal(b.LastUsed)
}

func ids(ds []qr.Device) []string {
	var s []string
	for _, d := range ds {
		s = append(s, d.ID)
	}
	return s
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
