// Package postgres is the shared plumbing of strongauth's PostgreSQL
// credential stores (factors/passkey/passkeypg, factors/qr/qrpg and
// lifecycle/phonepg): versioned schema migrations applied under an advisory
// lock, schema names, and the typed error every failed operation returns.
//
// It does not implement store.Store: flows, codes and challenges are
// short-lived and belong in store/memory or store/redis. What lives in
// PostgreSQL is durable — registered passkeys, linked phones, the history
// of bound numbers — where a bank or a government service keeps such
// records: in its SQL database, backed up and audited.
//
// # Migrations
//
// Each store embeds its schema as numbered SQL files (0001_init.sql, …)
// and applies them with Migrate, which
//
//   - takes a transaction-scoped advisory lock for the schema, so that any
//     number of instances starting at once migrate it exactly once;
//   - creates the schema and the table strongauth_migrations (component,
//     version, name, checksum, applied_at) if they are missing;
//   - applies, in order and in the same transaction, every migration of the
//     component not recorded yet, with search_path set to the schema, and
//     records it;
//   - refuses (ErrMigration) a recorded migration whose SQL has changed
//     since it was applied, and leaves alone versions newer than the code
//     knows (a newer instance of a rolling deploy applied them).
//
// It is idempotent: a second call finds everything recorded and changes
// nothing. A failure rolls the whole transaction back.
//
// # Errors
//
// Every failed operation of the stores is an *Error naming the operation:
// it matches store.ErrUnavailable, the context's error when the context
// ended, one of ErrTimeout (statement_timeout, lock_timeout, a deadline)
// or ErrConnection (the server could not be reached, shut down, or ended
// the connection), and the driver's cause (errors.As *pgconn.PgError). Its
// message holds no subject, credential ID or key, and no SQL parameter.
// Callers deny on every error: nothing fails open.
package postgres
