package passkeypg_test

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/factors/passkey/passkeytest"
	"github.com/strongauth/strongauth/internal/pgtest"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// BenchmarkVsRaw measures Find, Update and Add against the same statement
// sent with pgx directly, interleaved (sigtest.Ratio): the store's own
// cost — validation, scanning into a Credential — over the round trip.
func BenchmarkVsRaw(b *testing.B) {
	s := pgtest.Start(b)
	pool := s.Pool(b)
	c, schema := newStore(b, s, pool)
	t := schema + ".passkey_credentials"
	cred := passkeytest.Credential("alice", 1)
	raw := passkeytest.Credential("alice", 2)
	for _, cr := range []passkey.Credential{cred, raw} {
		if err := c.Add(ctx, cr); err != nil {
			b.Fatal(err)
		}
	}
	const cols = "id, subject, user_handle, public_key, attestation_format, attestation_type, aaguid, sign_count, " +
		"transports, attachment, backup_eligible, backup_state, name, created_at, last_used_at"

	b.Run("Find", func(b *testing.B) {
		sigtest.Ratio(b, func(b *testing.B) {
			var id, uh, pk, aaguid []byte
			var subject, af, at, attach, name string
			var count int64
			var tr []string
			var be, bs bool
			var created time.Time
			var last *time.Time
			if err := pool.QueryRow(ctx, "SELECT "+cols+" FROM "+t+" WHERE id = $1", raw.ID).Scan(&id, &subject, &uh, &pk,
				&af, &at, &aaguid, &count, &tr, &attach, &be, &bs, &name, &created, &last); err != nil {
				b.Fatal(err)
			}
		}, func(b *testing.B) {
			if _, err := c.Find(ctx, cred.ID); err != nil {
				b.Fatal(err)
			}
		})
	})

	var n uint32 // counters and IDs run on across repeated b.Run calls (-count)
	var i uint64
	b.Run("Update", func(b *testing.B) {
		update := "WITH cur AS (SELECT 1 FROM " + t + " WHERE id = $1), " +
			"upd AS (UPDATE " + t + " SET sign_count = $2, backup_state = $3 AND backup_eligible, last_used_at = $4 " +
			"WHERE id = $1 AND ($2 > sign_count OR ($2 = 0 AND sign_count = 0)) RETURNING 1) " +
			"SELECT EXISTS (SELECT 1 FROM cur), EXISTS (SELECT 1 FROM upd)"
		at := time.Now()
		sigtest.Ratio(b, func(b *testing.B) {
			n++
			var found, updated bool
			if err := pool.QueryRow(ctx, update, raw.ID, int64(n), false, at).Scan(&found, &updated); err != nil || !updated {
				b.Fatal(err, found, updated)
			}
		}, func(b *testing.B) {
			if err := c.Update(ctx, cred.ID, passkey.Use{SignCount: n, At: at}); err != nil {
				b.Fatal(err)
			}
		})
	})

	b.Run("Add", func(b *testing.B) {
		next := func() passkey.Credential {
			i++
			cr := passkeytest.Credential("bob", 0)
			binary.BigEndian.PutUint64(cr.ID[len(cr.ID)-8:], i)
			return cr
		}
		insert := "INSERT INTO " + t + " (" + cols + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) " +
			"ON CONFLICT (id) DO NOTHING"
		sigtest.Ratio(b, func(b *testing.B) {
			cr := next()
			if _, err := pool.Exec(ctx, insert, cr.ID, cr.Subject, cr.UserHandle, cr.PublicKey, cr.AttestationFormat,
				cr.AttestationType, cr.AAGUID[:], int64(cr.SignCount), []string{}, cr.Attachment, cr.BackupEligible,
				cr.BackupState, cr.Name, cr.CreatedAt, (*time.Time)(nil)); err != nil {
				b.Fatal(err)
			}
		}, func(b *testing.B) {
			if err := c.Add(ctx, next()); err != nil {
				b.Fatal(err)
			}
		})
	})
}
