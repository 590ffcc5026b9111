// Command ncalayer-sim is a DEVELOPMENT stand-in for NCALayer, the NCA's
// desktop signer: it speaks NCALayer's kz.gov.pki.knca.basics "sign"
// protocol on a local WebSocket and signs with test keys, so that the ECP
// path of a real browser client runs without the NCA's software. It
// refuses to start without -dev.
//
//	go run ./examples/portal -ncalayer ws://127.0.0.1:13579       # writes its test keys
//	go run ./examples/ncalayer-sim -dev -keys /tmp/strongauth-portal-dev -origin http://localhost:8080
//
// The keys directory holds, per test person, IIN.crt.pem (the certificate
// followed by its chain) and IIN.key.hex (the GOST private scalar,
// big-endian hex) or IIN.key.pem (a PKCS#8 RSA or ECDSA key), as the portal
// example writes them. Plain ws:// on 127.0.0.1 is enough for pages on
// http://localhost; the real NCALayer listens on wss://127.0.0.1:13579.
//
// Flags:
//
//	-dev            required: acknowledges that this signs with test keys, unasked
//	-addr ADDR      where to listen (default 127.0.0.1:13579)
//	-keys DIR       the test keys (default: strongauth-portal-dev in os.TempDir(),
//	                /tmp/strongauth-portal-dev on Linux; the portal prints the path)
//	-origin URL     a web origin allowed to connect (repeatable; default http://localhost:8080)
//	-cancel         answer every request as if the user closed the dialog
package main

import (
	"context"
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
	"syscall"
	"time"

	"github.com/strongauth/strongauth/factors/ecp/ecptest"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil))
}

type origins []string

func (o *origins) String() string     { return strings.Join(*o, ",") }
func (o *origins) Set(v string) error { *o = append(*o, v); return nil }

// run parses args and serves until ctx ends; ready, if set, gets the
// address it listens on.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready func(addr string)) int {
	fs := flag.NewFlagSet("ncalayer-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dev := fs.Bool("dev", false, "required: this signs with TEST keys, without asking anyone")
	addr := fs.String("addr", "127.0.0.1:13579", "where to listen")
	keysDir := fs.String("keys", filepath.Join(os.TempDir(), "strongauth-portal-dev"), "the test keys (IIN.crt.pem + IIN.key.hex or IIN.key.pem)")
	cancel := fs.Bool("cancel", false, "answer every request as a cancelled dialog")
	var allowed origins
	fs.Var(&allowed, "origin", "a web origin allowed to connect (repeatable; default http://localhost:8080)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if !*dev {
		fmt.Fprintln(stderr, "ncalayer-sim: refusing to start without -dev: it signs with test keys, without asking anyone.\n"+
			"It is a development stand-in for NCALayer; never run it where real keys or users are.")
		return exitUsage
	}
	if len(allowed) == 0 {
		allowed = origins{"http://localhost:8080"}
	}
	keys, err := ecptest.LoadDir(*keysDir)
	if err != nil {
		fmt.Fprintf(stderr, "ncalayer-sim: %v (run the portal example first: it writes its test keys to %s)\n", err, *keysDir)
		return exitError
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	cfg := ecptest.Config{InsecureTestKeys: true, Keys: keys, Origins: allowed, Log: log}
	if *cancel {
		cfg.Approve = func(context.Context, *ecptest.Request, *ecptest.Key) error { return ecptest.ErrCancelled }
	}
	sim, err := ecptest.New(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "ncalayer-sim:", err)
		return exitUsage
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(stderr, "ncalayer-sim:", err)
		return exitError
	}
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !net.ParseIP(host).IsLoopback() {
		ln.Close()
		fmt.Fprintln(stderr, "ncalayer-sim: listen on a loopback address only, as NCALayer does")
		return exitUsage
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Fprintf(stdout, "NCALayer SIMULATOR (development only) on ws://%s for %s\n", ln.Addr(), strings.Join(allowed, ", "))
	for _, k := range keys {
		fmt.Fprintf(stdout, "  key: %s  IIN %s\n", k.Certificate.Subject.CommonName, k.IIN())
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	<-ctx.Done()
	shutdown, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	_ = srv.Shutdown(shutdown)
	return exitOK
}
