package otp

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// Sender delivers an SMS. Implementations must be safe for concurrent use,
// honour the context's deadline, and never put the message text (it holds
// the code) into a log line or an error; the Service scrubs the code from a
// returned error anyway.
//
// Send returns nil only when the gateway accepted the message. On an error
// the Service removes the code (it can never be used) and does not charge
// the per-subject budgets, so the user's retry costs nothing twice.
type Sender interface {
	Send(ctx context.Context, m *Message) error
}

// SenderFunc adapts a function to Sender.
type SenderFunc func(ctx context.Context, m *Message) error

// Send calls f.
func (f SenderFunc) Send(ctx context.Context, m *Message) error { return f(ctx, m) }

// Message is one SMS to send. Its Text contains the code: Message redacts
// the text in String, GoString and LogValue, and senders must never log it.
type Message struct {
	// ID is a random, non-secret identifier of this message (16 hex
	// digits), for a gateway's idempotency key and for correlating logs.
	ID string
	// To is the destination; To.E164() is the full number.
	To Phone
	// Purpose is what the code confirms ("login").
	Purpose string
	// Lang is the language of Text: "kk", "ru" or "en".
	Lang string
	// Text is the full SMS, ending with the origin-bound line
	// "@domain #code". It contains the code.
	Text string
	// Encoding is GSM7 or UCS2; Units the length in that encoding; and
	// Segments the number of SMS parts (see Segments).
	Encoding string
	Units    int
	Segments int

	code string
}

// Code returns the code the message carries. It is a secret: a Sender
// rarely needs it (Text contains it); tests use it.
func (m *Message) Code() string { return m.code }

// RedactedText returns Text with the code replaced by asterisks.
func (m *Message) RedactedText() string {
	if m.code == "" {
		return m.Text
	}
	return strings.ReplaceAll(m.Text, m.code, strings.Repeat("*", len(m.code)))
}

// String describes the message without its text.
func (m *Message) String() string {
	return fmt.Sprintf("otp.Message{ID: %s, To: %s, Purpose: %s, Lang: %s, Segments: %d}", m.ID, m.To, m.Purpose, m.Lang, m.Segments)
}

// GoString is String.
func (m *Message) GoString() string { return m.String() }

// LogValue describes the message without its text.
func (m *Message) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", m.ID),
		slog.String("to", m.To.Masked()),
		slog.String("purpose", m.Purpose),
		slog.String("lang", m.Lang),
		slog.String("encoding", m.Encoding),
		slog.Int("segments", m.Segments),
	)
}

// DevConfig configures a DevSender.
type DevConfig struct {
	// Logger receives one record per message. Required.
	Logger *slog.Logger
	// InsecureShowCode puts the full text, code included, into the log
	// record. Only for a developer's own machine: anyone who reads the
	// log can then complete the SMS step. Without it the code is replaced
	// by asterisks.
	InsecureShowCode bool
}

// DevSender "sends" by writing to a log/slog logger, for development. It
// never reaches a phone.
type DevSender struct {
	log  *slog.Logger
	show bool
}

// NewDevSender validates cfg and returns a DevSender.
func NewDevSender(cfg DevConfig) (*DevSender, error) {
	if cfg.Logger == nil {
		return nil, fmt.Errorf("%w: DevConfig.Logger is required", ErrConfig)
	}
	return &DevSender{log: cfg.Logger, show: cfg.InsecureShowCode}, nil
}

// Send logs the message, at Info, with the code redacted unless
// InsecureShowCode is set.
func (d *DevSender) Send(ctx context.Context, m *Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	text := m.RedactedText()
	if d.show {
		text = m.Text
	}
	d.log.LogAttrs(ctx, slog.LevelInfo, "otp: sms (development sender, not delivered)",
		slog.Any("sms", m), slog.String("text", text))
	return nil
}
