// Package passkeypg keeps registered WebAuthn credentials (the passkey
// factor's passkey.CredentialStore) in PostgreSQL, through
// github.com/jackc/pgx/v5's pgxpool. It passes the passkeytest conformance
// kit against a real server, including its 100-goroutine races.
//
//	pool, err := pgxpool.New(ctx, "postgres://…?pool_max_conns=20&options=-c%20statement_timeout%3D2000")
//	err = passkeypg.Migrate(ctx, pool, "")            // at start, from every instance
//	creds, err := passkeypg.New(passkeypg.Config{Pool: pool})
//	pk, err := passkey.New(passkey.Config{…, Store: st, Credentials: creds})
//
// # Schema
//
// Migrate applies the embedded migrations (Migrations; store/postgres
// explains the mechanism: an advisory lock, a strongauth_migrations table,
// idempotent) to the schema of Config.Schema, "strongauth" by default:
//
//	passkey_credentials
//	  id bytea PRIMARY KEY            credential ID (1–1023 bytes)
//	  subject text                    the account; indexed with created_at, id
//	  user_handle, public_key bytea   WebAuthn user.id; COSE public key
//	  attestation_format, attestation_type, attachment text
//	  aaguid bytea (16)               authenticator model
//	  sign_count bigint               0 … 2^32-1
//	  transports text[]
//	  backup_eligible, backup_state boolean
//	  name text                       the user's name for it (Rename)
//	  created_at, last_used_at timestamptz
//
// CHECK constraints repeat passkey.Credential.Validate, so that a writer
// bypassing this package cannot store what it would refuse; rows are read
// as hostile input all the same (postgres.ErrUnexpected). Times are stored
// to the microsecond.
//
// # Operations and atomicity
//
// Every operation is one statement — one round trip once pgx has prepared
// it on the connection (TestOneStatementPerOperation counts them):
//
//   - Add: INSERT … ON CONFLICT (id) DO NOTHING; no row inserted is
//     passkey.ErrCredentialExists, so of racing Adds of one ID, on any
//     number of instances, exactly one wins.
//   - Update: one UPDATE … WHERE the counter advances (passkey.
//     CounterAdvances), inside a statement that also tells a missing
//     credential from a refused counter. Racing updates queue on the row
//     lock and re-check the condition on the newest row: of equal counters
//     exactly one passes; a refused one writes nothing. (An Update racing
//     the removal of its credential may answer ErrCounterRegression rather
//     than ErrCredentialNotFound: the statement saw the row in its snapshot.
//     Both deny.)
//   - Find, List: one SELECT each; List oldest first.
//   - Remove (and Delete, which reports whether it removed): one DELETE
//     of the subject's row; Rename: one UPDATE of it.
//
// # Failure
//
// Every failure is a *postgres.Error: it matches store.ErrUnavailable,
// postgres.ErrTimeout for statement_timeout or a context deadline,
// postgres.ErrConnection for a server that is down, shut down or that
// ended the connection, and the context's error. The passkey factor denies
// on all of them. Statements are single and atomic, so an interrupted one
// leaves nothing half-written; the tests stop the server, kill connections
// and time statements out while an Update waits, and crash the server with
// SIGKILL and find every committed credential after the restart.
package passkeypg
