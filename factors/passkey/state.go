package passkey

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"time"

	"github.com/strongauth/strongauth/store"
)

// stateVersion is the version of the ceremony-state blob this package
// writes and reads. A blob of another version (written by an older or newer
// release, possibly over another WebAuthn library version) is refused with
// ErrStateVersion rather than misread.
const stateVersion = 1

// Ceremony kinds in the state blob.
const (
	ceremonyLogin    = "login"
	ceremonyRegister = "register"
)

// ceremony is the state kept between Begin and Finish: our own format, not
// go-webauthn's SessionData, so that it survives an upgrade of that library.
type ceremony struct {
	V    int    `json:"v"`
	Kind string `json:"kind"`
	// Flow is the flow ID a login ceremony belongs to.
	Flow string `json:"flow,omitempty"`
	// Ref is the reference (auth.Flow.Ref) of the flow whose result
	// allowed a registration, for its audit events.
	Ref string `json:"ref,omitempty"`
	// Binding is the hash of the browser binding of a registration.
	Binding   []byte `json:"binding,omitempty"`
	Challenge []byte `json:"challenge"`
	// Subject is the account: the one enrolling, or the known subject of a
	// login with an allow-list (empty for a discoverable login).
	Subject string `json:"subject,omitempty"`
	// UserHandle is the handle a registration registers.
	UserHandle []byte `json:"handle,omitempty"`
	// Allowed lists the credential IDs of a login with an allow-list.
	Allowed [][]byte `json:"allow,omitempty"`
	// Algs are the COSE algorithms a registration offered.
	Algs []int64 `json:"algs,omitempty"`
	// Expires is our expiry, by the factor's clock.
	Expires time.Time `json:"exp"`
}

// allows reports whether a login ceremony's allow-list names id.
func (c *ceremony) allows(id []byte) bool {
	for _, a := range c.Allowed {
		if bytes.Equal(a, id) {
			return true
		}
	}
	return false
}

// encodeState serialises a ceremony with the current version.
func encodeState(c *ceremony) ([]byte, error) {
	c.V = stateVersion
	return json.Marshal(c)
}

// decodeState parses a stored blob: an unknown version or shape is
// ErrStateVersion.
func decodeState(b []byte) (*ceremony, error) {
	// One strict pass: a blob of another version has another shape, or at
	// least another "v".
	var c ceremony
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil || dec.More() || c.V != stateVersion {
		return nil, ErrStateVersion
	}
	if len(c.Challenge) != challengeLen || c.Expires.IsZero() {
		return nil, ErrStateVersion
	}
	switch c.Kind {
	case ceremonyLogin:
		if c.Flow == "" || len(c.Binding) != 0 || len(c.UserHandle) != 0 || len(c.Algs) != 0 {
			return nil, ErrStateVersion
		}
	case ceremonyRegister:
		if len(c.Binding) != sha256.Size || c.Subject == "" || len(c.UserHandle) == 0 || c.Flow != "" || len(c.Allowed) != 0 {
			return nil, ErrStateVersion
		}
	default:
		return nil, ErrStateVersion
	}
	// One canonical form: no empty-but-present lists or byte strings (a
	// login's "binding":"" or "handle":"", which omitempty drops again).
	if len(c.Allowed) == 0 {
		c.Allowed = nil
	}
	if len(c.Algs) == 0 {
		c.Algs = nil
	}
	if len(c.Binding) == 0 {
		c.Binding = nil
	}
	if len(c.UserHandle) == 0 {
		c.UserHandle = nil
	}
	return &c, nil
}

// put stores a ceremony under key until its expiry (plus a grace period).
func (f *Factor) put(ctx context.Context, key string, c *ceremony, now time.Time) error {
	b, err := encodeState(c)
	if err != nil {
		return ErrUnavailable
	}
	if _, err := f.store.Put(ctx, key, b, c.Expires.Sub(now)+stateGrace); err != nil {
		return ErrUnavailable
	}
	return nil
}

// take consumes the ceremony under key: of concurrent callers exactly one
// gets it. It returns ErrNoCeremony, ErrUnavailable or ErrStateVersion.
func (f *Factor) take(ctx context.Context, key string) (*ceremony, error) {
	b, err := f.store.Consume(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoCeremony
	}
	if err != nil {
		return nil, ErrUnavailable
	}
	return decodeState(b)
}

// loginKey is the key of a flow's login ceremony: the flow ID is its hash
// tag, as in the engine's key of the flow. A registration is keyed by its
// own random ID and belongs to no flow.
func (f *Factor) loginKey(flowID string) string { return store.TaggedKey(f.prefix, "login:", flowID) }
func (f *Factor) regKey(id string) string       { return f.prefix + "reg:" + id }
