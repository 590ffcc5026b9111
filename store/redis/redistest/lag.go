package redistest

import (
	"bytes"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// LagProxy forwards TCP connections from a loopback port to a Redis
// server, delaying the replication stream — what the server sends on a
// connection after that connection asked for it with PSYNC or SYNC — by a
// fixed lag. Everything else (requests, replies to clients, what replicas
// send back) goes at once. In front of a master it models replicas that
// see the master's writes lag later — replicas in another zone, or a busy
// link — and, because whatever it holds is lost when the master's side of
// a connection ends, a master that crashes with writes still in flight:
// the replicas never get them.
type LagProxy struct {
	ln  net.Listener
	up  string
	lag time.Duration

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// NewLagProxy listens on a free loopback port and forwards to upstream,
// delaying replication streams by lag.
func NewLagProxy(upstream string, lag time.Duration) (*LagProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &LagProxy{ln: ln, up: upstream, lag: lag, conns: map[net.Conn]struct{}{}}
	p.wg.Go(p.serve)
	return p, nil
}

// Addr returns the proxy's address.
func (p *LagProxy) Addr() string { return p.ln.Addr().String() }

// Close stops listening and closes every forwarded connection.
func (p *LagProxy) Close() {
	_ = p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *LagProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *LagProxy) serve() {
	for {
		down, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.DialTimeout("tcp", p.up, time.Second)
		if err != nil {
			_ = down.Close()
			continue
		}
		if !p.track(down) || !p.track(up) {
			_ = down.Close()
			_ = up.Close()
			return
		}
		p.wg.Go(func() { p.pipe(down, up) })
	}
}

// chunk is data read from upstream and when it may be delivered.
type chunk struct {
	b  []byte
	at time.Time
}

// pipe forwards one connection pair until either side ends.
func (p *LagProxy) pipe(down, up net.Conn) {
	defer func() {
		_ = down.Close()
		_ = up.Close()
		p.mu.Lock()
		delete(p.conns, down)
		delete(p.conns, up)
		p.mu.Unlock()
	}()
	// Towards the upstream: at once, watching for the request that turns
	// the connection into a replication stream.
	var replicating atomic.Bool
	go func() {
		buf := make([]byte, 32<<10)
		var tail []byte
		for {
			n, err := down.Read(buf)
			if n > 0 {
				if !replicating.Load() {
					seen := append(tail, buf[:n]...)
					if bytes.Contains(seen, []byte("PSYNC\r\n")) || bytes.Contains(seen, []byte("\r\nSYNC\r\n")) {
						replicating.Store(true)
					}
					tail = append(tail[:0], seen[max(0, len(seen)-8):]...)
				}
				if _, werr := up.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		_ = up.Close()
	}()
	// From the upstream: a replication stream is queued and delivered lag
	// later; when the upstream ends, the queue is dropped: what was in
	// flight is lost. Anything else goes at once.
	q := make(chan chunk, 1<<14)
	dead := make(chan struct{})
	go func() {
		defer close(dead)
		buf := make([]byte, 64<<10)
		for {
			n, err := up.Read(buf)
			if n > 0 {
				c := chunk{b: append([]byte(nil), buf[:n]...)}
				if replicating.Load() {
					c.at = time.Now().Add(p.lag)
				}
				select {
				case q <- c:
				default: // the queue is full: treat as a broken link
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	for {
		select {
		case <-dead:
			return
		case c := <-q:
			if d := time.Until(c.at); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-dead:
					t.Stop()
					return
				case <-t.C:
				}
			}
			if _, err := down.Write(c.b); err != nil {
				return
			}
		}
	}
}
