package pgtest_test

import (
	"context"
	"testing"

	"github.com/strongauth/strongauth/internal/pgtest"
)

// TestCrashKeepsCommitted commits a row, crashes the server with SIGKILL,
// restarts it and finds the row; a row of a transaction open at the crash
// is gone.
func TestCrashKeepsCommitted(t *testing.T) {
	s := pgtest.StartPrivate(t)
	ctx := context.Background()
	pool := s.Pool(t)
	schema := s.Schema(t)
	if _, err := pool.Exec(ctx, "CREATE SCHEMA "+schema+"; CREATE TABLE "+schema+".t (v int)"); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "INSERT INTO "+schema+".t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, "INSERT INTO "+schema+".t VALUES (2)"); err != nil {
		t.Fatal(err)
	}
	s.Kill()
	if _, err := pool.Exec(ctx, "SELECT 1"); err == nil {
		t.Fatal("a query on a crashed server succeeded")
	}
	s.Restart()
	var n, sum int
	if err := s.Pool(t).QueryRow(ctx, "SELECT count(*), coalesce(sum(v), 0) FROM "+schema+".t").Scan(&n, &sum); err != nil {
		t.Fatal(err)
	}
	if n != 1 || sum != 1 {
		t.Fatalf("after the crash: %d rows summing to %d, want the one committed row", n, sum)
	}
}

func TestTerminateAndStop(t *testing.T) {
	s := pgtest.StartPrivate(t)
	ctx := context.Background()
	c := s.Config()
	c.MaxConns = 1
	pool := s.PoolWith(t, c)
	if _, err := pool.Exec(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	s.Terminate(t)
	if _, err := pool.Exec(ctx, "SELECT 1"); err == nil {
		t.Fatal("a query on a terminated connection succeeded")
	}
	if _, err := pool.Exec(ctx, "SELECT 1"); err != nil { // the pool dials anew
		t.Fatal(err)
	}
	s.Stop()
	if _, err := pool.Exec(ctx, "SELECT 1"); err == nil {
		t.Fatal("a query on a stopped server succeeded")
	}
	s.Restart()
	if _, err := pool.Exec(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
}
