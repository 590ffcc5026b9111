package passkeytest

import (
	"crypto/ecdsa"
	"crypto/x509"
	"fmt"

	"github.com/descope/virtualwebauthn"
)

// VirtualCredential returns a software P-256 credential for a
// descope/virtualwebauthn authenticator, for tests that drive the factor
// without a browser. Its public key's coordinates are both 32 bytes long:
// virtualwebauthn encodes them without leading zeros (big.Int.Bytes), which
// go-webauthn rightly refuses, about once in 64 keys.
//
// It panics if virtualwebauthn makes a key it cannot read back, which
// would be a broken test dependency, not a test failure.
func VirtualCredential() virtualwebauthn.Credential {
	for {
		c := virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2)
		k, err := x509.ParsePKCS8PrivateKey(c.Key.Data)
		ec, ok := k.(*ecdsa.PrivateKey)
		if err != nil || !ok {
			panic(fmt.Sprintf("passkeytest: virtualwebauthn made an unreadable key: %T, %v", k, err))
		}
		pub, err := ec.PublicKey.Bytes() // 0x04 || X || Y
		if err != nil {
			panic(fmt.Sprintf("passkeytest: virtualwebauthn made an unusable key: %v", err))
		}
		if pub[1] != 0 && pub[33] != 0 {
			return c
		}
	}
}
