package redistest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// SentinelMaster is the name under which the sentinels of NewSentinel
// monitor the master.
const SentinelMaster = "strongauth"

// SentinelConfig describes a Sentinel deployment for NewSentinel. The zero
// value is one master, two replicas and three sentinels (quorum two) that
// fail the master over one second after it stops answering.
type SentinelConfig struct {
	// Replicas is the number of replicas. Zero means 2; negative, none.
	Replicas int
	// Sentinels is the number of sentinels; the quorum is a majority. Zero
	// means 3.
	Sentinels int
	// DownAfter is the sentinels' down-after-milliseconds. Zero means one
	// second.
	DownAfter time.Duration
	// ReplicaLag, if positive, puts the first master behind a LagProxy:
	// replicas, sentinels and clients reach it through the proxy, which
	// delays its replication stream by ReplicaLag and loses what it holds
	// when the master dies — as replicas in another zone see a master that
	// crashes with writes in flight. Replies to clients are not delayed.
	// Master then names the proxy's address until a failover.
	ReplicaLag time.Duration
	// Args go to every redis-server (not to the sentinels) after the
	// defaults.
	Args []string
}

func (c SentinelConfig) replicas() int {
	switch {
	case c.Replicas < 0:
		return 0
	case c.Replicas == 0:
		return 2
	}
	return c.Replicas
}

func (c SentinelConfig) sentinels() int {
	if c.Sentinels <= 0 {
		return 3
	}
	return c.Sentinels
}

func (c SentinelConfig) downAfter() time.Duration {
	if c.DownAfter <= 0 {
		return time.Second
	}
	return c.DownAfter
}

// Sentinel is a Redis deployment with automatic failover by Redis
// Sentinel: a master, its replicas and the sentinels that watch them, each
// a private process on a loopback port. Its methods fail the test they
// are given on error and are safe for concurrent use.
type Sentinel struct {
	cfg       SentinelConfig
	servers   []*Server // the first master, then its replicas
	sentinels []*Server
	proxy     *LagProxy // in front of the first master, or nil
	first     string    // the first master's address as the others know it
	admins    admins
}

// NewSentinel starts a Sentinel deployment for tb, waits until every
// sentinel knows the master, its replicas and the other sentinels, and
// stops it all when the test ends. Without redis-server it fails tb when
// the environment variable CI is "true" and skips it otherwise.
func NewSentinel(tb testing.TB, cfg SentinelConfig) *Sentinel {
	tb.Helper()
	bin := lookPath(tb, Binary, "redis-server")
	d := &Sentinel{cfg: cfg}
	tb.Cleanup(d.close)
	dir := tb.TempDir()
	server := func(name string, args ...string) *Server {
		tb.Helper()
		s := &Server{bin: bin, dir: filepath.Join(dir, name), args: append(slices.Clone(cfg.Args), args...)}
		if err := os.MkdirAll(s.dir, 0o700); err != nil {
			tb.Fatalf("redistest: %v", err)
		}
		if err := s.start(); err != nil {
			tb.Fatalf("redistest: %s did not start: %v\n%s", name, err, s.output.String())
		}
		return s
	}
	master := server("master")
	d.servers = append(d.servers, master)
	d.first = master.Addr()
	if cfg.ReplicaLag > 0 {
		p, err := NewLagProxy(master.Addr(), cfg.ReplicaLag)
		if err != nil {
			tb.Fatalf("redistest: %v", err)
		}
		d.proxy, d.first = p, p.Addr()
	}
	host, port, _ := strings.Cut(d.first, ":")
	for i := range cfg.replicas() {
		d.servers = append(d.servers, server("replica"+strconv.Itoa(i), "--replicaof", host, port))
	}
	// Sentinels learn of replicas from the master's INFO, which they read
	// every ten seconds: start them once every replica is linked.
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	for _, r := range d.servers[1:] {
		for {
			info, err := d.admin(r).Info(ctx, "replication").Result()
			if err == nil && strings.Contains(info, "master_link_status:up") {
				break
			}
			if sleep(ctx, 10*time.Millisecond) != nil {
				tb.Fatalf("redistest: replica %s did not link to its master within %v", r.Addr(), clusterTimeout)
			}
		}
	}
	quorum := cfg.sentinels()/2 + 1
	for i := range cfg.sentinels() {
		sdir := filepath.Join(dir, "sentinel"+strconv.Itoa(i))
		if err := os.MkdirAll(sdir, 0o700); err != nil {
			tb.Fatalf("redistest: %v", err)
		}
		conf := filepath.Join(sdir, "sentinel.conf")
		// A failed election is retried after twice failover-timeout.
		text := fmt.Sprintf("sentinel monitor %[1]s 127.0.0.1 %[2]s %[3]d\n"+
			"sentinel down-after-milliseconds %[1]s %[4]d\n"+
			"sentinel failover-timeout %[1]s 3000\n"+
			"sentinel parallel-syncs %[1]s 8\n",
			SentinelMaster, port, quorum, cfg.downAfter().Milliseconds())
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			tb.Fatalf("redistest: %v", err)
		}
		s := &Server{bin: bin, dir: sdir, conf: conf, args: []string{"--sentinel"}}
		if err := s.start(); err != nil {
			tb.Fatalf("redistest: sentinel %d did not start: %v\n%s", i, err, s.output.String())
		}
		d.sentinels = append(d.sentinels, s)
	}
	if err := d.waitReady(ctx, d.first); err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	return d
}

func (d *Sentinel) close() {
	d.admins.close()
	killAll(append(slices.Clone(d.sentinels), d.servers...))
	if d.proxy != nil {
		d.proxy.Close()
	}
}

// SentinelAddrs returns the sentinels' addresses.
func (d *Sentinel) SentinelAddrs() []string {
	out := make([]string, len(d.sentinels))
	for i, s := range d.sentinels {
		out[i] = s.Addr()
	}
	return out
}

// Addrs returns the addresses of the data servers, the first master first
// (as the others know it: with ReplicaLag, the proxy's address).
func (d *Sentinel) Addrs() []string {
	out := make([]string, len(d.servers))
	for i, s := range d.servers {
		out[i] = s.Addr()
	}
	out[0] = d.first
	return out
}

// FailoverOptions returns go-redis options for a failover client (a
// *goredis.Client that asks the sentinels for the master) as store/redis
// wants them, with the settings of Server.Options. Each call returns a new
// value.
func (d *Sentinel) FailoverOptions() *goredis.FailoverOptions {
	o := d.servers[0].Options()
	return &goredis.FailoverOptions{
		MasterName:            SentinelMaster,
		SentinelAddrs:         d.SentinelAddrs(),
		ContextTimeoutEnabled: true,
		DialTimeout:           o.DialTimeout,
		DialerRetries:         o.DialerRetries,
		ReadTimeout:           o.ReadTimeout,
		WriteTimeout:          o.WriteTimeout,
		DisableIdentity:       true,
	}
}

// Client returns a new failover client with FailoverOptions, closed when
// the test ends.
func (d *Sentinel) Client(tb testing.TB) *goredis.Client {
	tb.Helper()
	c := goredis.NewFailoverClient(d.FailoverOptions())
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// NodeClient returns a new plain client of one data server, closed when
// the test ends.
func (d *Sentinel) NodeClient(tb testing.TB, addr string) *goredis.Client {
	tb.Helper()
	c := goredis.NewClient(d.server(tb, addr).Options())
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// Master returns the master's address as the first live sentinel knows it.
func (d *Sentinel) Master(tb testing.TB) string {
	tb.Helper()
	m, err := d.master(context.Background())
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	return m
}

// Kill kills the data server at addr (SIGKILL), as a crash would.
func (d *Sentinel) Kill(tb testing.TB, addr string) {
	tb.Helper()
	d.server(tb, addr).Kill()
}

// WaitFailover waits until every sentinel names a master other than dead,
// and that server answers as a master, and returns its address.
func (d *Sentinel) WaitFailover(tb testing.TB, dead string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	var last error
	for {
		m, err := d.master(ctx)
		if err == nil && m == dead {
			err = errors.New("the sentinels still name the dead master")
		}
		if err == nil {
			err = d.agree(ctx, m)
		}
		if err == nil {
			return m
		}
		last = err
		if sleep(ctx, 20*time.Millisecond) != nil {
			tb.Fatalf("redistest: no failover from %s within %v: %v\n%s", dead, clusterTimeout, last, d.sentinelLogs())
		}
	}
}

// sentinelLogs returns the end of every sentinel's log.
func (d *Sentinel) sentinelLogs() string {
	var b strings.Builder
	for _, s := range d.sentinels {
		log := s.output.String()
		fmt.Fprintf(&b, "--- sentinel %s\n%s\n", s.Addr(), log[max(0, len(log)-3000):])
	}
	return b.String()
}

// server returns the data server at addr.
func (d *Sentinel) server(tb testing.TB, addr string) *Server {
	tb.Helper()
	if addr == d.first {
		return d.servers[0]
	}
	for _, s := range d.servers {
		if s.Addr() == addr {
			return s
		}
	}
	tb.Fatalf("redistest: no server %s in the deployment", addr)
	return nil
}

func (d *Sentinel) admin(s *Server) *goredis.Client { return d.admins.get(s) }

// master asks the first sentinel that answers for the master's address.
func (d *Sentinel) master(ctx context.Context) (string, error) {
	var last error = errors.New("no sentinel answers")
	for _, s := range d.sentinels {
		r, err := d.admin(s).Do(ctx, "sentinel", "get-master-addr-by-name", SentinelMaster).StringSlice()
		if err == nil && len(r) == 2 {
			return r[0] + ":" + r[1], nil
		}
		last = err
	}
	return "", last
}

// agree checks that every sentinel names master m and that m answers as a
// master.
func (d *Sentinel) agree(ctx context.Context, m string) error {
	for _, s := range d.sentinels {
		r, err := d.admin(s).Do(ctx, "sentinel", "get-master-addr-by-name", SentinelMaster).StringSlice()
		if err != nil {
			return err
		}
		if len(r) != 2 || r[0]+":"+r[1] != m {
			return fmt.Errorf("sentinel %s names %v", s.Addr(), r)
		}
	}
	for i, s := range d.servers {
		if s.Addr() == m || i == 0 && m == d.first {
			info, err := d.admin(s).Info(ctx, "replication").Result()
			if err != nil {
				return err
			}
			if !strings.Contains(info, "role:master") {
				return fmt.Errorf("%s is not a master yet", m)
			}
			return nil
		}
	}
	return fmt.Errorf("the sentinels name %s, which is not one of the servers", m)
}

// waitReady waits until every sentinel knows master m, every replica and
// every other sentinel, and every replica's link is up.
func (d *Sentinel) waitReady(ctx context.Context, m string) error {
	var last error
	for {
		last = d.ready(ctx, m)
		if last == nil {
			return nil
		}
		if sleep(ctx, 20*time.Millisecond) != nil {
			return fmt.Errorf("the sentinels did not become ready within %v: %w", clusterTimeout, last)
		}
	}
}

func (d *Sentinel) ready(ctx context.Context, m string) error {
	if err := d.agree(ctx, m); err != nil {
		return err
	}
	for _, s := range d.sentinels {
		info, err := d.admin(s).Do(ctx, "sentinel", "master", SentinelMaster).Result()
		if err != nil {
			return err
		}
		f := fields(info)
		if f["num-slaves"] != strconv.Itoa(len(d.servers)-1) || f["num-other-sentinels"] != strconv.Itoa(len(d.sentinels)-1) {
			return fmt.Errorf("sentinel %s knows %s replicas and %s other sentinels", s.Addr(), f["num-slaves"], f["num-other-sentinels"])
		}
	}
	for i, s := range d.servers {
		if s.Addr() == m || i == 0 && m == d.first {
			continue
		}
		info, err := d.admin(s).Info(ctx, "replication").Result()
		if err != nil {
			return err
		}
		if !strings.Contains(info, "master_link_status:up") {
			return fmt.Errorf("%s: replication link down", s.Addr())
		}
	}
	return nil
}

// fields reads SENTINEL MASTER's reply, a flat list or a map of names to
// values, into a map.
func fields(r any) map[string]string {
	out := map[string]string{}
	switch r := r.(type) {
	case []any:
		for i := 0; i+1 < len(r); i += 2 {
			out[fmt.Sprint(r[i])] = fmt.Sprint(r[i+1])
		}
	case map[any]any:
		for k, v := range r {
			out[fmt.Sprint(k)] = fmt.Sprint(v)
		}
	}
	return out
}
