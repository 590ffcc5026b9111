package otp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/otp"
)

// gateway is a fake SMS gateway answering with the given statuses in turn
// (the last one repeats).
type gateway struct {
	srv      *httptest.Server
	requests atomic.Int32
	last     atomic.Value // map[string]string
	auth     atomic.Value // string
	answered func()       // if set, called after each answer
}

func newGateway(t *testing.T, block <-chan struct{}, statuses ...int) *gateway {
	g := &gateway{}
	g.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/warm" { // opens the connection the sender then reuses
			return
		}
		n := int(g.requests.Add(1))
		var body map[string]string
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &body)
		g.last.Store(body)
		g.auth.Store(r.Header.Get("Authorization"))
		if block != nil {
			select {
			case <-block:
			case <-r.Context().Done():
				// The client gave up: answer nothing (a 200 written now
				// could still reach a client whose deadline has passed
				// but whose transport is reading).
				panic(http.ErrAbortHandler)
			}
		}
		w.WriteHeader(statuses[min(n, len(statuses))-1])
		_, _ = w.Write([]byte(`{"error":"echo of the message would go here"}`))
		if g.answered != nil {
			g.answered()
		}
	}))
	t.Cleanup(g.srv.Close)
	return g
}

// warm opens a connection to the gateway, so that timing-sensitive tests
// do not wait for a TLS handshake on a loaded machine.
func (g *gateway) warm(t *testing.T) {
	resp, err := g.srv.Client().Get(g.srv.URL + "/warm")
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

func (g *gateway) sender(t *testing.T, log io.Writer, mutate ...func(*otp.HTTPConfig)) *otp.HTTPSender {
	cfg := otp.HTTPConfig{
		URL:     g.srv.URL + "/send",
		Client:  g.srv.Client(),
		Header:  http.Header{"Authorization": {"Bearer gateway-token"}},
		Backoff: time.Millisecond,
		Logger:  slog.New(slog.NewTextHandler(log, nil)),
	}
	for _, m := range mutate {
		m(&cfg)
	}
	s, err := otp.NewHTTPSender(cfg)
	require.NoError(t, err)
	return s
}

// sendVia issues a code through s and returns the Issue error and the code.
func sendVia(t *testing.T, s otp.Sender) (string, error) {
	var code string
	e := newEnv(t, func(c *otp.Config) {
		c.Sender = otp.SenderFunc(func(ctx context.Context, m *otp.Message) error {
			code = m.Code()
			return s.Send(ctx, m)
		})
	})
	_, err := e.svc.Issue(context.Background(), e.request(flowA))
	return code, err
}

func TestHTTPSenderDelivers(t *testing.T) {
	g := newGateway(t, nil, http.StatusAccepted)
	var log bytes.Buffer
	code, err := sendVia(t, g.sender(t, &log))
	require.NoError(t, err)
	assert.EqualValues(t, 1, g.requests.Load())
	body := g.last.Load().(map[string]string)
	assert.Equal(t, "+77012345612", body["to"])
	assert.Equal(t, "ru", body["lang"])
	assert.Contains(t, body["text"], "@example.kz #"+code)
	assert.Len(t, body["id"], 16)
	assert.Equal(t, "Bearer gateway-token", g.auth.Load())
	assert.Empty(t, log.String(), "nothing logged on success")
}

func TestHTTPSenderRetries5xxOnly(t *testing.T) {
	for _, c := range []struct {
		name     string
		statuses []int
		requests int32
		ok       bool
	}{
		{"503 then 200", []int{503, 200}, 2, true},
		{"500 twice then 200", []int{500, 500, 200}, 3, true},
		{"5xx beyond the attempts", []int{502}, 3, false},
		{"400 is not retried", []int{400, 200}, 1, false},
		{"401 is not retried", []int{401, 200}, 1, false},
		{"429 is not retried", []int{429, 200}, 1, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := newGateway(t, nil, c.statuses...)
			var log bytes.Buffer
			code, err := sendVia(t, g.sender(t, &log))
			assert.Equal(t, c.requests, g.requests.Load())
			if c.ok {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, otp.ErrSend)
				require.ErrorIs(t, err, otp.ErrGateway)
				assert.NotContains(t, err.Error(), code)
				assert.NotContains(t, err.Error(), "echo", "the gateway's reply is not quoted")
			}
			for _, leak := range []string{code, "7012345612", "gateway-token", "Никому"} {
				assert.NotContains(t, log.String(), leak)
			}
		})
	}
}

func TestHTTPSenderTimeoutIsNotRetried(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	g := newGateway(t, block, 200)
	g.warm(t)
	var log bytes.Buffer
	s := g.sender(t, &log, func(c *otp.HTTPConfig) { c.Timeout = 200 * time.Millisecond })
	_, err := sendVia(t, s)
	require.ErrorIs(t, err, otp.ErrGateway)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.EqualValues(t, 1, g.requests.Load(), "a timeout may have delivered: no retry")
}

func TestHTTPSenderStopsWithTheContext(t *testing.T) {
	g := newGateway(t, nil, 503)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g.answered = cancel // the caller gives up during the backoff
	s := g.sender(t, io.Discard, func(c *otp.HTTPConfig) { c.Backoff = time.Hour; c.Attempts = 5 })
	err := s.Send(ctx, &otp.Message{To: mustParse(t, "+77012345612")})
	require.ErrorIs(t, err, otp.ErrGateway)
	assert.ErrorIs(t, err, context.Canceled)
	assert.EqualValues(t, 1, g.requests.Load())
}

func TestHTTPSenderConfig(t *testing.T) {
	for name, cfg := range map[string]otp.HTTPConfig{
		"no URL":        {},
		"plain http":    {URL: "http://sms.example.kz/send"},
		"relative":      {URL: "/send"},
		"ftp":           {URL: "ftp://sms.example.kz/"},
		"long timeout":  {URL: "https://sms.example.kz/", Timeout: time.Hour},
		"many attempts": {URL: "https://sms.example.kz/", Attempts: 6},
		"neg backoff":   {URL: "https://sms.example.kz/", Backoff: -time.Second},
	} {
		_, err := otp.NewHTTPSender(cfg)
		assert.ErrorIs(t, err, otp.ErrConfig, name)
	}
	s, err := otp.NewHTTPSender(otp.HTTPConfig{URL: "http://127.0.0.1:9/send", InsecureAllowHTTP: true,
		Header: http.Header{"Authorization": {"Bearer gateway-token"}}})
	require.NoError(t, err)
	assert.NotContains(t, s.String()+s.GoString(), "gateway-token")
}

func TestHTTPSenderCustomBody(t *testing.T) {
	g := newGateway(t, nil, 200)
	s := g.sender(t, io.Discard, func(c *otp.HTTPConfig) {
		c.Body = func(m *otp.Message) any {
			return map[string]string{"to": m.To.E164(), "text": m.Text, "sender": "EXAMPLE"}
		}
	})
	_, err := sendVia(t, s)
	require.NoError(t, err)
	assert.Equal(t, "EXAMPLE", g.last.Load().(map[string]string)["sender"])
}

func TestHTTPSenderDoesNotFollowRedirects(t *testing.T) {
	elsewhere := newGateway(t, nil, 200)
	var redirected atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		redirected.Add(1)
		http.Redirect(w, r, elsewhere.srv.URL+"/send", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	s, err := otp.NewHTTPSender(otp.HTTPConfig{URL: srv.URL + "/send?key=gateway-key", Client: srv.Client()})
	require.NoError(t, err)
	err = s.Send(context.Background(), &otp.Message{To: mustParse(t, "+77012345612"), Text: "secret text"})
	require.ErrorIs(t, err, otp.ErrGateway)
	assert.Contains(t, err.Error(), "307")
	assert.EqualValues(t, 1, redirected.Load())
	assert.Zero(t, elsewhere.requests.Load(), "the message did not follow the redirect")
}

func TestHTTPSenderTransportErrorHidesTheURL(t *testing.T) {
	g := newGateway(t, nil, 200)
	url := g.srv.URL
	g.srv.Close() // nothing listens any more
	s, err := otp.NewHTTPSender(otp.HTTPConfig{URL: url + "/send?key=gateway-key", Client: g.srv.Client(), Attempts: 1})
	require.NoError(t, err)
	err = s.Send(context.Background(), &otp.Message{To: mustParse(t, "+77012345612"), Text: "secret text"})
	require.ErrorIs(t, err, otp.ErrGateway)
	assert.NotContains(t, err.Error(), "gateway-key")
	assert.NotContains(t, err.Error(), "secret text")
	assert.Contains(t, err.Error(), "transport")
}
