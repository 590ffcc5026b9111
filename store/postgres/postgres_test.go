package postgres_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/postgres"
)

func TestNewErrorClasses(t *testing.T) {
	ctx := context.Background()
	done, cancel := context.WithCancel(ctx)
	cancel()
	for name, c := range map[string]struct {
		ctx   context.Context
		cause error
		kind  error
	}{
		"statement timeout": {ctx, &pgconn.PgError{Code: "57014", Message: "canceling statement due to statement timeout"}, postgres.ErrTimeout},
		"lock timeout":      {ctx, &pgconn.PgError{Code: "55P03"}, postgres.ErrTimeout},
		"admin shutdown":    {ctx, &pgconn.PgError{Code: "57P01"}, postgres.ErrConnection},
		"connection":        {ctx, &pgconn.PgError{Code: "08006"}, postgres.ErrConnection},
		"dial":              {ctx, &net.OpError{Op: "dial", Err: errors.New("refused")}, postgres.ErrConnection},
		"deadline":          {ctx, context.DeadlineExceeded, postgres.ErrTimeout},
		"cancelled":         {done, context.Canceled, nil},
	} {
		err := postgres.NewError(c.ctx, "op", c.cause)
		if !errors.Is(err, store.ErrUnavailable) || !errors.Is(err, c.cause) {
			t.Errorf("%s: %v does not match store.ErrUnavailable and its cause", name, err)
		}
		if c.kind != nil && !errors.Is(err, c.kind) {
			t.Errorf("%s: %v does not match %v", name, err, c.kind)
		}
	}
	// The message names the SQLSTATE, never a row's detail.
	err := postgres.NewError(ctx, "passkey-add", &pgconn.PgError{Code: "23505", Message: "duplicate key value violates unique constraint",
		Detail: "Key (subject)=(880101300123) already exists.", ConstraintName: "c"})
	if msg := err.Error(); msg != "postgres: passkey-add: store: unavailable: SQLSTATE 23505 duplicate key value violates unique constraint (c)" {
		t.Fatalf("message %q", msg)
	}
}

func TestMigrationFiles(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"bad name": {"init.sql": {Data: []byte("SELECT 1")}},
		"gap":      {"0001_a.sql": {Data: []byte("SELECT 1")}, "0003_c.sql": {Data: []byte("SELECT 1")}},
		"zero":     {"0000_a.sql": {Data: []byte("SELECT 1")}},
	} {
		if err := postgres.Migrate(context.Background(), nil, "", "x", fsys); !errors.Is(err, postgres.ErrMigration) {
			t.Errorf("%s: Migrate accepted it", name)
		}
	}
}

func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{"": true, "Ноутбук Айгерім": true, "a\tb": false, "\x85": false, "\xff": false,
		"ok name 😀": true} {
		if got := postgres.ValidName(name, 64); got != want {
			t.Errorf("ValidName(%q) = %v", name, got)
		}
	}
}
