package redistest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	goredis "github.com/redis/go-redis/v9"
)

// Guard watches a cluster client for what a Cluster must never show the
// code above it. Attach it to a new client before its first command:
//
//   - on every node client it checks that each command's keys lie in one
//     slot (a script over two slots would be refused with CROSSSLOT), and
//     counts the MOVED and ASK replies that nodes sent (which the cluster
//     client follows) and records the keys and slots that were used;
//   - on the cluster client itself it records every error of a kind that
//     routing should have hidden — MOVED, ASK, CROSSSLOT, TRYAGAIN — that
//     reached the caller anyway.
//
// It is safe for concurrent use.
type Guard struct {
	mu        sync.Mutex
	crossSlot []string
	leaked    []string
	moved     int
	asked     int
	slots     map[int]struct{}
	keys      []string // in order of first use
	seen      map[string]struct{}
	commands  int
}

// Attach adds the guard's hooks to cc and, through OnNewNode, to every
// node client cc makes.
func (g *Guard) Attach(cc *goredis.ClusterClient) {
	cc.AddHook(outerHook{g})
	cc.OnNewNode(func(c *goredis.Client) { c.AddHook(nodeHook{g}) })
}

// CrossSlot returns the commands whose keys lay in more than one slot.
func (g *Guard) CrossSlot() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.crossSlot...)
}

// Leaked returns the routing errors that reached the caller.
func (g *Guard) Leaked() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.leaked...)
}

// Redirects returns the MOVED and the ASK replies nodes sent.
func (g *Guard) Redirects() (moved, asked int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.moved, g.asked
}

// Slots returns the distinct slots that keyed commands used, in order.
func (g *Guard) Slots() []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]int, 0, len(g.slots))
	for s := range g.slots {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// TakeKeys returns the distinct keys that keyed commands used since the
// last TakeKeys (or since the guard was attached), in the order they were
// first used, and starts a new stretch: call it around one piece of work
// to see the keys it touched.
func (g *Guard) TakeKeys() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := g.keys
	g.keys, g.seen = nil, nil
	return out
}

// Commands returns the keyed commands nodes ran.
func (g *Guard) Commands() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.commands
}

// routingError reports whether err is one that cluster routing should hide.
func routingError(err error) bool {
	if err == nil {
		return false
	}
	for _, p := range []string{"MOVED", "ASK", "CROSSSLOT", "TRYAGAIN"} {
		if goredis.HasErrorPrefix(err, p) || strings.Contains(err.Error(), p+" ") {
			return true
		}
	}
	return false
}

// commandKeys returns the keys of the commands this module sends: a
// script's KEYS, or the first argument of a one-key command. Commands
// without keys return nil.
func commandKeys(args []any) []string {
	if len(args) < 2 {
		return nil
	}
	name := strings.ToLower(fmt.Sprint(args[0]))
	switch name {
	case "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall":
		if len(args) < 3 {
			return nil
		}
		n, err := strconv.Atoi(fmt.Sprint(args[2]))
		if err != nil || n < 0 || 3+n > len(args) {
			return nil
		}
		keys := make([]string, n)
		for i := range keys {
			keys[i] = fmt.Sprint(args[3+i])
		}
		return keys
	case "wait", "asking", "cluster", "script", "ping", "hello", "client", "readonly", "readwrite",
		"command", "info", "select", "auth", "role", "config", "flushall", "flushdb", "dbsize", "debug":
		return nil
	case "del", "exists", "unlink", "mget", "touch":
		keys := make([]string, 0, len(args)-1)
		for _, a := range args[1:] {
			keys = append(keys, fmt.Sprint(a))
		}
		return keys
	}
	return []string{fmt.Sprint(args[1])}
}

func (g *Guard) node(cmd goredis.Cmder) {
	keys := commandKeys(cmd.Args())
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := cmd.Err(); err != nil {
		if _, ok := goredis.IsMovedError(err); ok {
			g.moved++
		} else if _, ok := goredis.IsAskError(err); ok {
			g.asked++
		}
	}
	if len(keys) == 0 {
		return
	}
	g.commands++
	if g.slots == nil {
		g.slots = map[int]struct{}{}
	}
	if g.seen == nil {
		g.seen = map[string]struct{}{}
	}
	for _, k := range keys {
		if _, ok := g.seen[k]; !ok {
			g.seen[k] = struct{}{}
			g.keys = append(g.keys, k)
		}
	}
	first := Slot(keys[0])
	g.slots[first] = struct{}{}
	for _, k := range keys[1:] {
		if Slot(k) != first {
			g.crossSlot = append(g.crossSlot, fmt.Sprintf("%s over %d keys", cmd.Name(), len(keys)))
			return
		}
	}
}

func (g *Guard) outer(cmd goredis.Cmder) {
	if err := cmd.Err(); routingError(err) {
		g.mu.Lock()
		g.leaked = append(g.leaked, fmt.Sprintf("%s: %v", cmd.Name(), err))
		g.mu.Unlock()
	}
}

type nodeHook struct{ g *Guard }

func (h nodeHook) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (h nodeHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		err := next(ctx, cmd)
		h.g.node(cmd)
		return err
	}
}

func (h nodeHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		err := next(ctx, cmds)
		for _, c := range cmds {
			h.g.node(c)
		}
		return err
	}
}

type outerHook struct{ g *Guard }

func (h outerHook) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (h outerHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		err := next(ctx, cmd)
		h.g.outer(cmd)
		return err
	}
}

func (h outerHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		err := next(ctx, cmds)
		for _, c := range cmds {
			h.g.outer(c)
		}
		return err
	}
}
