package redistest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// CLI is the redis-cli executable NewCluster looks up on PATH (Debian:
// redis-tools).
const CLI = "redis-cli"

// clusterTimeout bounds how long a cluster may take to form, fail over or
// heal.
const clusterTimeout = 30 * time.Second

// ClusterConfig describes a Redis Cluster for NewCluster. The zero value
// is three masters with one replica each and a node timeout of one second.
type ClusterConfig struct {
	// Masters is the number of masters, which share the slots evenly. Zero
	// means 3 (the fewest that can elect a new master).
	Masters int
	// Replicas is the number of replicas per master. Zero means 1;
	// negative means none.
	Replicas int
	// NodeTimeout is cluster-node-timeout: how long a node may be
	// unreachable before it is failed over. Zero means one second, which
	// keeps failover tests to a few seconds and is still far above what a
	// loaded test machine stalls for.
	NodeTimeout time.Duration
	// Args go to every redis-server after the defaults.
	Args []string
}

func (c ClusterConfig) masters() int {
	if c.Masters <= 0 {
		return 3
	}
	return c.Masters
}

func (c ClusterConfig) replicas() int {
	switch {
	case c.Replicas < 0:
		return 0
	case c.Replicas == 0:
		return 1
	}
	return c.Replicas
}

func (c ClusterConfig) nodeTimeout() time.Duration {
	if c.NodeTimeout <= 0 {
		return time.Second
	}
	return c.NodeTimeout
}

// Cluster is a Redis Cluster of private redis-server processes on loopback
// ports, formed with redis-cli --cluster create, as an operator would. Its
// methods fail the test they are given on error and are safe for
// concurrent use.
//
// Every node runs with cluster-allow-reads-when-down no and
// cluster-require-full-coverage yes (Redis's defaults, set explicitly): a
// cluster missing a slot answers nothing rather than stale data.
// Persistence is off; a killed node restarts empty and rejoins as a
// replica of whichever node took over its slots.
type Cluster struct {
	cfg ClusterConfig
	cli string
	dir string
	rm  bool // remove dir on Close

	nodes  []*Server
	admins admins

	mu    sync.Mutex
	heirs map[string][]string // a killed master's replicas
}

// NewCluster starts a Redis Cluster for tb and stops it when the test
// ends. It takes two to three seconds. Without redis-server or redis-cli it
// fails tb when the environment variable CI is "true" and skips it
// otherwise.
func NewCluster(tb testing.TB, cfg ClusterConfig) *Cluster {
	tb.Helper()
	bin, cli := lookPath(tb, Binary, "redis-server"), lookPath(tb, CLI, "redis-tools")
	c, err := startCluster(cfg, bin, cli, tb.TempDir(), false)
	if c != nil {
		tb.Cleanup(c.Close)
	}
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	return c
}

// SharedCluster starts one Cluster for every test of a test binary that
// asks for it, so that a package's tests pay for forming a cluster once.
// Tests share it by namespace (Namespace); a test that kills nodes heals
// the cluster (Heal) before it ends. The package's TestMain calls Close:
//
//	var cluster redistest.SharedCluster
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		cluster.Close()
//		os.Exit(code)
//	}
type SharedCluster struct {
	// Config configures the cluster; set it before the first Get.
	Config ClusterConfig

	once sync.Once
	c    *Cluster
	err  error
}

// Get returns the shared cluster, starting it on the first call, and fails
// (or skips) tb as NewCluster does.
func (s *SharedCluster) Get(tb testing.TB) *Cluster {
	tb.Helper()
	bin, cli := lookPath(tb, Binary, "redis-server"), lookPath(tb, CLI, "redis-tools")
	s.once.Do(func() {
		dir, err := os.MkdirTemp("", "redistest-cluster-")
		if err != nil {
			s.err = err
			return
		}
		s.c, s.err = startCluster(s.Config, bin, cli, dir, true)
	})
	if s.err != nil {
		tb.Fatalf("redistest: %v", s.err)
	}
	return s.c
}

// Close stops the shared cluster, if it was started.
func (s *SharedCluster) Close() {
	if s.c != nil {
		s.c.Close()
	}
}

func startCluster(cfg ClusterConfig, bin, cli, dir string, rm bool) (*Cluster, error) {
	c := &Cluster{cfg: cfg, cli: cli, dir: dir, rm: rm, heirs: map[string][]string{}}
	n := cfg.masters() * (1 + cfg.replicas())
	args := []string{
		"--cluster-enabled", "yes",
		"--cluster-config-file", "nodes.conf",
		"--cluster-node-timeout", strconv.FormatInt(cfg.nodeTimeout().Milliseconds(), 10),
		"--cluster-allow-reads-when-down", "no",
		"--cluster-require-full-coverage", "yes",
		// A replica may take over whatever its data's age: the tests kill
		// masters on purpose and want the failover, not a stalled cluster.
		"--cluster-replica-validity-factor", "0",
	}
	for i := range n {
		nodeDir := filepath.Join(dir, strconv.Itoa(i))
		if err := os.MkdirAll(nodeDir, 0o700); err != nil {
			return c, err
		}
		s := &Server{bin: bin, dir: nodeDir}
		var err error
		for range startAttempts {
			var bus int
			if s.port, err = freePort(); err != nil {
				break
			}
			if bus, err = freePort(); err != nil {
				break
			}
			s.args = append(append(slices.Clone(args), "--cluster-port", strconv.Itoa(bus)), cfg.Args...)
			if err = s.launch(); err == nil {
				break
			}
		}
		if err != nil {
			return c, fmt.Errorf("cluster node %d did not start: %w\n%s", i, err, s.output.String())
		}
		c.nodes = append(c.nodes, s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	create := append([]string{"--cluster", "create"}, c.Addrs()...)
	create = append(create, "--cluster-replicas", strconv.Itoa(cfg.replicas()), "--cluster-yes")
	if out, err := exec.CommandContext(ctx, cli, create...).CombinedOutput(); err != nil {
		return c, fmt.Errorf("redis-cli --cluster create: %w\n%s", err, out)
	}
	if err := c.waitHealthy(ctx); err != nil {
		return c, err
	}
	return c, nil
}

// Close stops every node and, for a shared cluster, removes its files.
func (c *Cluster) Close() {
	c.admins.close()
	killAll(c.nodes) // no persistence: nothing to flush
	if c.rm {
		_ = os.RemoveAll(c.dir)
	}
}

// Addrs returns the addresses of every node, masters and replicas, live
// or not, in the order they were started.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.nodes))
	for i, s := range c.nodes {
		out[i] = s.Addr()
	}
	return out
}

// Options returns go-redis cluster options as store/redis wants them, with
// the settings of Server.Options. Each call returns a new value.
func (c *Cluster) Options() *goredis.ClusterOptions {
	o := c.nodes[0].Options()
	return &goredis.ClusterOptions{
		Addrs:                    c.Addrs(),
		ContextTimeoutEnabled:    o.ContextTimeoutEnabled,
		DialTimeout:              o.DialTimeout,
		DialerRetries:            o.DialerRetries,
		ReadTimeout:              o.ReadTimeout,
		WriteTimeout:             o.WriteTimeout,
		DisableIdentity:          o.DisableIdentity,
		MaintNotificationsConfig: o.MaintNotificationsConfig,
	}
}

// GuardedClient returns a new cluster client, as Client does, with a new
// Guard attached.
func (c *Cluster) GuardedClient(tb testing.TB) (*goredis.ClusterClient, *Guard) {
	tb.Helper()
	cc := c.Client(tb)
	g := &Guard{}
	g.Attach(cc)
	return cc, g
}

// MastersServing returns the addresses of the masters that serve any of
// slots (those a Guard saw, say), in the cluster's order.
func (c *Cluster) MastersServing(tb testing.TB, slots []int) []string {
	tb.Helper()
	var out []string
	for _, n := range c.Nodes(tb) {
		for _, s := range slots {
			if n.Serves(s) {
				out = append(out, n.Addr)
				break
			}
		}
	}
	return out
}

// Client returns a new cluster client with Options, closed when the test
// ends.
func (c *Cluster) Client(tb testing.TB) *goredis.ClusterClient {
	tb.Helper()
	cc := goredis.NewClusterClient(c.Options())
	tb.Cleanup(func() { _ = cc.Close() })
	return cc
}

// NodeClient returns a new plain client of one node, closed when the test
// ends.
func (c *Cluster) NodeClient(tb testing.TB, addr string) *goredis.Client {
	tb.Helper()
	s := c.node(tb, addr)
	nc := goredis.NewClient(s.Options())
	tb.Cleanup(func() { _ = nc.Close() })
	return nc
}

// Node is one node of the cluster as the cluster sees it.
type Node struct {
	ID, Addr string
	Master   bool
	Of       string   // for a replica, its master's ID
	Slots    []string // for a master, its slot ranges ("0-5460")
}

// Serves reports whether the node is a master serving slot.
func (n Node) Serves(slot int) bool { return n.Master && ownsSlot(n.Slots, slot) }

// Nodes returns the live nodes as a live node sees them.
func (c *Cluster) Nodes(tb testing.TB) []Node {
	tb.Helper()
	ns, err := c.topology(context.Background())
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	return ns
}

// MasterOf returns the address of the master serving key's slot.
func (c *Cluster) MasterOf(tb testing.TB, key string) string {
	tb.Helper()
	slot := Slot(key)
	for _, n := range c.Nodes(tb) {
		if n.Serves(slot) {
			return n.Addr
		}
	}
	tb.Fatalf("redistest: no master serves slot %d", slot)
	return ""
}

// Masters returns the addresses of the masters that serve slots.
func (c *Cluster) Masters(tb testing.TB) []string {
	tb.Helper()
	var out []string
	for _, n := range c.Nodes(tb) {
		if n.Master && len(n.Slots) > 0 {
			out = append(out, n.Addr)
		}
	}
	return out
}

// Kill kills the node at addr (SIGKILL), as a crash would.
func (c *Cluster) Kill(tb testing.TB, addr string) {
	tb.Helper()
	s := c.node(tb, addr)
	ns, err := c.topology(context.Background())
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	var reps []string
	for _, m := range ns {
		if m.Addr != addr {
			continue
		}
		for _, r := range ns {
			if !r.Master && r.Of == m.ID {
				reps = append(reps, r.Addr)
			}
		}
	}
	c.mu.Lock()
	c.heirs[addr] = reps
	c.mu.Unlock()
	s.Kill()
}

// WaitFailover waits until one of the replicas that the node at addr had
// when it was killed serves its slots and every live node reports the
// cluster ok again, and returns that replica's address.
func (c *Cluster) WaitFailover(tb testing.TB, dead string) string {
	tb.Helper()
	c.mu.Lock()
	heirs := c.heirs[dead]
	c.mu.Unlock()
	if len(heirs) == 0 {
		tb.Fatalf("redistest: %s was not a master with replicas when it was killed", dead)
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	var last error
	for {
		ns, err := c.topology(ctx)
		if err == nil {
			err = c.allOK(ctx, false)
		}
		if err == nil {
			err = errors.New("no replica has taken over yet")
			for _, n := range ns {
				if n.Master && len(n.Slots) > 0 && slices.Contains(heirs, n.Addr) {
					return n.Addr
				}
			}
		}
		last = err
		if sleep(ctx, 20*time.Millisecond) != nil {
			tb.Fatalf("redistest: no failover from %s within %v: %v", dead, clusterTimeout, last)
		}
	}
}

// Heal restarts every killed node (each rejoins as a replica of whichever
// node took over its slots) and waits until the cluster is whole again:
// every node up and agreeing, every slot served, every master with its
// replicas in sync.
func (c *Cluster) Heal(tb testing.TB) {
	tb.Helper()
	for _, s := range c.nodes {
		if !s.Running() {
			if err := s.launch(); err != nil {
				tb.Fatalf("redistest: node %s did not restart: %v\n%s", s.Addr(), err, s.output.String())
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	if err := c.waitHealthy(ctx); err != nil {
		tb.Fatalf("redistest: %v", err)
	}
}

// MoveSlots moves n slots from the master at from to the master at to with
// redis-cli --cluster reshard, keys included (MIGRATE), while clients keep
// working: during each slot's move they are redirected with ASK, after it
// with MOVED. It waits for the cluster to agree on the slots before and
// after.
func (c *Cluster) MoveSlots(tb testing.TB, from, to string, n int) {
	tb.Helper()
	ns := c.Nodes(tb)
	id := func(addr string) string {
		for _, x := range ns {
			if x.Addr == addr {
				return x.ID
			}
		}
		tb.Fatalf("redistest: no node %s", addr)
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	if err := c.waitHealthy(ctx); err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	out, err := exec.CommandContext(ctx, c.cli, "--cluster", "reshard", to,
		"--cluster-from", id(from), "--cluster-to", id(to), "--cluster-slots", strconv.Itoa(n),
		"--cluster-yes", "--cluster-pipeline", "10").CombinedOutput()
	if err != nil {
		tb.Fatalf("redistest: redis-cli --cluster reshard: %v\n%s", err, out)
	}
	if err := c.waitHealthy(ctx); err != nil {
		tb.Fatalf("redistest: after resharding: %v", err)
	}
}

// node returns the node at addr.
func (c *Cluster) node(tb testing.TB, addr string) *Server {
	tb.Helper()
	for _, s := range c.nodes {
		if s.Addr() == addr {
			return s
		}
	}
	tb.Fatalf("redistest: no node %s in the cluster", addr)
	return nil
}

// admin returns the cluster's own client of a node.
func (c *Cluster) admin(s *Server) *goredis.Client { return c.admins.get(s) }

// admins are a deployment's own clients of its servers, one per server,
// never retrying.
type admins struct {
	mu sync.Mutex
	m  map[string]*goredis.Client
}

func (a *admins) get(s *Server) *goredis.Client {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.m[s.Addr()]
	if !ok {
		o := s.Options()
		o.MaxRetries = -1
		c = goredis.NewClient(o)
		if a.m == nil {
			a.m = map[string]*goredis.Client{}
		}
		a.m[s.Addr()] = c
	}
	return c
}

func (a *admins) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, c := range a.m {
		_ = c.Close()
	}
	a.m = nil
}

// killAll kills servers at once (SIGKILL) and waits for them.
func killAll(servers []*Server) {
	var wg sync.WaitGroup
	for _, s := range servers {
		wg.Go(s.Kill)
	}
	wg.Wait()
}

// topology reads CLUSTER NODES from the first live node that answers,
// leaving out nodes flagged failed or without an address.
func (c *Cluster) topology(ctx context.Context) ([]Node, error) {
	var last error = errors.New("no live node")
	for _, s := range c.nodes {
		if !s.Running() {
			continue
		}
		txt, err := c.admin(s).ClusterNodes(ctx).Result()
		if err != nil {
			last = err
			continue
		}
		return parseNodes(txt), nil
	}
	return nil, last
}

// parseNodes reads CLUSTER NODES output: "<id> <ip:port@bus> <flags>
// <master> <ping> <pong> <epoch> <link> <slot>...".
func parseNodes(txt string) []Node {
	var out []Node
	for line := range strings.Lines(txt) {
		f := strings.Fields(line)
		if len(f) < 8 {
			continue
		}
		flags := strings.Split(f[2], ",")
		if slices.Contains(flags, "fail") || slices.Contains(flags, "noaddr") || slices.Contains(flags, "handshake") {
			continue
		}
		n := Node{ID: f[0], Addr: strings.SplitN(f[1], "@", 2)[0], Master: slices.Contains(flags, "master")}
		if !n.Master {
			n.Of = f[3]
		}
		for _, r := range f[8:] {
			if !strings.HasPrefix(r, "[") { // "[slot->-id]": a slot being moved
				n.Slots = append(n.Slots, r)
			}
		}
		out = append(out, n)
	}
	return out
}

func ownsSlot(ranges []string, slot int) bool {
	for _, r := range ranges {
		lo, hi, found := strings.Cut(r, "-")
		if !found {
			hi = lo
		}
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 == nil && err2 == nil && a <= slot && slot <= b {
			return true
		}
	}
	return false
}

// allOK checks that every live node reports cluster_state:ok and, when
// full, that every live node is known and healthy to every other, each
// master has its replicas, and every replica's link to its master is up.
func (c *Cluster) allOK(ctx context.Context, full bool) error {
	var live []*Server
	for _, s := range c.nodes {
		if s.Running() {
			live = append(live, s)
		}
	}
	for _, s := range live {
		info, err := c.admin(s).ClusterInfo(ctx).Result()
		if err != nil {
			return err
		}
		if !strings.Contains(info, "cluster_state:ok") {
			return fmt.Errorf("%s: cluster state not ok", s.Addr())
		}
	}
	if !full {
		return nil
	}
	var view string // the slot map, which every node must agree on
	for _, s := range live {
		txt, err := c.admin(s).ClusterNodes(ctx).Result()
		if err != nil {
			return err
		}
		ns := parseNodes(txt)
		var v []string
		for _, n := range ns {
			if n.Master {
				v = append(v, n.Addr+" "+strings.Join(n.Slots, ","))
			}
		}
		slices.Sort(v)
		if sv := strings.Join(v, ";"); view == "" {
			view = sv
		} else if sv != view {
			return fmt.Errorf("%s disagrees about the slots", s.Addr())
		}
		if len(ns) != len(c.nodes) {
			return fmt.Errorf("%s sees %d healthy nodes of %d", s.Addr(), len(ns), len(c.nodes))
		}
		if strings.Contains(txt, "fail?") || strings.Contains(txt, "disconnected") {
			return fmt.Errorf("%s suspects a node", s.Addr())
		}
		masters := 0
		for _, m := range ns {
			if !m.Master || len(m.Slots) == 0 {
				continue
			}
			masters++
			reps := 0
			for _, r := range ns {
				if !r.Master && r.Of == m.ID {
					reps++
				}
			}
			if reps != c.cfg.replicas() {
				return fmt.Errorf("%s sees %d replicas of %s", s.Addr(), reps, m.Addr)
			}
		}
		if masters != c.cfg.masters() {
			return fmt.Errorf("%s sees %d masters", s.Addr(), masters)
		}
		info, err := c.admin(s).Info(ctx, "replication").Result()
		if err != nil {
			return err
		}
		if strings.Contains(info, "role:slave") && !strings.Contains(info, "master_link_status:up") {
			return fmt.Errorf("%s: replication link down", s.Addr())
		}
	}
	return nil
}

// waitHealthy waits until allOK(full) holds.
func (c *Cluster) waitHealthy(ctx context.Context) error {
	for {
		err := c.allOK(ctx, true)
		if err == nil {
			return nil
		}
		if sleep(ctx, 20*time.Millisecond) != nil {
			return fmt.Errorf("the cluster did not become healthy within %v: %w", clusterTimeout, err)
		}
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
