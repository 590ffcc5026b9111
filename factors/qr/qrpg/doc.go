// Package qrpg keeps enrolled QR devices (the qr package's qr.DeviceStore)
// in PostgreSQL, through github.com/jackc/pgx/v5's pgxpool. It passes the
// qr/devicetest conformance kit against a real server, including its races
// on the per-account device limit and on one device ID.
//
//	err = qrpg.Migrate(ctx, pool, "")
//	devices, err := qrpg.New(qrpg.Config{Pool: pool})
//	svc, err := qr.New(qr.Config{Store: st, Devices: devices, …})
//
// # Schema
//
// Migrate applies the embedded migrations to Config.Schema ("strongauth"
// by default), under the advisory lock of store/postgres:
//
//	qr_devices
//	  id text PRIMARY KEY             server-assigned device ID
//	  subject text, seq bigint        the account; enrolment order (indexed)
//	  name text                       the user's name for it (Rename)
//	  public_key bytea, thumbprint    DER P-256 key; its SHA-256, UNIQUE per subject
//	  created_at, last_used timestamptz
//	qr_subjects
//	  subject text PRIMARY KEY, devices integer   the number of devices
//
// # Operations and atomicity
//
// Every operation is one statement:
//
//   - Add upserts the subject's qr_subjects row, raising its count only
//     while it is under the limit (the upsert's WHERE is re-checked on the
//     newest row under its lock, so the limit holds across instances), and
//     inserts the device in the same statement. A duplicate ID or key is a
//     unique violation that undoes the whole statement, count included:
//     qr.ErrDeviceExists. No row: qr.ErrDeviceLimit.
//   - Remove (Delete reports whether it removed) deletes the subject's
//     device and lowers the count in one statement, and tells another
//     subject's device (qr.ErrDeviceNotFound) from a missing one (nil).
//   - Touch moves last_used forward only; Get, List, Rename are one
//     statement each.
//
// # Failure
//
// Every failure is a *postgres.Error matching store.ErrUnavailable and,
// as it applies, postgres.ErrTimeout, postgres.ErrConnection and the
// context's error; the qr service denies on all of them.
package qrpg
