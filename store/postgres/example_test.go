package postgres_test

import (
	"errors"
	"fmt"

	"github.com/strongauth/strongauth/store/postgres"
)

// Schema names are plain lower-case identifiers, quoted for SQL; anything
// else is a configuration error, never spliced into a statement.
func ExampleSchema() {
	for _, name := range []string{"", "egov_auth", "auth; DROP TABLE x", "Auth", "pg_catalog"} {
		q, err := postgres.Schema(name)
		fmt.Printf("%q → %s %v\n", name, q, errors.Is(err, postgres.ErrConfig))
	}
	// Output:
	// "" → "strongauth" false
	// "egov_auth" → "egov_auth" false
	// "auth; DROP TABLE x" →  true
	// "Auth" →  true
	// "pg_catalog" →  true
}
