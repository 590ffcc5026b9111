package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authhttp"
	"github.com/strongauth/strongauth/factors/ecp/ecptest"
	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/otp/otptest"
)

// The test persons, by role.
const (
	askar   = "880101300123"
	aigerim = "920202450012"
	revoked = "850715300459"
	// The demo company's people (company.go).
	firstHead   = "750312300785"
	rightToSign = "830925400612"
	employee    = "900415300341"
)

// harness is a portal served on localhost with a fake clock, a recording
// SMS sender and an NCALayer simulator holding the test keys.
type harness struct {
	t      testing.TB
	clock  *fakeclock.Clock
	sms    *otptest.Recorder
	p      *Portal
	origin string
	sim    *ecptest.Sim
	simURL string
	// cancelSigning makes the simulator answer as a cancelled dialog.
	cancelSigning atomic.Bool
	// xmlSigned counts the XML signatures the simulator was asked for.
	xmlSigned atomic.Int64
	// signing adds up the time sign spent in the simulator (the client's
	// work, which benchmarks leave out), and signingCPU the process CPU
	// time then, when cpu (a benchmark's CPU clock) is set.
	signing, signingCPU atomic.Int64
	cpu                 func() time.Duration
}

func newHarness(t testing.TB, tweak func(*Config)) *harness {
	t.Helper()
	return newHarnessClock(t, fakeclock.New(time.Now().UTC().Truncate(time.Second)), tweak)
}

// newPhoneHarness is a harness whose clock follows the real time, for
// tests in which the phone simulator (a separate process) signs its
// requests with its own clock: a stopped clock would drift from it by as
// long as the test has run and the server would refuse the phone's signed
// time once that passes qr.DefaultRequestSkew (as happened on a loaded
// machine).
func newPhoneHarness(t testing.TB, tweak func(*Config)) *harness {
	t.Helper()
	return newHarnessClock(t, fakeclock.Running(), tweak)
}

func newHarnessClock(t testing.TB, clock *fakeclock.Clock, tweak func(*Config)) *harness {
	t.Helper()
	h := &harness{t: t, clock: clock, sms: &otptest.Recorder{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	simLn, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	h.origin = "http://localhost:" + portOf(ln.Addr())
	h.simURL = "ws://127.0.0.1:" + portOf(simLn.Addr())
	cfg := Config{Origin: h.origin, NCALayerURL: h.simURL, SMS: h.sms, Now: h.clock.Now, Log: slog.New(slog.DiscardHandler)}
	if tweak != nil {
		tweak(&cfg)
	}
	h.p, err = New(cfg)
	require.NoError(t, err)
	h.sim, err = ecptest.New(ecptest.Config{InsecureTestKeys: true, Keys: h.p.pki.simKeys(), Origins: []string{h.origin},
		Approve: func(_ context.Context, r *ecptest.Request, _ *ecptest.Key) error {
			if r.Args.Format == "xml" {
				h.xmlSigned.Add(1)
			}
			if h.cancelSigning.Load() {
				return ecptest.ErrCancelled
			}
			return nil
		}})
	require.NoError(t, err)
	s1, s2 := serve(ln, h.p), serve(simLn, h.sim)
	t.Cleanup(func() {
		_ = s1.Close()
		_ = s2.Close()
		h.p.Close()
	})
	return h
}

// lastCode is the code of the latest SMS the portal sent to phone.
func (h *harness) lastCode(phone string) string {
	h.t.Helper()
	msgs := h.sms.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].To.E164() == phone {
			return msgs[i].Code()
		}
	}
	h.t.Fatalf("no SMS to %s", phone)
	return ""
}

func (h *harness) person(iin string) Person {
	p, ok := h.p.dir.find(iin)
	require.True(h.t, ok)
	return p
}

// client is a browser without a browser: a cookie jar, the portal's Origin
// and the JSON calls the page makes.
type client struct {
	t      testing.TB
	h      *harness
	c      *http.Client
	origin string
	flow   string
	csrf   string
}

func (h *harness) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: h.t, h: h, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}, origin: h.origin}
}

type reply struct {
	status int
	body   map[string]any
	raw    string
	header http.Header
}

func (r reply) code() string { s, _ := r.body["code"].(string); return s }

func (c *client) do(method, path string, body any, hdr map[string]string) reply {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, ok := body.(string)
		if !ok {
			j, err := json.Marshal(body)
			require.NoError(c.t, err)
			b = string(j)
		}
		rd = strings.NewReader(b)
	}
	// Requests go to 127.0.0.1 (what the listener binds) with the Host and
	// Origin of http://localhost:PORT, as a browser on localhost sends.
	u := strings.Replace(c.h.origin, "localhost", "127.0.0.1", 1) + path
	req, err := http.NewRequest(method, u, rd)
	require.NoError(c.t, err)
	req.Host = strings.TrimPrefix(c.h.origin, "http://")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method != "GET" && c.origin != "" {
		req.Header.Set("Origin", c.origin)
	}
	if c.csrf != "" && strings.HasPrefix(path, "/auth/flows/") {
		req.Header.Set(authhttp.CSRFHeader, c.csrf)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.c.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return reply{status: resp.StatusCode, body: m, raw: string(raw), header: resp.Header}
}

func (c *client) post(path string, body any) reply { return c.do("POST", path, body, nil) }

// start starts a flow for action and remembers its ID and CSRF token.
func (c *client) start(action string) reply {
	c.t.Helper()
	r := c.post("/auth/flows", map[string]string{"action": action})
	if r.status == http.StatusCreated {
		c.flow, c.csrf = r.body["flow"].(string), r.body["csrf"].(string)
	}
	return r
}

func (c *client) begin(kind string) reply {
	return c.post("/auth/flows/"+c.flow+"/begin/"+kind, map[string]any{})
}

func (c *client) finish(kind string, input any) reply {
	return c.post("/auth/flows/"+c.flow+"/finish/"+kind, input)
}

// ecp begins ECP, has the simulator sign the request with iin's key, as
// the page does through NCALayer, and finishes with the CMS.
func (c *client) ecp(iin string) reply { return c.ecpThen(iin, "") }

// ecpThen is ecp whose finish names the factor to begin next (?then=).
func (c *client) ecpThen(iin string, then auth.Kind) reply {
	c.t.Helper()
	r := c.begin("ecp")
	if r.status != http.StatusOK {
		return r
	}
	cms, err := c.h.sign(r.body["data"].(map[string]any)["ncalayer"], iin)
	require.NoError(c.t, err)
	kind := "ecp"
	if then != "" {
		kind += "?then=" + string(then)
	}
	return c.finish(kind, map[string]string{"cms": cms})
}

// sign sends an NCALayer request to the simulator (narrowed to iin's key)
// and returns the CMS.
func (h *harness) sign(ncalayerReq any, iin string) (string, error) {
	req := ncalayerReq.(map[string]any)
	args := req["args"].(map[string]any)
	signer, _ := args["signerParams"].(map[string]any)
	if signer == nil {
		signer = map[string]any{}
	}
	signer["iin"] = iin
	args["signerParams"] = signer
	b, _ := json.Marshal(req)
	t0 := time.Now()
	var c0 time.Duration
	if h.cpu != nil {
		c0 = h.cpu()
	}
	resp := h.sim.Handle(context.Background(), b)
	h.signing.Add(int64(time.Since(t0)))
	if h.cpu != nil {
		h.signingCPU.Add(int64(h.cpu() - c0))
	}
	if !resp.Status || resp.Body == nil || len(resp.Body.Result) != 1 {
		return "", errors.New("simulator: " + resp.Code)
	}
	return resp.Body.Result[0], nil
}

// loginECPSMS signs iin in with ECP and the SMS code.
func (c *client) loginECPSMS(iin string) {
	c.t.Helper()
	require.Equal(c.t, http.StatusCreated, c.start("login").status)
	// As the embedded client does: the ECP finish begins the SMS step
	// (?then=sms), four requests in all.
	r := c.ecpThen(iin, "sms")
	require.Equal(c.t, http.StatusOK, r.status, r.raw)
	require.Equal(c.t, false, r.body["allowed"])
	require.NotNil(c.t, r.body["next"], r.raw)
	r = c.finish("sms", map[string]string{"code": c.h.lastCode(c.h.person(iin).Phone)})
	require.Equal(c.t, http.StatusOK, r.status, r.raw)
	require.Equal(c.t, true, r.body["allowed"], r.raw)
}

func (c *client) cookie(name string) string {
	u, _ := url.Parse(c.h.origin) // the jar files cookies under the request's Host
	for _, ck := range c.c.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}
