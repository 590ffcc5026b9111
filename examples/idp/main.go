// Command idp is an OpenID provider whose login step is strongauth: every
// OpenID Connect application pointed at it (Keycloak as an identity broker,
// Grafana, GitLab, an SPA) gets "a strong factor required, SMS never alone",
// with the assurance in the acr and amr claims of the ID token.
//
//	go -C examples/idp run .          # the provider, on http://localhost:9998
//	go -C examples/idp run ./rp       # a sample relying party, on http://localhost:9999
//
// The protocol is github.com/zitadel/oidc/v3's op (discovery, JWKS, ID
// tokens signed ES256 or, per client, RS256, the authorization code flow with PKCE S256 only, refresh
// tokens that keep auth_time); the login step runs strongauth's flows with
// ECP (through the NCALayer simulator), passkeys, eGov Mobile's QR and
// SMS as a second step, and auth/authoidc maps requests and results.
//
// It runs in DEVELOPMENT MODE only: a test PKI made at start, test persons,
// an in-process NCALayer simulator holding their keys, SMS codes printed to
// the console, everything in memory.
//
// Flags:
//
//	-addr HOST:PORT         where to listen (default localhost:9998)
//	-client ID              the sample relying party's client ID (default sample-rp)
//	-secret S               its client secret (default: a public client, PKCE only)
//	-redirect URL           its redirect URI (default http://localhost:9999/callback)
//	-id-token-alg ALG       its ID tokens' signature: ES256 (default) or RS256
//	-identity-claims        add iin, bin and ecp_roles to ID tokens
//	-v                      log every audit event
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
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/strongauth/strongauth/factors/ecp/ecptest"
	"github.com/strongauth/strongauth/otp"
)

func main() {
	var o options
	flag.StringVar(&o.addr, "addr", "localhost:9998", "where to listen")
	flag.StringVar(&o.client, "client", "sample-rp", "the sample relying party's client ID")
	flag.StringVar(&o.secret, "secret", "", "its client secret (empty: a public client, PKCE only)")
	flag.StringVar(&o.redirect, "redirect", "http://localhost:9999/callback", "its redirect URI")
	flag.StringVar(&o.alg, "id-token-alg", "ES256", "its ID tokens' signature algorithm: ES256 or RS256")
	flag.BoolVar(&o.identity, "identity-claims", false, "add iin, bin and ecp_roles to ID tokens")
	flag.BoolVar(&o.verbose, "v", false, "log every audit event")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "idp:", err)
		os.Exit(1)
	}
}

type options struct {
	addr, client, secret, redirect, alg string
	identity, verbose                   bool
}

func run(ctx context.Context, o options, out io.Writer) error {
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	issuer := "http://localhost:" + port
	simLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer simLn.Close()
	ncalayer := "ws://" + simLn.Addr().String()
	p, err := New(Config{Issuer: issuer, NCALayerURL: ncalayer, Log: log, SMS: &insecureConsoleSender{w: out},
		IdentityClaims: o.identity, Clients: []ClientConfig{{ID: o.client, Secret: o.secret, RedirectURIs: []string{o.redirect}, IDTokenSigningAlg: o.alg}}})
	if err != nil {
		return err
	}
	defer p.Close()
	sim, err := ecptest.New(ecptest.Config{InsecureTestKeys: true, Keys: p.pki.simKeys(), Origins: []string{issuer}, Log: log})
	if err != nil {
		return err
	}
	servers := []*http.Server{serve(simLn, sim), serve(ln, p)}
	fmt.Fprintf(out, "\nstrongauth IdP — DEVELOPMENT MODE (test PKI, test persons, SMS codes printed here)\n\n")
	fmt.Fprintf(out, "  Issuer      %s  (discovery: %s/.well-known/openid-configuration)\n", issuer, issuer)
	fmt.Fprintf(out, "  Client      %s, redirect %s, code flow with PKCE S256, %s ID tokens\n", o.client, o.redirect, o.alg)
	fmt.Fprintf(out, "  ACRs        %s (ECP+SMS, passkey or QR), %s (ECP or passkey)\n", ACRStrong, ACRKey)
	fmt.Fprintf(out, "  Sample RP   go -C examples/idp run ./rp -issuer %s\n\n", issuer)
	for _, person := range p.cfg.People {
		fmt.Fprintf(out, "  Test person %-24s IIN %s\n", person.FullName(), person.IIN)
	}
	fmt.Fprintln(out)
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
			fmt.Fprintln(os.Stderr, "idp:", err)
		}
	}()
	return s
}

// insecureConsoleSender "delivers" SMS by printing them, codes included.
// Development only: whoever reads the console can complete the SMS step.
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
	_, err := fmt.Fprintf(s.w, "┌─ DEV SMS to %s (not delivered)\n│ %s\n└─\n", m.To.Masked(), strings.ReplaceAll(m.Text, "\n", "\n│ "))
	return err
}
