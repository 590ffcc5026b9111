package qr_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	qrfactor "github.com/strongauth/strongauth/factors/qr"
)

// TestStatusWatchersCappedPerClient: one client holding its own flow cannot
// open any number of long polls (each up to 25 s, two store reads per poll
// interval); past WatchersPerIP it gets 429, another client does not, and a
// released place is free again.
func TestStatusWatchersCappedPerClient(t *testing.T) {
	h := newHost(t, withBrowser(func(c *qrfactor.BrowserConfig) {
		c.WatchersPerIP = 2
		c.ClientIP = func(r *http.Request) string { return r.Header.Get("X-Test-Client") }
	}))
	b := h.start("login", "")
	h.beginQR(b)
	pollCtx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan struct{}, 2)
	for range 2 {
		go func() {
			defer func() { done <- struct{}{} }()
			// A watcher refused while a probe below held a place tries
			// again, so that both end up holding one.
			for pollCtx.Err() == nil {
				req, _ := http.NewRequestWithContext(pollCtx, http.MethodGet, h.srv.URL+"/qr/browser/"+b.flow.ID+"/status?after=pending&wait=20", nil)
				req.AddCookie(&http.Cookie{Name: "strongauth", Value: b.binding})
				req.Header.Set("X-Test-Client", "203.0.113.7:1111")
				resp, err := h.srv.Client().Do(req)
				if err != nil {
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusTooManyRequests {
					return
				}
				time.Sleep(time.Millisecond)
			}
		}()
	}
	probe := func(client string) int {
		return h.get(b, "/status?after=pending&wait=0", "X-Test-Client", client).StatusCode
	}
	// The two long polls hold both places once they have arrived.
	require.Eventually(t, func() bool { return probe("203.0.113.7:2222") == http.StatusTooManyRequests },
		10*time.Second, 5*time.Millisecond, "a third watcher of the same client (another port) is refused")
	resp := h.get(b, "/status?after=pending&wait=0", "X-Test-Client", "203.0.113.7")
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	assert.Equal(t, "rate_limited", errorBody(t, resp).Code)
	assert.Equal(t, http.StatusOK, probe("198.51.100.1"), "another client is not affected")
	// Event streams count too.
	assert.Equal(t, http.StatusTooManyRequests,
		h.get(b, "/status", "Accept", "text/event-stream", "X-Test-Client", "203.0.113.7").StatusCode)
	stop()
	<-done
	<-done
	require.Eventually(t, func() bool { return probe("203.0.113.7") == http.StatusOK },
		10*time.Second, 5*time.Millisecond, "released places are free again")
}

// TestFrameRendersBudgetedAndCached: every watcher of a session gets the
// same frame from the cache (not counted); new renders are counted per
// client and refused past RendersPerIP in a minute.
func TestFrameRendersBudgetedAndCached(t *testing.T) {
	h := newHost(t, withBrowser(func(c *qrfactor.BrowserConfig) {
		c.RendersPerIP = 3
		c.ClientIP = func(r *http.Request) string { return r.Header.Get("X-Test-Client") }
	}))
	b := h.start("login", "")
	h.beginQR(b)
	img := func(path, client string) *http.Response { return h.get(b, path, "X-Test-Client", client) }
	first := img("/frame.png", "203.0.113.7")
	require.Equal(t, http.StatusOK, first.StatusCode)
	png := readAll(t, first)
	for range 10 { // ten watchers of the same frame: one render
		r := img("/frame.png", "203.0.113.7")
		require.Equal(t, http.StatusOK, r.StatusCode)
		assert.Equal(t, png, readAll(t, r))
	}
	require.Equal(t, http.StatusOK, img("/frame.svg", "203.0.113.7").StatusCode)   // render 2
	h.clock.Advance(time.Second)                                                   // a new frame
	require.Equal(t, http.StatusOK, img("/frame.png", "203.0.113.7:9").StatusCode) // render 3
	h.clock.Advance(time.Second)
	r := img("/frame.png", "203.0.113.7")
	assert.Equal(t, http.StatusTooManyRequests, r.StatusCode, "the fourth render in a minute")
	assert.Equal(t, "rate_limited", errorBody(t, r).Code)
	assert.Equal(t, "60", r.Header.Get("Retry-After"))
	assert.Equal(t, http.StatusOK, img("/frame.png", "198.51.100.1").StatusCode, "another client renders")
	assert.Equal(t, http.StatusOK, img("/frame.png", "203.0.113.7").StatusCode, "now cached for everyone")
	h.clock.Advance(time.Minute)
	assert.Equal(t, http.StatusOK, img("/frame.svg", "203.0.113.7").StatusCode, "a new minute")
}

// TestBindingCookieNameFollowsOrigins: the handler reads the cookie
// authhttp sets for the configured origins, whatever Host the request
// carries (a TLS proxy forwards Host: 127.0.0.1).
func TestBindingCookieNameFollowsOrigins(t *testing.T) {
	h := newHost(t, withBrowser(func(c *qrfactor.BrowserConfig) { c.Origins = []string{"https://example.kz"} }))
	b := h.start("login", "")
	h.beginQR(b)
	get := func(cookie string) int {
		req, err := http.NewRequest(http.MethodGet, h.srv.URL+"/qr/browser/"+b.flow.ID+"/frame", nil)
		require.NoError(t, err)
		req.AddCookie(&http.Cookie{Name: cookie, Value: b.binding})
		resp, err := h.srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusOK, get("__Host-strongauth"))
	assert.Equal(t, http.StatusForbidden, get("strongauth"), "the loopback name is not read for https origins")

	for name, c := range map[string]qrfactor.BrowserConfig{
		"no origins":            {},
		"http on a public host": {Origins: []string{"http://example.kz"}},
		"mixed":                 {Origins: []string{"https://example.kz", "http://localhost:1"}},
		"negative budget":       {Origins: []string{"https://example.kz"}, RendersPerIP: -1},
	} {
		_, err := h.factor.BrowserHandler(c)
		assert.ErrorIs(t, err, auth.ErrConfig, name)
	}
	_, err := h.factor.BrowserHandler(qrfactor.BrowserConfig{Binding: func(*http.Request) (string, bool) { return "", false }})
	assert.NoError(t, err, "a host binding needs no origins")
}
