package passkey_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/internal/browsertest"
)

// page is what a host's login page does: fetch options from Begin, call
// navigator.credentials, post the result to Finish. Each function returns a
// JSON report: the stage reached, the server's status and answer, the
// browser's error name, and the response it posted (to replay it).
const page = `<!doctype html><meta charset="utf-8"><title>passkey test</title>
<h1>strongauth passkey test</h1><input id="username" autocomplete="username webauthn"><pre id="log"></pre>
<script>
async function post(path, body) {
  const r = await fetch(path, {method: "POST", headers: {"Content-Type": "application/json"}, body: body});
  return {status: r.status, body: await r.json()};
}
function log(s) { document.getElementById("log").textContent += s + "\n"; }
async function ceremony(kind, mediation) {
  const begin = await post("/" + kind + "/begin", "{}");
  if (begin.status != 200) { log(kind + " begin: " + begin.status); return JSON.stringify({stage: "begin", status: begin.status, body: begin.body}); }
  let cred;
  try {
    cred = kind == "reg"
      ? await navigator.credentials.create({publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(begin.body.publicKey)})
      : await navigator.credentials.get({mediation: mediation, publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(begin.body.publicKey)});
  } catch (e) {
    log(kind + " browser: " + e.name);
    return JSON.stringify({stage: "browser", error: e.name});
  }
  const response = JSON.stringify(cred.toJSON());
  const fin = await post("/" + kind + "/finish", response);
  log(kind + " finish: " + fin.status + " " + JSON.stringify(fin.body));
  return JSON.stringify({stage: "finish", status: fin.status, body: fin.body, response: response});
}
function register() { return ceremony("reg"); }
function login() { return ceremony("login"); }
async function autofill() {
  if (!await PublicKeyCredential.isConditionalMediationAvailable()) return JSON.stringify({stage: "unavailable"});
  return ceremony("login", "conditional");
}
// In a frame, the top page asks by message (it cannot call a function of
// a frame of another origin).
addEventListener("message", async (ev) => {
  if (ev.source !== parent || (ev.data !== "login" && ev.data !== "register")) return;
  parent.postMessage(await (ev.data === "login" ? login() : register()), ev.origin);
});
</script>`

// site is the host application of the browser tests: the page, and four
// JSON endpoints over the factor and the engine. The test decides what
// evidence opens an enrolment and which flow a login runs in.
type site struct {
	e *env

	mu  sync.Mutex
	reg passkey.RegistrationRequest
	// beforeRegFinish, if set, sees a registration response first.
	beforeRegFinish func(response []byte)
	regID           string
	flow            string
	errs            []error
}

// report is what the page's functions return.
type report struct {
	Stage    string            `json:"stage"`
	Status   int               `json:"status"`
	Body     map[string]string `json:"body"`
	Error    string            `json:"error"`
	Response string            `json:"response"`
}

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, page)
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 2*passkey.MaxResponseSize))
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.URL.Path {
	case "/reg/begin":
		reg, err := s.e.pk.BeginRegistration(ctx, s.reg)
		if err != nil {
			s.fail(w, err)
			return
		}
		s.regID = reg.ID
		_, _ = w.Write(reg.Options)
	case "/reg/finish":
		if s.beforeRegFinish != nil {
			s.beforeRegFinish(body)
		}
		cred, err := s.e.pk.FinishRegistration(ctx, s.regID, binding, body)
		if err != nil {
			s.fail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"credential": cred.Ref(), "subject": cred.Subject})
	case "/login/begin":
		ch, err := s.e.eng.Begin(ctx, auth.StepRequest{FlowID: s.flow, Binding: binding, Kind: auth.KindWebAuthn})
		if err != nil {
			s.fail(w, err)
			return
		}
		_, _ = w.Write(ch.Data.(json.RawMessage))
	case "/login/finish":
		out, err := s.e.eng.Finish(ctx, auth.StepRequest{FlowID: s.flow, Binding: binding, Kind: auth.KindWebAuthn, Input: body})
		if err != nil {
			s.fail(w, err)
			return
		}
		ans := map[string]string{"allowed": fmt.Sprint(out.Decision.Allowed)}
		if out.Result != nil {
			ans["subject"] = out.Result.Subject
			ans["amr"] = fmt.Sprint(out.Result.AMR)
			for k, v := range out.Result.Evidence[0].Attributes {
				ans[k] = v
			}
		}
		writeJSON(w, http.StatusOK, ans)
	default:
		http.NotFound(w, r)
	}
}

func (s *site) fail(w http.ResponseWriter, err error) {
	s.errs = append(s.errs, err)
	writeJSON(w, http.StatusForbidden, map[string]string{"code": auth.Code(err)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// lastErr returns the last error the site answered with and forgets all.
func (s *site) lastErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.errs) == 0 {
		return nil
	}
	err := s.errs[len(s.errs)-1]
	s.errs = nil
	return err
}

func (s *site) setEnrolment(req passkey.RegistrationRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	req.Binding = binding
	s.reg = req
}

// newLogin starts a login flow (for a known subject, if given).
func (s *site) newLogin(t *testing.T, subject string) string { return s.newFlow(t, "login", subject) }

// newFlow starts a flow for action.
func (s *site) newFlow(t *testing.T, action, subject string) string {
	f, err := s.e.eng.Start(context.Background(), auth.StartRequest{Action: action, Binding: binding, Subject: subject})
	require.NoError(t, err)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flow = f.ID
	return f.ID
}

func run(t *testing.T, b *browsertest.Browser, fn string) report {
	t.Helper()
	out, err := b.Eval(fn + "()")
	require.NoError(t, err, "page function %s", fn)
	var r report
	require.NoError(t, json.Unmarshal([]byte(out), &r), out)
	return r
}

func listen(t *testing.T) (net.Listener, int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return l, l.Addr().(*net.TCPAddr).Port
}

// TestBrowser runs the ceremonies in Debian's Chromium, headless, with
// Chromium's virtual platform authenticator (CTAP2, internal transport,
// resident keys, user verification): the real browser's JSON, CBOR and
// signatures against our factor. It needs chromium (required when CI=true).
func TestBrowser(t *testing.T) {
	b := browsertest.Start(t, browsertest.Options{})
	l1, port1 := listen(t)
	l2, port2 := listen(t)
	home := fmt.Sprintf("http://localhost:%d", port1)
	other := fmt.Sprintf("http://localhost:%d", port2) // same RP ID, origin not allowed
	e := newEnv(t, func(c *passkey.Config) {
		c.RPID = "localhost"
		c.Origins = []string{home}
		c.Attachment = passkey.AttachmentPlatform // the strict default: the device's own authenticator
	})
	s := &site{e: e}
	for _, l := range []net.Listener{l1, l2} {
		srv := &http.Server{Handler: s}
		go func() { _ = srv.Serve(l) }()
		t.Cleanup(func() { _ = srv.Close() })
	}
	t.Cleanup(func() {
		if t.Failed() {
			b.SaveScreenshot(filepath.Join(t.ArtifactDir(), "browser.png"))
		}
	})
	require.NoError(t, b.Navigate(home))
	dev, err := b.AddAuthenticator(browsertest.Authenticator{})
	require.NoError(t, err)

	// Enrolment after SMS alone is refused: nothing reaches the authenticator.
	s.setEnrolment(passkey.RegistrationRequest{Result: smsOnly(alice, e.clock.Now())})
	r := run(t, b, "register")
	assert.Equal(t, "begin", r.Stage)
	assert.Equal(t, http.StatusForbidden, r.Status)
	assert.Equal(t, "factor_not_allowed", r.Body["code"])
	require.ErrorIs(t, s.lastErr(), passkey.ErrEnrolmentGate)
	creds, err := b.Credentials(dev)
	require.NoError(t, err)
	assert.Empty(t, creds)

	// Enrolment after ECP is allowed.
	s.setEnrolment(passkey.RegistrationRequest{Result: e.ecpResult(alice)})
	r = run(t, b, "register")
	require.Equal(t, "finish", r.Stage, "%+v %v", r, s.lastErr())
	require.Equal(t, http.StatusOK, r.Status, "%+v %v", r, s.lastErr())
	stored, err := e.creds.List(context.Background(), alice)
	require.NoError(t, err)
	require.Len(t, stored, 1)
	cred := stored[0]
	assert.Equal(t, "platform", cred.Attachment)
	assert.Equal(t, []string{"internal"}, cred.Transports)
	assert.Equal(t, "none", cred.AttestationFormat)
	creds, err = b.Credentials(dev)
	require.NoError(t, err)
	require.Len(t, creds, 1)
	assert.True(t, creds[0].IsResidentCredential)
	assert.Equal(t, cred.ID, creds[0].CredentialID)
	assert.Equal(t, cred.UserHandle, creds[0].UserHandle)

	t.Run("autofill", func(t *testing.T) {
		// Conditional mediation on the username field: the passkey the
		// virtual authenticator holds (resident) is picked; the server's
		// discoverable login names the account.
		s.newLogin(t, "")
		r := run(t, b, "autofill")
		require.Equal(t, http.StatusOK, r.Status, "%+v %v", r, s.lastErr())
		assert.Equal(t, alice, r.Body["subject"])
		assert.Equal(t, "[hwk user]", r.Body["amr"])
	})

	var replay string
	t.Run("login", func(t *testing.T) {
		for _, subject := range []string{"", alice} { // passkey (discoverable), then allow-list
			s.newLogin(t, subject)
			r := run(t, b, "login")
			require.Equal(t, http.StatusOK, r.Status, "%+v %v", r, s.lastErr())
			assert.Equal(t, "true", r.Body["allowed"])
			assert.Equal(t, alice, r.Body["subject"])
			assert.Equal(t, "[hwk user]", r.Body["amr"])
			assert.Equal(t, cred.Ref(), r.Body["credential"])
			assert.Equal(t, "true", r.Body["uv"])
			assert.Equal(t, "false", r.Body["backup_state"])
			replay = r.Response
		}
		got, err := e.creds.Find(context.Background(), cred.ID)
		require.NoError(t, err)
		assert.Positive(t, got.SignCount, "Chromium's authenticator counts signatures")
	})

	t.Run("replayed assertion", func(t *testing.T) {
		require.NotEmpty(t, replay)
		ctx := context.Background()
		flow := s.newLogin(t, "")
		_, err := e.eng.Begin(ctx, auth.StepRequest{FlowID: flow, Binding: binding, Kind: auth.KindWebAuthn})
		require.NoError(t, err)
		_, err = e.eng.Finish(ctx, auth.StepRequest{FlowID: flow, Binding: binding, Kind: auth.KindWebAuthn, Input: json.RawMessage(replay)})
		require.ErrorIs(t, err, passkey.ErrChallenge, "an old assertion in a new ceremony")
		_, err = e.eng.Finish(ctx, auth.StepRequest{FlowID: flow, Binding: binding, Kind: auth.KindWebAuthn, Input: json.RawMessage(replay)})
		require.ErrorIs(t, err, passkey.ErrNoCeremony, "the ceremony was used up")
		require.ErrorIs(t, err, auth.ErrReplay)
	})

	t.Run("page on another origin", func(t *testing.T) {
		defer func() { _ = b.Navigate(home) }()
		require.NoError(t, b.Navigate(other))
		s.newLogin(t, "")
		r := run(t, b, "login")
		assert.Equal(t, "finish", r.Stage, "the browser signs for rp id localhost on any port")
		assert.Equal(t, http.StatusForbidden, r.Status)
		require.ErrorIs(t, s.lastErr(), passkey.ErrOrigin)

		// bob has no credential yet, so none is excluded.
		s.setEnrolment(passkey.RegistrationRequest{Result: e.ecpResult(bob)})
		r = run(t, b, "register")
		assert.Equal(t, http.StatusForbidden, r.Status, "%+v", r)
		require.ErrorIs(t, s.lastErr(), passkey.ErrOrigin)
		list, err := e.creds.List(context.Background(), bob)
		require.NoError(t, err)
		assert.Empty(t, list)

		// On 127.0.0.1 the browser itself refuses an RP ID of localhost.
		require.NoError(t, b.Navigate(fmt.Sprintf("http://127.0.0.1:%d", port2)))
		s.newLogin(t, "")
		r = run(t, b, "login")
		assert.Equal(t, "browser", r.Stage)
		assert.Equal(t, "SecurityError", r.Error)
	})

	t.Run("enrolling an authenticator twice", func(t *testing.T) {
		s.setEnrolment(passkey.RegistrationRequest{Result: e.ecpResult(alice)})
		r := run(t, b, "register")
		assert.Equal(t, "browser", r.Stage, "the authenticator is in excludeCredentials")
		assert.Equal(t, "InvalidStateError", r.Error)
	})

	t.Run("user not verified", func(t *testing.T) {
		// An authenticator whose user verification fails: Chromium refuses.
		require.NoError(t, b.SetUserVerified(dev, false))
		defer func() { _ = b.SetUserVerified(dev, true) }()
		s.newLogin(t, "")
		r := run(t, b, "login")
		assert.Equal(t, "browser", r.Stage)
		assert.Equal(t, "NotAllowedError", r.Error)
		require.NoError(t, b.SetUserVerified(dev, true))

		// One that answers without the UV flag: our Finish refuses.
		require.NoError(t, b.SetOverrides(dev, browsertest.Overrides{BadUV: true}))
		defer func() { _ = b.SetOverrides(dev, browsertest.Overrides{}) }()
		s.newLogin(t, alice)
		r = run(t, b, "login")
		assert.Equal(t, "finish", r.Stage)
		assert.Equal(t, http.StatusForbidden, r.Status)
		assert.Equal(t, "verification_failed", r.Body["code"])
		require.ErrorIs(t, s.lastErr(), passkey.ErrUserNotVerified)
	})

	t.Run("bogus signature", func(t *testing.T) {
		require.NoError(t, b.SetOverrides(dev, browsertest.Overrides{BogusSignature: true}))
		defer func() { _ = b.SetOverrides(dev, browsertest.Overrides{}) }()
		// With alice's allow-list: the authenticator also holds the passkey
		// the refused enrolment on the other origin left behind.
		s.newLogin(t, alice)
		r := run(t, b, "login")
		assert.Equal(t, http.StatusForbidden, r.Status)
		require.ErrorIs(t, s.lastErr(), passkey.ErrSignature)
	})

	t.Run("still works", func(t *testing.T) {
		s.newLogin(t, alice)
		r := run(t, b, "login")
		require.Equal(t, http.StatusOK, r.Status, "%+v %v", r, s.lastErr())
	})

	t.Run("second authenticator with an unknown credential", func(t *testing.T) {
		// Another device holds a passkey for this site that was never
		// enrolled — even one claiming alice's user handle.
		require.NoError(t, b.RemoveAuthenticator(dev))
		dev2, err := b.AddAuthenticator(browsertest.Authenticator{})
		require.NoError(t, err)
		defer func() { _ = b.RemoveAuthenticator(dev2) }() // one platform authenticator at a time
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
		require.NoError(t, err)
		require.NoError(t, b.AddCredential(dev2, browsertest.Credential{
			CredentialID: []byte("a credential nobody enrolled"), IsResidentCredential: true, RpID: "localhost",
			PrivateKey: pkcs8, UserHandle: cred.UserHandle, SignCount: 100,
		}))
		s.newLogin(t, "")
		r := run(t, b, "login")
		assert.Equal(t, "finish", r.Stage)
		assert.Equal(t, http.StatusForbidden, r.Status)
		require.ErrorIs(t, s.lastErr(), passkey.ErrUnknownCredential)

		// With alice's allow-list the browser finds no matching credential.
		s.newLogin(t, alice)
		r = run(t, b, "login")
		assert.Equal(t, "browser", r.Stage)
		assert.Equal(t, "NotAllowedError", r.Error)
	})

	t.Run("synced passkey", func(t *testing.T) {
		// A backup-eligible credential (a passkey synced by a password
		// manager) is a software-protected key: AMR swk, still strong.
		synced, err := b.AddAuthenticator(browsertest.Authenticator{BackupEligible: true, BackupState: true})
		require.NoError(t, err)
		defer func() { _ = b.RemoveAuthenticator(synced) }()
		s.setEnrolment(passkey.RegistrationRequest{Result: e.ecpResult(bob)})
		r := run(t, b, "register")
		require.Equal(t, http.StatusOK, r.Status, "%+v %v", r, s.lastErr())
		s.newLogin(t, bob)
		r = run(t, b, "login")
		require.Equal(t, http.StatusOK, r.Status, "%+v %v", r, s.lastErr())
		assert.Equal(t, "[swk user]", r.Body["amr"])
		assert.Equal(t, "true", r.Body["backup_eligible"])
		assert.Equal(t, "true", r.Body["backup_state"])
	})
}
