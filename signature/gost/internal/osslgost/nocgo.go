//go:build !cgo || !unix

package osslgost

import "fmt"

// Available reports ErrUnavailable: this build has no cgo.
func Available() error { return fmt.Errorf("%w: built without cgo", ErrUnavailable) }

// Verifier is unavailable without cgo.
type Verifier struct{}

// NewVerifier reports ErrUnavailable: this build has no cgo.
func NewVerifier([]byte) (*Verifier, error) { return nil, Available() }

// Verify reports false.
func (*Verifier) Verify(_, _ []byte) bool { return false }
