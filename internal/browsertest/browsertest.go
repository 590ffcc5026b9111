// Package browsertest drives a headless Chromium through the DevTools
// protocol (github.com/chromedp/chromedp) for end-to-end tests: start a
// fresh browser per test, navigate, evaluate JavaScript (awaiting promises),
// take screenshots, and emulate WebAuthn authenticators with Chromium's
// virtual authenticators.
//
// # Availability
//
// Start looks for Chromium (the STRONGAUTH_CHROMIUM environment variable,
// then /usr/bin/chromium, chromium, chromium-browser, google-chrome). When
// none is found it skips the test with a message — unless the environment
// variable CI is "true", where a missing browser fails the test: CI must run
// the browser tests.
//
// # Isolation
//
// Every Browser runs in its own process with a fresh profile in t.TempDir(),
// with the flags that work in containers and never reach outside hosts:
// --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
// --disable-background-networking --disable-component-update --disable-sync.
// The process is stopped when the test ends.
//
// http://localhost:PORT is a secure context, so WebAuthn works against an
// httptest server on localhost with the relying party ID "localhost".
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// DefaultTimeout bounds each browser operation of a Browser.
const DefaultTimeout = 20 * time.Second

// candidates are the executables Start tries, in order, after the
// STRONGAUTH_CHROMIUM environment variable.
func candidates() []string {
	return []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"}
}

// Chromium returns the path of the Chromium executable. When there is none
// it skips t, or fails it when CI=true.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("STRONGAUTH_CHROMIUM"); p != "" {
		if full, err := exec.LookPath(p); err == nil {
			return full
		}
		missing(t, fmt.Sprintf("STRONGAUTH_CHROMIUM=%q is not an executable", p))
		return ""
	}
	for _, c := range candidates() {
		if full, err := exec.LookPath(c); err == nil {
			return full
		}
	}
	missing(t, "chromium not found (apt-get install -y chromium, or set STRONGAUTH_CHROMIUM)")
	return ""
}

func missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("browsertest: %s; CI=true requires the browser tests", why)
	}
	t.Skipf("browsertest: %s; skipping browser test", why)
}

// Browser is one headless Chromium process with one tab.
type Browser struct {
	t       testing.TB
	ctx     context.Context
	timeout time.Duration
}

// Options configure Start.
type Options struct {
	// Timeout bounds each operation. Zero means DefaultTimeout.
	Timeout time.Duration
	// Log, if set, receives the browser's DevTools log lines (debugging).
	Log func(format string, args ...any)
	// Flags are extra command-line switches ("host-resolver-rules": "MAP
	// *.example.test 127.0.0.1"), added after the defaults.
	Flags map[string]string
}

// Start launches a fresh headless Chromium for t (skipping or failing t as
// Chromium says) and stops it when t ends.
func Start(t testing.TB, o Options) *Browser {
	t.Helper()
	path := Chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
	}
	for k, v := range o.Flags {
		opts = append(opts, chromedp.Flag(k, v))
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	var copts []chromedp.ContextOption
	if o.Log != nil {
		copts = append(copts, chromedp.WithLogf(o.Log))
	}
	ctx, cancel := chromedp.NewContext(actx, copts...)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	b := &Browser{t: t, ctx: ctx, timeout: o.Timeout}
	if b.timeout <= 0 {
		b.timeout = DefaultTimeout
	}
	// The first Run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browsertest: starting %s: %v", path, err)
	}
	return b
}

// Context returns the chromedp context of the browser's tab, for commands
// the helpers here do not cover.
func (b *Browser) Context() context.Context { return b.ctx }

func (b *Browser) op() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, b.timeout)
}

// Navigate loads url in the tab and waits for it to load.
func (b *Browser) Navigate(url string) error {
	ctx, cancel := b.op()
	defer cancel()
	return chromedp.Do(ctx, chromedp.Navigate(url))
}

// Eval evaluates a JavaScript expression and returns its value as a string.
// A promise is awaited; a rejected promise or a thrown exception is an error
// carrying the exception text.
func (b *Browser) Eval(expr string) (string, error) {
	ctx, cancel := b.op()
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
}

// Screenshot returns a PNG of the tab's viewport.
func (b *Browser) Screenshot() ([]byte, error) {
	ctx, cancel := b.op()
	defer cancel()
	return chromedp.Run(ctx, chromedp.CaptureScreenshot())
}

// SaveScreenshot writes a PNG of the tab to path (for debugging a failed
// test); errors are reported through t.Logf only.
func (b *Browser) SaveScreenshot(path string) {
	png, err := b.Screenshot()
	if err == nil {
		err = os.WriteFile(path, png, 0o600)
	}
	if err != nil {
		b.t.Logf("browsertest: screenshot: %v", err)
	}
}

// Authenticator describes a virtual WebAuthn authenticator. The zero value
// is a CTAP2 platform authenticator ("internal" transport) with resident
// keys and user verification that succeeds, with automatic user presence.
type Authenticator struct {
	// CrossPlatform makes it a USB security key instead of a platform
	// authenticator.
	CrossPlatform bool
	// NoResidentKeys disables discoverable credentials.
	NoResidentKeys bool
	// UserNotVerified makes user verification fail. Chromium then refuses
	// the ceremony itself (NotAllowedError) whatever the page asked for;
	// to get a response without the UV flag to the server, use
	// SetOverrides with BadUV.
	UserNotVerified bool
	// BackupEligible and BackupState set the BE and BS flags of the
	// credentials it creates (a synced passkey has BE).
	BackupEligible, BackupState bool
}

// AuthenticatorID names a virtual authenticator of a Browser.
type AuthenticatorID = webauthn.AuthenticatorID

// enableWebAuthn enables the WebAuthn domain (idempotent).
func (b *Browser) enableWebAuthn(ctx context.Context) error {
	_, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{})
	return err
}

// AddAuthenticator enables the WebAuthn domain and adds a virtual
// authenticator. Chromium accepts one platform (internal) authenticator at
// a time, besides any number of cross-platform ones.
func (b *Browser) AddAuthenticator(a Authenticator) (AuthenticatorID, error) {
	ctx, cancel := b.op()
	defer cancel()
	if err := b.enableWebAuthn(ctx); err != nil {
		return "", fmt.Errorf("browsertest: WebAuthn.enable: %w", err)
	}
	transport := webauthn.AuthenticatorTransportInternal
	if a.CrossPlatform {
		transport = webauthn.AuthenticatorTransportUsb
	}
	res, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol:                    webauthn.AuthenticatorProtocolCtap2,
			Ctap2version:                webauthn.Ctap2versionCtap21,
			Transport:                   transport,
			HasResidentKey:              !a.NoResidentKeys,
			HasUserVerification:         true,
			IsUserVerified:              !a.UserNotVerified,
			AutomaticPresenceSimulation: true,
			DefaultBackupEligibility:    a.BackupEligible,
			DefaultBackupState:          a.BackupState,
		},
	})
	if err != nil {
		return "", fmt.Errorf("browsertest: WebAuthn.addVirtualAuthenticator: %w", err)
	}
	return res.AuthenticatorID, nil
}

// RemoveAuthenticator detaches a virtual authenticator and its credentials.
func (b *Browser) RemoveAuthenticator(id AuthenticatorID) error {
	ctx, cancel := b.op()
	defer cancel()
	_, err := chromedp.Call(ctx, webauthn.RemoveVirtualAuthenticator, webauthn.RemoveVirtualAuthenticatorParams{AuthenticatorID: id})
	return err
}

// SetUserVerified makes user verification of an authenticator succeed or
// fail from now on.
func (b *Browser) SetUserVerified(id AuthenticatorID, verified bool) error {
	ctx, cancel := b.op()
	defer cancel()
	_, err := chromedp.Call(ctx, webauthn.SetUserVerified, webauthn.SetUserVerifiedParams{AuthenticatorID: id, IsUserVerified: verified})
	return err
}

// Overrides tamper with what an authenticator returns, as a broken or
// malicious authenticator would; the zero value restores honest answers.
type Overrides struct {
	// BadUV clears the user-verified (UV) flag in responses.
	BadUV bool
	// BadUP clears the user-present (UP) flag in responses.
	BadUP bool
	// BogusSignature replaces the signature with zeros.
	BogusSignature bool
}

// SetOverrides makes an authenticator's responses lie from now on (see
// Overrides). Chromium applies the flags before signing, so a BadUV
// response carries a valid signature over authenticator data without UV.
func (b *Browser) SetOverrides(id AuthenticatorID, o Overrides) error {
	ctx, cancel := b.op()
	defer cancel()
	_, err := chromedp.Call(ctx, webauthn.SetResponseOverrideBits, webauthn.SetResponseOverrideBitsParams{
		AuthenticatorID: id, IsBadUV: &o.BadUV, IsBadUP: &o.BadUP, IsBogusSignature: &o.BogusSignature,
	})
	return err
}

// Credential is a credential held by a virtual authenticator.
type Credential = webauthn.Credential

// addCredentialParams is WebAuthn.addCredential without the CMTG fields,
// which Chromium refuses ("CMTG is not supported by this authenticator")
// when they are present at all, as cdproto always sends them.
type addCredentialParams struct {
	AuthenticatorID AuthenticatorID `json:"authenticatorId"`
	Credential      struct {
		CredentialID         []byte  `json:"credentialId"`
		IsResidentCredential bool    `json:"isResidentCredential"`
		RpID                 string  `json:"rpId"`
		PrivateKey           []byte  `json:"privateKey"`
		UserHandle           []byte  `json:"userHandle,omitzero"`
		SignCount            float64 `json:"signCount"`
		BackupEligibility    bool    `json:"backupEligibility"`
		BackupState          bool    `json:"backupState"`
		UserName             string  `json:"userName,omitzero"`
		UserDisplayName      string  `json:"userDisplayName,omitzero"`
	} `json:"credential"`
}

// AddCredential puts a credential into an authenticator directly, as if it
// had been registered elsewhere: cred.PrivateKey is an ECDSA P-256 key in
// PKCS#8 DER, cred.RpID is required. Large blobs and CMTG keys are not
// passed on.
func (b *Browser) AddCredential(id AuthenticatorID, cred Credential) error {
	if cred.RpID == "" || len(cred.CredentialID) == 0 || len(cred.PrivateKey) == 0 {
		return errors.New("browsertest: AddCredential needs RpID, CredentialID and PrivateKey")
	}
	var p addCredentialParams
	p.AuthenticatorID = id
	c := &p.Credential
	c.CredentialID, c.IsResidentCredential, c.RpID, c.PrivateKey = cred.CredentialID, cred.IsResidentCredential, cred.RpID, cred.PrivateKey
	c.UserHandle, c.SignCount, c.BackupEligibility, c.BackupState = cred.UserHandle, cred.SignCount, cred.BackupEligibility, cred.BackupState
	c.UserName, c.UserDisplayName = cred.UserName, cred.UserDisplayName
	ctx, cancel := b.op()
	defer cancel()
	cmd := cdp.Command[addCredentialParams, cdp.Empty]{Method: webauthn.CommandAddCredential}
	_, err := chromedp.Call(ctx, cmd, p)
	return err
}

// Credentials lists the credentials an authenticator holds.
func (b *Browser) Credentials(id AuthenticatorID) ([]*Credential, error) {
	ctx, cancel := b.op()
	defer cancel()
	res, err := chromedp.Call(ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: id})
	if err != nil {
		return nil, err
	}
	return res.Credentials, nil
}

// Call runs any DevTools protocol command on the tab.
func Call[P, R any](b *Browser, cmd cdp.Command[P, R], params P) (R, error) {
	ctx, cancel := b.op()
	defer cancel()
	return chromedp.Call(ctx, cmd, params)
}
