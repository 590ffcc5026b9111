// Package pgtest starts a private PostgreSQL server for a test, in the
// manner of store/redis/redistest: on a free loopback port with its own
// socket directory and data directory, started by the test itself and
// stopped when it ends. Fault tests stop it (Stop), crash it (Kill: SIGKILL
// to the postmaster and every backend, as a power cut would leave it) and
// start it again on the same data (Restart); Terminate kills the backends
// serving a pool's connections.
//
// The Debian package postgresql provides the server binaries under
// /usr/lib/postgresql/VERSION/bin. initdb refuses to run as root, so under
// root (as CI runs) the server runs as the "postgres" user through runuser.
// The first Start of a machine runs initdb once into a template directory
// in the system's temporary directory; every server starts from a copy of
// it (a fraction of a second).
//
// When STRONGAUTH_TEST_POSTGRES holds a connection string, tests use that
// server instead (Start returns an external Server): every test still works
// in its own schema (Schema), but Stop, Kill and Restart skip the test.
//
// When neither is available the test fails under CI=true and is skipped
// elsewhere (internal/testenv).
package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strongauth/strongauth/internal/proctest"
	"github.com/strongauth/strongauth/internal/testenv"
)

// EnvDSN is the environment variable naming an external server.
const EnvDSN = "STRONGAUTH_TEST_POSTGRES"

// User is the superuser of the servers pgtest starts.
const User = "strongauth"

const (
	startAttempts = 3
	readyTimeout  = 20 * time.Second
	stopTimeout   = 10 * time.Second
)

// Server is a PostgreSQL server for one test. Its methods fail the test on
// error and are safe for concurrent use.
type Server struct {
	tb       testing.TB
	external string // the external DSN, or ""

	bin  string
	dir  string // owned by the server's user: data/, the socket, the log
	port int
	run  []string // the command prefix that runs a binary as the server's user

	mu   sync.Mutex
	proc *exec.Cmd
	done <-chan struct{}
	log  *proctest.Output
}

// Start returns a server for tb: the external one of STRONGAUTH_TEST_POSTGRES
// if set, otherwise a private server started now and stopped when the test
// ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		return &Server{tb: tb, external: dsn}
	}
	return StartPrivate(tb)
}

// StartPrivate starts a private server even when STRONGAUTH_TEST_POSTGRES
// is set: for the fault tests, which stop and crash it.
func StartPrivate(tb testing.TB) *Server {
	tb.Helper()
	bin, err := binDir()
	if err != nil {
		testenv.Missing(tb, "PostgreSQL server binaries (apt-get install postgresql, or set %s): %v", EnvDSN, err)
	}
	run, owner, err := runAs()
	if err != nil {
		testenv.Missing(tb, "a user to run PostgreSQL as: %v", err)
	}
	tmpl, err := template(bin, run, owner)
	if err != nil {
		tb.Fatalf("pgtest: initdb: %v", err)
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	s := &Server{tb: tb, bin: bin, dir: dir, run: run}
	tb.Cleanup(func() {
		s.Stop()
		_ = os.RemoveAll(dir)
	})
	if err := copyTree(tmpl, filepath.Join(dir, "data")); err != nil {
		tb.Fatalf("pgtest: copying the template cluster: %v", err)
	}
	if err := chownTree(dir, owner); err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	var last error
	for range startAttempts {
		if s.port, err = freePort(); err != nil {
			tb.Fatalf("pgtest: no free loopback port: %v", err)
		}
		if last = s.launch(); last == nil {
			return s
		}
	}
	tb.Fatalf("pgtest: postgres did not start: %v\n%s", last, s.log.Tail(40))
	return nil
}

// External reports whether the server is the one of STRONGAUTH_TEST_POSTGRES.
func (s *Server) External() bool { return s.external != "" }

// DSN returns a connection string for the server's "postgres" database.
// It stays the same across Stop and Restart.
func (s *Server) DSN() string {
	if s.external != "" {
		return s.external
	}
	return fmt.Sprintf("host=127.0.0.1 port=%d user=%s dbname=postgres sslmode=disable connect_timeout=2", s.port, User)
}

// Config returns a pool configuration for the server: small, with short
// connect timeouts so that a stopped server fails fast. Each call returns a
// new value the caller may change.
func (s *Server) Config() *pgxpool.Config {
	s.tb.Helper()
	cfg, err := pgxpool.ParseConfig(s.DSN())
	if err != nil {
		s.tb.Fatalf("pgtest: %v", err)
	}
	cfg.MaxConns = 8
	cfg.ConnConfig.ConnectTimeout = 2 * time.Second
	return cfg
}

// Pool returns a new pool on the server, closed when tb ends. Every call
// returns a separate pool, as another service instance would have.
func (s *Server) Pool(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	return s.PoolWith(tb, s.Config())
}

// PoolWith returns a new pool with cfg (from Config), closed when tb ends.
func (s *Server) PoolWith(tb testing.TB, cfg *pgxpool.Config) *pgxpool.Pool {
	tb.Helper()
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(p.Close)
	return p
}

// Schema returns a fresh schema name ("t_" and 16 hex digits) for one test
// and drops the schema, if the test made it, when the test ends, so that
// tests sharing a server never see each other's tables.
func (s *Server) Schema(tb testing.TB) string {
	tb.Helper()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	name := "t_" + hex.EncodeToString(b[:])
	tb.Cleanup(func() {
		if s.stopped() {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, s.DSN())
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP SCHEMA IF EXISTS "+name+" CASCADE")
	})
	return name
}

// Exec runs one SQL statement on a new connection (for setting up faults).
func (s *Server) Exec(tb testing.TB, sql string, args ...any) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, s.DSN())
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, sql, args...); err != nil {
		tb.Fatalf("pgtest: %s: %v", sql, err)
	}
}

// Terminate ends, from another connection, every backend serving a client
// connection to the server other than its own (pg_terminate_backend): the
// pool's connections die under it, as when an operator or a proxy cuts them.
// Backends waiting for a lock end first, each waited for: were a lock's
// holder to end before its waiter, the waiter could take the lock and
// commit before its own end came (a race CI showed).
func (s *Server) Terminate(tb testing.TB) {
	tb.Helper()
	const clients = "FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'"
	s.Exec(tb, "SELECT pg_terminate_backend(pid, 5000) "+clients+" AND wait_event_type = 'Lock'")
	s.Exec(tb, "SELECT pg_terminate_backend(pid) "+clients)
}

// Stop shuts the server down (fast shutdown: open transactions are rolled
// back, clients are disconnected) and waits until it has exited. Its data
// stays for Restart. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	if s.external != "" {
		s.tb.Skip("pgtest: cannot stop an external server (" + EnvDSN + ")")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return
	}
	pid := s.postmaster()
	if pid > 0 {
		_ = syscall.Kill(pid, syscall.SIGINT)
	}
	select {
	case <-s.done:
	case <-time.After(stopTimeout):
		s.killLocked()
	}
	s.proc = nil
}

// Kill crashes the server: SIGKILL to the postmaster and to every process
// it started, with no chance to write anything more. Committed data must
// survive it (Restart replays the write-ahead log).
func (s *Server) Kill() {
	if s.external != "" {
		s.tb.Skip("pgtest: cannot crash an external server (" + EnvDSN + ")")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return
	}
	s.killLocked()
	s.proc = nil
}

func (s *Server) killLocked() {
	pid := s.postmaster()
	kids := children(pid)
	if pid > 0 {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	for _, k := range kids {
		_ = syscall.Kill(k, syscall.SIGKILL)
	}
	// runuser, if it runs the server, reaps the postmaster and exits; were
	// it killed first, the postmaster would linger as a zombie that the
	// next start takes for a live server.
	select {
	case <-s.done:
	case <-time.After(stopTimeout):
		_ = s.proc.Process.Kill()
		<-s.done
	}
	deadline := time.Now().Add(stopTimeout)
	for _, k := range kids {
		for alive(k) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// Restart stops the server if it runs and starts it again on the same port
// and data.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
	if err := s.launch(); err != nil {
		s.tb.Fatalf("pgtest: postgres did not restart: %v\n%s", err, s.log.Tail(40))
	}
}

func (s *Server) stopped() bool {
	if s.external != "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc == nil
}

// postmaster returns the postmaster's PID from its lock file.
func (s *Server) postmaster() int {
	b, err := os.ReadFile(filepath.Join(s.dir, "data", "postmaster.pid"))
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		return 0
	}
	return pid
}

// launch starts postgres on s.port and waits until it accepts connections.
func (s *Server) launch() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = &proctest.Output{}
	args := append(append([]string{}, s.run...), filepath.Join(s.bin, "postgres"),
		"-D", filepath.Join(s.dir, "data"),
		"-p", strconv.Itoa(s.port),
		"-k", s.dir,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off", // a process crash loses nothing committed; only a power cut would
		"-c", "full_page_writes=off",
		"-c", "max_connections=200",
		"-c", "shared_buffers=16MB",
		"-c", "log_min_messages=warning",
		"-c", "logging_collector=off",
	)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = s.dir
	done, err := proctest.Start(cmd, s.log, func() error { return ping(s.DSN()) }, 25*time.Millisecond, readyTimeout)
	if err != nil {
		return fmt.Errorf("port %d: %w", s.port, err)
	}
	s.proc, s.done = cmd, done
	return nil
}

func ping(dsn string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	return c.Ping(ctx)
}

// binDir finds the server binaries: the newest /usr/lib/postgresql/*/bin,
// else pg_config --bindir, else the directory of postgres on PATH.
func binDir() (string, error) {
	if dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin"); len(dirs) > 0 {
		sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) < version(dirs[j]) })
		for i := len(dirs) - 1; i >= 0; i-- {
			if isExec(filepath.Join(dirs[i], "postgres")) && isExec(filepath.Join(dirs[i], "initdb")) {
				return dirs[i], nil
			}
		}
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		d := strings.TrimSpace(string(out))
		if isExec(filepath.Join(d, "postgres")) && isExec(filepath.Join(d, "initdb")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("postgres"); err == nil {
		d := filepath.Dir(p)
		if isExec(filepath.Join(d, "initdb")) {
			return d, nil
		}
	}
	return "", errors.New("no postgres and initdb found")
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// owner is the uid and gid that own a server's files.
type owner struct{ uid, gid int }

// runAs returns the command prefix that runs a server binary and the owner
// of its files: the "postgres" user through runuser when running as root,
// else the current user directly.
func runAs() ([]string, owner, error) {
	if os.Geteuid() != 0 {
		return nil, owner{os.Geteuid(), os.Getegid()}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, owner{}, fmt.Errorf("running as root and there is no postgres user: %w", err)
	}
	runuser, err := exec.LookPath("runuser")
	if err != nil {
		return nil, owner{}, fmt.Errorf("running as root and runuser is missing: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return []string{runuser, "-u", "postgres", "--"}, owner{uid, gid}, nil
}

// template returns a directory holding a fresh cluster made by initdb, made
// once per machine, binary version and user, and reused by every server.
func template(bin string, run []string, o owner) (string, error) {
	name := fmt.Sprintf("strongauth-pgtest-template-%d-%d", version(bin), o.uid)
	final := filepath.Join(os.TempDir(), name)
	if _, err := os.Stat(filepath.Join(final, "PG_VERSION")); err == nil {
		return final, nil
	}
	work, err := os.MkdirTemp("", name+"-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	if err := os.Chmod(work, 0o755); err != nil {
		return "", err
	}
	if err := os.Chown(work, o.uid, o.gid); err != nil {
		return "", err
	}
	data := filepath.Join(work, "data")
	args := append(append([]string{}, run...), filepath.Join(bin, "initdb"),
		"-D", data, "-A", "trust", "-U", User, "--no-sync", "-E", "UTF8", "--locale=C")
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = work
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%w: %s", err, out)
	}
	if err := os.Rename(data, final); err != nil {
		if _, statErr := os.Stat(filepath.Join(final, "PG_VERSION")); statErr == nil {
			return final, nil // another test process made it first
		}
		return "", err
	}
	return final, nil
}

// copyTree copies a directory tree (regular files and directories).
func copyTree(src, dst string) error {
	return filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case info.IsDir():
			return os.MkdirAll(target, 0o700)
		case info.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(target, b, 0o600)
		}
		return nil
	})
}

func chownTree(dir string, o owner) error {
	if err := os.Chmod(dir, 0o700); err != nil {
		return err
	}
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, o.uid, o.gid)
	})
}

// children returns the PIDs of the processes whose parent is pid.
func children(pid int) []int {
	if pid <= 0 {
		return nil
	}
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		k, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, _ := stat(k); ppid == pid {
			out = append(out, k)
		}
	}
	return out
}

// stat returns a process's parent PID and state letter from /proc.
func stat(pid int) (int, byte) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0
	}
	i := bytes.LastIndexByte(b, ')') // the command name may hold anything
	if i < 0 || i+4 >= len(b) {
		return 0, 0
	}
	f := strings.Fields(string(b[i+2:]))
	if len(f) < 2 {
		return 0, 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid, f[0][0]
}

// alive reports whether pid is a live (not zombie) process.
func alive(pid int) bool {
	_, st := stat(pid)
	return st != 0 && st != 'Z' && st != 'X'
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Counter is a pgx.QueryTracer counting the statements a pool sends: set
// it as ConnConfig.Tracer to check "one statement per operation".
type Counter struct{ n atomic.Int32 }

// TraceQueryStart implements pgx.QueryTracer.
func (c *Counter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

// TraceQueryEnd implements pgx.QueryTracer.
func (c *Counter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// Take returns the count and resets it.
func (c *Counter) Take() int { return int(c.n.Swap(0)) }
