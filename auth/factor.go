package auth

import (
	"context"
	"encoding/json"
	"time"
)

// Factor is one way to prove something. A factor verifies; it does not
// decide how strong its proof is (the engine does, with StrengthOf) and it
// never sees the host's session.
//
// Begin starts the factor in a flow and returns what the client needs (a
// challenge, options for navigator.credentials, a QR session…). Finish
// verifies the client's answer and returns what was proven. Both receive a
// copy of the flow; a factor keeps its own state in its own store, single-use
// and bound to the flow ID.
type Factor interface {
	Kind() Kind
	Begin(ctx context.Context, req *BeginRequest) (*Challenge, error)
	Finish(ctx context.Context, req *FinishRequest) (*Proof, error)
}

// StrongCapable is implemented by a host's own factor kinds that can produce
// strong evidence. It only lets such a kind appear as the strong part of a
// policy; the strength of each proof is still computed by StrengthOf from
// what was verified. The shipped kinds need not implement it, and sms is weak
// whatever it says.
type StrongCapable interface {
	CanBeStrong() bool
}

// ActionChecker is implemented by factors that need something configured
// per action (the SMS factor needs a message text saying what each code
// confirms). New calls CheckAction for every action whose policy names the
// factor's kind and refuses the configuration with ErrConfig when it
// fails, so that a missing piece is found at start-up, not after a user
// has already signed.
type ActionChecker interface {
	CheckAction(action string) error
}

// BeginRequest is what Begin receives.
type BeginRequest struct {
	// Flow is a copy of the flow as it stands.
	Flow *Flow
	// Input is the client's JSON payload for this step, if any. It is
	// hostile until verified.
	Input json.RawMessage
	// Client describes the browser making this request.
	Client ClientInfo
	// Now is the engine's clock reading for this request.
	Now time.Time
}

// FinishRequest is what Finish receives.
type FinishRequest struct {
	Flow   *Flow
	Input  json.RawMessage
	Client ClientInfo
	Now    time.Time
}

// Challenge is what Begin returns for the client.
type Challenge struct {
	Kind Kind `json:"kind"`
	// Data is the factor's payload for the client (JSON-encodable). It may
	// contain a challenge, never a server secret.
	Data any `json:"data,omitempty"`
	// ExpiresAt is when the challenge stops being accepted.
	ExpiresAt time.Time `json:"expires_at"`
}

// Proof is what a factor verified.
type Proof struct {
	// Subject is the account the factor proved. It must agree with the
	// flow's subject if one is set; otherwise it becomes the flow's subject.
	Subject string
	// AMR lists the RFC 8176 method references verified.
	AMR []string
	// Attributes are non-secret facts (IIN, masked phone, credential id…).
	Attributes map[string]string
}

// PhoneBook gives the phone number bound to an account. The host implements
// it; the SMS factor sends only to the number it returns for the flow's
// subject, never to a number from a request.
type PhoneBook interface {
	BoundPhone(ctx context.Context, subject string) (phone string, err error)
}
