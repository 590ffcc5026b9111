package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/strongauth/strongauth/factors/ecp/ecptest"
	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/otp/otptest"
)

const (
	askar    = "880101300123"
	secretA  = "rp-a-secret-for-tests-only"
	clientA  = "rp-a"  // confidential
	clientB  = "rp-b"  // public (PKCE only)
	clientRS = "rp-rs" // confidential, RS256 ID tokens
	secretRS = "rp-rs-secret-for-tests-only"
	testWait = 15 * time.Second
)

// harness runs the provider and the NCALayer simulator on loopback, and a
// relying party's redirect endpoint that records what it receives. The
// relying party itself is the test, with go-oidc and oauth2 only.
type harness struct {
	t      testing.TB
	idp    *IdP
	issuer string
	sms    *otptest.Recorder
	// clock is the provider's (and strongauth's) clock; the OIDC library
	// stamps iat and exp with the real one.
	clock    *fakeclock.Clock
	rpURL    string
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	a, b, rs oauth2.Config

	mu        sync.Mutex
	callbacks []url.Values
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	h := &harness{t: t, sms: &otptest.Recorder{}, clock: fakeclock.New(time.Now().UTC().Truncate(time.Second))}
	rp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.callbacks = append(h.callbacks, r.URL.Query())
		h.mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<p id=rp>relying party</p>")
	}))
	t.Cleanup(rp.Close)
	h.rpURL = strings.Replace(rp.URL, "127.0.0.1", "localhost", 1) + "/callback"

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	h.issuer = "http://localhost:" + portOf(ln)
	simLn, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	h.idp, err = New(Config{Issuer: h.issuer, NCALayerURL: "ws://" + simLn.Addr().String(), SMS: h.sms, IdentityClaims: true, Now: h.clock.Now,
		Log: slog.New(slog.DiscardHandler), Clients: []ClientConfig{
			{ID: clientA, Secret: secretA, RedirectURIs: []string{h.rpURL}},
			{ID: clientB, RedirectURIs: []string{h.rpURL}},
			{ID: clientRS, Secret: secretRS, RedirectURIs: []string{h.rpURL}, IDTokenSigningAlg: "RS256"},
		}})
	require.NoError(t, err)
	t.Cleanup(h.idp.Close)
	sim, err := ecptest.New(ecptest.Config{InsecureTestKeys: true, Keys: h.idp.pki.simKeys(), Origins: []string{h.issuer}})
	require.NoError(t, err)
	for l, hd := range map[net.Listener]http.Handler{ln: h.idp, simLn: sim} {
		s := &http.Server{Handler: hd, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = s.Serve(l) }()
		t.Cleanup(func() { _ = s.Close() })
	}

	ctx := context.Background()
	h.provider, err = oidc.NewProvider(ctx, h.issuer)
	require.NoError(t, err, "discovery")
	h.verifier = h.provider.Verifier(&oidc.Config{ClientID: clientA})
	scopes := []string{oidc.ScopeOpenID, "profile", oidc.ScopeOfflineAccess}
	h.a = oauth2.Config{ClientID: clientA, ClientSecret: secretA, Endpoint: h.provider.Endpoint(), RedirectURL: h.rpURL, Scopes: scopes}
	h.b = oauth2.Config{ClientID: clientB, Endpoint: h.provider.Endpoint(), RedirectURL: h.rpURL, Scopes: scopes}
	h.rs = oauth2.Config{ClientID: clientRS, ClientSecret: secretRS, Endpoint: h.provider.Endpoint(), RedirectURL: h.rpURL, Scopes: scopes}
	return h
}

func portOf(ln net.Listener) string {
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	return p
}

// attempt is one authorization request of the relying party.
type attempt struct {
	state, nonce, verifier string
	url                    string
}

func (h *harness) attempt(conf oauth2.Config, params ...string) *attempt {
	a := &attempt{state: oauth2.GenerateVerifier(), nonce: oauth2.GenerateVerifier(), verifier: oauth2.GenerateVerifier()}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(a.verifier), oidc.Nonce(a.nonce)}
	for i := 0; i+1 < len(params); i += 2 {
		opts = append(opts, oauth2.SetAuthURLParam(params[i], params[i+1]))
	}
	a.url = conf.AuthCodeURL(a.state, opts...)
	return a
}

// callback returns what the relying party received for an attempt.
func (h *harness) callback(a *attempt) url.Values {
	h.t.Helper()
	deadline := time.Now().Add(testWait)
	for time.Now().Before(deadline) {
		h.mu.Lock()
		for _, q := range h.callbacks {
			if q.Get("state") == a.state {
				h.mu.Unlock()
				return q
			}
		}
		h.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	h.t.Fatalf("the relying party received nothing for the attempt")
	return nil
}

// idClaims are the claims the tests read from an ID token.
type idClaims struct {
	ACR      string   `json:"acr"`
	AMR      []string `json:"amr"`
	AuthTime int64    `json:"auth_time"`
	IIN      string   `json:"iin"`
	Name     string   `json:"name"`
}

// verify checks an ID token as a relying party does (go-oidc: signature,
// issuer, audience, expiry) plus the nonce, and returns its claims.
func (h *harness) verify(raw, nonce string) (*oidc.IDToken, idClaims) {
	h.t.Helper()
	idt, err := h.verifier.Verify(context.Background(), raw)
	require.NoError(h.t, err)
	if nonce != "" {
		require.Equal(h.t, nonce, idt.Nonce)
	}
	var c idClaims
	require.NoError(h.t, idt.Claims(&c))
	return idt, c
}

// noRedirect is an HTTP client that stops at the first redirect and holds
// no cookies: a browser without a session at the provider.
func noRedirect() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
