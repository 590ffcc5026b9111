package lifecyclehttp_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authhttp"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/factors/passkey/passkeytest"
	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/lifecycle"
	"github.com/strongauth/strongauth/lifecycle/lifecyclehttp"
	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/store/memory"
)

// credEnv serves the life-cycle endpoints under /account/; the "session"
// is the X-Test-Subject header and the results kept for it.
type credEnv struct {
	srv     *httptest.Server
	clock   *fakeclock.Clock
	m       *lifecycle.Manager
	creds   passkey.CredentialStore
	mu      sync.Mutex
	results map[string][]*auth.Result
	notices []lifecycle.Notice
	account http.Handler // the endpoints, without the prefix
}

func newCredEnv(t testing.TB) *credEnv {
	t.Helper()
	e := &credEnv{clock: fakeclock.New(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)), results: map[string][]*auth.Result{}}
	st := memory.New(memory.Config{Now: e.clock.Now})
	t.Cleanup(func() { st.Close() })
	inner := passkey.NewMemoryCredentials()
	cfg := lifecycle.Config{Store: st, Now: e.clock.Now, Passkeys: inner, Devices: qr.NewMemoryDevices(),
		Phones: lifecycle.NewMemoryPhones(),
		Notifier: lifecycle.NotifierFunc(func(_ context.Context, n lifecycle.Notice) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.notices = append(e.notices, n)
			return nil
		})}
	m, err := lifecycle.New(cfg)
	require.NoError(t, err)
	e.creds = m.WrapPasskeys(inner)
	cfg.Passkeys = e.creds
	e.m, err = lifecycle.New(cfg)
	require.NoError(t, err)
	recovery, err := e.m.RecoveryPolicy(auth.AnyOf(auth.KindECP, auth.KindQR))
	require.NoError(t, err)
	eng, err := auth.New(auth.Config{Store: st, Now: e.clock.Now,
		Factors:  []auth.Factor{authtest.Strong(auth.KindECP), authtest.Strong(auth.KindQR)},
		Policies: []auth.Policy{{Action: "manage", Rule: auth.AnyStrong(), MaxAge: 5 * time.Minute}, recovery}})
	require.NoError(t, err)
	mux := http.NewServeMux()
	e.srv = httptest.NewUnstartedServer(mux)
	h, err := authhttp.New(authhttp.Config{Engine: eng, Store: st, Log: slog.New(slog.DiscardHandler),
		Origins:  []string{"http://" + e.srv.Listener.Addr().String()},
		OnResult: func(http.ResponseWriter, *http.Request, *auth.Result) error { return nil }})
	require.NoError(t, err)
	_, err = lifecyclehttp.New(h, lifecyclehttp.Config{Manager: e.m, Subject: func(*http.Request) (string, bool) { return "", false }})
	require.ErrorIs(t, err, auth.ErrConfig)
	ch, err := lifecyclehttp.New(h, lifecyclehttp.Config{Manager: e.m, StepUpAction: "manage", Region: "KZ",
		Subject: func(r *http.Request) (string, bool) {
			s := r.Header.Get("X-Test-Subject")
			return s, s != ""
		},
		Results: func(r *http.Request) []*auth.Result {
			e.mu.Lock()
			defer e.mu.Unlock()
			return e.results[r.Header.Get("X-Test-Subject")]
		}})
	require.NoError(t, err)
	e.account = ch
	mux.Handle("/account/", http.StripPrefix("/account", ch))
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	return e
}

// stepUp keeps a result for subject with strong evidence age ago.
func (e *credEnv) stepUp(subject, action string, age time.Duration) {
	at := e.clock.Now().Add(-age)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.results[subject] = []*auth.Result{{Subject: subject, Action: action, AuthTime: at, Evidence: []auth.Evidence{{
		Kind: auth.KindECP, Strength: auth.Strong, Subject: subject, Time: at}}}}
}

func (e *credEnv) call(t *testing.T, subject, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd *strings.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = strings.NewReader(string(b))
	} else {
		rd = strings.NewReader("")
	}
	req, err := http.NewRequest(method, e.srv.URL+"/account"+path, rd)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Origin", e.srv.URL)
	if subject != "" {
		req.Header.Set("X-Test-Subject", subject)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// add registers a passkey of subject through the wrapped store.
func (e *credEnv) add(t *testing.T, subject string, n int) string {
	t.Helper()
	c := passkeytest.Credential(subject, n)
	require.NoError(t, e.creds.Add(context.Background(), c))
	list, err := e.m.List(context.Background(), subject)
	require.NoError(t, err)
	for _, v := range list {
		if v.Ref == c.Ref() {
			return v.ID
		}
	}
	t.Fatal("not listed")
	return ""
}

func TestCredentialsRemoveNeedsStepUp(t *testing.T) {
	e := newCredEnv(t)
	a1, a2 := e.add(t, "alice", 1), e.add(t, "alice", 2)
	ref := map[string]string{"kind": lifecycle.KindPasskey, "id": a1}

	status, body := e.call(t, "alice", "POST", "/credentials/remove", ref)
	require.Equal(t, http.StatusUnauthorized, status)
	require.Equal(t, "step_up_required", body["code"])
	require.Equal(t, "manage", body["action"])
	require.NotEmpty(t, body["alternatives"])

	e.stepUp("alice", "manage", 6*time.Minute) // too old
	status, _ = e.call(t, "alice", "POST", "/credentials/remove", ref)
	require.Equal(t, http.StatusUnauthorized, status)

	e.stepUp("alice", "manage", time.Minute)
	status, _ = e.call(t, "alice", "POST", "/credentials/remove", ref)
	require.Equal(t, http.StatusNoContent, status)
	status, body = e.call(t, "alice", "GET", "/credentials", nil)
	require.Equal(t, http.StatusOK, status)
	list := body["credentials"].([]any)
	require.Len(t, list, 1)
	require.Equal(t, a2, list[0].(map[string]any)["id"])

	// The last one stays: no ECP, no phone.
	status, body = e.call(t, "alice", "POST", "/credentials/remove", map[string]string{"kind": lifecycle.KindPasskey, "id": a2})
	require.Equal(t, http.StatusConflict, status)
	require.Equal(t, "last_strong_credential", body["code"])
}

func TestCredentialsOtherSubjectRefused(t *testing.T) {
	e := newCredEnv(t)
	a1 := e.add(t, "alice", 1)
	e.add(t, "alice", 2)
	e.stepUp("mallory", "manage", 0)
	for _, path := range []string{"/credentials/remove", "/credentials/rename"} {
		status, body := e.call(t, "mallory", "POST", path, map[string]string{"kind": lifecycle.KindPasskey, "id": a1, "name": "mine"})
		require.Equal(t, http.StatusNotFound, status, path)
		require.Equal(t, "credential_not_found", body["code"], path)
	}
	// Nor with alice's step-up result but mallory's session.
	e.stepUp("alice", "manage", 0)
	e.mu.Lock()
	e.results["mallory"] = e.results["alice"]
	e.mu.Unlock()
	status, _ := e.call(t, "mallory", "POST", "/credentials/remove", map[string]string{"kind": lifecycle.KindPasskey, "id": a1})
	require.Equal(t, http.StatusUnauthorized, status)
	list, _ := e.m.List(context.Background(), "alice")
	require.Len(t, list, 2)
}

func TestCredentialsNoSessionAndForeignOrigin(t *testing.T) {
	e := newCredEnv(t)
	status, body := e.call(t, "", "GET", "/credentials", nil)
	require.Equal(t, http.StatusUnauthorized, status)
	require.Equal(t, "subject_unknown", body["code"])
	req, _ := http.NewRequest("POST", e.srv.URL+"/account/credentials/remove", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("X-Test-Subject", "alice")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	status, _ = e.call(t, "alice", "GET", "/nothing", nil)
	require.Equal(t, http.StatusNotFound, status)
}

// TestCredentialsRemoveRace: ten racing removals of one credential: one
// 204, the others 404; a notice for the one.
func TestCredentialsRemoveRace(t *testing.T) {
	e := newCredEnv(t)
	a1 := e.add(t, "alice", 1)
	e.add(t, "alice", 2)
	e.add(t, "alice", 3)
	e.stepUp("alice", "manage", 0)
	var ok, missing atomic.Int32
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			status, _ := e.call(t, "alice", "POST", "/credentials/remove", map[string]string{"kind": lifecycle.KindPasskey, "id": a1})
			switch status {
			case http.StatusNoContent:
				ok.Add(1)
			case http.StatusNotFound:
				missing.Add(1)
			default:
				t.Errorf("status %d", status)
			}
		})
	}
	wg.Wait()
	require.EqualValues(t, 1, ok.Load())
	require.EqualValues(t, 9, missing.Load())
	e.mu.Lock()
	defer e.mu.Unlock()
	removals := 0
	for _, n := range e.notices {
		if n.Event == lifecycle.NoticeRemoved {
			removals++
		}
	}
	require.Equal(t, 1, removals)
}

func TestCredentialsPhoneAndReport(t *testing.T) {
	e := newCredEnv(t)
	status, body := e.call(t, "alice", "POST", "/phone", map[string]string{"phone": "8 701 555 01 23"})
	require.Equal(t, http.StatusUnauthorized, status)
	require.Equal(t, "step_up_required", body["code"])
	e.stepUp("alice", "manage", 0)
	status, body = e.call(t, "alice", "POST", "/phone", map[string]string{"phone": "8 701 555 01 23"})
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, "+7 7** *** **23", body["phone"])
	status, body = e.call(t, "alice", "GET", "/credentials", nil)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, true, body["phone"].(map[string]any)["quarantined"])
	status, _ = e.call(t, "alice", "POST", "/phone", map[string]string{"phone": "not a phone"})
	require.Equal(t, http.StatusBadRequest, status)

	// "This was not me" for an added passkey: no session needed.
	e.add(t, "alice", 1)
	e.mu.Lock()
	token := string(e.notices[len(e.notices)-1].Token)
	e.mu.Unlock()
	require.NotEmpty(t, token)
	status, body = e.call(t, "", "POST", "/report", map[string]string{"token": token})
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, true, body["removed"])
	status, body = e.call(t, "", "POST", "/report", map[string]string{"token": token})
	require.Equal(t, http.StatusGone, status)
	require.Equal(t, "report_token_invalid", body["code"])
	list, _ := e.m.List(context.Background(), "alice")
	require.Empty(t, list)
}

func TestCredentialsRecover(t *testing.T) {
	e := newCredEnv(t)
	a1 := e.add(t, "alice", 1)
	e.add(t, "alice", 2)
	lost := map[string]any{"lost": []map[string]string{{"kind": lifecycle.KindPasskey, "id": a1}}}
	e.stepUp("alice", "manage", 0) // a step-up is not a recovery
	status, body := e.call(t, "alice", "POST", "/recover", lost)
	require.Equal(t, http.StatusUnauthorized, status)
	require.Equal(t, lifecycle.DefaultRecoveryAct, body["action"])
	e.stepUp("alice", lifecycle.DefaultRecoveryAct, 0)
	status, body = e.call(t, "alice", "POST", "/recover", lost)
	require.Equal(t, http.StatusOK, status, body)
	require.EqualValues(t, 1, body["removed"])
}
