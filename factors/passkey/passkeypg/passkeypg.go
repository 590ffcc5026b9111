package passkeypg

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/internal/errcode"
	"github.com/strongauth/strongauth/store/postgres"
)

// Component names this package's migrations in strongauth_migrations.
const Component = "passkey"

// MaxNameLen bounds a credential's name (in characters).
const MaxNameLen = 64

// ErrConfig reports an invalid Config.
var ErrConfig = errcode.Sentinel("passkeypg: invalid configuration", errcode.Config)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations returns the package's SQL migrations (0001_init.sql, …), for
// hosts that apply schema changes with their own tool.
func Migrations() fs.FS {
	sub, _ := fs.Sub(migrations, "migrations") // a constant, embedded path
	return sub
}

// Migrate creates or updates the package's tables in schema (empty:
// postgres.DefaultSchema) under an advisory lock; it is idempotent and
// safe to run from every instance at start. See package store/postgres.
func Migrate(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	return postgres.Migrate(ctx, pool, schema, Component, Migrations())
}

// Config configures a Credentials store. Only Pool is required.
type Config struct {
	// Pool is the connection pool; the host owns and closes it. Set
	// statement_timeout on it (RuntimeParams) so that a stuck server
	// fails requests rather than holding them.
	Pool *pgxpool.Pool
	// Schema holds the tables (Migrate must have run for it). Empty means
	// postgres.DefaultSchema, "strongauth".
	Schema string
}

// Credentials is a passkey.CredentialStore in PostgreSQL. It is safe for
// concurrent use and keeps no state besides its configuration: any number
// of instances sharing one database act as one.
type Credentials struct {
	pool *pgxpool.Pool
	sql  statements
}

var _ passkey.CredentialStore = (*Credentials)(nil)

// statements are the package's SQL, with the schema filled in.
type statements struct {
	find, list, add, update, remove, rename string
}

const columns = "id, subject, user_handle, public_key, attestation_format, attestation_type, aaguid, sign_count, " +
	"transports, attachment, backup_eligible, backup_state, name, created_at, last_used_at, model_verified"

// New validates cfg and returns a Credentials store. It does no I/O.
func New(cfg Config) (*Credentials, error) {
	if cfg.Pool == nil {
		return nil, fmt.Errorf("%w: Pool is required", ErrConfig)
	}
	q, err := postgres.Schema(cfg.Schema)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	t := q + ".passkey_credentials"
	return &Credentials{pool: cfg.Pool, sql: statements{
		find: "SELECT " + columns + " FROM " + t + " WHERE id = $1",
		list: "SELECT " + columns + " FROM " + t + " WHERE subject = $1 ORDER BY created_at, id",
		add: "INSERT INTO " + t + " (" + columns + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) " +
			"ON CONFLICT (id) DO NOTHING",
		// One statement: the row as it was (found or not) and the update,
		// which only a counter that advances passes. Concurrent updates
		// queue on the row lock and re-check the condition on the newest
		// version, so of equal counters exactly one wins.
		update: "WITH cur AS (SELECT 1 FROM " + t + " WHERE id = $1), " +
			"upd AS (UPDATE " + t + " SET sign_count = $2, backup_eligible = $5, backup_state = $3, last_used_at = $4 " +
			"WHERE id = $1 AND ($2 > sign_count OR ($2 = 0 AND sign_count = 0)) RETURNING 1) " +
			"SELECT EXISTS (SELECT 1 FROM cur), EXISTS (SELECT 1 FROM upd)",
		remove: "DELETE FROM " + t + " WHERE id = $1 AND subject = $2",
		rename: "UPDATE " + t + " SET name = $3 WHERE id = $1 AND subject = $2",
	}}, nil
}

// Find implements passkey.CredentialStore: one SELECT.
func (s *Credentials) Find(ctx context.Context, id []byte) (*passkey.Credential, error) {
	const op = "passkey-find"
	if !validID(id) {
		return nil, passkey.ErrCredentialNotFound
	}
	if err := postgres.Live(ctx, op); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, s.sql.find, id)
	if err != nil {
		return nil, postgres.NewError(ctx, op, err)
	}
	c, err := pgx.CollectExactlyOneRow(rows, scan)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, passkey.ErrCredentialNotFound
	case err != nil:
		return nil, postgres.NewError(ctx, op, err)
	}
	return c, nil
}

// List implements passkey.CredentialStore: one SELECT, oldest first.
func (s *Credentials) List(ctx context.Context, subject string) ([]passkey.Credential, error) {
	const op = "passkey-list"
	out := []passkey.Credential{}
	if subject == "" {
		return out, nil
	}
	if err := postgres.Live(ctx, op); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, s.sql.list, subject)
	if err != nil {
		return nil, postgres.NewError(ctx, op, err)
	}
	cs, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, postgres.NewError(ctx, op, err)
	}
	for _, c := range cs {
		if c.Subject != subject {
			return nil, postgres.Unexpected(ctx, op, "row of another subject")
		}
		out = append(out, *c)
	}
	return out, nil
}

// Add implements passkey.CredentialStore: one INSERT … ON CONFLICT DO
// NOTHING; of concurrent Adds of one ID exactly one inserts.
func (s *Credentials) Add(ctx context.Context, c passkey.Credential) error {
	const op = "passkey-add"
	if err := c.Validate(); err != nil {
		return err
	}
	if err := validName(c.Name); err != nil {
		return err
	}
	if err := postgres.Live(ctx, op); err != nil {
		return err
	}
	transports := c.Transports
	if transports == nil {
		transports = []string{}
	}
	tag, err := s.pool.Exec(ctx, s.sql.add, c.ID, c.Subject, c.UserHandle, c.PublicKey, c.AttestationFormat,
		c.AttestationType, c.AAGUID[:], int64(c.SignCount), transports, c.Attachment, c.BackupEligible,
		c.BackupState, c.Name, c.CreatedAt, nullTime(c.LastUsedAt), c.ModelVerified)
	if err != nil {
		return postgres.NewError(ctx, op, err)
	}
	if tag.RowsAffected() == 0 {
		return passkey.ErrCredentialExists
	}
	return nil
}

// Update implements passkey.CredentialStore: one statement, which refuses a
// counter that does not advance without writing anything.
func (s *Credentials) Update(ctx context.Context, id []byte, u passkey.Use) error {
	const op = "passkey-update"
	if !validID(id) {
		return passkey.ErrCredentialNotFound
	}
	if err := postgres.Live(ctx, op); err != nil {
		return err
	}
	if u.BackupState && !u.BackupEligible {
		return fmt.Errorf("%w: backup state without backup eligibility", passkey.ErrInvalidCredential)
	}
	var found, updated bool
	err := s.pool.QueryRow(ctx, s.sql.update, id, int64(u.SignCount), u.BackupState, nullTime(u.At), u.BackupEligible).Scan(&found, &updated)
	switch {
	case err != nil:
		return postgres.NewError(ctx, op, err)
	case !found:
		return passkey.ErrCredentialNotFound
	case !updated:
		return passkey.ErrCounterRegression
	}
	return nil
}

// Remove implements passkey.CredentialStore: one DELETE of the subject's
// credential.
func (s *Credentials) Remove(ctx context.Context, subject string, id []byte) error {
	_, err := s.Delete(ctx, subject, id)
	return err
}

// Delete removes the subject's credential with this ID, like Remove, and
// reports whether it did: of concurrent Deletes of one credential exactly
// one reports true.
func (s *Credentials) Delete(ctx context.Context, subject string, id []byte) (bool, error) {
	const op = "passkey-remove"
	if subject == "" || !validID(id) {
		return false, nil
	}
	if err := postgres.Live(ctx, op); err != nil {
		return false, err
	}
	tag, err := s.pool.Exec(ctx, s.sql.remove, id, subject)
	if err != nil {
		return false, postgres.NewError(ctx, op, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Rename sets the name of the subject's credential: one UPDATE. Another
// subject's or a missing credential is passkey.ErrCredentialNotFound; a
// name longer than MaxNameLen characters, not UTF-8 or holding control
// characters is passkey.ErrInvalidCredential.
func (s *Credentials) Rename(ctx context.Context, subject string, id []byte, name string) error {
	const op = "passkey-rename"
	if err := validName(name); err != nil {
		return err
	}
	if subject == "" || !validID(id) {
		return passkey.ErrCredentialNotFound
	}
	if err := postgres.Live(ctx, op); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, s.sql.rename, id, subject, name)
	if err != nil {
		return postgres.NewError(ctx, op, err)
	}
	if tag.RowsAffected() == 0 {
		return passkey.ErrCredentialNotFound
	}
	return nil
}

// scan reads one row in columns order, trusting it no more than a reply:
// a row that is not a valid credential is an error, never a guess.
func scan(row pgx.CollectableRow) (*passkey.Credential, error) {
	var c passkey.Credential
	var aaguid []byte
	var count int64
	var last *time.Time
	if err := row.Scan(&c.ID, &c.Subject, &c.UserHandle, &c.PublicKey, &c.AttestationFormat, &c.AttestationType,
		&aaguid, &count, &c.Transports, &c.Attachment, &c.BackupEligible, &c.BackupState, &c.Name,
		&c.CreatedAt, &last, &c.ModelVerified); err != nil {
		return nil, err
	}
	if len(aaguid) != 16 || count < 0 || count > 1<<32-1 {
		return nil, fmt.Errorf("%w: stored credential out of range", postgres.ErrUnexpected)
	}
	copy(c.AAGUID[:], aaguid)
	c.SignCount = uint32(count)
	if len(c.Transports) == 0 {
		c.Transports = nil
	}
	if last != nil {
		c.LastUsedAt = *last
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%w: stored credential is not valid", postgres.ErrUnexpected)
	}
	return &c, nil
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// validID reports whether a credential of this ID can exist.
func validID(id []byte) bool { return len(id) > 0 && len(id) <= passkey.MaxCredentialIDLen }

// validName checks a credential name.
func validName(name string) error {
	if !ValidName(name) {
		return fmt.Errorf("%w: name must be at most %d printable characters", passkey.ErrInvalidCredential, MaxNameLen)
	}
	return nil
}

// ValidName reports whether name can be a stored name: UTF-8, at most
// MaxNameLen characters, no control characters.
func ValidName(name string) bool { return postgres.ValidName(name, MaxNameLen) }
