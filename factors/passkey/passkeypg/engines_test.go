package passkeypg_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/factors/passkey/passkeypg"
	"github.com/strongauth/strongauth/factors/passkey/passkeytest"
	"github.com/strongauth/strongauth/internal/pgtest"
	"github.com/strongauth/strongauth/store/memory"
)

// TestTwoFactorsRaceOneCredential: two passkey factors (two service
// instances, each with its own pool) on one database; 50 registrations of
// one authenticator's credential for 50 accounts, each begun on one
// instance and finished on the other, all at once: exactly one is stored.
func TestTwoFactorsRaceOneCredential(t *testing.T) {
	const racers = 50
	s := pgtest.Start(t)
	st := memory.New(memory.Config{}) // the short-lived state both instances share (Redis in production)
	defer st.Close()
	a, schema := newStore(t, s, s.Pool(t))
	b, err := passkeypg.New(passkeypg.Config{Pool: s.Pool(t), Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	rp := virtualwebauthn.RelyingParty{ID: "example.kz", Name: "Example", Origin: "https://login.example.kz"}
	factor := func(c passkey.CredentialStore) *passkey.Factor {
		f, err := passkey.New(passkey.Config{RPID: rp.ID, RPName: rp.Name, Origins: []string{rp.Origin}, Store: st,
			Credentials: c, Attachment: passkey.AttachmentAny})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	factors := []*passkey.Factor{factor(a), factor(b)}
	authenticator := virtualwebauthn.NewAuthenticator()
	cred := passkeytest.VirtualCredential() // one credential ID, registered 50 times
	const binding = "browser-binding-secret-0123456789"
	type pending struct {
		id       string
		response json.RawMessage
	}
	regs := make([]pending, racers)
	for i := range racers {
		subject := fmt.Sprintf("subject-%02d", i)
		now := time.Now()
		res := &auth.Result{Subject: subject, Action: "login", AuthTime: now, Evidence: []auth.Evidence{{
			Kind: auth.KindECP, Strength: auth.Strong, Subject: subject, Time: now, AMR: []string{auth.AMRSmartCard}}}}
		reg, err := factors[i%2].BeginRegistration(ctx, passkey.RegistrationRequest{Result: res, Binding: binding,
			User: passkey.UserInfo{Name: subject, DisplayName: subject}})
		if err != nil {
			t.Fatal(err)
		}
		o, err := virtualwebauthn.ParseAttestationOptions(string(reg.Options))
		if err != nil {
			t.Fatal(err)
		}
		regs[i] = pending{reg.ID, json.RawMessage(virtualwebauthn.CreateAttestationResponse(rp, authenticator, cred, *o))}
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, r := range regs {
		wg.Go(func() {
			<-start
			_, err := factors[(i+1)%2].FinishRegistration(ctx, r.id, binding, r.response)
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, passkey.ErrCredentialExists):
			default:
				t.Errorf("FinishRegistration: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d of %d racing registrations of one credential ID were stored, want 1", wins.Load(), racers)
	}
	if _, err := a.Find(ctx, cred.ID); err != nil {
		t.Fatalf("the winner's credential: %v", err)
	}
}

// TestLoginDeniedWhileDatabaseDown: a passkey login whose server stops
// between begin and finish is denied (auth.ErrUnavailable), the flow does
// not complete, and after the restart the counter is unchanged and the
// login works.
func TestLoginDeniedWhileDatabaseDown(t *testing.T) {
	s := pgtest.StartPrivate(t)
	st := memory.New(memory.Config{})
	defer st.Close()
	creds, _ := newStore(t, s, s.Pool(t))
	rp := virtualwebauthn.RelyingParty{ID: "example.kz", Name: "Example", Origin: "https://login.example.kz"}
	pk, err := passkey.New(passkey.Config{RPID: rp.ID, RPName: rp.Name, Origins: []string{rp.Origin}, Store: st,
		Credentials: creds, Attachment: passkey.AttachmentAny})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := auth.New(auth.Config{Store: st, Factors: []auth.Factor{pk},
		Policies: []auth.Policy{{Action: "login", Rule: auth.KindWebAuthn}}})
	if err != nil {
		t.Fatal(err)
	}
	const binding = "browser-binding-secret-0123456789"
	authenticator := virtualwebauthn.NewAuthenticator()
	cred := passkeytest.VirtualCredential()
	now := time.Now()
	res := &auth.Result{Subject: "alice", Action: "login", AuthTime: now, Evidence: []auth.Evidence{{
		Kind: auth.KindECP, Strength: auth.Strong, Subject: "alice", Time: now, AMR: []string{auth.AMRSmartCard}}}}
	reg, err := pk.BeginRegistration(ctx, passkey.RegistrationRequest{Result: res, Binding: binding,
		User: passkey.UserInfo{Name: "alice", DisplayName: "Alice"}})
	if err != nil {
		t.Fatal(err)
	}
	o, err := virtualwebauthn.ParseAttestationOptions(string(reg.Options))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pk.FinishRegistration(ctx, reg.ID, binding,
		json.RawMessage(virtualwebauthn.CreateAttestationResponse(rp, authenticator, cred, *o))); err != nil {
		t.Fatal(err)
	}
	login := func(down bool) (*auth.Outcome, error) {
		f, err := eng.Start(ctx, auth.StartRequest{Action: "login", Binding: binding, Subject: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		ch, err := eng.Begin(ctx, auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: auth.KindWebAuthn})
		if err != nil {
			t.Fatal(err)
		}
		ao, err := virtualwebauthn.ParseAssertionOptions(string(ch.Data.(json.RawMessage)))
		if err != nil {
			t.Fatal(err)
		}
		input := json.RawMessage(virtualwebauthn.CreateAssertionResponse(rp, authenticator, cred, *ao))
		if down {
			s.Stop() // the database goes away mid-login
			defer s.Restart()
		}
		return eng.Finish(ctx, auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: auth.KindWebAuthn, Input: input})
	}
	before, err := creds.Find(ctx, cred.ID)
	if err != nil {
		t.Fatal(err)
	}
	out, err := login(true)
	if err == nil || !errors.Is(err, auth.ErrUnavailable) || out != nil {
		t.Fatalf("login with the database down = %+v, %v; want a denial (auth.ErrUnavailable)", out, err)
	}
	after, err := creds.Find(ctx, cred.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.SignCount != before.SignCount || !after.LastUsedAt.Equal(before.LastUsedAt) {
		t.Fatalf("a denied login wrote: counter %d → %d", before.SignCount, after.SignCount)
	}
	if out, err := login(false); err != nil || out.Result == nil {
		t.Fatalf("login after the restart = %+v, %v", out, err)
	}
}
