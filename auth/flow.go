package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"maps"
	"slices"
	"time"
)

// Evidence is what one finished factor proved in a flow. The engine creates
// it from the factor's Proof and computes Strength itself (StrengthOf).
type Evidence struct {
	Kind     Kind      `json:"kind"`
	Strength Strength  `json:"strength"`
	Subject  string    `json:"subject"`
	Time     time.Time `json:"time"`
	// AMR lists the RFC 8176 authentication method references the factor
	// verified, for example ["sc", "swk"] for a file-based ECP key.
	AMR []string `json:"amr"`
	// Attributes carry non-secret facts for the host and the audit log:
	// "iin", "bin", "roles", "credential", "phone" (masked), …
	Attributes map[string]string `json:"attrs,omitempty"`
}

// Step records that a factor was begun in a flow.
type Step struct {
	Kind    Kind      `json:"kind"`
	BegunAt time.Time `json:"begun_at"`
}

// Flow is one authentication transaction, stored server-side. Hosts receive
// copies; changing a copy changes nothing.
type Flow struct {
	// ID is a random 128-bit identifier (32 hex digits). It names the flow
	// but is not enough to use it: every call must also present the
	// browser binding.
	ID      string `json:"id"`
	Action  string `json:"action"`
	Subject string `json:"subject,omitempty"`
	// BindingHash is SHA-256 of the binding secret the starting browser
	// holds (in an HttpOnly cookie, typically).
	BindingHash []byte     `json:"binding"`
	Evidence    []Evidence `json:"evidence,omitempty"`
	Steps       []Step     `json:"steps,omitempty"`
	Client      ClientInfo `json:"client"`
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   time.Time  `json:"expires_at"`
	// Completed is set when the flow produced its Result; it cannot be
	// redeemed again.
	Completed bool `json:"completed,omitempty"`
	// Cancelled is set when the flow was cancelled for good (for example
	// after a fraud report); CancelReason says why.
	Cancelled    bool   `json:"cancelled,omitempty"`
	CancelReason string `json:"cancel_reason,omitempty"`
	// Lang is the language the flow runs in ("kk", "ru", "en"), or "" when
	// the page named none (StartRequest.Lang).
	Lang string `json:"lang,omitempty"`
	// Version is the store version the flow was read at (optimistic
	// concurrency); it is not serialised.
	Version uint64 `json:"-"`
}

// ClientInfo describes the browser that started a flow, as the host saw it.
// It is shown to the user on a second device (QR approval) and recorded in
// audit events.
type ClientInfo struct {
	IP        string `json:"ip,omitempty"`
	UserAgent string `json:"ua,omitempty"`
	// Location is a coarse, host-supplied place ("Almaty, KZ").
	Location string `json:"loc,omitempty"`
	// Origin is the web origin the flow runs on ("https://example.kz").
	Origin string `json:"origin,omitempty"`
}

// Ref returns a short, non-secret reference to the flow for logs: the first
// 16 hex digits of SHA-256 of its ID.
func (f *Flow) Ref() string { return FlowRef(f.ID) }

// FlowRef returns the log reference of a flow ID (see Flow.Ref).
func FlowRef(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:8])
}

// BindingHash returns the hash under which a binding secret is stored.
func BindingHash(secret string) []byte {
	h := bindingHash(secret)
	return h[:]
}

func bindingHash(secret string) [sha256.Size]byte {
	const domain = "strongauth/binding\x00"
	var buf [128]byte
	return sha256.Sum256(append(append(buf[:0], domain...), secret...))
}

// BoundTo reports, in constant time, whether secret is the flow's binding.
func (f *Flow) BoundTo(secret string) bool {
	if len(f.BindingHash) != sha256.Size || secret == "" {
		return false
	}
	h := bindingHash(secret)
	return subtle.ConstantTimeCompare(f.BindingHash, h[:]) == 1
}

// EvidenceOf returns the flow's evidence of kind k, if any.
func (f *Flow) EvidenceOf(k Kind) (Evidence, bool) {
	for _, e := range f.Evidence {
		if e.Kind == k {
			return e, true
		}
	}
	return Evidence{}, false
}

// StrongSince reports whether the flow holds strong evidence from t or later.
// Factors use it to gate sensitive ceremonies such as enrolling a new
// authenticator ("a strong factor in this flow within the last 5 minutes").
func (f *Flow) StrongSince(t time.Time) bool {
	for _, e := range f.Evidence {
		if e.Strength == Strong && !e.Time.Before(t) {
			return true
		}
	}
	return false
}

// HasStrong reports whether the flow holds any strong evidence.
func (f *Flow) HasStrong() bool {
	for _, e := range f.Evidence {
		if e.Strength == Strong {
			return true
		}
	}
	return false
}

// begun returns when kind k was last begun in the flow.
func (f *Flow) begun(k Kind) (time.Time, bool) {
	for i := len(f.Steps) - 1; i >= 0; i-- {
		if f.Steps[i].Kind == k {
			return f.Steps[i].BegunAt, true
		}
	}
	return time.Time{}, false
}

// Clone returns a deep copy of f.
func (f *Flow) Clone() *Flow {
	c := newFlow(f.BindingHash)
	h := c.BindingHash
	*c = *f
	c.BindingHash = h
	c.Steps = slices.Clone(f.Steps)
	c.Evidence = make([]Evidence, len(f.Evidence))
	for i, e := range f.Evidence {
		e.AMR = slices.Clone(e.AMR)
		e.Attributes = maps.Clone(e.Attributes)
		c.Evidence[i] = e
	}
	if len(f.Evidence) == 0 {
		c.Evidence = nil
	}
	return c
}

// flowAndHash lets a flow and its binding hash share one allocation.
type flowAndHash struct {
	f Flow
	h [sha256.Size]byte
}

// newFlow returns an empty flow whose BindingHash is a copy of hash (nil
// stays nil), in one allocation when hash has the usual length.
func newFlow(hash []byte) *Flow {
	switch {
	case hash == nil:
		return &Flow{}
	case len(hash) <= sha256.Size:
		fh := &flowAndHash{}
		fh.f.BindingHash = fh.h[:copy(fh.h[:], hash):len(hash)]
		return &fh.f
	}
	return &Flow{BindingHash: slices.Clone(hash)}
}
