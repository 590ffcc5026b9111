package redistest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/strongauth/strongauth/internal/proctest"
)

// Binary is the redis-server executable Start looks up on PATH.
const Binary = "redis-server"

const (
	startAttempts = 3                // free-port races tolerated before giving up
	readyTimeout  = 10 * time.Second // how long a starting server may take to answer PING
	stopTimeout   = 5 * time.Second  // how long a stopping server may take before SIGKILL
)

// Server is a private redis-server process started by Start. Its methods
// fail the test that started it on error; they are safe for concurrent use.
type Server struct {
	tb   testing.TB
	bin  string
	dir  string
	port int
	conf string // a configuration file, passed first (sentinels)
	args []string

	mu     sync.Mutex
	proc   *exec.Cmd
	done   <-chan struct{}  // closed when proc has exited
	output *proctest.Output // the server's log, shown if it fails to start
}

// Start starts a redis-server for tb on a free loopback port, with a
// temporary working directory and persistence off, waits until it answers
// PING, and stops it when the test ends (tb.Cleanup).
//
// Extra arguments are passed on to redis-server after the defaults, for
// example "--cluster-enabled", "yes"; they apply again on Restart.
//
// If redis-server is not installed, Start fails tb when the environment
// variable CI is "true" and skips it otherwise.
func Start(tb testing.TB, args ...string) *Server {
	tb.Helper()
	s := &Server{tb: tb, bin: lookPath(tb, Binary, "redis-server"), dir: tb.TempDir(), args: args}
	tb.Cleanup(s.Stop)
	if err := s.start(); err != nil {
		tb.Fatalf("redistest: redis-server did not start: %v\n%s", err, s.output.String())
	}
	return s
}

// lookPath finds a tool on PATH; without it, it fails tb when the
// environment variable CI is "true" and skips it otherwise.
func lookPath(tb testing.TB, name, pkg string) string {
	tb.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("redistest: %s is required when CI=true but was not found: %v", name, err)
		}
		tb.Skipf("redistest: %s not found on PATH (apt-get install %s); skipping", name, pkg)
	}
	return bin
}

// start launches the server on a free port, trying another port when one
// was taken before the server could bind it.
func (s *Server) start() error {
	var err error
	for range startAttempts {
		if s.port, err = freePort(); err != nil {
			return fmt.Errorf("no free loopback port: %w", err)
		}
		if err = s.launch(); err == nil {
			return nil
		}
	}
	return err
}

// Addr returns the server's "127.0.0.1:port" address. It stays the same
// across Stop and Restart.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Options returns go-redis options for the server as store/redis wants
// them: context deadlines honoured (ContextTimeoutEnabled), short dial and
// socket timeouts so that a stopped server fails fast, and no optional
// handshakes that a plain redis-server refuses. Callers may change the
// result; each call returns a new value.
func (s *Server) Options() *goredis.Options {
	return &goredis.Options{
		Addr:                     s.Addr(),
		ContextTimeoutEnabled:    true,
		DialTimeout:              time.Second,
		DialerRetries:            1,
		ReadTimeout:              2 * time.Second,
		WriteTimeout:             2 * time.Second,
		DisableIdentity:          true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	}
}

// Client returns a new client with Options, closed when the test ends.
// Every call returns a separate client with its own connection pool, as
// another service instance would have.
func (s *Server) Client(tb testing.TB) *goredis.Client {
	tb.Helper()
	c := goredis.NewClient(s.Options())
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// StartCluster starts a server as a one-node Redis Cluster that owns every
// slot, and waits until the cluster accepts writes (about two seconds after
// start). Commands reach it through ClusterClient and are routed by key as
// on a real Cluster: a script whose keys lie in different slots is refused
// with CROSSSLOT even here. Extra arguments go to redis-server as for Start.
func StartCluster(tb testing.TB, args ...string) *Server {
	tb.Helper()
	s := Start(tb, append([]string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"}, args...)...)
	admin := s.Client(tb)
	ctx := context.Background()
	if err := admin.ClusterAddSlotsRange(ctx, 0, 16383).Err(); err != nil {
		tb.Fatalf("redistest: CLUSTER ADDSLOTSRANGE: %v", err)
	}
	deadline := time.Now().Add(readyTimeout)
	for {
		info, err := admin.ClusterInfo(ctx).Result()
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			return s
		}
		if time.Now().After(deadline) {
			tb.Fatalf("redistest: the cluster did not become ready within %v: %v", readyTimeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ClusterClient returns a new goredis.ClusterClient for a server started
// with StartCluster, with the settings of Options, closed when the test
// ends.
func (s *Server) ClusterClient(tb testing.TB) *goredis.ClusterClient {
	tb.Helper()
	o := s.Options()
	c := goredis.NewClusterClient(&goredis.ClusterOptions{
		Addrs:                    []string{o.Addr},
		ContextTimeoutEnabled:    o.ContextTimeoutEnabled,
		DialTimeout:              o.DialTimeout,
		ReadTimeout:              o.ReadTimeout,
		WriteTimeout:             o.WriteTimeout,
		DisableIdentity:          o.DisableIdentity,
		MaintNotificationsConfig: o.MaintNotificationsConfig,
	})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// Stop stops the server (SIGTERM, then SIGKILL after a few seconds) and
// waits until it has exited. Its data is gone: there is no persistence.
// Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return
	}
	p := s.proc.Process
	_ = p.Signal(syscall.SIGCONT) // a paused server cannot act on SIGTERM
	_ = p.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(stopTimeout):
		_ = p.Kill()
		<-s.done
	}
	s.proc = nil
}

// Kill kills the server at once (SIGKILL), as a crash would: nothing is
// flushed, replicas get no last word. Killing a stopped server does
// nothing.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return
	}
	_ = s.proc.Process.Kill()
	<-s.done
	s.proc = nil
}

// Running reports whether the server process runs (it may be paused).
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc != nil
}

// Restart stops the server if it runs and starts a new, empty one on the
// same port.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
	if err := s.launch(); err != nil {
		s.tb.Fatalf("redistest: redis-server did not restart: %v\n%s", err, s.output.String())
	}
}

// Pause freezes the server process (SIGSTOP): connections stay open but
// nothing is answered, like a server stuck in a slow command. Resume or
// Stop undoes it.
func (s *Server) Pause() { s.signal(syscall.SIGSTOP) }

// Resume continues a paused server (SIGCONT).
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig syscall.Signal) {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		s.tb.Fatalf("redistest: %v sent to a stopped server", sig)
		return
	}
	if err := s.proc.Process.Signal(sig); err != nil {
		s.tb.Fatalf("redistest: %v: %v", sig, err)
	}
}

// launch starts redis-server on s.port and waits for PING.
func (s *Server) launch() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.output = &proctest.Output{}
	var args []string
	if s.conf != "" {
		args = append(args, s.conf)
	}
	args = append(args,
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		"--daemonize", "no",
		"--logfile", "",
		// A replica gets its first copy at once, not after the default
		// five seconds of waiting for other replicas to share it.
		"--repl-diskless-sync-delay", "0",
	)
	args = append(args, s.args...)
	cmd := exec.Command(s.bin, args...)
	cmd.Dir = s.dir
	done, err := proctest.Start(cmd, s.output, func() error { return ping(s.Addr()) }, 20*time.Millisecond, readyTimeout)
	if err != nil {
		return fmt.Errorf("port %d: %w", s.port, err)
	}
	s.proc, s.done = cmd, done
	return nil
}

// ping sends PING in the inline protocol and expects +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	return nil
}

// freePort asks the kernel for a free loopback port. Another process may
// take it before redis-server binds it; Start then tries another.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Namespace returns a fresh random namespace ("t-" and 16 hex digits), so
// that stores of several tests on one server never share a key.
func Namespace(tb testing.TB) string {
	tb.Helper()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	return "t-" + hex.EncodeToString(b[:])
}

// Protocols runs fn as two subtests of t, "RESP3" and "RESP2", each with a
// new client of the server speaking that protocol version: go-redis
// decodes some replies differently under each.
func (s *Server) Protocols(t *testing.T, fn func(t *testing.T, c *goredis.Client)) {
	t.Helper()
	for _, protocol := range []int{3, 2} {
		t.Run(fmt.Sprintf("RESP%d", protocol), func(t *testing.T) {
			o := s.Options()
			o.Protocol = protocol
			c := goredis.NewClient(o)
			t.Cleanup(func() { _ = c.Close() })
			fn(t, c)
		})
	}
}
