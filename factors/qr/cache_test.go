package qr_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	qrfactor "github.com/strongauth/strongauth/factors/qr"
)

// TestFrameRenderedOnceForConcurrentWatchers: watchers asking for a new
// frame at the same moment share one render — with a budget of one render
// a minute, every one of them gets the same image, none a 429.
func TestFrameRenderedOnceForConcurrentWatchers(t *testing.T) {
	h := newHost(t, withBrowser(func(c *qrfactor.BrowserConfig) { c.RendersPerIP = 1 }))
	b := h.start("login", "")
	h.beginQR(b)
	const watchers = 10
	var wg sync.WaitGroup
	codes := make([]int, watchers)
	bodies := make([]string, watchers)
	start := make(chan struct{})
	for i := range watchers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := h.get(b, "/frame.png")
			codes[i], bodies[i] = r.StatusCode, readAll(t, r)
		}()
	}
	close(start)
	wg.Wait()
	for i := range watchers {
		require.Equal(t, http.StatusOK, codes[i], "watcher %d: %s", i, bodies[i])
		assert.Equal(t, bodies[0], bodies[i])
	}
}
