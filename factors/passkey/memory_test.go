package passkey_test

import (
	"testing"

	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/factors/passkey/passkeytest"
)

func TestMemoryCredentialsConformance(t *testing.T) {
	passkeytest.RunCredentialStore(t, func(*testing.T) passkey.CredentialStore { return passkey.NewMemoryCredentials() })
}
