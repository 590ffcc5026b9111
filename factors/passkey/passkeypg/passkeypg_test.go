package passkeypg_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/factors/passkey/passkeypg"
	"github.com/strongauth/strongauth/factors/passkey/passkeytest"
	"github.com/strongauth/strongauth/internal/pgtest"
	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/postgres"
)

var ctx = context.Background()

// newStore migrates a fresh schema on the server and returns a store on pool.
func newStore(t testing.TB, s *pgtest.Server, pool *pgxpool.Pool) (*passkeypg.Credentials, string) {
	t.Helper()
	schema := s.Schema(t)
	if err := passkeypg.Migrate(ctx, pool, schema); err != nil {
		t.Fatal(err)
	}
	c, err := passkeypg.New(passkeypg.Config{Pool: pool, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	return c, schema
}

func TestConformance(t *testing.T) {
	s := pgtest.Start(t)
	pool := s.Pool(t)
	passkeytest.RunCredentialStore(t, func(t *testing.T) passkey.CredentialStore {
		c, _ := newStore(t, s, pool)
		return c
	})
}

func TestNew(t *testing.T) {
	if _, err := passkeypg.New(passkeypg.Config{}); !errors.Is(err, passkeypg.ErrConfig) {
		t.Fatalf("New without a pool = %v", err)
	}
	pool, err := pgxpool.New(ctx, "host=127.0.0.1 port=1") // no I/O until used
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for _, bad := range []string{"Strongauth", "a-b", "a;drop table x", "1abc", "pg_catalog", `"x"`} {
		if _, err := passkeypg.New(passkeypg.Config{Pool: pool, Schema: bad}); !errors.Is(err, passkeypg.ErrConfig) || !errors.Is(err, postgres.ErrConfig) {
			t.Errorf("New(schema %q) = %v, want ErrConfig", bad, err)
		}
	}
}

// TestMigrate: idempotent, concurrent instances migrate once, the tables
// land in the named schema only, and a changed migration is refused.
func TestMigrate(t *testing.T) {
	s := pgtest.Start(t)
	pool := s.Pool(t)
	schema := s.Schema(t)
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for range 10 {
		wg.Go(func() { errs <- passkeypg.Migrate(ctx, pool, schema) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent Migrate: %v", err)
		}
	}
	if err := passkeypg.Migrate(ctx, pool, schema); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+schema+".strongauth_migrations WHERE component = 'passkey'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	files, err := fs.Glob(passkeypg.Migrations(), "*.sql")
	if err != nil || n != len(files) || n < 2 {
		t.Fatalf("%d migration rows, want one per file (%d, %v)", n, len(files), err)
	}
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'passkey_credentials' AND table_schema = $1", schema).Scan(&n); err != nil || n != 1 {
		t.Fatalf("table in schema %s: %d, %v", schema, n, err)
	}
	changed := fstest.MapFS{"0001_init.sql": {Data: []byte("CREATE TABLE passkey_credentials (id bytea)")}}
	if err := postgres.Migrate(ctx, pool, schema, passkeypg.Component, changed); !errors.Is(err, postgres.ErrMigration) {
		t.Fatalf("Migrate with a changed migration = %v, want ErrMigration", err)
	}
	broken := fstest.MapFS{"0001_init.sql": {Data: []byte("CREATE TABLE ok (x int); THIS IS NOT SQL")}}
	other := s.Schema(t)
	if err := postgres.Migrate(ctx, pool, other, "broken", broken); err == nil {
		t.Fatal("a failing migration succeeded")
	}
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1", other).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a failed migration left its schema behind (%d, %v)", n, err)
	}
}

// TestOneStatementPerOperation counts statements with a tracer: every
// operation is one statement (one round trip once it is prepared on the
// connection, which pgx caches).
func TestOneStatementPerOperation(t *testing.T) {
	s := pgtest.Start(t)
	tr := &pgtest.Counter{}
	cfg := s.Config()
	cfg.ConnConfig.Tracer = tr
	pool := s.PoolWith(t, cfg)
	c, _ := newStore(t, s, pool)
	cred := passkeytest.Credential("alice", 1)
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	steps := []struct {
		name string
		op   func() error
	}{
		{"Add", func() error { return c.Add(ctx, cred) }},
		{"Find", func() error { _, err := c.Find(ctx, cred.ID); return err }},
		{"List", func() error { _, err := c.List(ctx, "alice"); return err }},
		{"Update", func() error { return c.Update(ctx, cred.ID, passkey.Use{At: at}) }},
		{"Rename", func() error { return c.Rename(ctx, "alice", cred.ID, "Laptop") }},
		{"Remove", func() error { return c.Remove(ctx, "alice", cred.ID) }},
	}
	for _, step := range steps {
		tr.Take()
		if err := step.op(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if n := tr.Take(); n != 1 {
			t.Errorf("%s sent %d statements, want 1", step.name, n)
		}
	}
}

func TestRenameAndDelete(t *testing.T) {
	s := pgtest.Start(t)
	c, _ := newStore(t, s, s.Pool(t))
	cred := passkeytest.Credential("alice", 1)
	if err := c.Add(ctx, cred); err != nil {
		t.Fatal(err)
	}
	if err := c.Rename(ctx, "mallory", cred.ID, "mine"); !errors.Is(err, passkey.ErrCredentialNotFound) {
		t.Fatalf("Rename by another subject = %v", err)
	}
	for _, bad := range []string{"a\x00b", "line\nbreak", string(make([]rune, 65)), "\xff"} {
		if err := c.Rename(ctx, "alice", cred.ID, bad); !errors.Is(err, passkey.ErrInvalidCredential) {
			t.Fatalf("Rename(%q) = %v", bad, err)
		}
	}
	if err := c.Rename(ctx, "alice", cred.ID, "Ноутбук Айгерім"); err != nil {
		t.Fatal(err)
	}
	got, err := c.Find(ctx, cred.ID)
	if err != nil || got.Name != "Ноутбук Айгерім" {
		t.Fatalf("Find after Rename = %+v, %v", got, err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			ok, err := c.Delete(ctx, "alice", cred.ID)
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d racing Deletes reported removing the credential, want 1", wins.Load())
	}
}

// TestHostileRows: a row this package did not write is refused, never
// turned into a credential.
func TestHostileRows(t *testing.T) {
	s := pgtest.Start(t)
	pool := s.Pool(t)
	c, schema := newStore(t, s, pool)
	cred := passkeytest.Credential("alice", 1)
	if err := c.Add(ctx, cred); err != nil {
		t.Fatal(err)
	}
	// The table's checks refuse most damage; a user handle of the
	// right length but an AAGUID… cannot be malformed either. What can
	// be: a public key a writer bypassing the package left empty is
	// refused by the CHECK, so drop it and write one.
	if _, err := pool.Exec(ctx, "ALTER TABLE "+schema+".passkey_credentials DROP CONSTRAINT passkey_credentials_public_key_check"); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "UPDATE "+schema+".passkey_credentials SET public_key = ''"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Find(ctx, cred.ID); !errors.Is(err, postgres.ErrUnexpected) || !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Find of a hostile row = %v, want ErrUnexpected", err)
	}
	if _, err := c.List(ctx, "alice"); !errors.Is(err, postgres.ErrUnexpected) {
		t.Fatalf("List with a hostile row = %v, want ErrUnexpected", err)
	}
}

// TestTwoInstancesRace: two stores on two pools (two service instances on
// one database); 50 racing registrations of one credential ID for 50
// accounts: exactly one wins, and the stored credential is the winner's.
func TestTwoInstancesRace(t *testing.T) {
	s := pgtest.Start(t)
	a, schema := newStore(t, s, s.Pool(t))
	b, err := passkeypg.New(passkeypg.Config{Pool: s.Pool(t), Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	const racers = 50
	var winner atomic.Value
	var wins atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range racers {
		st := a
		if i%2 == 1 {
			st = b
		}
		wg.Go(func() {
			<-start
			subject := fmt.Sprintf("subject-%d", i)
			err := st.Add(ctx, passkeytest.Credential(subject, 7))
			switch {
			case err == nil:
				wins.Add(1)
				winner.Store(subject)
			case !errors.Is(err, passkey.ErrCredentialExists):
				t.Errorf("Add: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d of %d racing registrations won, want 1", wins.Load(), racers)
	}
	got, err := b.Find(ctx, passkeytest.Credential("x", 7).ID)
	if err != nil || got.Subject != winner.Load() {
		t.Fatalf("stored credential %+v, %v; winner %v", got, err, winner.Load())
	}
}
