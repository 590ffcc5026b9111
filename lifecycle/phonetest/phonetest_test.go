package phonetest_test

import (
	"testing"

	"github.com/strongauth/strongauth/lifecycle"
	"github.com/strongauth/strongauth/lifecycle/phonetest"
)

func TestMemoryPhones(t *testing.T) {
	phonetest.Run(t, func(*testing.T) lifecycle.PhoneStore { return lifecycle.NewMemoryPhones() })
}
