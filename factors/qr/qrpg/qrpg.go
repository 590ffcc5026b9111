package qrpg

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
	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/store/postgres"
)

// Component names this package's migrations in strongauth_migrations.
const Component = "qr"

// Bounds of a device record.
const (
	MaxNameLen = 64
	maxIDLen   = 256
	maxKeyLen  = 1024
)

// ErrConfig reports an invalid Config.
var ErrConfig = errcode.Sentinel("qrpg: invalid configuration", errcode.Config)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations returns the package's SQL migrations, for hosts that apply
// schema changes with their own tool.
func Migrations() fs.FS {
	sub, _ := fs.Sub(migrations, "migrations") // a constant, embedded path
	return sub
}

// Migrate creates or updates the package's tables in schema (empty:
// postgres.DefaultSchema) under an advisory lock; idempotent.
func Migrate(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	return postgres.Migrate(ctx, pool, schema, Component, Migrations())
}

// Config configures a Devices store. Only Pool is required.
type Config struct {
	// Pool is the connection pool; the host owns and closes it.
	Pool *pgxpool.Pool
	// Schema holds the tables. Empty means postgres.DefaultSchema.
	Schema string
}

// Devices is a qr.DeviceStore in PostgreSQL, safe for concurrent use; any
// number of instances sharing one database act as one.
type Devices struct {
	pool *pgxpool.Pool
	sql  struct{ add, get, list, remove, touch, rename string }
}

var _ qr.DeviceStore = (*Devices)(nil)

const columns = "id, subject, name, public_key, created_at, last_used"

// New validates cfg and returns a Devices store. It does no I/O.
func New(cfg Config) (*Devices, error) {
	if cfg.Pool == nil {
		return nil, fmt.Errorf("%w: Pool is required", ErrConfig)
	}
	q, err := postgres.Schema(cfg.Schema)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	d, s := q+".qr_devices", q+".qr_subjects"
	st := &Devices{pool: cfg.Pool}
	// Add counts the device in on the subject's row (created or locked by
	// the upsert, whose WHERE re-checks the limit on the newest count),
	// then inserts it. A duplicate ID or key violates a unique constraint
	// and undoes the whole statement, count included.
	st.sql.add = "WITH c AS (INSERT INTO " + s + " AS s (subject, devices) VALUES ($2, 1) " +
		"ON CONFLICT (subject) DO UPDATE SET devices = s.devices + 1 WHERE $7 <= 0 OR s.devices < $7 RETURNING 1) " +
		"INSERT INTO " + d + " (id, subject, name, public_key, thumbprint, created_at, last_used) " +
		"SELECT $1, $2, $3, $4, $5, $6, $8 FROM c"
	st.sql.get = "SELECT " + columns + " FROM " + d + " WHERE id = $1"
	st.sql.list = "SELECT " + columns + " FROM " + d + " WHERE subject = $1 ORDER BY seq"
	st.sql.remove = "WITH del AS (DELETE FROM " + d + " WHERE id = $1 AND subject = $2 RETURNING subject), " +
		"dec AS (UPDATE " + s + " SET devices = devices - 1 WHERE subject IN (SELECT subject FROM del) RETURNING 1) " +
		"SELECT EXISTS (SELECT 1 FROM del), EXISTS (SELECT 1 FROM " + d + " WHERE id = $1 AND subject <> $2)"
	st.sql.touch = "WITH cur AS (SELECT 1 FROM " + d + " WHERE id = $1), " +
		"upd AS (UPDATE " + d + " SET last_used = $2 WHERE id = $1 AND (last_used IS NULL OR last_used < $2) RETURNING 1) " +
		"SELECT EXISTS (SELECT 1 FROM cur), EXISTS (SELECT 1 FROM upd)"
	st.sql.rename = "UPDATE " + d + " SET name = $3 WHERE id = $1 AND subject = $2"
	return st, nil
}

// Add implements qr.DeviceStore: one statement. The device limit is atomic
// per subject across instances; a duplicate ID or key is qr.ErrDeviceExists.
func (s *Devices) Add(ctx context.Context, d qr.Device, limit int) error {
	const op = "qr-add"
	switch {
	case d.ID == "" || d.Subject == "" || len(d.ID) > maxIDLen:
		return fmt.Errorf("%w: device without ID or subject", qr.ErrMalformed)
	case len(d.PublicKey) == 0 || len(d.PublicKey) > maxKeyLen:
		return fmt.Errorf("%w: device key size", qr.ErrMalformed)
	case !ValidName(d.Name):
		return fmt.Errorf("%w: device name must be at most %d printable characters", qr.ErrMalformed, MaxNameLen)
	}
	if err := postgres.Live(ctx, op); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, s.sql.add, d.ID, d.Subject, d.Name, d.PublicKey, d.Thumbprint(), d.CreatedAt,
		max(limit, 0), nullTime(d.LastUsed))
	if _, dup := postgres.IsUniqueViolation(err); dup {
		return qr.ErrDeviceExists
	}
	if err != nil {
		return postgres.NewError(ctx, op, err)
	}
	if tag.RowsAffected() == 0 {
		return qr.ErrDeviceLimit
	}
	return nil
}

// Get implements qr.DeviceStore: one SELECT.
func (s *Devices) Get(ctx context.Context, id string) (qr.Device, error) {
	const op = "qr-get"
	if err := postgres.Live(ctx, op); err != nil {
		return qr.Device{}, err
	}
	if id == "" || len(id) > maxIDLen {
		return qr.Device{}, qr.ErrDeviceNotFound
	}
	rows, err := s.pool.Query(ctx, s.sql.get, id)
	if err != nil {
		return qr.Device{}, postgres.NewError(ctx, op, err)
	}
	d, err := pgx.CollectExactlyOneRow(rows, scan)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return qr.Device{}, qr.ErrDeviceNotFound
	case err != nil:
		return qr.Device{}, postgres.NewError(ctx, op, err)
	}
	return d, nil
}

// List implements qr.DeviceStore: one SELECT, in enrolment order.
func (s *Devices) List(ctx context.Context, subject string) ([]qr.Device, error) {
	const op = "qr-list"
	if err := postgres.Live(ctx, op); err != nil {
		return nil, err
	}
	if subject == "" {
		return []qr.Device{}, nil
	}
	rows, err := s.pool.Query(ctx, s.sql.list, subject)
	if err != nil {
		return nil, postgres.NewError(ctx, op, err)
	}
	ds, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, postgres.NewError(ctx, op, err)
	}
	for _, d := range ds {
		if d.Subject != subject {
			return nil, postgres.Unexpected(ctx, op, "row of another subject")
		}
	}
	if ds == nil {
		ds = []qr.Device{}
	}
	return ds, nil
}

// Remove implements qr.DeviceStore: one statement.
func (s *Devices) Remove(ctx context.Context, subject, id string) error {
	_, err := s.Delete(ctx, subject, id)
	return err
}

// Delete is Remove that reports whether it removed the device: of racing
// Deletes of one device exactly one reports true.
func (s *Devices) Delete(ctx context.Context, subject, id string) (bool, error) {
	const op = "qr-remove"
	if err := postgres.Live(ctx, op); err != nil {
		return false, err
	}
	if id == "" || len(id) > maxIDLen {
		return false, nil
	}
	// The second answer reads the statement's snapshot: a device another
	// Delete of the same subject removed meanwhile still shows there, as
	// the subject's own, so racing Deletes of one device never read as
	// "another subject's".
	var removed, others bool
	if err := s.pool.QueryRow(ctx, s.sql.remove, id, subject).Scan(&removed, &others); err != nil {
		return false, postgres.NewError(ctx, op, err)
	}
	if !removed && others {
		return false, qr.ErrDeviceNotFound // another subject's
	}
	return removed, nil
}

// Touch implements qr.DeviceStore: one statement; LastUsed never moves
// back.
func (s *Devices) Touch(ctx context.Context, id string, t time.Time) error {
	const op = "qr-touch"
	if err := postgres.Live(ctx, op); err != nil {
		return err
	}
	if id == "" || len(id) > maxIDLen {
		return qr.ErrDeviceNotFound
	}
	var found, updated bool
	if err := s.pool.QueryRow(ctx, s.sql.touch, id, t).Scan(&found, &updated); err != nil {
		return postgres.NewError(ctx, op, err)
	}
	if !found {
		return qr.ErrDeviceNotFound
	}
	return nil
}

// Rename sets the name of the subject's device: one UPDATE. Another
// subject's or a missing device is qr.ErrDeviceNotFound; a bad name
// qr.ErrMalformed.
func (s *Devices) Rename(ctx context.Context, subject, id, name string) error {
	const op = "qr-rename"
	if !ValidName(name) {
		return fmt.Errorf("%w: device name must be at most %d printable characters", qr.ErrMalformed, MaxNameLen)
	}
	if err := postgres.Live(ctx, op); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, s.sql.rename, id, subject, name)
	if err != nil {
		return postgres.NewError(ctx, op, err)
	}
	if tag.RowsAffected() == 0 {
		return qr.ErrDeviceNotFound
	}
	return nil
}

func scan(row pgx.CollectableRow) (qr.Device, error) {
	var d qr.Device
	var last *time.Time
	if err := row.Scan(&d.ID, &d.Subject, &d.Name, &d.PublicKey, &d.CreatedAt, &last); err != nil {
		return qr.Device{}, err
	}
	if last != nil {
		d.LastUsed = *last
	}
	if d.ID == "" || d.Subject == "" || len(d.PublicKey) == 0 {
		return qr.Device{}, fmt.Errorf("%w: stored device is not valid", postgres.ErrUnexpected)
	}
	return d, nil
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// ValidName reports whether name can be a stored name: UTF-8, at most
// MaxNameLen characters, no control characters.
func ValidName(name string) bool { return postgres.ValidName(name, MaxNameLen) }
