package passkeypg_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strongauth/strongauth/factors/passkey/passkeypg"
)

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// schemaOf finds the schema holding the store's table (the test schemas
// are random).
func schemaOf(t *testing.T, _ *passkeypg.Credentials, pool *pgxpool.Pool) string {
	t.Helper()
	var schema string
	if err := pool.QueryRow(context.Background(),
		"SELECT table_schema FROM information_schema.tables WHERE table_name = 'passkey_credentials' LIMIT 1").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	return schema
}
