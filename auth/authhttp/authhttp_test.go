package authhttp_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authhttp"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/store/memory"
)

type env struct {
	srv     *httptest.Server
	h       *authhttp.Handler
	eng     *auth.Engine
	clock   *fakeclock.Clock
	results []*auth.Result
	mu      sync.Mutex
	metrics []string
	failOn  bool
}

func (e *env) Observe(op string, kind auth.Kind, outcome string, _ time.Duration) {
	e.mu.Lock()
	e.metrics = append(e.metrics, op+"/"+string(kind)+"/"+outcome)
	e.mu.Unlock()
}

func newEnv(t *testing.T, tweak func(*authhttp.Config)) *env {
	t.Helper()
	e := &env{clock: fakeclock.New(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))}
	st := memory.New(memory.Config{Now: e.clock.Now})
	t.Cleanup(func() { st.Close() })
	login, _ := auth.ParseRule("(ecp & sms) | webauthn")
	var err error
	e.eng, err = auth.New(auth.Config{Store: st, Now: e.clock.Now,
		Factors: []auth.Factor{authtest.Strong(auth.KindECP), authtest.Weak(auth.KindSMS), authtest.Strong(auth.KindWebAuthn)},
		Policies: []auth.Policy{{Action: "login", Rule: login},
			{Action: "sign-document", Rule: auth.AnyStrong(), MaxAge: 5 * time.Minute}}})
	require.NoError(t, err)
	mux := http.NewServeMux()
	e.srv = httptest.NewUnstartedServer(mux)
	cfg := authhttp.Config{
		Engine: e.eng, Store: st, Metrics: e, StatusInterval: 10 * time.Millisecond,
		Log:     slog.New(slog.DiscardHandler),
		Origins: []string{"http://" + e.srv.Listener.Addr().String()},
		OnResult: func(w http.ResponseWriter, r *http.Request, res *auth.Result) error {
			if e.failOn {
				return errors.New("session store down")
			}
			e.mu.Lock()
			e.results = append(e.results, res)
			e.mu.Unlock()
			return nil
		},
		StartsPerIP: 5,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	e.h, err = authhttp.New(cfg)
	require.NoError(t, err)
	mux.Handle("/auth/", http.StripPrefix("/auth", e.h))
	mux.Handle("/sign", e.h.Require("sign-document", func(*http.Request) []*auth.Result {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.results
	})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "signed") })))
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	return e
}

type browser struct {
	t      *testing.T
	e      *env
	c      *http.Client
	origin string
	csrf   string
}

func (e *env) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, e: e, c: &http.Client{Jar: jar}, origin: e.srv.URL}
}

type reply struct {
	status int
	body   map[string]any
	header http.Header
}

func (b *browser) do(method, path, ctype, body string, hdr map[string]string) reply {
	b.t.Helper()
	req, err := http.NewRequest(method, b.e.srv.URL+"/auth"+path, strings.NewReader(body))
	require.NoError(b.t, err)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if b.origin != "" {
		req.Header.Set("Origin", b.origin)
	}
	if b.csrf != "" {
		req.Header.Set(authhttp.CSRFHeader, b.csrf)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := b.c.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	var m map[string]any
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &m)
	return reply{resp.StatusCode, m, resp.Header}
}

func (b *browser) post(path, body string) reply {
	return b.do("POST", path, "application/json", body, nil)
}

func (b *browser) start(action string) string {
	b.t.Helper()
	r := b.post("/flows", `{"action":"`+action+`"}`)
	require.Equal(b.t, http.StatusCreated, r.status, r.body)
	b.csrf = r.body["csrf"].(string)
	return r.body["flow"].(string)
}

func TestLoginOverHTTP(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser(t)
	r := b.post("/flows", `{"action":"login"}`)
	require.Equal(t, http.StatusCreated, r.status)
	assert.Equal(t, []any{"ecp", "webauthn"}, r.body["offer"], "sms is not offered before a strong factor")
	b.csrf = r.body["csrf"].(string)
	flow := r.body["flow"].(string)

	r = b.post("/flows/"+flow+"/begin/sms", "")
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, "factor_not_allowed", r.body["code"])

	require.Equal(t, http.StatusOK, b.post("/flows/"+flow+"/begin/ecp", "").status)
	r = b.post("/flows/"+flow+"/finish/ecp", `{"subject":"alice","ok":true}`)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, false, r.body["allowed"])
	assert.Contains(t, r.body["offer"], "sms")

	require.Equal(t, http.StatusOK, b.post("/flows/"+flow+"/begin/sms", "").status)
	r = b.post("/flows/"+flow+"/finish/sms", `{"ok":true}`)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, true, r.body["allowed"])
	assert.Equal(t, "alice", r.body["subject"])
	require.Len(t, e.results, 1)
	assert.Equal(t, "alice", e.results[0].Subject)

	r = b.do("GET", "/flows/"+flow+"/decision", "", "", nil)
	assert.Equal(t, "completed", r.body["state"])
	r = b.post("/flows/"+flow+"/finish/webauthn", `{"ok":true}`)
	assert.Equal(t, http.StatusConflict, r.status)
	assert.Equal(t, "flow_completed", r.body["code"])
	assert.Contains(t, e.metrics, "finish/sms/ok")
	assert.Contains(t, e.metrics, "begin/sms/factor_not_allowed")
	flow = b.start("login")
	b.post("/flows/"+flow+"/begin/x"+strings.Repeat("y", 40), "")
	assert.Equal(t, "begin//unknown_factor", e.metrics[len(e.metrics)-1], "unknown kinds are not labels")
}

func TestRefusals(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser(t)
	flow := b.start("login")

	cases := []struct {
		name   string
		do     func() reply
		status int
		code   string
	}{
		{"no binding cookie", func() reply {
			o := e.browser(t)
			o.csrf = b.csrf
			return o.post("/flows/"+flow+"/begin/ecp", "")
		}, http.StatusForbidden, "binding_missing"},
		{"forged binding cookie", func() reply {
			o := e.browser(t)
			o.csrf = b.csrf
			return o.do("POST", "/flows/"+flow+"/begin/ecp", "application/json", "",
				map[string]string{"Cookie": "strongauth=" + strings.Repeat("A", 43)})
		}, http.StatusForbidden, "csrf"},
		{"forged binding cookie with a matching csrf", func() reply {
			// The attacker's own binding and its CSRF token: the flow is
			// bound to the victim's browser.
			o := e.browser(t)
			o.start("login")
			u, _ := url.Parse(e.srv.URL)
			o.csrf = authhttp.CSRFToken(o.c.Jar.Cookies(u)[0].Value, flow)
			return o.post("/flows/"+flow+"/begin/ecp", "")
		}, http.StatusForbidden, "binding_mismatch"},
		{"no csrf token", func() reply {
			return b.do("POST", "/flows/"+flow+"/begin/ecp", "application/json", "", map[string]string{authhttp.CSRFHeader: ""})
		}, http.StatusForbidden, "csrf"},
		{"csrf of another flow", func() reply {
			return b.do("POST", "/flows/"+flow+"/begin/ecp", "application/json", "", map[string]string{authhttp.CSRFHeader: flipFirst(b.csrf)})
		}, http.StatusForbidden, "csrf"},
		{"foreign origin", func() reply {
			return b.do("POST", "/flows/"+flow+"/begin/ecp", "application/json", "", map[string]string{"Origin": "https://evil.example"})
		}, http.StatusForbidden, "origin"},
		{"cross-site fetch", func() reply {
			return b.do("POST", "/flows/"+flow+"/begin/ecp", "application/json", "", map[string]string{"Sec-Fetch-Site": "cross-site"})
		}, http.StatusForbidden, "origin"},
		{"oversized body", func() reply {
			return b.post("/flows/"+flow+"/finish/ecp", `{"pad":"`+strings.Repeat("a", authhttp.DefaultMaxBody)+`"}`)
		}, http.StatusRequestEntityTooLarge, "too_large"},
		{"wrong content type", func() reply {
			return b.do("POST", "/flows/"+flow+"/finish/ecp", "text/plain", `{"ok":true}`, nil)
		}, http.StatusUnsupportedMediaType, "content_type"},
		{"form post", func() reply {
			return b.do("POST", "/flows/"+flow+"/finish/ecp", "application/x-www-form-urlencoded", `ok=true`, nil)
		}, http.StatusUnsupportedMediaType, "content_type"},
		{"not json", func() reply {
			return b.post("/flows/"+flow+"/finish/ecp", `{"ok":`)
		}, http.StatusBadRequest, "invalid_input"},
		{"trailing data", func() reply {
			return b.post("/flows/"+flow+"/finish/ecp", `{"ok":true} {}`)
		}, http.StatusBadRequest, "invalid_input"},
		{"unknown factor", func() reply { return b.post("/flows/"+flow+"/begin/password", "") }, http.StatusNotFound, "unknown_factor"},
		{"unknown flow", func() reply {
			return b.post("/flows/00000000000000000000000000000000/begin/ecp", "")
		}, http.StatusForbidden, "csrf"},
		{"unknown action", func() reply { return b.post("/flows", `{"action":"transfer"}`) }, http.StatusNotFound, "unknown_action"},
		{"unknown language", func() reply { return b.post("/flows", `{"action":"transfer","lang":"de"}`) }, http.StatusBadRequest, "invalid_input"},
		{"no action", func() reply { return b.post("/flows", `{"lang":"kk"}`) }, http.StatusBadRequest, "invalid_input"},
		{"no start body", func() reply { return b.post("/flows", "") }, http.StatusBadRequest, "invalid_input"},
		{"finish before begin", func() reply { return b.post("/flows/"+flow+"/finish/webauthn", `{"ok":true}`) }, http.StatusForbidden, "factor_not_begun"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.do()
			assert.Equal(t, c.status, r.status, r.body)
			assert.Equal(t, c.code, r.body["code"], r.body)
			assert.NotEmpty(t, r.body["message"])
		})
	}
}

func TestStartRateLimit(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser(t)
	for range 5 {
		b.start("login")
	}
	r := b.post("/flows", `{"action":"login"}`)
	assert.Equal(t, http.StatusTooManyRequests, r.status)
	assert.Equal(t, "rate_limited", r.body["code"])
	assert.Equal(t, "60", r.header.Get("Retry-After"))
	e.clock.Advance(time.Minute)
	b.start("login")
}

func TestMessagesFollowAcceptLanguage(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser(t)
	r := b.do("POST", "/flows", "text/plain", `x`, map[string]string{"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"})
	assert.Equal(t, "Неверный формат запроса.", r.body["message"])
	r = b.do("POST", "/flows", "text/plain", `x`, map[string]string{"Accept-Language": "kk"})
	assert.Equal(t, "Сұраным пішімі дұрыс емес.", r.body["message"])
}

func TestHostSessionFailureDenies(t *testing.T) {
	e := newEnv(t, nil)
	e.failOn = true
	b := e.browser(t)
	flow := b.start("login")
	require.Equal(t, http.StatusOK, b.post("/flows/"+flow+"/begin/webauthn", "").status)
	r := b.post("/flows/"+flow+"/finish/webauthn", `{"subject":"alice","ok":true}`)
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.Equal(t, "unavailable", r.body["code"])
	assert.NotContains(t, r.body["message"], "session store down")
}

func TestStepUpMiddleware(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser(t)
	get := func() (int, map[string]any) {
		resp, err := b.c.Get(e.srv.URL + "/sign")
		require.NoError(t, err)
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	code, m := get()
	assert.Equal(t, http.StatusUnauthorized, code)
	assert.Equal(t, "step_up_required", m["code"])
	assert.Equal(t, []any{[]any{"strong"}}, m["alternatives"])

	flow := b.start("sign-document")
	require.Equal(t, http.StatusOK, b.post("/flows/"+flow+"/begin/webauthn", "").status)
	r := b.post("/flows/"+flow+"/finish/webauthn", `{"subject":"alice","ok":true}`)
	require.Equal(t, true, r.body["allowed"], r.body)
	code, _ = get()
	assert.Equal(t, http.StatusOK, code)

	e.clock.Advance(5*time.Minute + time.Second)
	code, m = get()
	assert.Equal(t, http.StatusUnauthorized, code, "the strong factor is older than 5 minutes")
	assert.Equal(t, "step_up_required", m["code"])
}

func TestStatusLongPollAndSSE(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser(t)
	flow := b.start("login")
	r := b.do("GET", "/flows/"+flow+"/status?wait=0", "", "", nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "open", r.body["state"])
	v := r.body["version"].(float64)

	// A long poll since the current version answers when the flow changes.
	done := make(chan reply, 1)
	go func() {
		done <- b.do("GET", "/flows/"+flow+"/status?wait=10&since="+jsonNum(v), "", "", nil)
	}()
	time.Sleep(30 * time.Millisecond)
	require.Equal(t, http.StatusOK, b.post("/flows/"+flow+"/begin/webauthn", "").status)
	select {
	case r = <-done:
		assert.Greater(t, r.body["version"].(float64), v)
	case <-time.After(5 * time.Second):
		t.Fatal("long poll did not answer after the flow changed")
	}

	// SSE: the current view at once (its id the version), then events
	// until the flow is no longer open, then the stream ends.
	resp := b.sse(flow, "")
	defer resp.Body.Close()
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	events := readEvents(resp.Body)
	ev := <-events
	assert.Equal(t, "flow", ev.name)
	assert.Contains(t, ev.data, `"state":"open"`)
	var view map[string]any
	require.NoError(t, json.Unmarshal([]byte(ev.data), &view), "the data is one JSON value: %q", ev.data)
	assert.Equal(t, flow, view["flow"])
	assert.Equal(t, ev.id, jsonNum(view["version"].(float64)), "the event's id is the view's version")
	first := ev.id
	require.NotEmpty(t, first)
	require.NoError(t, e.eng.Cancel(context.Background(), flow, "test"))
	var last event
	for ev := range events {
		last = ev
	}
	assert.Equal(t, "flow", last.name)
	assert.Contains(t, last.data, `"state":"cancelled"`)
	assert.NotEqual(t, first, last.id)

	// A reconnecting EventSource (Last-Event-ID) is not sent what it has;
	// for a flow that is over it gets nothing and the stream ends.
	resp2 := b.sse(flow, last.id)
	defer resp2.Body.Close()
	n := 0
	for range readEvents(resp2.Body) {
		n++
	}
	assert.Zero(t, n)

	// Another browser cannot read the status.
	o := e.browser(t)
	r = o.do("GET", "/flows/"+flow+"/status?wait=0", "", "", nil)
	assert.Equal(t, http.StatusForbidden, r.status)
}

func jsonNum(f float64) string { b, _ := json.Marshal(f); return string(b) }

// sse opens the status stream of a flow as an EventSource would.
func (b *browser) sse(flow, lastID string) *http.Response {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.e.srv.URL+"/auth/flows/"+flow+"/status", nil)
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := b.c.Do(req)
	require.NoError(b.t, err)
	require.Equal(b.t, http.StatusOK, resp.StatusCode)
	return resp
}

type event struct{ id, name, data string }

// readEvents parses a Server-Sent Events stream until it ends.
func readEvents(r io.Reader) <-chan event {
	out := make(chan event, 16)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(r)
		var ev event
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.name != "" || ev.data != "" {
					out <- ev
				}
				ev = event{}
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.name = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[6:]
			}
		}
	}()
	return out
}

func TestNewValidates(t *testing.T) {
	_, err := authhttp.New(authhttp.Config{})
	assert.ErrorIs(t, err, auth.ErrConfig)
	e := newEnv(t, nil)
	_, err = authhttp.New(authhttp.Config{Engine: e.eng, Store: memory.New(memory.Config{}), OnResult: func(http.ResponseWriter, *http.Request, *auth.Result) error { return nil },
		Origins: []string{"https://example.kz/path"}})
	assert.ErrorIs(t, err, auth.ErrConfig)
	ok := func(http.ResponseWriter, *http.Request, *auth.Result) error { return nil }
	for name, c := range map[string]authhttp.Config{
		"http on a public host":   {Origins: []string{"http://example.kz"}},
		"http on a LAN address":   {Origins: []string{"http://10.0.0.7:8080"}},
		"mixed https and http":    {Origins: []string{"https://example.kz", "http://localhost:8080"}},
		"__Host- cookie on http":  {Origins: []string{"http://localhost:8080"}, CookieName: "__Host-mine"},
		"cookie name not a token": {Origins: []string{"https://example.kz"}, CookieName: "my cookie"},
		"cookie name with =":      {Origins: []string{"https://example.kz"}, CookieName: "a=b"},
	} {
		c.Engine, c.Store, c.OnResult = e.eng, memory.New(memory.Config{}), ok
		_, err := authhttp.New(c)
		assert.ErrorIs(t, err, auth.ErrConfig, name)
		assert.Equal(t, "config", auth.Code(err), name)
	}
}

// TestBindingCookieFollowsOrigins: behind a TLS-terminating proxy that
// forwards "Host: 127.0.0.1:…" (nginx's proxy_pass default), an https
// origin still gets a Secure "__Host-" cookie; on a loopback http origin
// the cookie is neither Secure nor prefixed, whatever Host says.
func TestBindingCookieFollowsOrigins(t *testing.T) {
	for _, tc := range []struct {
		origin, host, name string
		secure             bool
	}{
		{"https://example.kz", "127.0.0.1:8080", "__Host-strongauth", true},
		{"https://example.kz", "localhost", "__Host-strongauth", true},
		{"http://localhost:8080", "example.kz", "strongauth", false},
	} {
		e := newEnv(t, func(c *authhttp.Config) { c.Origins = []string{tc.origin} })
		req, err := http.NewRequest("POST", e.srv.URL+"/auth/flows", strings.NewReader(`{"action":"login"}`))
		require.NoError(t, err)
		req.Host = tc.host
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", tc.origin)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusCreated, resp.StatusCode, tc)
		cookies := resp.Cookies()
		require.Len(t, cookies, 1)
		assert.Equal(t, tc.name, cookies[0].Name, tc)
		assert.Equal(t, tc.secure, cookies[0].Secure, tc)
		assert.True(t, cookies[0].HttpOnly)
		assert.Equal(t, http.SameSiteStrictMode, cookies[0].SameSite)
		assert.Equal(t, "/", cookies[0].Path)
	}
}

func TestBeginRateLimit(t *testing.T) {
	e := newEnv(t, func(c *authhttp.Config) { c.BeginsPerIP = 3 })
	b := e.browser(t)
	flow := b.start("login")
	for range 3 {
		require.Equal(t, http.StatusOK, b.post("/flows/"+flow+"/begin/webauthn", "").status)
	}
	r := b.post("/flows/"+flow+"/begin/webauthn", "")
	assert.Equal(t, http.StatusTooManyRequests, r.status)
	assert.Equal(t, "rate_limited", r.body["code"])
	assert.Equal(t, "60", r.header.Get("Retry-After"))
	// Finishing is not a begin: the factor's own limits apply there.
	r = b.post("/flows/"+flow+"/finish/webauthn", `{"subject":"alice","ok":true}`)
	assert.Equal(t, http.StatusOK, r.status, r.body)
	e.clock.Advance(time.Minute)
	flow = b.start("login")
	assert.Equal(t, http.StatusOK, b.post("/flows/"+flow+"/begin/webauthn", "").status)
}

// TestRateLimitBuckets: IPv6 clients are counted by /64, IPv4 ones by
// address, so rotating through one's own /64 does not escape the limit.
func TestRateLimitBuckets(t *testing.T) {
	var ip string
	e := newEnv(t, func(c *authhttp.Config) {
		c.StartsPerIP = 2
		c.ClientIP = func(*http.Request) string { return ip }
	})
	b := e.browser(t)
	start := func(addr string) int {
		ip = addr
		return b.post("/flows", `{"action":"login"}`).status
	}
	assert.Equal(t, http.StatusCreated, start("2001:db8:1:2::1"))
	assert.Equal(t, http.StatusCreated, start("2001:db8:1:2:ffff::9"))
	assert.Equal(t, http.StatusTooManyRequests, start("2001:db8:1:2:abcd::1"), "same /64")
	assert.Equal(t, http.StatusCreated, start("2001:db8:1:3::1"), "another /64")
	assert.Equal(t, http.StatusCreated, start("192.0.2.1"))
	assert.Equal(t, http.StatusCreated, start("::ffff:192.0.2.1"), "the mapped form is the same address")
	assert.Equal(t, http.StatusTooManyRequests, start("192.0.2.1"))
	assert.Equal(t, http.StatusCreated, start("192.0.2.2"))
	// A client address with a source port (Azure Application Gateway writes
	// "ip:port" into X-Forwarded-For) is the same client on every port.
	assert.Equal(t, http.StatusCreated, start("203.0.113.7:51234"))
	assert.Equal(t, http.StatusCreated, start("203.0.113.7:51235"))
	assert.Equal(t, http.StatusTooManyRequests, start("203.0.113.7:51236"), "another port, same client")
	assert.Equal(t, http.StatusTooManyRequests, start("203.0.113.7"))
	assert.Equal(t, http.StatusCreated, start("[2001:db8:9:9::1]:443"))
	assert.Equal(t, http.StatusCreated, start("[2001:db8:9:9::2]:443"))
	assert.Equal(t, http.StatusTooManyRequests, start("2001:db8:9:9::3"), "brackets and a port, same /64")
}

func TestChunkedOversizedBody(t *testing.T) {
	e := newEnv(t, func(c *authhttp.Config) { c.MaxBody = 1024 })
	b := e.browser(t)
	flow := b.start("login")
	pr, pw := io.Pipe()
	go func() {
		_, _ = io.WriteString(pw, `{"pad":"`+strings.Repeat("a", 4096)+`"}`)
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", e.srv.URL+"/auth/flows/"+flow+"/finish/webauthn", pr)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", b.origin)
	req.Header.Set(authhttp.CSRFHeader, b.csrf)
	resp, err := b.c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	var m map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
	assert.Equal(t, "too_large", m["code"])
}

func TestExpiredFlow(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser(t)
	flow := b.start("login")
	e.clock.Advance(auth.DefaultFlowTTL)
	r := b.post("/flows/"+flow+"/begin/webauthn", "")
	assert.Equal(t, http.StatusGone, r.status)
	assert.Equal(t, "flow_expired", r.body["code"])
	r = b.do("GET", "/flows/"+flow+"/decision", "", "", nil)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "expired", r.body["state"])
	assert.Equal(t, []any{}, r.body["offer"])
}

func TestUnknownRoutesAnswerJSON(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser(t)
	for _, c := range []struct{ method, path string }{
		{"GET", "/nothing"}, {"GET", "/flows"}, {"DELETE", "/flows/x/begin/ecp"}, {"PUT", "/client.js"},
	} {
		r := b.do(c.method, c.path, "", "", nil)
		assert.Equal(t, http.StatusNotFound, r.status, c)
		assert.Equal(t, "not_found", r.body["code"], c)
		assert.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"))
	}
	resp, err := b.c.Get(e.srv.URL + "/auth/client.js")
	require.NoError(t, err)
	defer resp.Body.Close()
	js, _ := io.ReadAll(resp.Body)
	assert.Equal(t, "text/javascript; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, authhttp.ClientJS(), js)
	assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
}

// TestNoRedirects: a path the mux would clean or redirect ("flows" after a
// StripPrefix that left no slash, "*", a trailing slash) gets the JSON 404
// too, never a redirect.
func TestNoRedirects(t *testing.T) {
	e := newEnv(t, nil)
	for _, p := range []string{"flows", "client.js", "*", "/flows/", "/client.js/", "//flows", "/flows/x/../x/status"} {
		for _, m := range []string{"GET", "POST"} {
			r := httptest.NewRequest(m, "http://localhost/", nil)
			r.URL.Path = p
			w := httptest.NewRecorder()
			e.h.ServeHTTP(w, r)
			assert.Equal(t, http.StatusNotFound, w.Code, "%s %q", m, p)
			assert.Equal(t, "application/json; charset=utf-8", w.Header().Get("Content-Type"), "%s %q", m, p)
			assert.Contains(t, w.Body.String(), `"code":"not_found"`, "%s %q", m, p)
		}
	}
}

// TestSubjectHook: a step-up flow for a user the host knows must prove
// that user; a factor proving someone else is refused, and a host refusal
// stops the start.
func TestSubjectHook(t *testing.T) {
	e := newEnv(t, func(c *authhttp.Config) {
		c.Subject = func(r *http.Request, action string) (string, error) {
			switch r.Header.Get("X-Test-User") {
			case "":
				if action == "sign-document" {
					return "", auth.ErrNoSubject
				}
				return "", nil
			default:
				return r.Header.Get("X-Test-User"), nil
			}
		}
	})
	b := e.browser(t)
	r := b.post("/flows", `{"action":"sign-document"}`)
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, "subject_unknown", r.body["code"])

	r = b.do("POST", "/flows", "application/json", `{"action":"sign-document"}`, map[string]string{"X-Test-User": "alice"})
	require.Equal(t, http.StatusCreated, r.status, r.body)
	assert.Equal(t, true, r.body["subject_known"])
	b.csrf = r.body["csrf"].(string)
	flow := r.body["flow"].(string)
	require.Equal(t, http.StatusOK, b.post("/flows/"+flow+"/begin/webauthn", "").status)
	r = b.post("/flows/"+flow+"/finish/webauthn", `{"subject":"mallory","ok":true}`)
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "subject_mismatch", r.body["code"])
	assert.Empty(t, e.results)
}

// TestBindingAccessor: the host can read the browser's binding (for
// passkey enrolment) where it handles the request.
func TestBindingAccessor(t *testing.T) {
	var e *env
	var got string
	var ok bool
	e = newEnv(t, func(c *authhttp.Config) {
		c.OnResult = func(w http.ResponseWriter, r *http.Request, res *auth.Result) error {
			got, ok = e.h.Binding(r)
			return nil
		}
	})
	b := e.browser(t)
	flow := b.start("login")
	require.Equal(t, http.StatusOK, b.post("/flows/"+flow+"/begin/webauthn", "").status)
	require.Equal(t, http.StatusOK, b.post("/flows/"+flow+"/finish/webauthn", `{"subject":"alice","ok":true}`).status)
	u, _ := url.Parse(e.srv.URL)
	require.True(t, ok)
	assert.Equal(t, b.c.Jar.Cookies(u)[0].Value, got)
	_, ok = e.h.Binding(httptest.NewRequest("GET", "http://localhost/", nil))
	assert.False(t, ok)
}

// TestWatchersPerIP: one address cannot hold more than WatchersPerIP
// status requests open; closing one frees its place.
func TestWatchersPerIP(t *testing.T) {
	e := newEnv(t, func(c *authhttp.Config) { c.WatchersPerIP = 2 })
	b := e.browser(t)
	flow := b.start("login")
	v := jsonNum(b.do("GET", "/flows/"+flow+"/status?wait=0", "", "", nil).body["version"].(float64))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A probe below may hold a place for a moment: a watcher that
			// is refused then tries again, until it is admitted and held.
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/auth/flows/"+flow+"/status?wait=20&since="+v, nil)
				resp, err := b.c.Do(req)
				if err != nil {
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusTooManyRequests {
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	refused := func() bool {
		r := b.do("GET", "/flows/"+flow+"/status?wait=0", "", "", nil)
		return r.status == http.StatusTooManyRequests && r.body["code"] == "rate_limited"
	}
	assert.Eventually(t, refused, 5*time.Second, 10*time.Millisecond, "a third watcher is refused")
	cancel()
	wg.Wait()
	assert.Eventually(t, func() bool { return !refused() }, 5*time.Second, 10*time.Millisecond, "places are freed")
}

// TestConcurrentFinish: many requests racing to finish the same flow over
// HTTP — exactly one completes it and creates the host's session.
func TestConcurrentFinish(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser(t)
	flow := b.start("login")
	require.Equal(t, http.StatusOK, b.post("/flows/"+flow+"/begin/webauthn", "").status)
	const racers = 20
	statuses := make(chan int, racers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses <- b.post("/flows/"+flow+"/finish/webauthn", `{"subject":"alice","ok":true}`).status
		}()
	}
	close(start)
	wg.Wait()
	close(statuses)
	ok := 0
	for s := range statuses {
		switch s {
		case http.StatusOK:
			ok++
		case http.StatusConflict:
		default:
			t.Errorf("unexpected status %d", s)
		}
	}
	assert.Equal(t, 1, ok, "exactly one finish wins")
	e.mu.Lock()
	defer e.mu.Unlock()
	assert.Len(t, e.results, 1, "the host's OnResult ran once")
}

// TestStreamEndsWithErrorEvent: a flow that disappears while watched ends
// the stream with an "error" event carrying only the code.
func TestStreamEndsWithErrorEvent(t *testing.T) {
	var st *memory.Store
	e := newEnv(t, func(c *authhttp.Config) { st = c.Store.(*memory.Store) })
	b := e.browser(t)
	flow := b.start("login")
	resp := b.sse(flow, "")
	defer resp.Body.Close()
	events := readEvents(resp.Body)
	require.Equal(t, "flow", (<-events).name)
	require.NoError(t, st.Delete(context.Background(), "sa:flow:{"+flow+"}"))
	var last event
	for ev := range events {
		last = ev
	}
	assert.Equal(t, "error", last.name)
	assert.JSONEq(t, `{"code":"flow_not_found"}`, last.data)
}

// TestHostBinding: a host that binds flows to its own session supplies the
// secret; no cookie of the library's is set, and the CSRF token follows
// the host's secret.
func TestHostBinding(t *testing.T) {
	e := newEnv(t, func(c *authhttp.Config) {
		c.Binding = func(r *http.Request) (string, bool) {
			s := r.Header.Get("X-Host-Session")
			return s, len(s) >= 32
		}
	})
	b := e.browser(t)
	r := b.post("/flows", `{"action":"login"}`)
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, "binding_missing", r.body["code"])

	mine := map[string]string{"X-Host-Session": strings.Repeat("m", 40)}
	r = b.do("POST", "/flows", "application/json", `{"action":"login"}`, mine)
	require.Equal(t, http.StatusCreated, r.status, r.body)
	assert.Empty(t, r.header.Values("Set-Cookie"), "the host owns the binding")
	flow := r.body["flow"].(string)
	assert.Equal(t, authhttp.CSRFToken(mine["X-Host-Session"], flow), r.body["csrf"])
	b.csrf = r.body["csrf"].(string)
	assert.Equal(t, http.StatusOK, b.do("POST", "/flows/"+flow+"/begin/webauthn", "application/json", "", mine).status)

	theirs := map[string]string{"X-Host-Session": strings.Repeat("t", 40)}
	r = b.do("POST", "/flows/"+flow+"/finish/webauthn", "application/json", `{"subject":"alice","ok":true}`, theirs)
	assert.Equal(t, "csrf", r.body["code"], "the token is of another session")
	r = b.do("GET", "/flows/"+flow+"/decision", "", "", theirs)
	assert.Equal(t, "binding_mismatch", r.body["code"])
	r = b.do("POST", "/flows/"+flow+"/finish/webauthn", "application/json", `{"subject":"alice","ok":true}`, mine)
	assert.Equal(t, true, r.body["allowed"], r.body)
}

// flipFirst changes the first character of a token (to another one, always).
func flipFirst(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

// A finish with ?then=sms begins sms in the same request when the flow
// needs it alone next: the answer carries the challenge as "next" (one
// round trip fewer), or what a begin would have refused as "next_error"
// (the finish stands). Otherwise then changes nothing.
func TestFinishThenBeginsNext(t *testing.T) {
	e := newEnv(t, func(c *authhttp.Config) { c.BeginsPerIP = 4 })
	b := e.browser(t)
	flow := b.start("login")
	require.Equal(t, http.StatusOK, b.post("/flows/"+flow+"/begin/ecp", "").status)
	r := b.post("/flows/"+flow+"/finish/ecp?then=sms", `{"subject":"alice","ok":true}`)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, false, r.body["allowed"])
	next, ok := r.body["next"].(map[string]any)
	require.True(t, ok, "%v", r.body)
	assert.Equal(t, "sms", next["kind"])
	assert.NotEmpty(t, next["expires_at"])
	assert.NotContains(t, r.body, "next_error")
	assert.Contains(t, e.metrics, "begin/sms/ok")
	// The sms step is begun: finishing it completes the flow.
	r = b.post("/flows/"+flow+"/finish/sms?then=sms", `{"ok":true}`)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, true, r.body["allowed"])
	assert.NotContains(t, r.body, "next", "nothing is begun after an allowed finish")

	// Not needed alone next: then is ignored (webauthn completes the
	// flow; ecp is not what remains after ecp).
	flow = b.start("login")
	require.Equal(t, http.StatusOK, b.post("/flows/"+flow+"/begin/ecp", "").status)
	r = b.post("/flows/"+flow+"/finish/ecp?then=ecp", `{"subject":"alice","ok":true}`)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.NotContains(t, r.body, "next")
	assert.NotContains(t, r.body, "next_error")

	// The begin passes the same per-IP limit as POST …/begin: over it,
	// the finish still stands and the refusal comes as next_error.
	flow = b.start("login")
	require.Equal(t, http.StatusOK, b.post("/flows/"+flow+"/begin/ecp", "").status)
	r = b.post("/flows/"+flow+"/finish/ecp?then=sms", `{"subject":"alice","ok":true}`)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.NotContains(t, r.body, "next")
	ne, ok := r.body["next_error"].(map[string]any)
	require.True(t, ok, "%v", r.body)
	assert.Equal(t, "rate_limited", ne["code"])
	assert.NotEmpty(t, ne["message"])
	assert.Greater(t, ne["retry_after"], 0.0)
	assert.Contains(t, e.metrics, "begin/sms/rate_limited")
	r = b.do("GET", "/flows/"+flow+"/decision", "", "", nil)
	assert.Equal(t, []any{"ecp"}, r.body["done"], "the finish stood: %v", r.body)
}
