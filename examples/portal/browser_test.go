package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/internal/browsertest"
)

// The browser tests drive Debian's headless Chromium through the DevTools
// protocol against the portal on localhost: the real pages, the embedded
// client.js, WebAuthn with Chromium's virtual authenticator and the NCALayer
// simulator over a real WebSocket. They need chromium (required when
// CI=true). Screenshots of the main pages go to $STRONGAUTH_ARTIFACTS (or a
// temporary directory, logged) and, with STRONGAUTH_UPDATE_SCREENSHOTS=1,
// to docs/screenshots for the README.

// tab is one browser on the portal.
type tab struct {
	t *testing.T
	b *browsertest.Browser
	h *harness
}

func (h *harness) browser(t *testing.T) *tab {
	t.Helper()
	b := browsertest.Start(t, browsertest.Options{})
	_, err := chromedp.Run(b.Context(), chromedp.EmulateViewport(1180, 820))
	require.NoError(t, err)
	tb := &tab{t: t, b: b, h: h}
	if os.Getenv("STRONGAUTH_ARTIFACTS") == "" {
		t.Logf("screenshots in %s", artifactDir())
	}
	t.Cleanup(func() {
		if t.Failed() {
			tb.shot("failed-" + strings.ReplaceAll(t.Name(), "/", "-"))
		}
	})
	return tb
}

func (tb *tab) open(path string) {
	tb.t.Helper()
	require.NoError(tb.t, tb.b.Navigate(tb.h.origin+path))
}

// js evaluates an expression (awaiting a promise) and returns its string
// value.
func (tb *tab) js(expr string) string {
	tb.t.Helper()
	v, err := tb.b.Eval(expr)
	require.NoError(tb.t, err, "evaluating %s", expr)
	return v
}

// wait polls a JavaScript expression until it is truthy (navigations in
// between are fine) and returns its value as a string.
func (tb *tab) wait(cond string) string {
	tb.t.Helper()
	expr := `(() => { try { const v = (` + cond + `); return v ? String(v) : ""; } catch (e) { return ""; } })()`
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if v, err := tb.b.Eval(expr); err == nil && v != "" {
			return v
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.t.Fatalf("timed out waiting for %s; page: %s", cond, tb.text())
	return ""
}

func (tb *tab) text() string {
	v, _ := tb.b.Eval(`location.pathname + " | " + document.body.innerText.slice(0, 600)`)
	return v
}

func (tb *tab) click(selector string) {
	tb.t.Helper()
	tb.wait(`document.querySelector(` + strconv.Quote(selector) + `)`)
	tb.js(`document.querySelector(` + strconv.Quote(selector) + `).click(), "ok"`)
}

// shot saves a screenshot of the page as an artifact, and into
// docs/screenshots when STRONGAUTH_UPDATE_SCREENSHOTS=1.
func (tb *tab) shot(name string) {
	png, err := tb.b.Screenshot()
	if err != nil {
		tb.t.Logf("screenshot %s: %v", name, err)
		return
	}
	dir := os.Getenv("STRONGAUTH_ARTIFACTS")
	if dir == "" {
		dir = artifactDir()
	}
	if err := os.MkdirAll(dir, 0o755); err == nil {
		_ = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
	if os.Getenv("STRONGAUTH_UPDATE_SCREENSHOTS") == "1" && !strings.HasPrefix(name, "failed-") {
		docs := filepath.Join(repoRoot(tb.t), "docs", "screenshots")
		require.NoError(tb.t, os.MkdirAll(docs, 0o755))
		require.NoError(tb.t, os.WriteFile(filepath.Join(docs, name+".png"), png, 0o644))
	}
}

// artifactDir is where screenshots go without STRONGAUTH_ARTIFACTS: one
// directory per test process.
func artifactDir() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("strongauth-portal-screenshots-%d", os.Getpid()))
}

func repoRoot(t *testing.T) string {
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "go.mod not found")
		dir = parent
	}
}

// signAs picks the person whose test key the NCALayer simulator uses.
func (tb *tab) signAs(iin string) {
	tb.t.Helper()
	tb.wait(`document.getElementById("dev-signer")`)
	tb.js(`document.getElementById("dev-signer").value = ` + strconv.Quote(iin) + `, "ok"`)
}

// typeCode enters an SMS code into the one-time-code field and submits.
func (tb *tab) typeCode(code string) {
	tb.t.Helper()
	tb.wait(`document.getElementById("sa-sms-code")`)
	tb.js(`(() => { const i = document.getElementById("sa-sms-code"); i.value = ` + strconv.Quote(code) + `; i.form.requestSubmit(); return "ok"; })()`)
}

// loginECPSMS signs in on the login page with ECP and the SMS code.
func (tb *tab) loginECPSMS(iin string) {
	tb.t.Helper()
	tb.open("/")
	tb.signAs(iin)
	tb.click(`#login [data-factor="ecp"]`)
	tb.wait(`document.getElementById("login").dataset.state === "sms"`)
	tb.typeCode(tb.h.lastCode(tb.h.person(iin).Phone))
	tb.wait(`location.pathname === "/cabinet" && document.getElementById("me-login").textContent.includes("ecp + sms")`)
}

// TestBrowserLogin: ECP through the simulator, then the SMS code, signs
// in; in the cabinet a passkey is enrolled (the fresh ECP opens the gate)
// and the next login is with the passkey alone. Cancelling in NCALayer and
// a revoked certificate are refused on the way.
func TestBrowserLogin(t *testing.T) {
	h := newHarness(t, nil)
	tb := h.browser(t)
	tb.open("/")
	offered := tb.wait(`[...document.querySelectorAll("#login [data-factor]")].map(b => b.dataset.factor + (b.dataset.mode ? ":" + b.dataset.mode : "")).join(",")`)
	assert.Equal(t, "ecp,qr:device,qr:mobile-sign,webauthn", offered, "no SMS before a strong factor")
	tb.shot("01-login")

	// The user closes NCALayer's dialog.
	h.cancelSigning.Store(true)
	tb.signAs(askar)
	tb.click(`#login [data-factor="ecp"]`)
	assert.Equal(t, "ncalayer_cancelled", tb.wait(`document.getElementById("sa-error").dataset.code`))
	h.cancelSigning.Store(false)

	// A revoked certificate.
	tb.signAs(revoked)
	tb.click(`#login [data-factor="ecp"]`)
	assert.Equal(t, "revoked", tb.wait(`document.getElementById("sa-error").dataset.code === "revoked" && "revoked"`))
	assert.Zero(t, h.sms.Len(), "no SMS after a failed ECP")

	// ECP, then the SMS step — whose first send fails at the gateway: the
	// page says so and offers to send the code again.
	h.sms.FailWith(errors.New("gateway down"))
	tb.signAs(askar)
	tb.click(`#login [data-factor="ecp"]`)
	assert.Equal(t, "unavailable", tb.wait(`document.getElementById("sa-error").dataset.code`))
	assert.Equal(t, "qr,qr,sms,webauthn", tb.wait(`[...document.querySelectorAll("#login [data-factor]")].map(b => b.dataset.factor).join(",")`),
		"after ECP: SMS, or another strong factor")
	h.sms.FailWith(nil)
	tb.click(`#login [data-factor="sms"]`)
	tb.wait(`document.getElementById("login").dataset.state === "sms"`)
	assert.Equal(t, "one-time-code", tb.js(`document.getElementById("sa-sms-code").autocomplete`))
	assert.Contains(t, tb.js(`document.querySelector("#login .sa-hint").textContent`), "+7 7** *** **23")
	tb.shot("02-sms-code")
	tb.typeCode("000000")
	assert.Equal(t, "verification_failed", tb.wait(`document.getElementById("sa-error").dataset.code`))
	tb.typeCode(h.lastCode(h.person(askar).Phone))
	tb.wait(`location.pathname === "/cabinet" && document.getElementById("me-login").textContent.includes("ecp + sms")`)
	assert.Equal(t, "0", tb.wait(`document.getElementById("me-passkeys").dataset.count`))
	tb.shot("03-cabinet")

	// Enrol a passkey: the ECP of this login is fresh enough.
	dev, err := tb.b.AddAuthenticator(browsertest.Authenticator{})
	require.NoError(t, err)
	tb.click("#add-passkey")
	assert.Equal(t, "done", tb.wait(`document.getElementById("passkey-status").dataset.state`), tb.text())
	assert.Equal(t, "1", tb.wait(`document.getElementById("me-passkeys").dataset.count === "1" && "1"`))
	creds, err := tb.b.Credentials(dev)
	require.NoError(t, err)
	require.Len(t, creds, 1)

	// Log out, and in again with the passkey alone: the login page offers
	// it in the username field's autofill (conditional mediation), where
	// Chromium's virtual authenticator picks it at once.
	sent := h.sms.Len()
	tb.click("#logout")
	tb.wait(`location.pathname === "/cabinet" && document.getElementById("me-login").textContent.startsWith("webauthn")`)
	assert.Contains(t, tb.js(`document.getElementById("me-login").textContent`), "hwk user")
	assert.Equal(t, sent, h.sms.Len(), "no SMS for a passkey login")
}

// TestBrowserPasskeyAutofill: the login page's username field offers
// passkeys (autocomplete="username webauthn", mediation "conditional")
// while the buttons show. With the authenticator waiting for the user, the
// conditional request stays pending; the passkey button then takes over —
// the pending request is aborted and a new, modal ceremony signs in. And a
// browser with no passkey for the site leaves the buttons as they were.
func TestBrowserPasskeyAutofill(t *testing.T) {
	h := newHarness(t, nil)
	tb := h.browser(t)
	tb.open("/")
	assert.Equal(t, "true", tb.js(`PublicKeyCredential.isConditionalMediationAvailable().then(String)`))
	assert.Equal(t, "username webauthn", tb.js(`document.getElementById("username").getAttribute("autocomplete")`))
	// No passkey for this site yet: the autofill request waits in the
	// background, the buttons work, and ECP takes over from it.
	tb.wait(`document.getElementById("username").dataset.autofill === "pending"`)
	assert.Equal(t, "choose", tb.js(`document.getElementById("login").dataset.state`))
	assert.Equal(t, "true", tb.js(`String(document.getElementById("sa-error").hidden)`))
	tb.signAs(aigerim)
	tb.click(`#login [data-factor="ecp"]`)
	tb.wait(`document.getElementById("login").dataset.state === "sms"`)
	assert.Equal(t, "aborted", tb.js(`document.getElementById("username").dataset.autofill`))
	tb.typeCode(tb.h.lastCode(tb.h.person(aigerim).Phone))
	tb.wait(`location.pathname === "/cabinet" && document.getElementById("me-login").textContent.includes("ecp + sms")`)

	dev, err := tb.b.AddAuthenticator(browsertest.Authenticator{})
	require.NoError(t, err)
	tb.click("#add-passkey")
	assert.Equal(t, "done", tb.wait(`document.getElementById("passkey-status").dataset.state`), tb.text())

	// The user has not touched the sensor: the autofill request waits.
	_, err = browsertest.Call(tb.b, webauthn.SetAutomaticPresenceSimulation,
		webauthn.SetAutomaticPresenceSimulationParams{AuthenticatorID: dev, Enabled: false})
	require.NoError(t, err)
	tb.click("#logout")
	tb.wait(`location.pathname === "/" && document.getElementById("username").dataset.autofill === "pending"`)
	// Count the passkey ceremonies the page begins from now on (in
	// sessionStorage, which outlives the navigation to the cabinet).
	tb.js(`(() => { sessionStorage.begins = "0"; const f = window.fetch;
		window.fetch = (u, i) => { if (String(u).endsWith("/begin/webauthn")) sessionStorage.begins = String(+sessionStorage.begins + 1); return f(u, i); };
		return "ok"; })()`)
	_, err = browsertest.Call(tb.b, webauthn.SetAutomaticPresenceSimulation,
		webauthn.SetAutomaticPresenceSimulationParams{AuthenticatorID: dev, Enabled: true})
	require.NoError(t, err)
	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, "/", tb.js(`location.pathname`), "the pending autofill request does not complete by itself")

	// The button takes over: the pending request is aborted, and the
	// modal ceremony (a new challenge in the same flow) signs in.
	tb.click(`#login [data-factor="webauthn"]`)
	tb.wait(`location.pathname === "/cabinet" && document.getElementById("me-login").textContent.startsWith("webauthn")`)
	assert.Equal(t, "1", tb.js(`sessionStorage.begins`), "the button began a ceremony of its own")
}

// TestBrowserStepUp: signing a document needs a strong factor from the
// last five minutes — right after the ECP login nothing is asked; when the
// fake clock passes five minutes, the page asks again.
func TestBrowserStepUp(t *testing.T) {
	h := newHarness(t, nil)
	tb := h.browser(t)
	tb.loginECPSMS(aigerim)
	tb.open("/sign")
	tb.click(`button.sign[data-document="address-change"]`)
	assert.Equal(t, "ecp,sms", tb.wait(`document.getElementById("receipt").dataset.state === "signed" && document.getElementById("receipt").dataset.factors`),
		"the login's ECP from a minute ago suffices")
	assert.Equal(t, "true", tb.js(`String(document.getElementById("stepup").hidden)`))

	h.clock.Advance(5*time.Minute + time.Second)
	tb.js(`document.getElementById("receipt").dataset.state = "", "ok"`)
	tb.click(`button.sign[data-document="no-criminal-record"]`)
	offered := tb.wait(`[...document.querySelectorAll("#stepup [data-factor]")].map(b => b.dataset.factor).join(",")`)
	assert.Equal(t, "ecp,qr,qr,webauthn", offered, "a strong factor; never SMS")
	tb.shot("04-step-up")
	tb.click(`#stepup [data-factor="ecp"]`) // NCALayer is asked for this person's key only
	assert.Equal(t, "ecp", tb.wait(`document.getElementById("receipt").dataset.state === "signed" && document.getElementById("receipt").dataset.factors`))
	assert.Contains(t, tb.js(`document.getElementById("receipt").textContent`), "IIN "+aigerim)
	tb.shot("05-signed")

	// Within five minutes: no question.
	h.clock.Advance(4 * time.Minute)
	tb.js(`document.getElementById("receipt").dataset.state = "", "ok"`)
	tb.click(`button.sign[data-document="address-change"]`)
	tb.wait(`document.getElementById("receipt").dataset.state === "signed"`)
	assert.Equal(t, "true", tb.js(`String(document.getElementById("stepup").hidden)`))

	// Past five minutes: a strong factor again.
	h.clock.Advance(time.Minute + time.Second)
	tb.js(`document.getElementById("receipt").dataset.state = "", "ok"`)
	tb.click(`button.sign[data-document="address-change"]`)
	tb.wait(`!document.getElementById("stepup").hidden && document.querySelector('#stepup [data-factor="ecp"]')`)
	tb.click(`#stepup [data-factor="ecp"]`)
	tb.wait(`document.getElementById("receipt").dataset.state === "signed"`)
}

// TestBrowserSMSOnly: the demonstration page asks the API for an SMS-only
// login, as an attacker would, and shows the refusals.
func TestBrowserSMSOnly(t *testing.T) {
	h := newHarness(t, nil)
	tb := h.browser(t)
	tb.open("/sms-only")
	tb.click("#try-sms-only")
	tb.wait(`document.getElementById("sms-only-log").dataset.state === "done"`)
	codes := tb.js(`[...document.querySelectorAll("#sms-only-log li")].map(li => li.id + "=" + li.dataset.code).join(" ")`)
	assert.Equal(t, "sms-only-offer=no_sms sms-only-begin=factor_not_allowed sms-only-finish=factor_not_begun", codes)
	assert.Contains(t, tb.js(`document.getElementById("sms-only-begin").textContent`), "403")
	assert.Zero(t, h.sms.Len(), "nothing was sent")
	tb.shot("06-sms-only")
}

// TestBrowserSecondBrowser: a second browser that learns a flow's ID and
// CSRF token still cannot continue, watch or redeem it.
func TestBrowserSecondBrowser(t *testing.T) {
	h := newHarness(t, nil)
	first, second := h.browser(t), h.browser(t)
	first.open("/sms-only")
	var stolen struct{ ID, CSRF string }
	require.NoError(t, json.Unmarshal([]byte(first.js(`import("/auth/client.js").then(async (m) => {
		window.flow = await m.Flow.start("/auth", "login");
		return JSON.stringify({ID: window.flow.id, CSRF: window.flow.csrf});
	})`)), &stolen))

	second.open("/sms-only")
	second.js(`import("/auth/client.js").then((m) => m.Flow.start("/auth", "login")).then(() => "has its own binding")`)
	call := func(method, path string) string {
		return second.js(`fetch(` + strconv.Quote(path) + `, {method: "` + method + `", credentials: "same-origin",
			headers: {"Content-Type": "application/json", "X-StrongAuth-CSRF": ` + strconv.Quote(stolen.CSRF) + `},
			body: ` + map[string]string{"POST": `"{}"`, "GET": "undefined"}[method] + `})
			.then((r) => r.json().then((j) => r.status + " " + j.code))`)
	}
	base := "/auth/flows/" + stolen.ID
	assert.Equal(t, "403 csrf", call("POST", base+"/begin/ecp"))
	assert.Equal(t, "403 csrf", call("POST", base+"/finish/ecp"))
	assert.Equal(t, "403 binding_mismatch", call("GET", base+"/decision"))
	assert.Equal(t, "403 binding_mismatch", call("GET", base+"/status?wait=0"))

	// The first browser carries on.
	assert.Equal(t, "ecp", first.js(`window.flow.begin("ecp").then((c) => c.kind)`))
}

// TestBrowserWatchAndNCALayerMissing: the client's status watch (Server-
// Sent Events) reports a flow's progress to its browser and refuses another
// browser (the EventSource is refused, the long-poll fallback reports
// binding_mismatch); and a page whose NCALayer is not running says so.
func TestBrowserWatchAndNCALayerMissing(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.NCALayerURL = "ws://127.0.0.1:9" }) // nothing listens there
	first, second := h.browser(t), h.browser(t)
	first.open("/sms-only")
	id := first.js(`import("/auth/client.js").then(async (m) => {
		window.flow = await m.Flow.start("/auth", "login");
		window.seen = [];
		window.flow.watch((v) => window.seen.push(v.state + ":" + v.done.join("+")));
		return window.flow.id;
	})`)
	first.wait(`window.seen.length >= 1`)
	second.open("/sms-only")
	second.js(`import("/auth/client.js").then(async (m) => {
		await m.Flow.start("/auth", "login"); // its own binding cookie
		const f = new m.Flow("/auth", {flow: ` + strconv.Quote(id) + `, version: 0});
		window.events = [];
		f.watch((v) => window.events.push(v.state + ":" + (v.code || "")));
		return "watching";
	})`)
	assert.Equal(t, "error:binding_mismatch", second.wait(`window.events[0]`))

	// The first browser's flow progresses: ECP through the engine, as the
	// simulator would sign it.
	r := first.js(`window.flow.begin("ecp").then((ch) => JSON.stringify(ch.data.ncalayer))`)
	var req map[string]any
	require.NoError(t, json.Unmarshal([]byte(r), &req))
	cms, err := h.sign(req, askar)
	require.NoError(t, err)
	first.js(`window.flow.finish("ecp", {cms: ` + strconv.Quote(cms) + `}).then((d) => String(d.allowed))`)
	assert.Equal(t, "open:ecp", first.wait(`window.seen.find((s) => s === "open:ecp")`))

	// No NCALayer on this machine.
	first.open("/")
	first.click(`#login [data-factor="ecp"]`)
	assert.Equal(t, "ncalayer_unavailable", first.wait(`document.getElementById("sa-error").dataset.code`))
	assert.Contains(t, first.js(`document.getElementById("sa-error").textContent`), "NCALayer is not running")
}

// mobile builds the command-line phone of examples/mobile once per test
// process and returns its path.
func mobile(t *testing.T) string {
	t.Helper()
	mobileBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "strongauth-mobile")
		if err != nil {
			mobileBin.err = err
			return
		}
		goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
		if p, err := exec.LookPath("go"); err == nil {
			goCmd = p
		}
		mobileBin.path = filepath.Join(dir, "mobile")
		cmd := exec.Command(goCmd, "build", "-o", mobileBin.path, "github.com/strongauth/strongauth/examples/mobile")
		cmd.Dir = repoRoot(t)
		if out, err := cmd.CombinedOutput(); err != nil {
			mobileBin.err = fmt.Errorf("go build examples/mobile: %v: %s", err, out)
		}
	})
	require.NoError(t, mobileBin.err)
	return mobileBin.path
}

var mobileBin struct {
	once sync.Once
	path string
	err  error
}

// runMobile runs the phone with args and returns its output.
func runMobile(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(mobile(t), args...).CombinedOutput()
	require.NoError(t, err, "mobile %v: %s", args, out)
	return string(out)
}

// TestBrowserQR: a phone — the command-line app of examples/mobile — is
// linked in the cabinet after ECP and SMS, then signs the person in by QR:
// it scans the code from a screenshot of the page, shows who is asking and
// three numbers, and approves with the number the browser shows. A second
// attempt is denied on the phone ("I did not start this") and the page says
// so.
func TestBrowserQR(t *testing.T) {
	h := newPhoneHarness(t, nil)
	tb := h.browser(t)
	dir := t.TempDir()
	device := filepath.Join(dir, "phone.json")
	runMobile(t, "keygen", "-device", device, "-phone", h.base()+"/qr/phone", "-lang", "en")

	tb.loginECPSMS(aigerim)
	tb.click("#link-phone")
	token := tb.wait(`document.getElementById("phone-link").dataset.token`)
	assert.Contains(t, tb.js(`document.getElementById("phone-link-commands").textContent`), "Authorization: Bearer "+token)
	out := runMobile(t, "enrol", "-device", device, "-enrol", h.base()+"/qr/enrol", "-name", "Aigerim's phone",
		"-H", "Authorization: Bearer "+token)
	assert.Contains(t, out, "enrolled as device")
	assert.Equal(t, "1", tb.wait(`document.getElementById("me-phones").dataset.count === "1" && "1"`))
	tb.shot("07-link-phone")

	// Sign out; sign in with the QR code.
	tb.click("#logout")
	tb.click(`#login [data-factor="qr"][data-mode="device"]`)
	tb.wait(`document.getElementById("sa-qr-image") && document.getElementById("sa-qr-image").complete && document.getElementById("sa-qr-image").naturalWidth > 0`)
	tb.shot("08-qr")
	approve := tb.scanWithPhone(device, dir, "approve")
	number := tb.wait(`document.querySelector("[data-qr-state=scanned]") && document.getElementById("sa-qr-number").textContent`)
	require.Contains(t, approve.out(t, "Which number"), number, "the browser shows one of the phone's three numbers")
	assert.Contains(t, approve.out(t, "Which number"), "asks to confirm: Sign in", "the phone shows what is asked")
	tb.shot("09-qr-number")
	approve.answer(t, number)
	tb.wait(`location.pathname === "/cabinet" && document.getElementById("me-login").textContent.startsWith("qr")`)
	assert.Contains(t, tb.js(`document.getElementById("me-login").textContent`), "mca hwk user")

	// The next request is not the user's: they deny it on the phone.
	tb.click("#logout")
	tb.click(`#login [data-factor="qr"][data-mode="device"]`)
	tb.wait(`document.getElementById("sa-qr-image") && document.getElementById("sa-qr-image").naturalWidth > 0`)
	deny := tb.scanWithPhone(device, dir, "deny")
	assert.Contains(t, deny.out(t, "reported"), "I did not start this")
	assert.Equal(t, "fraud_reported", tb.wait(`document.getElementById("sa-error").dataset.code`))
	require.NoError(t, deny.wait())
}

// phoneRun is a running "mobile approve|deny".
type phoneRun struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	mu    sync.Mutex
	buf   bytes.Buffer
	done  chan error
}

// scanWithPhone takes a screenshot of the QR code on the page, as a phone
// camera would see it, and runs the phone on it.
func (tb *tab) scanWithPhone(device, dir, op string) *phoneRun {
	tb.t.Helper()
	png, err := chromedp.Run(tb.b.Context(), chromedp.Screenshot("#sa-qr-image"))
	require.NoError(tb.t, err)
	shot := filepath.Join(dir, op+".png")
	require.NoError(tb.t, os.WriteFile(shot, png, 0o600))
	r := &phoneRun{cmd: exec.Command(mobile(tb.t), op, "-device", device, "-image", shot), done: make(chan error, 1)}
	r.stdin, err = r.cmd.StdinPipe()
	require.NoError(tb.t, err)
	r.cmd.Stdout, r.cmd.Stderr = r, r
	require.NoError(tb.t, r.cmd.Start())
	go func() { r.done <- r.cmd.Wait() }()
	tb.t.Cleanup(func() { _ = r.cmd.Process.Kill() })
	return r
}

func (r *phoneRun) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.Write(p)
}

// out waits until the phone's output contains s and returns it.
func (r *phoneRun) out(t *testing.T, s string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		o := r.buf.String()
		r.mu.Unlock()
		if strings.Contains(o, s) {
			return o
		}
		select {
		case err := <-r.done:
			r.done <- err
			r.mu.Lock()
			o = r.buf.String()
			r.mu.Unlock()
			if !strings.Contains(o, s) {
				t.Fatalf("the phone exited (%v) without %q: %s", err, s, o)
			}
			return o
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("the phone did not print %q", s)
	return ""
}

// answer types the number on the phone and waits for its approval.
func (r *phoneRun) answer(t *testing.T, number string) {
	t.Helper()
	_, err := io.WriteString(r.stdin, number+"\n")
	require.NoError(t, err)
	assert.Contains(t, r.out(t, "approved"), "approved")
	require.NoError(t, r.wait())
}

func (r *phoneRun) wait() error {
	select {
	case err := <-r.done:
		r.done <- err
		return err
	case <-time.After(15 * time.Second):
		return fmt.Errorf("the phone did not exit")
	}
}

// TestBrowserEGovMobile: mode B in the browser — the page shows eGov
// Mobile's code; the command-line eGov Mobile of examples/mobile scans a
// screenshot of it and signs with the person's test ECP key; the page asks
// "Signed in as <name> — continue?" and signs the person in only once they
// confirm.
func TestBrowserEGovMobile(t *testing.T) {
	tb, dir := newPhoneHarness(t, nil).egovPage(t)
	out := tb.egovSign(dir, askar, "10-egov-mobile")
	assert.Contains(t, out, "Демо-портал eGov (разработка)", "the app shows who asks")
	assert.Contains(t, out, "Place: Almaty, KZ (demo)")
	assert.Contains(t, out, "signing as ӘЛИЕВ АСҚАР")
	assert.Equal(t, "ӘЛИЕВ АСҚАР", tb.wait(`document.getElementById("sa-qr-signer-name") && document.getElementById("sa-qr-signer-name").textContent`))
	assert.Contains(t, tb.js(`document.getElementById("sa-qr-signer").textContent`), "Signed in as ӘЛИЕВ АСҚАР — continue?")
	tb.shot("11-egov-mobile-confirm")
	assert.Equal(t, "/", tb.js(`location.pathname`))
	tb.click(`#sa-qr-continue`)
	tb.wait(`location.pathname === "/cabinet" && document.getElementById("me-login").textContent.startsWith("qr")`)
	assert.Contains(t, tb.js(`document.getElementById("me-login").textContent`), "mca sc swk")
}

// TestBrowserEGovMobileNotMe (issue 14, 2.8): someone who saw the page's
// static eGov Mobile code signs it with their own key. The page names
// them; "Not me" leaves the browser signed out, back at the choice, and a
// new code replaces the one the other person signed.
func TestBrowserEGovMobileNotMe(t *testing.T) {
	tb, dir := newPhoneHarness(t, nil).egovPage(t)
	assert.Contains(t, tb.egovSign(dir, aigerim, ""), "signed")
	name := tb.wait(`document.getElementById("sa-qr-signer-name") && document.getElementById("sa-qr-signer-name").textContent`)
	assert.NotEqual(t, "ӘЛИЕВ АСҚАР", name)
	tb.click(`#sa-qr-not-me`)
	tb.wait(`document.getElementById("login").dataset.state === "choose"`)
	assert.Equal(t, "declined", tb.js(`document.getElementById("sa-error").dataset.code`))
	assert.Equal(t, "/", tb.js(`location.pathname`))
	r := tb.js(`fetch("/api/me", {credentials: "same-origin"}).then((r) => String(r.status))`)
	assert.Equal(t, "401", r, "no session")
	// A new eGov Mobile code replaces the signed one.
	tb.egovCode(dir)
	assert.Equal(t, "pending", tb.js(`document.querySelector(".sa-qr").dataset.qrState`))
}

// egovPage opens the login page in a browser and writes the test persons'
// keys into a directory, as the egov command reads them.
func (h *harness) egovPage(t *testing.T) (*tab, string) {
	tb := h.browser(t)
	dir := t.TempDir()
	require.NoError(t, h.p.pki.writeDir(dir))
	tb.open("/")
	return tb, dir
}

// egovSign shows eGov Mobile's code (saving a screenshot named shot, if
// any) and has the command-line eGov Mobile sign it with iin's test key;
// it returns the app's output.
func (tb *tab) egovSign(dir, iin, shot string) string {
	tb.t.Helper()
	code := tb.egovCode(dir)
	if shot != "" {
		tb.shot(shot)
	}
	return runMobile(tb.t, "egov", "-image", code, "-cert", filepath.Join(dir, iin+".crt.pem"),
		"-key-hex", filepath.Join(dir, iin+".key.hex"), "-lang", "en")
}

// egovCode clicks the eGov Mobile button and saves the code's image in
// dir; it returns the image's path.
func (tb *tab) egovCode(dir string) string {
	tb.t.Helper()
	tb.click(`#login [data-factor="qr"][data-mode="mobile-sign"]`)
	tb.wait(`document.getElementById("sa-qr-image") && document.getElementById("sa-qr-image").naturalWidth > 0`)
	png, err := chromedp.Run(tb.b.Context(), chromedp.Screenshot("#sa-qr-image"))
	require.NoError(tb.t, err)
	shot := filepath.Join(dir, "code.png")
	require.NoError(tb.t, os.WriteFile(shot, png, 0o600))
	return shot
}

// TestBrowserLoginXML: the portal's ECP login with an XML signature
// (NCALayer's basics.sign with format "xml", answered by the simulator as
// signXml would), then the SMS code.
func TestBrowserLoginXML(t *testing.T) {
	h := newHarness(t, nil)
	tb := h.browser(t)
	tb.open("/?ecp=xml")
	tb.signAs(askar)
	tb.click(`#login [data-factor="ecp"]`)
	tb.wait(`document.getElementById("login").dataset.state === "sms"`)
	assert.EqualValues(t, 1, h.xmlSigned.Load(), "NCALayer was asked for an XML signature")
	tb.typeCode(tb.h.lastCode(tb.h.person(askar).Phone))
	tb.wait(`location.pathname === "/cabinet" && document.getElementById("me-login").textContent.includes("ecp + sms")`)
}
