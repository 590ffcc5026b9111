package otp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// Bounds of HTTPConfig.
const (
	DefaultHTTPTimeout  = 10 * time.Second
	MaxHTTPTimeout      = time.Minute
	DefaultHTTPAttempts = 3
	MaxHTTPAttempts     = 5
	DefaultHTTPBackoff  = 250 * time.Millisecond
)

// ErrGateway reports a gateway failure: a refusal (4xx), server errors
// (5xx) beyond the retries, or a transport error. Its message carries the
// status, never the message or the gateway's reply.
var ErrGateway = errors.New("otp: SMS gateway failed")

// HTTPConfig configures an HTTPSender.
type HTTPConfig struct {
	// URL is the gateway endpoint that receives a JSON POST per message.
	// Required; https unless InsecureAllowHTTP.
	URL string
	// Header is added to every request (for example Authorization). It is
	// never logged.
	Header http.Header
	// Client sends the requests. Nil means a new http.Client. Either
	// way redirects are not followed: a gateway that redirects fails
	// rather than having the code posted somewhere else.
	Client *http.Client
	// Timeout bounds each attempt. Zero means 10 seconds; at most one
	// minute.
	Timeout time.Duration
	// Attempts is how many times a message is tried when the gateway
	// answers 5xx; any other failure (4xx, a timeout, a transport error,
	// after which the message may have gone out) is not retried. Zero
	// means 3; at most 5.
	Attempts int
	// Backoff is the pause before the first retry, doubled before each
	// next one. Zero means 250 ms.
	Backoff time.Duration
	// Body builds the JSON request body. Nil means
	// {"id": …, "to": "+7701…", "text": …, "lang": …}.
	Body func(m *Message) any
	// Logger receives a record per failed attempt (status, masked number,
	// message ID; never the text). Nil discards them.
	Logger *slog.Logger
	// InsecureAllowHTTP permits a plain-http URL, which exposes every code
	// on the network. Only for a gateway on the same host.
	InsecureAllowHTTP bool
}

// HTTPSender posts each message as JSON to an SMS gateway.
type HTTPSender struct {
	url      string
	header   http.Header
	client   *http.Client
	timeout  time.Duration
	attempts int
	backoff  time.Duration
	body     func(*Message) any
	log      *slog.Logger
}

// NewHTTPSender validates cfg and returns an HTTPSender.
func NewHTTPSender(cfg HTTPConfig) (*HTTPSender, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && cfg.InsecureAllowHTTP)) {
		return nil, fmt.Errorf("%w: HTTPConfig.URL must be an https URL", ErrConfig)
	}
	h := &HTTPSender{
		url:      cfg.URL,
		header:   cfg.Header.Clone(),
		timeout:  orDefault(cfg.Timeout, DefaultHTTPTimeout),
		attempts: orDefault(cfg.Attempts, DefaultHTTPAttempts),
		backoff:  orDefault(cfg.Backoff, DefaultHTTPBackoff),
		body:     cfg.Body,
		log:      cfg.Logger,
	}
	switch {
	case h.timeout < 0 || h.timeout > MaxHTTPTimeout:
		return nil, fmt.Errorf("%w: HTTPConfig.Timeout must be positive and at most %v", ErrConfig, MaxHTTPTimeout)
	case h.attempts < 1 || h.attempts > MaxHTTPAttempts:
		return nil, fmt.Errorf("%w: HTTPConfig.Attempts must be between 1 and %d", ErrConfig, MaxHTTPAttempts)
	case h.backoff < 0:
		return nil, fmt.Errorf("%w: HTTPConfig.Backoff must not be negative", ErrConfig)
	}
	client := http.Client{}
	if cfg.Client != nil {
		client = *cfg.Client
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	h.client = &client
	if h.body == nil {
		h.body = func(m *Message) any {
			return map[string]string{"id": m.ID, "to": m.To.E164(), "text": m.Text, "lang": m.Lang}
		}
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	return h, nil
}

// String describes the sender without its headers.
func (h *HTTPSender) String() string { return "otp.HTTPSender{" + h.url + "}" }

// GoString is String.
func (h *HTTPSender) GoString() string { return h.String() }

// Send implements Sender: a JSON POST, retried only on a 5xx answer.
func (h *HTTPSender) Send(ctx context.Context, m *Message) error {
	body, err := json.Marshal(h.body(m))
	if err != nil {
		return fmt.Errorf("%w: cannot encode the request body", ErrGateway)
	}
	pause := h.backoff
	var status int
	for attempt := 1; ; attempt++ {
		status, err = h.post(ctx, body)
		if err == nil && status >= 200 && status < 300 {
			return nil
		}
		h.log.LogAttrs(ctx, slog.LevelWarn, "otp: gateway attempt failed", slog.Int("attempt", attempt),
			slog.Int("status", status), slog.String("to", m.To.Masked()), slog.String("message", m.ID),
			slog.Bool("transport_error", err != nil))
		switch {
		case err != nil:
			return fmt.Errorf("%w: attempt %d: %w", ErrGateway, attempt, err)
		case status < 500:
			return fmt.Errorf("%w: status %d (not retried)", ErrGateway, status)
		case attempt >= h.attempts:
			return fmt.Errorf("%w: status %d after %d attempts", ErrGateway, status, attempt)
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w: %w", ErrGateway, ctx.Err())
		case <-t.C:
		}
		pause *= 2
	}
}

// post makes one attempt. Its error never contains the body or the URL.
func (h *HTTPSender) post(ctx context.Context, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return 0, errors.New("cannot build the request")
	}
	req.Header = h.header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := h.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		// Not the url.Error itself: its message quotes the URL, which
		// may hold a gateway key in its query.
		var ue *url.Error
		if errors.As(err, &ue) {
			return 0, fmt.Errorf("transport: %w", ue.Err)
		}
		return 0, errors.New("transport error")
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}
