package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/factors/ecp/ecptest"
	"github.com/strongauth/strongauth/store/redis/redistest"
)

// portalProcess is the environment variable that makes the test binary run
// the portal command instead of the tests (TestMain), so that a test can
// start real portal processes without building a binary.
const portalProcess = "STRONGAUTH_PORTAL_PROCESS"

func TestMain(m *testing.M) {
	if os.Getenv(portalProcess) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// instance is a portal process started by startInstance.
type instance struct {
	name string
	addr string // 127.0.0.1:PORT, where it listens
}

// smsLog collects the SMS codes that portal processes print.
type smsLog struct {
	mu    sync.Mutex
	codes []string // oldest first
	from  []string // the instance that sent each
}

// last returns the newest code and the instance that sent it.
func (l *smsLog) last() (code, from string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.codes) == 0 {
		return "", ""
	}
	return l.codes[len(l.codes)-1], l.from[len(l.from)-1]
}

// smsCode finds the code in the console sender's origin-bound line,
// "@localhost #123456".
var smsCode = regexp.MustCompile(`@\S+ #(\d{4,10})\b`)

// startInstance starts the portal command in a process of its own with
// args, on a free loopback port, and waits until it serves. The SMS codes
// it prints go to sms.
func startInstance(t *testing.T, name string, sms *smsLog, args ...string) *instance {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	in := &instance{name: name, addr: l.Addr().String()}
	require.NoError(t, l.Close())
	cmd := exec.Command(os.Args[0], append([]string{"-addr", in.addr, "-ncalayer-addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), portalProcess+"=1")
	cmd.SysProcAttr = childAttr()
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	done := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := smsCode.FindStringSubmatch(sc.Text()); m != nil {
				sms.mu.Lock()
				sms.codes, sms.from = append(sms.codes, m[1]), append(sms.from, name)
				sms.mu.Unlock()
			}
		}
		close(done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("portal %s stderr:\n%s", name, stderr.String())
		}
	})
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + in.addr + "/")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 60*time.Second, 50*time.Millisecond, "portal %s serves\n%s", name, &stderr)
	return in
}

type syncBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b = append(b.b, p...)
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.b)
}

// roundRobin is the load balancer: one origin, each request to the next
// instance in turn. It records which instance took each request.
type roundRobin struct {
	mu    sync.Mutex
	to    []*instance
	next  int
	taken []string // "<instance> <method> <path>", in order
}

func (rr *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rr.mu.Lock()
	in := rr.to[rr.next%len(rr.to)]
	rr.next++
	rr.taken = append(rr.taken, in.name+" "+r.Method+" "+r.URL.Path)
	rr.mu.Unlock()
	(&httputil.ReverseProxy{Director: func(r *http.Request) {
		r.URL.Scheme, r.URL.Host = "http", in.addr // r.Host stays the public origin's
	}}).ServeHTTP(w, r)
}

// balance sets the instances the balancer sends requests to.
func (rr *roundRobin) balance(to ...*instance) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	rr.to = to
}

// newFront serves a round-robin balancer on a free loopback port until the
// test ends and returns it and its origin, http://localhost:PORT.
func newFront(t *testing.T) (*roundRobin, string) {
	t.Helper()
	lb := &roundRobin{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	front := &http.Server{Handler: lb, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = front.Serve(ln) }()
	t.Cleanup(func() { _ = front.Close() })
	return lb, "http://localhost:" + portOf(ln.Addr())
}

// took returns, for every request so far, the instance that took it.
func (rr *roundRobin) took() []string {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return append([]string(nil), rr.taken...)
}

// TestInstancesBehindOneOrigin runs two portal processes on one Redis — a
// single server, a 3-master / 3-replica Cluster, a Sentinel deployment —
// sharing a development directory, behind a round-robin load balancer at
// one origin, so that consecutive requests of one browser alternate
// between them. A login by ECP and SMS code completes with its steps on
// both, the session one made is known to the other, a phone linked through
// both signs in by QR, and an SMS code accepted by one instance is refused
// when replayed on the other.
func TestInstancesBehindOneOrigin(t *testing.T) {
	t.Run("server", func(t *testing.T) { instancesBehindOneOrigin(t, redistest.Start(t).Addr()) })
	t.Run("cluster", func(t *testing.T) {
		cl := redistest.NewCluster(t, redistest.ClusterConfig{})
		instancesBehindOneOrigin(t, "cluster:"+strings.Join(cl.Addrs()[:2], ","))
	})
	t.Run("sentinel", func(t *testing.T) {
		d := redistest.NewSentinel(t, redistest.SentinelConfig{})
		instancesBehindOneOrigin(t, "sentinel:"+redistest.SentinelMaster+"@"+strings.Join(d.SentinelAddrs(), ","), "-redis-wait", "2")
	})
}

func instancesBehindOneOrigin(t *testing.T, redisSpec string, extra ...string) {
	devDir := filepath.Join(t.TempDir(), "dev") // made by whichever instance comes first
	lb, origin := newFront(t)

	args := append([]string{"-origin", origin, "-redis", redisSpec, "-dev-dir", devDir}, extra...)
	var a, b *instance
	sms := &smsLog{}
	var wg sync.WaitGroup // started together: both race to make the development directory
	wg.Go(func() { a = startInstance(t, "A", sms, args...) })
	wg.Go(func() { b = startInstance(t, "B", sms, args...) })
	wg.Wait()
	require.False(t, t.Failed())
	lb.balance(a, b)

	// The test signs with the persons' keys from the shared directory, as
	// the NCALayer simulator of either instance would.
	keys, err := ecptest.LoadDir(filepath.Join(devDir, devKeys))
	require.NoError(t, err)
	sim, err := ecptest.New(ecptest.Config{InsecureTestKeys: true, Keys: keys, Origins: []string{origin}})
	require.NoError(t, err)
	h := &harness{t: t, origin: origin, sim: sim}

	// A login whose steps alternate between the instances.
	c := h.client()
	require.Equal(t, http.StatusCreated, c.start("login").status)
	r := c.ecp(askar)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	require.Equal(t, false, r.body["allowed"])
	r = c.begin("sms")
	require.Equal(t, http.StatusOK, r.status, r.raw)
	code, sender := sms.last()
	require.NotEmpty(t, code, "an instance sent the code")
	r = c.finish("sms", map[string]string{"code": code})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	require.Equal(t, true, r.body["allowed"], r.raw)
	for range 2 { // the session, on both instances
		me := c.do("GET", "/api/me", nil, nil)
		require.Equal(t, http.StatusOK, me.status, me.raw)
		assert.Equal(t, askar, me.body["subject"])
	}
	steps := lb.took()
	require.Len(t, steps, 7)
	assert.NotEqual(t, sender, steps[4][:1], "the code sent by one instance was checked by the other: %v", steps)

	// A phone linked through both instances, known to both, signs in by QR
	// through both.
	p := h.newPhone(t)
	c.linkPhone(p)
	for range 2 {
		assert.Equal(t, float64(1), c.do("GET", "/api/me", nil, nil).body["phones"])
	}
	q := h.client()
	require.Equal(t, http.StatusCreated, q.start("login").status)
	s := q.scanFirstFrame(p)
	require.NoError(t, p.Approve(context.Background(), s, q.qrNumber()))
	r = q.finish("qr", map[string]any{})
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, askar, r.body["subject"])

	// A code accepted by one instance is refused when replayed on the
	// other, and a code sent by one is checked by the other.
	d := h.client()
	require.Equal(t, http.StatusCreated, d.start("login").status)
	require.Equal(t, http.StatusOK, d.ecp(aigerim).status)
	require.Equal(t, http.StatusOK, d.begin("sms").status)
	code, _ = sms.last()
	first := d.finish("sms", map[string]string{"code": code})
	require.Equal(t, http.StatusOK, first.status, first.raw)
	replay := d.finish("sms", map[string]string{"code": code})
	assert.NotEqual(t, http.StatusOK, replay.status, replay.raw)
	assert.Equal(t, "flow_completed", replay.code(), replay.raw)
	all := lb.took()
	assert.NotEqual(t, all[len(all)-2][:1], all[len(all)-1][:1], "the replay went to the other instance")
	t.Logf("%d requests through one origin, alternating; the first login: %v", len(all), fmt.Sprint(all[:7]))
}

// TestInstancesNeedSharedState shows why -redis and -dev-dir are needed:
// two instances each on their own state disagree — a flow started on one
// is unknown to the other.
func TestInstancesNeedSharedState(t *testing.T) {
	lb, origin := newFront(t)
	sms := &smsLog{}
	lb.balance(
		startInstance(t, "A", sms, "-origin", origin, "-dev-keys", t.TempDir()),
		startInstance(t, "B", sms, "-origin", origin, "-dev-keys", t.TempDir()))
	c := (&harness{t: t, origin: origin}).client()
	require.Equal(t, http.StatusCreated, c.start("login").status)
	r := c.begin("ecp")
	assert.Equal(t, "flow_not_found", r.code(), r.raw)
}
