package qrpg_test

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

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strongauth/strongauth/factors/qr/qrpg"
	"github.com/strongauth/strongauth/internal/pgtest"
	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/qr/devicetest"
	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/postgres"
)

var ctx = context.Background()

func newStore(t testing.TB, s *pgtest.Server, pool *pgxpool.Pool) (*qrpg.Devices, string) {
	t.Helper()
	schema := s.Schema(t)
	if err := qrpg.Migrate(ctx, pool, schema); err != nil {
		t.Fatal(err)
	}
	d, err := qrpg.New(qrpg.Config{Pool: pool, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	return d, schema
}

func TestConformance(t *testing.T) {
	s := pgtest.Start(t)
	pool := s.Pool(t)
	devicetest.Run(t, func(t *testing.T) qr.DeviceStore {
		d, _ := newStore(t, s, pool)
		return d
	})
}

func TestNew(t *testing.T) {
	if _, err := qrpg.New(qrpg.Config{}); !errors.Is(err, qrpg.ErrConfig) {
		t.Fatalf("New without a pool = %v", err)
	}
}

var n atomic.Int32

func device(t testing.TB, subject string) qr.Device {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	i := n.Add(1)
	return qr.Device{ID: fmt.Sprintf("dev-%06d-xxxxxxxxxxxxx", i), Subject: subject, Name: "phone", PublicKey: der,
		CreatedAt: time.Date(2026, 1, 1, 0, 0, int(i), 0, time.UTC)}
}

func TestOneStatementPerOperation(t *testing.T) {
	s := pgtest.Start(t)
	tr := &pgtest.Counter{}
	cfg := s.Config()
	cfg.ConnConfig.Tracer = tr
	st, _ := newStore(t, s, s.PoolWith(t, cfg))
	d := device(t, "alice")
	steps := []struct {
		name string
		op   func() error
	}{
		{"Add", func() error { return st.Add(ctx, d, 5) }},
		{"Get", func() error { _, err := st.Get(ctx, d.ID); return err }},
		{"List", func() error { _, err := st.List(ctx, "alice"); return err }},
		{"Touch", func() error { return st.Touch(ctx, d.ID, time.Now()) }},
		{"Rename", func() error { return st.Rename(ctx, "alice", d.ID, "Aigerim's iPhone") }},
		{"Remove", func() error { return st.Remove(ctx, "alice", d.ID) }},
	}
	for _, step := range steps {
		tr.Take()
		if err := step.op(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if got := tr.Take(); got != 1 {
			t.Errorf("%s sent %d statements, want 1", step.name, got)
		}
	}
}

// TestLimitAcrossInstances: two stores on two pools race 50 enrolments
// for one account with a limit of 3, then remove and race again: the
// limit holds exactly, and the count follows removals.
func TestLimitAcrossInstances(t *testing.T) {
	s := pgtest.Start(t)
	a, schema := newStore(t, s, s.Pool(t))
	b, err := qrpg.New(qrpg.Config{Pool: s.Pool(t), Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	race := func() int32 {
		var ok atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 50 {
			st := a
			if i%2 == 1 {
				st = b
			}
			d := device(t, "alice")
			wg.Go(func() {
				<-start
				err := st.Add(ctx, d, 3)
				switch {
				case err == nil:
					ok.Add(1)
				case !errors.Is(err, qr.ErrDeviceLimit):
					t.Errorf("Add: %v", err)
				}
			})
		}
		close(start)
		wg.Wait()
		return ok.Load()
	}
	if got := race(); got != 3 {
		t.Fatalf("%d enrolments passed a limit of 3", got)
	}
	ds, err := a.List(ctx, "alice")
	if err != nil || len(ds) != 3 {
		t.Fatalf("List = %d devices, %v", len(ds), err)
	}
	if err := b.Remove(ctx, "alice", ds[0].ID); err != nil {
		t.Fatal(err)
	}
	if got := race(); got != 1 {
		t.Fatalf("after one removal, %d enrolments passed, want 1", got)
	}
	// A refused duplicate does not count against the limit.
	dup := ds[1]
	if err := a.Remove(ctx, "alice", ds[2].ID); err != nil {
		t.Fatal(err)
	}
	if err := a.Add(ctx, dup, 3); !errors.Is(err, qr.ErrDeviceExists) {
		t.Fatalf("duplicate Add = %v", err)
	}
	if err := a.Add(ctx, device(t, "alice"), 3); err != nil {
		t.Fatalf("the refused duplicate took a place: %v", err)
	}
}

func TestRenameScoped(t *testing.T) {
	s := pgtest.Start(t)
	st, _ := newStore(t, s, s.Pool(t))
	d := device(t, "alice")
	if err := st.Add(ctx, d, 0); err != nil {
		t.Fatal(err)
	}
	if err := st.Rename(ctx, "mallory", d.ID, "mine"); !errors.Is(err, qr.ErrDeviceNotFound) {
		t.Fatalf("Rename by another subject = %v", err)
	}
	if err := st.Rename(ctx, "alice", d.ID, "bad\x07name"); !errors.Is(err, qr.ErrMalformed) {
		t.Fatalf("Rename with a control character = %v", err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if ok, err := st.Delete(ctx, "alice", d.ID); err != nil {
				t.Error(err)
			} else if ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d racing Deletes removed the device", wins.Load())
	}
}

// TestFaultsAndCrash: a stopped server, killed connections and a kill -9
// are typed errors; nothing half-written; committed devices survive.
func TestFaultsAndCrash(t *testing.T) {
	s := pgtest.StartPrivate(t)
	st, _ := newStore(t, s, s.Pool(t))
	for range 5 {
		if err := st.Add(ctx, device(t, "alice"), 0); err != nil {
			t.Fatal(err)
		}
	}
	want := func(err error, kind error) {
		t.Helper()
		var pe *postgres.Error
		if !errors.As(err, &pe) || !errors.Is(err, store.ErrUnavailable) || (kind != nil && !errors.Is(err, kind)) {
			t.Fatalf("error %v (%T), want a *postgres.Error matching %v", err, err, kind)
		}
	}
	s.Terminate(t)
	if _, err := st.List(ctx, "alice"); err != nil {
		// A terminated idle connection is noticed on use; the pool may
		// hand it out once.
		want(err, postgres.ErrConnection)
	}
	s.Stop()
	want(st.Add(ctx, device(t, "alice"), 0), postgres.ErrConnection)
	_, err := st.Get(ctx, "x")
	want(err, postgres.ErrConnection)
	s.Restart()
	s.Kill()
	_, err = st.List(ctx, "alice")
	want(err, nil)
	s.Restart()
	ds, err := st.List(ctx, "alice")
	if err != nil {
		ds, err = st.List(ctx, "alice") // the pool drops the dead connections
	}
	if err != nil || len(ds) != 5 {
		t.Fatalf("after the crash: %d devices, %v; want the 5 committed", len(ds), err)
	}
}
