package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strongauth/strongauth/internal/errcode"
	"github.com/strongauth/strongauth/store"
)

// DefaultSchema is the schema the stores use when their Config names none.
const DefaultSchema = "strongauth"

// Sentinel errors.
var (
	// ErrConfig reports an invalid configuration: a missing pool, a schema
	// name that is not a plain identifier.
	ErrConfig = errcode.Sentinel("postgres: invalid configuration", errcode.Config)
	// ErrTimeout reports an operation cut short by statement_timeout,
	// lock_timeout or the context's deadline.
	ErrTimeout = errors.New("postgres: operation timed out")
	// ErrConnection reports a server that could not be reached, was shut
	// down, or ended the connection during the operation. When the
	// connection ended after the statement was sent, its outcome is
	// unknown: a commit whose answer was lost still stands (a credential
	// counter may have advanced). Callers deny either way; a retry sees
	// the stored state.
	ErrConnection = errors.New("postgres: connection failed")
	// ErrUnexpected reports a stored row this code did not write or a
	// reply of the wrong shape.
	ErrUnexpected = errors.New("postgres: unexpected data")
	// ErrMigration reports a migration that cannot be applied: a recorded
	// migration whose SQL changed, or a malformed migration file.
	ErrMigration = errors.New("postgres: migration refused")
)

// Error is the error of a failed store operation. See the package
// documentation for what it matches.
type Error struct {
	// Op names the operation ("passkey-add", "qr-list", "migrate", …).
	Op string
	// Err is the cause.
	Err error

	kind error // ErrTimeout, ErrConnection or nil
	ctx  error // the context's error, if it ended
}

func (e *Error) Error() string {
	msg := "postgres: " + e.Op + ": " + store.ErrUnavailable.Error()
	if e.kind != nil {
		msg += ": " + strings.TrimPrefix(e.kind.Error(), "postgres: ")
	}
	return msg + ": " + describe(e.Err)
}

// Unwrap returns store.ErrUnavailable, the kind, the context's error and
// the cause.
func (e *Error) Unwrap() []error {
	out := []error{store.ErrUnavailable}
	if e.kind != nil {
		out = append(out, e.kind)
	}
	if e.ctx != nil {
		out = append(out, e.ctx)
	}
	return append(out, e.Err)
}

// describe renders a cause without anything a client sent: a server error
// by its SQLSTATE code, message and constraint (never its detail, which
// quotes the row).
func describe(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		s := "SQLSTATE " + pe.Code + " " + pe.Message
		if pe.ConstraintName != "" {
			s += " (" + pe.ConstraintName + ")"
		}
		return s
	}
	if err == nil {
		return "unknown"
	}
	return err.Error()
}

// NewError classifies the cause of a failed operation op under ctx.
func NewError(ctx context.Context, op string, cause error) *Error {
	e := &Error{Op: op, Err: cause, ctx: ctx.Err()}
	var pe *pgconn.PgError
	var ne net.Error
	switch {
	case errors.As(cause, &pe):
		switch {
		case pe.Code == "57014" || pe.Code == "55P03" || pe.Code == "25P03": // query_canceled (statement_timeout), lock_not_available, idle_in_transaction_session_timeout
			e.kind = ErrTimeout
		case strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P"): // connection exception, admin/crash shutdown
			e.kind = ErrConnection
		}
	case errors.Is(cause, context.DeadlineExceeded) || e.ctx == context.DeadlineExceeded:
		e.kind = ErrTimeout
	case errors.Is(cause, context.Canceled):
	case errors.As(cause, &ne) && ne.Timeout():
		e.kind = ErrTimeout
	case pgconn.SafeToRetry(cause) || isConnError(cause):
		e.kind = ErrConnection
	}
	return e
}

func isConnError(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, net.ErrClosed) ||
		strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "unexpected EOF")
}

// Unexpected returns the *Error of op for data of the wrong shape.
func Unexpected(ctx context.Context, op, what string) *Error {
	return NewError(ctx, op, fmt.Errorf("%w: %s", ErrUnexpected, what))
}

// Live returns an *Error if ctx has ended already, so that no statement
// is sent for a request that is over.
func Live(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return NewError(ctx, op, err)
	}
	return nil
}

// IsUniqueViolation reports whether err is a unique_violation (23505),
// and of which constraint.
func IsUniqueViolation(err error) (constraint string, ok bool) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return pe.ConstraintName, true
	}
	return "", false
}

// Schema checks a schema name (empty means DefaultSchema) and returns it
// quoted for SQL. Names are plain identifiers: a lower-case letter or
// underscore, then lower-case letters, digits and underscores, at most 63
// bytes; "pg_" names are PostgreSQL's own.
func Schema(name string) (quoted string, err error) {
	if name == "" {
		name = DefaultSchema
	}
	if !validIdent(name) || strings.HasPrefix(name, "pg_") {
		return "", fmt.Errorf("%w: schema %q is not a plain lower-case identifier", ErrConfig, name)
	}
	return pgx.Identifier{name}.Sanitize(), nil
}

func validIdent(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// migration is one numbered SQL file.
type migration struct {
	version int
	name    string
	sql     string
	sum     string
}

// readMigrations reads NNNN_name.sql files from fsys (its root), in order.
func readMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMigration, err)
	}
	var out []migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || path.Ext(name) != ".sql" {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 || len(num) != 4 {
			return nil, fmt.Errorf("%w: file %q is not NNNN_name.sql", ErrMigration, name)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMigration, err)
		}
		sum := sha256.Sum256(b)
		out = append(out, migration{version: v, name: name, sql: string(b), sum: hex.EncodeToString(sum[:])})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i := range out {
		if out[i].version != i+1 {
			return nil, fmt.Errorf("%w: migration versions must run 1, 2, 3… without gaps", ErrMigration)
		}
	}
	return out, nil
}

// lockClass is the first key of the migrations' advisory lock ("STRN").
const lockClass = 0x5354524e

// Migrate applies the component's migrations (the NNNN_name.sql files at
// the root of fsys) to schema (empty: DefaultSchema). See the package
// documentation.
func Migrate(ctx context.Context, pool *pgxpool.Pool, schema, component string, fsys fs.FS) error {
	const op = "migrate"
	if fsys == nil {
		return fmt.Errorf("%w: no migrations", ErrConfig)
	}
	ms, err := readMigrations(fsys)
	if err != nil {
		return err
	}
	if pool == nil {
		return fmt.Errorf("%w: nil pool", ErrConfig)
	}
	if schema == "" {
		schema = DefaultSchema
	}
	q, err := Schema(schema)
	if err != nil {
		return err
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2))", lockClass, schema); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+q); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+q+`.strongauth_migrations (
			component text NOT NULL,
			version integer NOT NULL,
			name text NOT NULL,
			checksum text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now(),
			PRIMARY KEY (component, version))`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT version, checksum FROM "+q+".strongauth_migrations WHERE component = $1", component)
		if err != nil {
			return err
		}
		applied := map[int]string{}
		for rows.Next() {
			var v int
			var sum string
			if err := rows.Scan(&v, &sum); err != nil {
				rows.Close()
				return err
			}
			applied[v] = sum
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "SET LOCAL search_path TO "+q); err != nil {
			return err
		}
		for _, m := range ms {
			if sum, ok := applied[m.version]; ok {
				if sum != m.sum {
					return fmt.Errorf("%w: %s migration %s changed after it was applied", ErrMigration, component, m.name)
				}
				continue
			}
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("%s migration %s: %w", component, m.name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO "+q+".strongauth_migrations (component, version, name, checksum) VALUES ($1, $2, $3, $4)",
				component, m.version, m.name, m.sum); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrMigration) {
			return err
		}
		return NewError(ctx, op, err)
	}
	return nil
}

// ValidName reports whether name can be a user-given name of a stored
// credential: UTF-8, at most maxLen characters, no control characters
// (C0, DEL, C1).
func ValidName(name string, maxLen int) bool {
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxLen {
		return false
	}
	return !strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 })
}
