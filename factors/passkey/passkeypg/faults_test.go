package passkeypg_test

import (
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/factors/passkey/passkeypg"
	"github.com/strongauth/strongauth/factors/passkey/passkeytest"
	"github.com/strongauth/strongauth/internal/pgtest"
	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/postgres"
)

// holdRow locks the credential's row in a transaction on its own
// connection until the returned function ends it, so that an Update of it
// waits: the window in which the faults strike.
func holdRow(t *testing.T, s *pgtest.Server, schema string, id []byte) func() {
	t.Helper()
	conn, err := pgx.Connect(ctx, s.DSN())
	if err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SELECT 1 FROM "+schema+".passkey_credentials WHERE id = $1 FOR UPDATE", id); err != nil {
		t.Fatal(err)
	}
	return func() { _ = tx.Rollback(ctx); _ = conn.Close(ctx) }
}

// waitForLockWait waits until some statement waits for a lock.
func waitForLockWait(t *testing.T, s *pgtest.Server) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		conn, err := pgx.Connect(ctx, s.DSN())
		if err == nil {
			var n int
			err = conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'").Scan(&n)
			_ = conn.Close(ctx)
			if err == nil && n > 0 {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no statement started waiting for the lock")
}

// waitLockWaitGone waits until no statement waits for a lock any more: a
// refused Update's statement must be cancelled on the server (pgx sends a
// cancel request when the context ends), not left to complete once the
// lock is released. Under load the cancel request takes a moment to land.
func waitLockWaitGone(t *testing.T, s *pgtest.Server) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		conn, err := pgx.Connect(ctx, s.DSN())
		if err == nil {
			var n int
			err = conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'").Scan(&n)
			_ = conn.Close(ctx)
			if err == nil && n == 0 {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the refused statement was not cancelled on the server: it still waits for the lock")
}

func wantUnavailable(t *testing.T, err error, kind error) {
	t.Helper()
	var pe *postgres.Error
	if !errors.As(err, &pe) || !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("error %v (%T), want a *postgres.Error matching store.ErrUnavailable", err, err)
	}
	if kind != nil && !errors.Is(err, kind) {
		t.Fatalf("error %v, want it to match %v", err, kind)
	}
	if errors.Is(err, passkey.ErrCredentialNotFound) || errors.Is(err, passkey.ErrCounterRegression) {
		t.Fatalf("a failure reads as a store answer: %v", err)
	}
}

func wantCount(t *testing.T, c *passkeypg.Credentials, id []byte, want uint32) {
	t.Helper()
	got, err := c.Find(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.SignCount != want || !got.LastUsedAt.IsZero() {
		t.Fatalf("counter %d, last used %v; want %d and never: a failed Update wrote", got.SignCount, got.LastUsedAt, want)
	}
}

// TestFaults: a statement timeout, a killed connection and a server shut
// down while an Update waits are typed errors, and nothing is written.
func TestFaults(t *testing.T) {
	s := pgtest.StartPrivate(t)
	pool := s.Pool(t)
	c, schema := newStore(t, s, pool)
	cred := passkeytest.Credential("alice", 1)
	cred.SignCount = 5
	if err := c.Add(ctx, cred); err != nil {
		t.Fatal(err)
	}
	use := passkey.Use{SignCount: 6, At: time.Now()}

	t.Run("StatementTimeout", func(t *testing.T) {
		cfg := s.Config()
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = "200"
		timed, err := passkeypg.New(passkeypg.Config{Pool: s.PoolWith(t, cfg), Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		release := holdRow(t, s, schema, cred.ID)
		defer release()
		wantUnavailable(t, timed.Update(ctx, cred.ID, use), postgres.ErrTimeout)
		waitLockWaitGone(t, s)
		release()
		wantCount(t, c, cred.ID, 5)
	})

	t.Run("ContextDeadline", func(t *testing.T) {
		release := holdRow(t, s, schema, cred.ID)
		defer release()
		short, cancel := contextWithTimeout(200 * time.Millisecond)
		defer cancel()
		wantUnavailable(t, c.Update(short, cred.ID, use), postgres.ErrTimeout)
		waitLockWaitGone(t, s)
		release()
		wantCount(t, c, cred.ID, 5)
	})

	t.Run("ConnectionKilled", func(t *testing.T) {
		release := holdRow(t, s, schema, cred.ID)
		defer release()
		done := make(chan error, 1)
		go func() { done <- c.Update(ctx, cred.ID, use) }()
		waitForLockWait(t, s)
		s.Terminate(t)
		wantUnavailable(t, <-done, postgres.ErrConnection)
		release()
		wantCount(t, c, cred.ID, 5)
	})

	t.Run("ServerStopped", func(t *testing.T) {
		release := holdRow(t, s, schema, cred.ID)
		defer release()
		done := make(chan error, 1)
		go func() { done <- c.Update(ctx, cred.ID, use) }()
		waitForLockWait(t, s)
		s.Stop()
		// A fast shutdown ends the lock holder and the waiter. If the
		// waiter gets the lock and commits before its own end (a race a
		// loaded machine shows), the caller is told so — or, when the
		// connection ends before the commit's answer arrives, told
		// ErrConnection: an outcome unknown to the client, as with any
		// database. The caller denies either way; what the restart must
		// show is the old counter or exactly one advance, nothing else.
		err := <-done
		if err != nil {
			wantUnavailable(t, err, postgres.ErrConnection)
		}
		release()
		other := passkeytest.Credential("alice", 2)
		wantUnavailable(t, c.Add(ctx, other), postgres.ErrConnection)
		_, ferr := c.Find(ctx, cred.ID)
		wantUnavailable(t, ferr, postgres.ErrConnection)
		s.Restart()
		got, ferr := c.Find(ctx, cred.ID)
		if ferr != nil {
			t.Fatal(ferr)
		}
		if err == nil && got.SignCount != 6 || got.SignCount != 5 && got.SignCount != 6 {
			t.Fatalf("counter %d after an Update that answered %v: want 6 when it succeeded, else 5 or 6", got.SignCount, err)
		}
		if _, err := c.Find(ctx, other.ID); !errors.Is(err, passkey.ErrCredentialNotFound) {
			t.Fatalf("an Add refused while the server was down stored the credential: %v", err)
		}
	})
}

// TestCrashKeepsCredentials: kill -9 of the server (postmaster and every
// backend) loses no committed registration or counter; operations while
// it is down fail; after the restart everything committed is there.
func TestCrashKeepsCredentials(t *testing.T) {
	s := pgtest.StartPrivate(t)
	pool := s.Pool(t)
	c, _ := newStore(t, s, pool)
	const n = 20
	for i := range n {
		cr := passkeytest.Credential("alice", i)
		cr.SignCount = 1
		if err := c.Add(ctx, cr); err != nil {
			t.Fatal(err)
		}
		if err := c.Update(ctx, cr.ID, passkey.Use{SignCount: uint32(10 + i), At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	s.Kill()
	_, err := c.List(ctx, "alice")
	wantUnavailable(t, err, nil)
	s.Restart()
	// A new pool, as a restarted instance would have.
	fresh, err := pgxpool.NewWithConfig(ctx, s.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	c2, err := passkeypg.New(passkeypg.Config{Pool: fresh, Schema: schemaOf(t, c, fresh)})
	if err != nil {
		t.Fatal(err)
	}
	list, err := c2.List(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != n {
		t.Fatalf("%d credentials after the crash, want %d", len(list), n)
	}
	for i, cr := range list {
		if cr.SignCount != uint32(10+i) {
			t.Fatalf("credential %d: counter %d after the crash, want %d", i, cr.SignCount, 10+i)
		}
	}
	// The old pool recovers too: its dead connections are replaced.
	if _, err := c.List(ctx, "alice"); err != nil {
		t.Fatalf("the old pool after the restart: %v", err)
	}
}
