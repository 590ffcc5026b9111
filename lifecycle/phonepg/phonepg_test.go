package phonepg_test

import (
	"context"
	"testing"

	"github.com/strongauth/strongauth/internal/pgtest"
	"github.com/strongauth/strongauth/lifecycle"
	"github.com/strongauth/strongauth/lifecycle/phonepg"
	"github.com/strongauth/strongauth/lifecycle/phonetest"
)

func TestConformance(t *testing.T) {
	s := pgtest.Start(t)
	pool := s.Pool(t)
	phonetest.Run(t, func(t *testing.T) lifecycle.PhoneStore {
		schema := s.Schema(t)
		if err := phonepg.Migrate(context.Background(), pool, schema); err != nil {
			t.Fatal(err)
		}
		p, err := phonepg.New(phonepg.Config{Pool: pool, Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		return p
	})
}
