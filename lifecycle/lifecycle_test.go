package lifecycle_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/factors/passkey/passkeytest"
	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/lifecycle"
	"github.com/strongauth/strongauth/otp"
	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/store/memory"
)

var (
	ctx = context.Background()
	t0  = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
)

// inbox records notices.
type inbox struct {
	mu   sync.Mutex
	n    []lifecycle.Notice
	fail atomic.Bool
}

func (b *inbox) Notify(_ context.Context, n lifecycle.Notice) error {
	if b.fail.Load() {
		return errors.New("gateway down")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n = append(b.n, n)
	return nil
}

func (b *inbox) all() []lifecycle.Notice {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]lifecycle.Notice(nil), b.n...)
}

func (b *inbox) last(t *testing.T) lifecycle.Notice {
	t.Helper()
	all := b.all()
	if len(all) == 0 {
		t.Fatal("no notice")
	}
	return all[len(all)-1]
}

type env struct {
	clock   *fakeclock.Clock
	store   *memory.Store
	inbox   *inbox
	audit   *authtest.Recorder
	creds   passkey.CredentialStore // wrapped
	devices qr.DeviceStore          // wrapped
	phones  *lifecycle.MemoryPhones
	ecp     atomic.Bool
	m       *lifecycle.Manager
}

func newEnv(t *testing.T, mutate ...func(*lifecycle.Config)) *env {
	t.Helper()
	e := &env{clock: fakeclock.New(t0), inbox: &inbox{}, audit: &authtest.Recorder{}, phones: lifecycle.NewMemoryPhones()}
	e.store = memory.New(memory.Config{Now: e.clock.Now, SweepInterval: -1})
	t.Cleanup(func() { _ = e.store.Close() })
	cfg := lifecycle.Config{
		Store: e.store, Notifier: e.inbox, Passkeys: passkey.NewMemoryCredentials(), Devices: qr.NewMemoryDevices(),
		Phones: e.phones, HasECP: func(context.Context, string) (bool, error) { return e.ecp.Load(), nil },
		Audit: e.audit, Now: e.clock.Now,
	}
	for _, f := range mutate {
		f(&cfg)
	}
	m, err := lifecycle.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.m = m
	e.creds = m.WrapPasskeys(cfg.Passkeys)
	e.devices = m.WrapDevices(cfg.Devices)
	// The manager must act on the wrapped stores as the factors do.
	cfg.Passkeys, cfg.Devices = e.creds, e.devices
	if e.m, err = lifecycle.New(cfg); err != nil {
		t.Fatal(err)
	}
	return e
}

// strong returns a result with strong evidence of subject taken age ago.
func (e *env) strong(subject string, age time.Duration) *auth.Result {
	at := e.clock.Now().Add(-age)
	return &auth.Result{Subject: subject, Action: "manage", AuthTime: at, Evidence: []auth.Evidence{{
		Kind: auth.KindWebAuthn, Strength: auth.Strong, Subject: subject, Time: at, AMR: []string{"hwk", "user"}}}}
}

func (e *env) addPasskey(t *testing.T, subject string, n int) lifecycle.Credential {
	t.Helper()
	c := passkeytest.Credential(subject, n)
	if err := e.creds.Add(lifecycle.WithClient(ctx, auth.ClientInfo{IP: "203.0.113.7", Location: "Almaty, KZ"}), c); err != nil {
		t.Fatal(err)
	}
	list, err := e.m.List(ctx, subject)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range list {
		if v.Ref == c.Ref() {
			return v
		}
	}
	t.Fatal("added passkey not listed")
	return lifecycle.Credential{}
}

func TestNew(t *testing.T) {
	st := memory.New(memory.Config{})
	defer st.Close()
	for name, cfg := range map[string]lifecycle.Config{
		"no store":         {Notifier: &inbox{}},
		"no notifier":      {Store: st},
		"step-up too long": {Store: st, Notifier: &inbox{}, StepUpAge: time.Hour},
		"quarantine twice": {Store: st, Notifier: &inbox{}, Quarantine: time.Hour, InsecureNoQuarantine: true},
		"brace in prefix":  {Store: st, Notifier: &inbox{}, Prefix: "sa:{lc}:"},
	} {
		if _, err := lifecycle.New(cfg); !errors.Is(err, lifecycle.ErrConfig) || !errors.Is(err, auth.ErrConfig) {
			t.Errorf("%s: New = %v, want ErrConfig", name, err)
		}
	}
}

func TestRemoveNeedsStepUp(t *testing.T) {
	e := newEnv(t)
	e.ecp.Store(true)
	c := e.addPasskey(t, "alice", 1)
	smsOnly := &auth.Result{Subject: "alice", Evidence: []auth.Evidence{{Kind: auth.KindSMS, Strength: auth.Weak,
		Subject: "alice", Time: e.clock.Now()}}}
	for name, res := range map[string]*auth.Result{
		"none":              nil,
		"six minutes old":   e.strong("alice", 6*time.Minute),
		"SMS only":          smsOnly,
		"another subject's": e.strong("mallory", 0),
		"from the future":   e.strong("alice", -time.Hour),
	} {
		err := e.m.Remove(ctx, lifecycle.Request{Subject: "alice", Result: res, Kind: c.Kind, ID: c.ID})
		if !errors.Is(err, lifecycle.ErrStepUp) || auth.Code(err) != "step_up_required" {
			t.Fatalf("Remove with %s step-up = %v, want ErrStepUp", name, err)
		}
	}
	if list, _ := e.m.List(ctx, "alice"); len(list) != 1 {
		t.Fatal("a refused Remove removed the passkey")
	}
	notices := len(e.inbox.all())
	if err := e.m.Remove(ctx, lifecycle.Request{Subject: "alice", Result: e.strong("alice", 4*time.Minute), Kind: c.Kind, ID: c.ID,
		Client: auth.ClientInfo{IP: "198.51.100.1"}}); err != nil {
		t.Fatal(err)
	}
	if list, _ := e.m.List(ctx, "alice"); len(list) != 0 {
		t.Fatal("Remove did not remove")
	}
	n := e.inbox.last(t)
	if len(e.inbox.all()) != notices+1 || n.Event != lifecycle.NoticeRemoved || n.Credential.Ref != c.Ref || n.Client.IP != "198.51.100.1" {
		t.Fatalf("removal notice = %+v", n)
	}
	if len(e.audit.Of(lifecycle.EventCredentialRemoved)) != 1 {
		t.Fatal("no audit event for the removal")
	}
}

func TestAnotherSubjectsCredential(t *testing.T) {
	e := newEnv(t)
	e.ecp.Store(true)
	c := e.addPasskey(t, "alice", 1)
	err := e.m.Remove(ctx, lifecycle.Request{Subject: "mallory", Result: e.strong("mallory", 0), Kind: c.Kind, ID: c.ID})
	if !errors.Is(err, lifecycle.ErrNotFound) {
		t.Fatalf("Remove of another subject's passkey = %v", err)
	}
	if err := e.m.Rename(ctx, lifecycle.Request{Subject: "mallory", Kind: c.Kind, ID: c.ID}, "mine"); !errors.Is(err, lifecycle.ErrNotFound) {
		t.Fatalf("Rename of another subject's passkey = %v", err)
	}
	for _, id := range []string{"", "!!", strings.Repeat("A", 2000)} {
		if err := e.m.Remove(ctx, lifecycle.Request{Subject: "alice", Result: e.strong("alice", 0), Kind: c.Kind, ID: id}); !errors.Is(err, lifecycle.ErrNotFound) {
			t.Fatalf("Remove(id %q) = %v", id, err)
		}
	}
	if list, _ := e.m.List(ctx, "alice"); len(list) != 1 {
		t.Fatal("the passkey is gone")
	}
}

func TestLastStrongCredential(t *testing.T) {
	e := newEnv(t)
	c := e.addPasskey(t, "alice", 1)
	req := lifecycle.Request{Subject: "alice", Result: e.strong("alice", 0), Kind: c.Kind, ID: c.ID}
	if err := e.m.Remove(ctx, req); !errors.Is(err, lifecycle.ErrLastCredential) {
		t.Fatalf("removing the only credential = %v, want ErrLastCredential", err)
	}
	e.ecp.Store(true) // an ECP key counts
	if err := e.m.Remove(ctx, req); err != nil {
		t.Fatalf("removing the passkey with ECP left: %v", err)
	}
}

// TestRemoveRaces: racing removals of the last two credentials leave one;
// racing removals of one credential succeed once.
func TestRemoveRaces(t *testing.T) {
	e := newEnv(t)
	a, b := e.addPasskey(t, "alice", 1), e.addPasskey(t, "alice", 2)
	var ok, last atomic.Int32
	var wg sync.WaitGroup
	for i := range 10 {
		c := a
		if i%2 == 1 {
			c = b
		}
		wg.Go(func() {
			err := e.m.Remove(ctx, lifecycle.Request{Subject: "alice", Result: e.strong("alice", 0), Kind: c.Kind, ID: c.ID})
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, lifecycle.ErrLastCredential), errors.Is(err, lifecycle.ErrNotFound):
				last.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if list, _ := e.m.List(ctx, "alice"); ok.Load() != 1 || len(list) != 1 {
		t.Fatalf("%d removals passed, %d credentials left; want 1 and 1", ok.Load(), len(list))
	}
	if n := len(e.inbox.all()); n != 3 { // two additions, one removal
		t.Fatalf("%d notices, want 3", n)
	}
}

// TestNotMe: an added passkey is announced with a token; the token removes
// it, ends the subject's flows and sessions and raises fraud_reported,
// once.
func TestNotMe(t *testing.T) {
	e := newEnv(t)
	e.ecp.Store(true)
	st := memory.New(memory.Config{Now: e.clock.Now, SweepInterval: -1})
	defer st.Close()
	strongF := authtest.Strong(auth.KindWebAuthn)
	eng, err := auth.New(auth.Config{Store: st, Now: e.clock.Now, Factors: []auth.Factor{strongF, authtest.Weak(auth.KindSMS)},
		Policies: []auth.Policy{{Action: "login", Rule: auth.AllOf(auth.KindWebAuthn, auth.KindSMS), Gate: e.m.Gate}}})
	if err != nil {
		t.Fatal(err)
	}
	// The intruder's flow, past its strong factor.
	bind := "binding-0123456789abcdef"
	fl, err := eng.Start(ctx, auth.StartRequest{Action: "login", Subject: "alice", Binding: bind})
	if err != nil {
		t.Fatal(err)
	}
	step := auth.StepRequest{FlowID: fl.ID, Binding: bind, Kind: auth.KindWebAuthn, Input: authtest.OK("alice")}
	if _, err := eng.Begin(ctx, step); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Finish(ctx, step); err != nil {
		t.Fatal(err)
	}
	sessionStart := e.clock.Now()
	e.clock.Advance(time.Second)

	c := e.addPasskey(t, "alice", 1)
	n := e.inbox.last(t)
	if n.Event != lifecycle.NoticeAdded || n.Token == "" || n.Credential.Ref != c.Ref || n.Client.Location != "Almaty, KZ" {
		t.Fatalf("addition notice = %+v", n)
	}
	for _, s := range []string{fmt.Sprint(n), fmt.Sprintf("%+v", n), fmt.Sprintf("%#v", n)} {
		if strings.Contains(s, string(n.Token)) {
			t.Fatalf("the report token shows in a formatted notice: %s", s)
		}
	}
	e.clock.Advance(time.Minute)
	out, err := e.m.Report(ctx, string(n.Token), auth.ClientInfo{IP: "192.0.2.9"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Subject != "alice" || out.Removed != c.Ref {
		t.Fatalf("Report = %+v", out)
	}
	if list, _ := e.m.List(ctx, "alice"); len(list) != 0 {
		t.Fatal("the reported passkey is still there")
	}
	if len(e.audit.Of(auth.EventFraudReported)) != 1 {
		t.Fatal("no fraud_reported event")
	}
	if ended, err := e.m.Ended(ctx, "alice", sessionStart); err != nil || !ended {
		t.Fatalf("Ended(session from before) = %v, %v", ended, err)
	}
	if ended, _ := e.m.Ended(ctx, "alice", e.clock.Now().Add(time.Second)); ended {
		t.Fatal("a session begun after the report counts as ended")
	}
	sms := auth.StepRequest{FlowID: fl.ID, Binding: bind, Kind: auth.KindSMS}
	if _, err := eng.Begin(ctx, sms); !errors.Is(err, lifecycle.ErrEnded) || !errors.Is(err, auth.ErrGate) {
		t.Fatalf("continuing the intruder's flow after the report = %v, want ErrEnded", err)
	}
	if _, err := e.m.Report(ctx, string(n.Token), auth.ClientInfo{}); !errors.Is(err, lifecycle.ErrReportToken) {
		t.Fatalf("second Report = %v, want ErrReportToken", err)
	}
	if _, err := e.m.Report(ctx, strings.Repeat("A", 43), auth.ClientInfo{}); !errors.Is(err, lifecycle.ErrReportToken) {
		t.Fatalf("forged token = %v", err)
	}
}

func TestReportTokenExpires(t *testing.T) {
	e := newEnv(t)
	e.addPasskey(t, "alice", 1)
	n := e.inbox.last(t)
	e.clock.Advance(lifecycle.DefaultReportTTL + time.Second)
	if _, err := e.m.Report(ctx, string(n.Token), auth.ClientInfo{}); !errors.Is(err, lifecycle.ErrReportToken) {
		t.Fatalf("expired token = %v", err)
	}
}

// TestSilentAddRefused: when the notice cannot go out, the credential is
// not added.
func TestSilentAddRefused(t *testing.T) {
	e := newEnv(t)
	e.inbox.fail.Store(true)
	c := passkeytest.Credential("alice", 1)
	if err := e.creds.Add(ctx, c); err == nil || !errors.Is(err, passkey.ErrUnavailable) {
		t.Fatalf("Add with the notifier down = %v", err)
	}
	if _, err := e.creds.Find(ctx, c.ID); !errors.Is(err, passkey.ErrCredentialNotFound) {
		t.Fatal("a credential was added without a notice")
	}
	d := qr.Device{ID: "dev-1", Subject: "alice", PublicKey: []byte{1}, CreatedAt: t0}
	if err := e.devices.Add(ctx, d, 0); err == nil {
		t.Fatal("a device was added without a notice")
	}
	if _, err := e.devices.Get(ctx, "dev-1"); !errors.Is(err, qr.ErrDeviceNotFound) {
		t.Fatal("a device was added without a notice")
	}
}

// renameless hides the memory store's Rename.
type renameless struct{ passkey.CredentialStore }

func TestRename(t *testing.T) {
	e := newEnv(t)
	c := e.addPasskey(t, "alice", 1)
	if err := e.m.Rename(ctx, lifecycle.Request{Subject: "alice", Kind: c.Kind, ID: c.ID}, "Ноутбук"); err != nil {
		t.Fatal(err)
	}
	if list, _ := e.m.List(ctx, "alice"); list[0].Name != "Ноутбук" {
		t.Fatalf("name after Rename = %q", list[0].Name)
	}
	e2 := newEnv(t, func(cfg *lifecycle.Config) { cfg.Passkeys = renameless{cfg.Passkeys} })
	c2 := e2.addPasskey(t, "alice", 1)
	if err := e2.m.Rename(ctx, lifecycle.Request{Subject: "alice", Kind: c2.Kind, ID: c2.ID}, "Laptop"); !errors.Is(err, lifecycle.ErrUnsupported) {
		t.Fatalf("Rename on a store without names = %v", err)
	}
	for _, bad := range []string{"", "a\nb", strings.Repeat("я", 65)} {
		if err := e.m.Rename(ctx, lifecycle.Request{Subject: "alice", Kind: c.Kind, ID: c.ID}, bad); !errors.Is(err, lifecycle.ErrInvalid) {
			t.Fatalf("Rename(%q) = %v", bad, err)
		}
	}
}

type risk struct{ r lifecycle.Risk }

func (k *risk) Check(context.Context, string, otp.Phone) (lifecycle.Risk, error) { return k.r, nil }

func TestChangePhone(t *testing.T) {
	rk := &risk{}
	e := newEnv(t, func(c *lifecycle.Config) { c.PhoneRisk = rk })
	if err := e.phones.Bind(ctx, lifecycle.Binding{Subject: "alice", Phone: "+77015550123", BoundAt: t0.Add(-48 * time.Hour),
		UsableAt: t0.Add(-24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	change := lifecycle.PhoneChange{Subject: "alice", Phone: "+7 707 555 00 12", Client: auth.ClientInfo{IP: "203.0.113.9"}}
	if _, err := e.m.ChangePhone(ctx, change); !errors.Is(err, lifecycle.ErrStepUp) {
		t.Fatalf("ChangePhone without a step-up = %v", err)
	}
	change.Result = e.strong("alice", time.Minute)
	rk.r = lifecycle.Risk{Deny: true, Reason: "ported"}
	var re *lifecycle.PhoneRiskError
	if _, err := e.m.ChangePhone(ctx, change); !errors.As(err, &re) || !errors.Is(err, lifecycle.ErrPhoneRisk) {
		t.Fatalf("ChangePhone to a flagged number = %v", err)
	}
	rk.r = lifecycle.Risk{}
	b, err := e.m.ChangePhone(ctx, change)
	if err != nil {
		t.Fatal(err)
	}
	if b.Phone != "+77075550012" || b.Previous != "+77015550123" || !b.UsableAt.Equal(t0.Add(24*time.Hour)) {
		t.Fatalf("binding = %+v", b)
	}
	// Quarantine: no SMS to either number; notices to the old one.
	if p, err := e.m.BoundPhone(ctx, "alice"); err != nil || p != "" {
		t.Fatalf("BoundPhone in quarantine = %q, %v", p, err)
	}
	if p, _ := e.m.TrustedPhone(ctx, "alice"); p != "+77015550123" {
		t.Fatalf("TrustedPhone in quarantine = %q", p)
	}
	fl := &auth.Flow{Subject: "alice", CreatedAt: e.clock.Now()}
	if err := e.m.Gate(ctx, fl, auth.KindSMS); !errors.Is(err, lifecycle.ErrQuarantine) {
		t.Fatalf("Gate(sms) in quarantine = %v", err)
	}
	if err := e.m.Gate(ctx, fl, auth.KindECP); err != nil {
		t.Fatalf("Gate(ecp) in quarantine = %v", err)
	}
	n := e.inbox.last(t)
	if n.Event != lifecycle.NoticePhoneChanged || n.Token == "" || n.Phone != "+7 7** *** **12" {
		t.Fatalf("phone notice = %+v", n)
	}
	if _, err := e.m.ChangePhone(ctx, change); !errors.Is(err, lifecycle.ErrSamePhone) {
		t.Fatalf("changing to the same number = %v", err)
	}
	e.clock.Advance(24 * time.Hour)
	if p, _ := e.m.BoundPhone(ctx, "alice"); p != "+77075550012" {
		t.Fatalf("BoundPhone after the quarantine = %q", p)
	}
	rk.r = lifecycle.Risk{Until: e.clock.Now().Add(time.Hour), Reason: "SIM changed"}
	fl.CreatedAt = e.clock.Now()
	if err := e.m.Gate(ctx, fl, auth.KindSMS); !errors.As(err, &re) || re.Until.IsZero() {
		t.Fatalf("Gate(sms) with a fresh SIM swap = %v", err)
	}
	rk.r = lifecycle.Risk{}
	// "Not me" on the change restores the old number, usable at once.
	if _, err := e.m.Report(ctx, string(n.Token), auth.ClientInfo{}); err != nil {
		t.Fatal(err)
	}
	if p, _ := e.m.BoundPhone(ctx, "alice"); p != "+77015550123" {
		t.Fatalf("BoundPhone after the report = %q", p)
	}
	h, _ := e.phones.History(ctx, "alice")
	if len(h) != 3 || h[0].Phone != "+77015550123" || h[1].Phone != "+77075550012" || h[1].UnboundAt.IsZero() {
		t.Fatalf("history = %+v", h)
	}
}

func TestDelayedByRisk(t *testing.T) {
	rk := &risk{r: lifecycle.Risk{Until: t0.Add(72 * time.Hour)}}
	e := newEnv(t, func(c *lifecycle.Config) { c.PhoneRisk = rk })
	b, err := e.m.ChangePhone(ctx, lifecycle.PhoneChange{Subject: "alice", Phone: "+77015550123", Result: e.strong("alice", 0)})
	if err != nil || !b.UsableAt.Equal(t0.Add(72*time.Hour)) {
		t.Fatalf("binding %+v, %v: the risk delay should extend the quarantine", b, err)
	}
}

func TestRecover(t *testing.T) {
	e := newEnv(t)
	if _, err := e.m.RecoveryPolicy(mustRule(t, "(ecp & sms) | qr")); !errors.Is(err, lifecycle.ErrConfig) {
		t.Fatalf("a recovery rule with sms = %v", err)
	}
	pol, err := e.m.RecoveryPolicy(mustRule(t, "ecp | qr"))
	if err != nil || pol.Action != lifecycle.DefaultRecoveryAct || pol.MaxAge != lifecycle.DefaultStepUpAge {
		t.Fatalf("RecoveryPolicy = %+v, %v", pol, err)
	}
	a, b := e.addPasskey(t, "alice", 1), e.addPasskey(t, "alice", 2)
	res := e.strong("alice", 0)
	if _, err := e.m.Recover(ctx, lifecycle.Recovery{Subject: "alice", Result: res, Lost: []lifecycle.Credential{a}}); !errors.Is(err, lifecycle.ErrNotRecovery) {
		t.Fatalf("Recover with a login result = %v", err)
	}
	res.Action = lifecycle.DefaultRecoveryAct
	withSMS := *res
	withSMS.Evidence = append(withSMS.Evidence, auth.Evidence{Kind: auth.KindSMS, Strength: auth.Weak, Subject: "alice", Time: e.clock.Now()})
	if _, err := e.m.Recover(ctx, lifecycle.Recovery{Subject: "alice", Result: &withSMS, Lost: []lifecycle.Credential{a}}); !errors.Is(err, lifecycle.ErrNotRecovery) {
		t.Fatalf("Recover with SMS evidence = %v", err)
	}
	if _, err := e.m.Recover(ctx, lifecycle.Recovery{Subject: "alice", Result: res, Lost: []lifecycle.Credential{a, b}}); !errors.Is(err, lifecycle.ErrLastCredential) {
		t.Fatalf("recovering every credential with no ECP = %v", err)
	}
	start := e.clock.Now()
	e.clock.Advance(time.Second)
	n, err := e.m.Recover(ctx, lifecycle.Recovery{Subject: "alice", Result: res, Lost: []lifecycle.Credential{a}})
	if err != nil || n != 1 {
		t.Fatalf("Recover = %d, %v", n, err)
	}
	if list, _ := e.m.List(ctx, "alice"); len(list) != 1 || list[0].Ref != b.Ref {
		t.Fatalf("after recovery: %+v", list)
	}
	if ended, _ := e.m.Ended(ctx, "alice", start); !ended {
		t.Fatal("recovery did not end the sessions")
	}
}

func mustRule(t *testing.T, s string) auth.Expr {
	t.Helper()
	r, err := auth.ParseRule(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// flaky fails Remove while fail is set.
type flaky struct {
	passkey.CredentialStore
	fail atomic.Bool
}

func (f *flaky) Remove(ctx context.Context, subject string, id []byte) error {
	if f.fail.Load() {
		return errors.New("database down")
	}
	return f.CredentialStore.Remove(ctx, subject, id)
}

// TestReportRetriedAfterFailure: a report that could not remove the
// credential keeps its token, and works once the store is back.
func TestReportRetriedAfterFailure(t *testing.T) {
	var fl *flaky
	e := newEnv(t, func(c *lifecycle.Config) {
		if fl == nil {
			fl = &flaky{CredentialStore: c.Passkeys}
		}
		c.Passkeys = fl
	})
	e.ecp.Store(true)
	e.addPasskey(t, "alice", 1)
	token := string(e.inbox.last(t).Token)
	fl.fail.Store(true)
	if _, err := e.m.Report(ctx, token, auth.ClientInfo{}); !errors.Is(err, auth.ErrUnavailable) {
		t.Fatalf("Report with the store down = %v, want ErrUnavailable", err)
	}
	fl.fail.Store(false)
	out, err := e.m.Report(ctx, token, auth.ClientInfo{})
	if err != nil || out.Removed == "" {
		t.Fatalf("Report once the store is back = %+v, %v", out, err)
	}
	if _, err := e.m.Report(ctx, token, auth.ClientInfo{}); !errors.Is(err, lifecycle.ErrReportToken) {
		t.Fatalf("third Report = %v", err)
	}
}
