// Package phonepg keeps the numbers bound to accounts, with their history
// (lifecycle.PhoneStore), in PostgreSQL through pgx/v5's pgxpool. It
// passes the lifecycle/phonetest conformance kit against a real server.
//
//	err = phonepg.Migrate(ctx, pool, "")
//	phones, err := phonepg.New(phonepg.Config{Pool: pool})
//	m, err := lifecycle.New(lifecycle.Config{…, Phones: phones})
//
// # Schema
//
//	phone_bindings
//	  seq bigint PRIMARY KEY          order of binding
//	  subject text                    the account
//	  phone text                      E.164 (CHECKed)
//	  previous text                   the number it replaced
//	  bound_at, usable_at timestamptz bound; serves SMS from (quarantine end)
//	  unbound_at timestamptz          replaced at (NULL: current)
//	UNIQUE (subject) WHERE unbound_at IS NULL: one current number
//
// Rows are never deleted: the history of bound numbers is what an
// investigation of a SIM swap needs.
//
// # Operations
//
// Current and History are one SELECT each. Bind is one statement: it locks
// the current row, checks that it holds the expected previous number,
// closes it and inserts the new one; a concurrent change (the row changed
// under the lock, or a racing first binding hitting the unique index) is
// lifecycle.ErrConflict and changes nothing. Failures are
// *postgres.Error (store.ErrUnavailable; ErrTimeout, ErrConnection).
package phonepg

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strongauth/strongauth/internal/errcode"
	"github.com/strongauth/strongauth/lifecycle"
	"github.com/strongauth/strongauth/store/postgres"
)

// Component names this package's migrations in strongauth_migrations.
const Component = "phone"

// ErrConfig reports an invalid Config.
var ErrConfig = errcode.Sentinel("phonepg: invalid configuration", errcode.Config)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations returns the package's SQL migrations.
func Migrations() fs.FS {
	sub, _ := fs.Sub(migrations, "migrations") // a constant, embedded path
	return sub
}

// Migrate creates or updates the package's table in schema (empty:
// postgres.DefaultSchema) under an advisory lock; idempotent.
func Migrate(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	return postgres.Migrate(ctx, pool, schema, Component, Migrations())
}

// Config configures a Phones store.
type Config struct {
	Pool   *pgxpool.Pool
	Schema string
}

// Phones is a lifecycle.PhoneStore in PostgreSQL.
type Phones struct {
	pool                   *pgxpool.Pool
	current, history, bind string
}

var _ lifecycle.PhoneStore = (*Phones)(nil)

const columns = "subject, phone, previous, bound_at, usable_at, unbound_at"

// New validates cfg and returns a Phones store. It does no I/O.
func New(cfg Config) (*Phones, error) {
	if cfg.Pool == nil {
		return nil, fmt.Errorf("%w: Pool is required", ErrConfig)
	}
	q, err := postgres.Schema(cfg.Schema)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	t := q + ".phone_bindings"
	return &Phones{
		pool:    cfg.Pool,
		current: "SELECT " + columns + " FROM " + t + " WHERE subject = $1 AND unbound_at IS NULL",
		history: "SELECT " + columns + " FROM " + t + " WHERE subject = $1 ORDER BY seq DESC",
		// The insert reads the close's result, which makes the close run
		// first (the unique index allows one current row).
		bind: "WITH cur AS (SELECT seq, phone FROM " + t + " WHERE subject = $1 AND unbound_at IS NULL FOR UPDATE), " +
			"ok AS (SELECT coalesce((SELECT phone FROM cur), '') = $3 AS ok), " +
			"closed AS (UPDATE " + t + " SET unbound_at = $4 WHERE seq IN (SELECT seq FROM cur) AND (SELECT ok FROM ok) RETURNING 1) " +
			"INSERT INTO " + t + " (subject, phone, previous, bound_at, usable_at) " +
			"SELECT $1, $2, $3, $4, $5 WHERE (SELECT ok FROM ok) AND (SELECT count(*) FROM closed) >= 0",
	}, nil
}

// Current implements lifecycle.PhoneStore.
func (p *Phones) Current(ctx context.Context, subject string) (lifecycle.Binding, error) {
	const op = "phone-current"
	if err := postgres.Live(ctx, op); err != nil {
		return lifecycle.Binding{}, err
	}
	if subject == "" {
		return lifecycle.Binding{}, lifecycle.ErrNoPhone
	}
	rows, err := p.pool.Query(ctx, p.current, subject)
	if err != nil {
		return lifecycle.Binding{}, postgres.NewError(ctx, op, err)
	}
	b, err := pgx.CollectExactlyOneRow(rows, scan)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return lifecycle.Binding{}, lifecycle.ErrNoPhone
	case err != nil:
		return lifecycle.Binding{}, postgres.NewError(ctx, op, err)
	}
	return b, nil
}

// Bind implements lifecycle.PhoneStore: one statement.
func (p *Phones) Bind(ctx context.Context, b lifecycle.Binding) error {
	const op = "phone-bind"
	if b.Subject == "" || b.Phone == "" || b.BoundAt.IsZero() || b.UsableAt.Before(b.BoundAt) {
		return lifecycle.ErrInvalid
	}
	if err := postgres.Live(ctx, op); err != nil {
		return err
	}
	tag, err := p.pool.Exec(ctx, p.bind, b.Subject, b.Phone, b.Previous, b.BoundAt, b.UsableAt)
	if c, dup := postgres.IsUniqueViolation(err); dup && c == "phone_bindings_current" {
		return lifecycle.ErrConflict
	}
	if err != nil {
		return postgres.NewError(ctx, op, err)
	}
	if tag.RowsAffected() == 0 {
		return lifecycle.ErrConflict
	}
	return nil
}

// History implements lifecycle.PhoneStore: newest first.
func (p *Phones) History(ctx context.Context, subject string) ([]lifecycle.Binding, error) {
	const op = "phone-history"
	if err := postgres.Live(ctx, op); err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, p.history, subject)
	if err != nil {
		return nil, postgres.NewError(ctx, op, err)
	}
	bs, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, postgres.NewError(ctx, op, err)
	}
	if bs == nil {
		bs = []lifecycle.Binding{}
	}
	return bs, nil
}

func scan(row pgx.CollectableRow) (lifecycle.Binding, error) {
	var b lifecycle.Binding
	var unbound *time.Time
	if err := row.Scan(&b.Subject, &b.Phone, &b.Previous, &b.BoundAt, &b.UsableAt, &unbound); err != nil {
		return lifecycle.Binding{}, err
	}
	if unbound != nil {
		b.UnboundAt = *unbound
	}
	return b, nil
}
