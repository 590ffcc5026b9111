// Command portal is an eGov-like demo of strongauth: sign in with ECP
// (through an NCALayer simulator) and then an SMS code, with a passkey, or
// — never — with an SMS code alone; sign a document, which needs a strong
// factor from the last five minutes.
//
//	go run ./examples/portal
//
// It runs in DEVELOPMENT MODE only: a test PKI made at start, test persons,
// an in-process NCALayer simulator holding their keys, and SMS codes
// printed to the console. It prints what to open and how to sign in.
//
// Flags:
//
//	-addr HOST:PORT        where to listen (default localhost:8080; a free port if that is taken)
//	-ncalayer URL          use this NCALayer (simulator) instead of the in-process one
//	-ncalayer-addr ADDR    where the in-process simulator listens (default 127.0.0.1:0, a free port)
//	-dev-keys DIR          where to write the test keys for a separate simulator
//	-postgres DSN          keep passkeys, linked phones and bound numbers in PostgreSQL (migrated at start)
//	-dev-clock             a clock control on the dev panel (/dev): move the portal's
//	                       time forward to see a step-up expire (one instance, the
//	                       in-process simulator only)
//	-v                     log every audit event
//
// Many instances behind one origin (a load balancer in front):
//
//	-origin URL            the public origin, when it is not http://localhost:PORT of -addr
//	-redis SPEC            keep flows, codes, sessions, passkeys and phones in Redis:
//	                       HOST:PORT, cluster:HOST:PORT,… or sentinel:MASTER@HOST:PORT,…
//	-redis-wait N          every write waits for N replicas (redis.Config.WaitReplicas)
//	-dev-dir DIR           share the development PKI and the OTP key through DIR
//	                       (made by the first instance; its keys are DIR/keys)
//
// Behind a reverse proxy or load balancer:
//
//	-trusted-proxy CIDR,…  the proxies whose forwarding header names the client
//	                       (networks or addresses); without it every user behind
//	                       a proxy is counted as the proxy: one rate-limit budget
//	-proxy-header NAME     x-forwarded-for (default) or forwarded (RFC 7239)
//
//	go run ./examples/portal -addr :8081 -origin http://localhost:8080 -redis 127.0.0.1:6379 -dev-dir /tmp/portal-dev
//	go run ./examples/portal -addr :8082 -origin http://localhost:8080 -redis 127.0.0.1:6379 -dev-dir /tmp/portal-dev
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/strongauth/strongauth/factors/ecp/ecptest"
	"github.com/strongauth/strongauth/otp"
)

func main() {
	var o options
	flag.StringVar(&o.addr, "addr", "localhost:8080", "where to listen")
	flag.StringVar(&o.ncalayer, "ncalayer", "", "URL of an NCALayer (simulator) to use instead of the in-process simulator")
	flag.StringVar(&o.simAddr, "ncalayer-addr", "127.0.0.1:0", "where the in-process NCALayer simulator listens")
	flag.StringVar(&o.keysDir, "dev-keys", filepath.Join(os.TempDir(), "strongauth-portal-dev"), "where to write the test keys for a separate simulator")
	flag.StringVar(&o.postgres, "postgres", "", "PostgreSQL connection string for passkeys, linked phones and bound numbers (default: in memory)")
	flag.BoolVar(&o.verbose, "v", false, "log every audit event")
	flag.BoolVar(&o.devClock, "dev-clock", false, "a clock control on the dev panel (one instance, in-process simulator only)")
	flag.StringVar(&o.origin, "origin", "", "the public origin (default http://localhost:PORT of -addr)")
	flag.StringVar(&o.redis, "redis", "", "Redis for flows, codes, sessions, passkeys and phones: HOST:PORT, cluster:HOST:PORT,… or sentinel:MASTER@HOST:PORT,…")
	flag.IntVar(&o.redisWait, "redis-wait", 0, "replicas every Redis write waits for")
	flag.StringVar(&o.devDir, "dev-dir", "", "directory sharing the development PKI and the OTP key between instances")
	flag.StringVar(&o.trustedProxy, "trusted-proxy", "", "CIDR[,CIDR…] of the reverse proxies whose forwarding header names the client (default: none; every user behind a proxy then shares one rate-limit budget)")
	flag.StringVar(&o.proxyHeader, "proxy-header", "", "the trusted proxies' header: x-forwarded-for (default) or forwarded")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "portal:", err)
		os.Exit(1)
	}
}

type options struct {
	addr, ncalayer, simAddr, keysDir string
	postgres                         string
	verbose, devClock                bool
	// Many instances: the public origin, the shared Redis and the shared
	// development directory.
	origin, redis, devDir string
	redisWait             int
	// Behind a proxy: -trusted-proxy and -proxy-header.
	trustedProxy, proxyHeader string
}

// run serves the portal (and the in-process simulator) until ctx ends.
func run(ctx context.Context, o options, out io.Writer) error {
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	clientIP, err := clientIPFunc(o.trustedProxy, o.proxyHeader)
	if err != nil {
		return err
	}
	if o.devClock && (o.redis != "" || o.devDir != "" || o.ncalayer != "") {
		// Other instances, and a simulator in another process, keep the
		// real time: they would disagree with the moved clock.
		return errors.New("portal: -dev-clock runs one instance with the in-process simulator: not with -redis, -dev-dir or -ncalayer")
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil && o.addr == "localhost:8080" {
		fmt.Fprintf(out, "localhost:8080 is taken; using a free port instead (or pass -addr).\n")
		ln, err = net.Listen("tcp", "localhost:0")
	}
	if err != nil {
		return err
	}
	defer ln.Close()
	origin := "http://localhost:" + portOf(ln.Addr())
	if o.origin != "" {
		origin = o.origin
	}

	var simLn net.Listener
	ncalayerURL := o.ncalayer
	if ncalayerURL == "" {
		if simLn, err = net.Listen("tcp", o.simAddr); err != nil {
			return fmt.Errorf("NCALayer simulator: %w", err)
		}
		defer simLn.Close()
		ncalayerURL = "ws://127.0.0.1:" + portOf(simLn.Addr())
	}
	cfg := Config{Origin: origin, NCALayerURL: ncalayerURL, Log: log, SMS: &insecureConsoleSender{w: out},
		QRMaxFrameAge: 10 * time.Second, // time to scan a screenshot with examples/mobile
		DevDir:        o.devDir, PostgresDSN: o.postgres, ClientIP: clientIP, DevClock: o.devClock}
	if o.redis != "" {
		closeRedis, err := useRedis(ctx, &cfg, o.redis, o.redisWait)
		if err != nil {
			return err
		}
		defer closeRedis()
	}
	p, err := New(cfg)
	if err != nil {
		return err
	}
	defer p.Close()
	if o.devDir != "" {
		o.keysDir = filepath.Join(o.devDir, devKeys) // written there by the first instance
	} else if err := p.pki.writeDir(o.keysDir); err != nil {
		return fmt.Errorf("writing the dev keys: %w", err)
	}

	var servers []*http.Server
	if simLn != nil {
		sim, err := ecptest.New(ecptest.Config{InsecureTestKeys: true, Keys: p.pki.simKeys(), Origins: []string{origin}, Log: log})
		if err != nil {
			return err
		}
		servers = append(servers, serve(simLn, sim))
	}
	servers = append(servers, serve(ln, p))
	banner(out, origin, ncalayerURL, simLn != nil, o.keysDir, p.cfg.People, p.rev.url, o.devClock)
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range servers {
		_ = s.Shutdown(shutdown)
	}
	return nil
}

func serve(ln net.Listener, h http.Handler) *http.Server {
	s := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "portal:", err)
		}
	}()
	return s
}

func portOf(a net.Addr) string {
	_, port, _ := net.SplitHostPort(a.String())
	return port
}

// banner tells the newcomer what to open and how to sign in.
func banner(w io.Writer, origin, ncalayer string, inProcess bool, keysDir string, people []Person, ocspURL string, devClock bool) {
	fmt.Fprintf(w, "\nstrongauth portal — DEVELOPMENT MODE (test PKI, test persons, SMS codes printed here)\n\n")
	fmt.Fprintf(w, "  Open        %s\n", origin)
	if inProcess {
		fmt.Fprintf(w, "  NCALayer    simulator at %s (in-process, holds the test keys below)\n", ncalayer)
		fmt.Fprintf(w, "              for a separate one: start the portal with -ncalayer ws://127.0.0.1:13579, then\n")
		fmt.Fprintf(w, "              go run ./examples/ncalayer-sim -dev -keys %s -origin %s\n", keysDir, origin)
	} else {
		fmt.Fprintf(w, "  NCALayer    %s (start it with: go run ./examples/ncalayer-sim -dev -keys %s -origin %s)\n", ncalayer, keysDir, origin)
	}
	fmt.Fprintf(w, "  SMS codes   appear below in this terminal as DEV SMS; nothing is delivered\n")
	fmt.Fprintf(w, "  OCSP        %s (development responder: every signature is checked by OCSP, then the CRL)\n", ocspURL)
	clockNote := ""
	if devClock {
		clockNote = ", move the clock (-dev-clock)"
	}
	fmt.Fprintf(w, "  Dev panel   %s/dev: revoke a test certificate (OCSP, then CRL), stop the OCSP responder%s\n\n", origin, clockNote)
	fmt.Fprintf(w, "  Test persons (pick one under \"Sign as\" on the login page):\n")
	for _, p := range people {
		note := ""
		if p.Revoked {
			note = "  certificate revoked: ECP is refused"
		}
		if r := p.Role(); r != "" {
			note += "  " + r + " of " + p.Organisation
		}
		fmt.Fprintf(w, "    %-24s IIN %s  phone %s%s\n", p.FullName(), p.IIN, maskPhone(p.Phone), note)
	}
	fmt.Fprintf(w, "\n  Sign in: ECP (the simulator signs), then the SMS code printed here.\n")
	fmt.Fprintf(w, "  Then: add a passkey in the cabinet and sign in with it; sign a document (step-up after 5 minutes);\n")
	fmt.Fprintf(w, "  link a phone in the cabinet (examples/mobile plays the app) and sign in with the QR code;\n")
	fmt.Fprintf(w, "  or sign in with eGov Mobile's QR code: go run ./examples/mobile egov -image CODE.png \\\n")
	fmt.Fprintf(w, "      -cert %s/IIN.crt.pem -key-hex %s/IIN.key.hex   (a test person's IIN)\n", keysDir, keysDir)
	fmt.Fprintf(w, "  See %s/sms-only: an SMS code alone signs no one in.\n\n", origin)
}

// insecureConsoleSender "delivers" SMS by printing them, codes included,
// to the console. Development only: whoever reads the console can complete
// the SMS step. It never reaches a phone.
type insecureConsoleSender struct {
	mu sync.Mutex
	w  io.Writer
}

// Send implements otp.Sender.
func (s *insecureConsoleSender) Send(ctx context.Context, m *otp.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := fmt.Fprintf(s.w, "┌─ DEV SMS to %s (development mode: not delivered)\n│ %s\n└─\n", m.To.Masked(), strings.ReplaceAll(m.Text, "\n", "\n│ "))
	return err
}
