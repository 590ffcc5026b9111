package qr_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/memory"
)

var ctx = context.Background()

type env struct {
	t     testing.TB
	clock *fakeclock.Clock
	st    *memory.Store
	devs  *qr.MemoryDevices
	svc   *qr.Service
}

func newEnv(t testing.TB, mods ...func(*qr.Config)) *env {
	t.Helper()
	e := &env{t: t, clock: fakeclock.New(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), devs: qr.NewMemoryDevices()}
	e.st = memory.New(memory.Config{Now: e.clock.Now, SweepInterval: -1})
	t.Cleanup(func() { e.st.Close() })
	cfg := qr.Config{Store: e.st, Devices: e.devs, Service: "eGov.kz", Now: e.clock.Now}
	for _, m := range mods {
		m(&cfg)
	}
	var err error
	e.svc, err = qr.New(cfg)
	require.NoError(t, err)
	return e
}

// phone is a test device.
type phone struct {
	key     *ecdsa.PrivateKey
	id      string
	subject string
}

func (e *env) enrol(subject, name string) *phone {
	e.t.Helper()
	p := &phone{key: newKey(e.t), subject: subject}
	ch, err := e.svc.BeginEnrol(ctx, subject)
	require.NoError(e.t, err)
	d, err := e.svc.FinishEnrol(ctx, subject, e.enrolBody(p.key, ch.Challenge, name))
	require.NoError(e.t, err)
	p.id = d.ID
	return p
}

func (e *env) enrolBody(k *ecdsa.PrivateKey, challenge, name string) []byte {
	e.t.Helper()
	spki, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	require.NoError(e.t, err)
	s, err := qr.Sign(k, nil, &qr.Document{Type: qr.DocEnrol, Challenge: challenge, Key: qr.KeyThumbprint(spki),
		Name: name, Time: e.clock.Now().Unix()})
	require.NoError(e.t, err)
	s.Key = base64.RawURLEncoding.EncodeToString(spki)
	b, err := json.Marshal(s)
	require.NoError(e.t, err)
	return b
}

// body signs doc as device p (its ID and the current time filled in).
func (e *env) body(p *phone, doc qr.Document) []byte {
	e.t.Helper()
	if doc.Device == "" {
		doc.Device = p.id
	}
	if doc.Time == 0 {
		doc.Time = e.clock.Now().Unix()
	}
	s, err := qr.Sign(p.key, nil, &doc)
	require.NoError(e.t, err)
	b, err := json.Marshal(s)
	require.NoError(e.t, err)
	return b
}

func binding(flow string) []byte {
	h := sha256.Sum256([]byte("binding of " + flow))
	return h[:]
}

func flowID(i int) string { return fmt.Sprintf("%032x", i) }

func (e *env) begin(flow string, mods ...func(*qr.BeginRequest)) *qr.Started {
	e.t.Helper()
	req := qr.BeginRequest{FlowID: flow, Binding: binding(flow), Action: "login", IP: "203.0.113.7",
		UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36", Location: "Almaty, KZ"}
	for _, m := range mods {
		m(&req)
	}
	s, err := e.svc.Begin(ctx, req)
	require.NoError(e.t, err)
	return s
}

func (e *env) status(flow string) *qr.Status {
	e.t.Helper()
	st, err := e.svc.Status(ctx, flow, binding(flow))
	require.NoError(e.t, err)
	return st
}

func (e *env) scan(p *phone, content string) (*qr.ScanResult, error) {
	return e.svc.Scan(ctx, e.body(p, qr.Document{Type: qr.DocScan, Frame: content}), "en")
}

func (e *env) approve(p *phone, res *qr.ScanResult, number int) error {
	return e.svc.Approve(ctx, e.body(p, qr.Document{Type: qr.DocApprove, Session: res.Session, Number: number,
		Action: qr.DetailsDigest(res.Details)}))
}

func (e *env) deny(p *phone, res *qr.ScanResult) (*qr.Denial, error) {
	return e.svc.Deny(ctx, e.body(p, qr.Document{Type: qr.DocDeny, Session: res.Session}))
}

// scanned begins a session for flow and scans it with p.
func (e *env) scanned(p *phone, flow string) *qr.ScanResult {
	e.t.Helper()
	res, err := e.scan(p, e.begin(flow).Content)
	require.NoError(e.t, err)
	return res
}

func wrongNumber(res *qr.ScanResult, right int) int {
	for _, n := range res.Numbers {
		if n != right {
			return n
		}
	}
	panic("three distinct numbers")
}

// noSecret asserts that an error's text reveals none of the secrets.
func noSecret(t testing.TB, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range secrets {
		if s != "" {
			assert.NotContains(t, err.Error(), s)
		}
	}
}

func TestHappyPath(t *testing.T) {
	e := newEnv(t)
	alice := e.enrol("alice", "Alice's phone")
	flow := flowID(1)
	s := e.begin(flow)
	assert.Equal(t, e.clock.Now().Add(qr.DefaultTTL), s.ExpiresAt)
	fr, err := qr.ParseFrame(s.Content)
	require.NoError(t, err)
	assert.Equal(t, 0, fr.T)
	assert.Equal(t, "strongauth", fr.Prefix)

	// Every second the frame changes and stays authentic.
	e.clock.Advance(2500 * time.Millisecond)
	st := e.status(flow)
	assert.Equal(t, qr.StatePending, st.State)
	assert.Zero(t, st.Number, "no number before the scan")
	assert.Equal(t, 2, st.T)
	assert.NotEqual(t, s.Content, st.Content)
	assert.Equal(t, e.clock.Now().Add(500*time.Millisecond), st.NextAt)

	res, err := e.scan(alice, st.Content)
	require.NoError(t, err)
	var d qr.Details
	require.NoError(t, json.Unmarshal(res.Details, &d))
	assert.Equal(t, qr.Details{Service: "eGov.kz", Action: "login", ActionText: "Sign in", Browser: "Chrome", OS: "Windows",
		IP: "203.0.113.7", Location: "Almaty, KZ", Time: e.clock.Now().Add(-2500 * time.Millisecond), ExpiresAt: s.ExpiresAt,
		Device: "Alice's phone"}, d)

	st = e.status(flow)
	assert.Equal(t, qr.StateScanned, st.State)
	assert.Empty(t, st.Content, "no frame once scanned")
	assert.Contains(t, res.Numbers, st.Number, "the browser shows one of the three numbers")
	assert.NotEqual(t, res.Numbers[0], res.Numbers[1])
	assert.NotEqual(t, res.Numbers[1], res.Numbers[2])
	assert.NotEqual(t, res.Numbers[0], res.Numbers[2])

	require.NoError(t, e.approve(alice, res, st.Number))
	assert.Equal(t, qr.StateApproved, e.status(flow).State)
	dev, err := e.devs.Get(ctx, alice.id)
	require.NoError(t, err)
	assert.Equal(t, e.clock.Now(), dev.LastUsed)

	a, err := e.svc.Redeem(ctx, flow, binding(flow), time.Time{})
	require.NoError(t, err)
	assert.Equal(t, &qr.Approval{Mode: qr.ModeDevice, Subject: "alice", Device: alice.id, DeviceName: "Alice's phone", ApprovedAt: e.clock.Now()}, a)

	// Once only.
	_, err = e.svc.Redeem(ctx, flow, binding(flow), time.Time{})
	assert.ErrorIs(t, err, qr.ErrNoSession)
	_, err = e.svc.Status(ctx, flow, binding(flow))
	assert.ErrorIs(t, err, qr.ErrNoSession)
}

func TestNumbersAreUniformEnough(t *testing.T) {
	e := newEnv(t, func(c *qr.Config) { c.PerIP = 100000 })
	p := e.enrol("alice", "phone")
	pos := [3]int{}
	for i := range 300 {
		flow := flowID(1000 + i)
		s := e.begin(flow)
		res, err := e.scan(p, s.Content)
		require.NoError(t, err)
		n := e.status(flow).Number
		for j, v := range res.Numbers {
			assert.True(t, v >= 10 && v <= 99)
			if v == n {
				pos[j]++
			}
		}
	}
	for j, c := range pos {
		assert.Greater(t, c, 50, "the right number sits at position %d too rarely: %v", j, pos)
	}
}

func TestStaleAndFutureFrames(t *testing.T) {
	e := newEnv(t)
	alice := e.enrol("alice", "phone")
	flow := flowID(2)
	e.begin(flow)
	e.clock.Advance(5 * time.Second)
	content := e.status(flow).Content // t = 5

	// At most MaxFrameAge (3 s) old: at 5+3 s still fine, later refused.
	e.clock.Advance(3*time.Second + 999*time.Millisecond)
	_, err := e.scan(alice, content)
	assert.ErrorIs(t, err, qr.ErrStaleFrame)
	assert.Equal(t, qr.StatePending, e.status(flow).State, "a refused scan binds nothing")

	// A frame from the future (a clock running ahead, or a guessed t).
	e.clock.Set(e.clock.Now().Add(-6 * time.Second)) // t = 2
	_, err = e.scan(alice, content)
	assert.ErrorIs(t, err, qr.ErrFutureFrame)

	e.clock.Advance(3 * time.Second) // t = 5: exact
	_, err = e.scan(alice, content)
	require.NoError(t, err)
}

func TestForgedFrame(t *testing.T) {
	e := newEnv(t)
	alice := e.enrol("alice", "phone")
	flow := flowID(3)
	s := e.begin(flow)
	fr, err := qr.ParseFrame(s.Content)
	require.NoError(t, err)
	e.clock.Advance(2 * time.Second)

	// Relabelling the time of a real frame breaks the MAC.
	relabelled := fr
	relabelled.T = 2
	_, err = e.scan(alice, relabelled.Content())
	assert.ErrorIs(t, err, qr.ErrForgedFrame)
	// A flipped MAC bit.
	flipped := fr
	flipped.MAC = bytes.Clone(fr.MAC)
	flipped.MAC[31] ^= 1
	_, err = e.scan(alice, flipped.Content())
	assert.ErrorIs(t, err, qr.ErrForgedFrame)
	// A MAC under another secret.
	other := fr
	other.MAC = qr.FrameMAC([]byte("guessed secret"), 0)
	_, err = e.scan(alice, other.Content())
	assert.ErrorIs(t, err, qr.ErrForgedFrame)
	noSecret(t, err, fr.Token, s.Content)
	// Another prefix is another application's code.
	wrongPrefix := fr
	wrongPrefix.Prefix = "bankid"
	_, err = e.scan(alice, wrongPrefix.Content())
	assert.ErrorIs(t, err, qr.ErrMalformed)
	// An unknown token.
	unknown := fr
	unknown.Token = testSession
	_, err = e.scan(alice, unknown.Content())
	assert.ErrorIs(t, err, qr.ErrNoSession)

	assert.Equal(t, qr.StatePending, e.status(flow).State)
}

func TestSecondDeviceCannotScan(t *testing.T) {
	e := newEnv(t)
	alice, alice2, mallory := e.enrol("alice", "phone"), e.enrol("alice", "tablet"), e.enrol("mallory", "phone")
	flow := flowID(4)
	s := e.begin(flow)
	res, err := e.scan(alice, s.Content)
	require.NoError(t, err)
	for _, p := range []*phone{alice2, mallory} {
		_, err := e.scan(p, s.Content)
		assert.ErrorIs(t, err, qr.ErrOtherDevice)
	}
	// The first device may scan again (an app retry) and sees the same numbers.
	again, err := e.scan(alice, s.Content)
	require.NoError(t, err)
	assert.Equal(t, res.Numbers, again.Numbers)
	assert.Equal(t, res.Session, again.Session)
}

func TestConcurrentScansBindExactlyOneDevice(t *testing.T) {
	e := newEnv(t)
	const n = 40
	phones := make([]*phone, n)
	bodies := make([][]byte, n)
	flow := flowID(5)
	s := e.begin(flow)
	for i := range phones {
		phones[i] = e.enrol(fmt.Sprintf("user%d", i), "phone")
		bodies[i] = e.body(phones[i], qr.Document{Type: qr.DocScan, Frame: s.Content})
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := e.svc.Scan(ctx, bodies[i], "ru")
			if err == nil {
				wins.Add(1)
			} else if !errors.Is(err, qr.ErrOtherDevice) {
				t.Errorf("unexpected error: %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load())
}

func TestWrongNumberFailsForGood(t *testing.T) {
	e := newEnv(t)
	alice := e.enrol("alice", "phone")
	flow := flowID(6)
	res := e.scanned(alice, flow)
	right := e.status(flow).Number
	err := e.approve(alice, res, wrongNumber(res, right))
	assert.ErrorIs(t, err, qr.ErrWrongNumber)
	noSecret(t, err, strconv.Itoa(right), res.Session)
	assert.Equal(t, qr.StateFailed, e.status(flow).State)
	// No second try.
	assert.ErrorIs(t, e.approve(alice, res, right), qr.ErrFailed)
	_, err = e.svc.Redeem(ctx, flow, binding(flow), time.Time{})
	assert.ErrorIs(t, err, qr.ErrFailed)
	// A number outside the three offered is just as wrong.
	flow2 := flowID(7)
	res2 := e.scanned(alice, flow2)
	outside := 10
	for slices.Contains(res2.Numbers[:], outside) {
		outside++ // a two-digit number none of the three offered is
	}
	assert.ErrorIs(t, e.approve(alice, res2, outside), qr.ErrWrongNumber)
}

func TestApprovalForOtherDetailsFails(t *testing.T) {
	e := newEnv(t)
	alice := e.enrol("alice", "phone")
	flow := flowID(8)
	res := e.scanned(alice, flow)
	// The phone signs a digest of details it was not shown (a tampered
	// answer in transit, or an app approving blindly).
	tampered := *res
	tampered.Details = json.RawMessage(strings.Replace(string(res.Details), "Windows", "Android", 1))
	assert.ErrorIs(t, e.approve(alice, &tampered, e.status(flow).Number), qr.ErrDetails)
	assert.Equal(t, qr.StateFailed, e.status(flow).State)
}

func TestApprovalByAnotherDevice(t *testing.T) {
	e := newEnv(t)
	alice, alice2 := e.enrol("alice", "phone"), e.enrol("alice", "tablet")
	flow := flowID(9)
	res := e.scanned(alice, flow)
	n := e.status(flow).Number
	// Another enrolled device of the same user, signing as itself.
	assert.ErrorIs(t, e.approve(alice2, res, n), qr.ErrOtherDevice)
	// Another device's key claiming the bound device's ID.
	impostor := &phone{key: alice2.key, id: alice.id}
	assert.ErrorIs(t, e.approve(impostor, res, n), qr.ErrSignature)
	// An unknown device ID.
	ghost := &phone{key: alice.key, id: testDevice}
	assert.ErrorIs(t, e.approve(ghost, res, n), qr.ErrUnknownDevice)
	// None of it hurt the session.
	require.NoError(t, e.approve(alice, res, n))
}

func TestReplayedApproval(t *testing.T) {
	e := newEnv(t)
	alice := e.enrol("alice", "phone")
	flow := flowID(10)
	res := e.scanned(alice, flow)
	body := e.body(alice, qr.Document{Type: qr.DocApprove, Session: res.Session, Number: e.status(flow).Number,
		Action: qr.DetailsDigest(res.Details)})
	require.NoError(t, e.svc.Approve(ctx, body))
	assert.ErrorIs(t, e.svc.Approve(ctx, body), qr.ErrReplay)
	_, err := e.svc.Redeem(ctx, flow, binding(flow), time.Time{})
	require.NoError(t, err)
	// After the redemption the session is gone.
	assert.ErrorIs(t, e.svc.Approve(ctx, body), qr.ErrNoSession)
	// An approval of one session cannot approve another: it names its session.
	flow2 := flowID(11)
	_, err = e.scan(alice, e.begin(flow2).Content)
	require.NoError(t, err)
	assert.ErrorIs(t, e.svc.Approve(ctx, body), qr.ErrNoSession)
	assert.Equal(t, qr.StateScanned, e.status(flow2).State)
}

func TestConcurrentApprovalsAndRedemptions(t *testing.T) {
	e := newEnv(t)
	alice := e.enrol("alice", "phone")
	flow := flowID(12)
	res := e.scanned(alice, flow)
	body := e.body(alice, qr.Document{Type: qr.DocApprove, Session: res.Session, Number: e.status(flow).Number,
		Action: qr.DetailsDigest(res.Details)})
	race := func(f func() error, allowed ...error) int32 {
		var wins atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				err := f()
				switch {
				case err == nil:
					wins.Add(1)
				case !slicesContainsErr(err, allowed):
					t.Errorf("unexpected error: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		return wins.Load()
	}
	assert.Equal(t, int32(1), race(func() error { return e.svc.Approve(ctx, body) }, qr.ErrReplay))
	assert.Equal(t, int32(1), race(func() error {
		_, err := e.svc.Redeem(ctx, flow, binding(flow), time.Time{})
		return err
	}, qr.ErrReplay, qr.ErrNoSession))
}

func slicesContainsErr(err error, targets []error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

func TestApprovalAfterExpiry(t *testing.T) {
	e := newEnv(t)
	alice := e.enrol("alice", "phone")
	flow := flowID(13)
	res := e.scanned(alice, flow)
	n := e.status(flow).Number
	e.clock.Advance(qr.DefaultTTL)
	assert.Equal(t, qr.StateExpired, e.status(flow).State)
	assert.ErrorIs(t, e.approve(alice, res, n), qr.ErrExpired)
	_, err := e.svc.Redeem(ctx, flow, binding(flow), time.Time{})
	assert.ErrorIs(t, err, qr.ErrExpired)
	_, err = e.scan(alice, e.begin(flowID(14)).Content)
	require.NoError(t, err)

	// An approval must be redeemed within RedeemTTL.
	flow3 := flowID(15)
	res3 := e.scanned(alice, flow3)
	require.NoError(t, e.approve(alice, res3, e.status(flow3).Number))
	e.clock.Advance(qr.DefaultRedeemTTL)
	assert.Equal(t, qr.StateExpired, e.status(flow3).State)
	_, err = e.svc.Redeem(ctx, flow3, binding(flow3), time.Time{})
	assert.ErrorIs(t, err, qr.ErrExpired)
}

func TestSignedTimeWindow(t *testing.T) {
	e := newEnv(t)
	alice := e.enrol("alice", "phone")
	flow := flowID(16)
	s := e.begin(flow)
	for _, skew := range []time.Duration{-31 * time.Second, 31 * time.Second} {
		body := e.body(alice, qr.Document{Type: qr.DocScan, Frame: s.Content, Time: e.clock.Now().Add(skew).Unix()})
		_, err := e.svc.Scan(ctx, body, "en")
		assert.ErrorIs(t, err, qr.ErrRequestTime, skew)
	}
	// Times the document format allows (up to 12 digits) but centuries
	// away: 18446744074 s is 2^64 ns + 0.29 s, which a nanosecond Duration
	// wrapped into "0.29 s from now" (the review's finding).
	for _, ahead := range []int64{18446744074, 18446744073, 36893488147} {
		body := e.body(alice, qr.Document{Type: qr.DocScan, Frame: s.Content, Time: e.clock.Now().Unix() + ahead})
		_, err := e.svc.Scan(ctx, body, "en")
		assert.ErrorIs(t, err, qr.ErrRequestTime, ahead)
	}
	body := e.body(alice, qr.Document{Type: qr.DocScan, Frame: s.Content, Time: 999999999999})
	_, err := e.svc.Scan(ctx, body, "en")
	assert.ErrorIs(t, err, qr.ErrRequestTime)
}

func TestRedeemNeedsTheBrowserBinding(t *testing.T) {
	e := newEnv(t)
	alice := e.enrol("alice", "phone")
	flow := flowID(17)
	res := e.scanned(alice, flow)
	other := binding("another browser")
	_, err := e.svc.Status(ctx, flow, other)
	assert.ErrorIs(t, err, qr.ErrBinding, "another browser does not even see the number")
	require.NoError(t, e.approve(alice, res, e.status(flow).Number))
	_, err = e.svc.Redeem(ctx, flow, other, time.Time{})
	assert.ErrorIs(t, err, qr.ErrBinding)
	_, err = e.svc.Redeem(ctx, flow, nil, time.Time{})
	assert.ErrorIs(t, err, qr.ErrBinding)
	// The relayed approval stays with the originating browser.
	_, err = e.svc.Redeem(ctx, flow, binding(flow), time.Time{})
	require.NoError(t, err)
}

func TestRedeemBeforeApproval(t *testing.T) {
	e := newEnv(t)
	alice := e.enrol("alice", "phone")
	flow := flowID(18)
	s := e.begin(flow)
	_, err := e.svc.Redeem(ctx, flow, binding(flow), time.Time{})
	assert.ErrorIs(t, err, qr.ErrPending)
	res, err := e.scan(alice, s.Content)
	require.NoError(t, err)
	_, err = e.svc.Redeem(ctx, flow, binding(flow), time.Time{})
	assert.ErrorIs(t, err, qr.ErrPending)
	// Early attempts consumed nothing.
	require.NoError(t, e.approve(alice, res, e.status(flow).Number))
	_, err = e.svc.Redeem(ctx, flow, binding(flow), time.Time{})
	require.NoError(t, err)
}

func TestDenyThenApprove(t *testing.T) {
	e := newEnv(t)
	alice, mallory := e.enrol("alice", "phone"), e.enrol("mallory", "phone")
	flow := flowID(19)
	res, err := e.scan(alice, e.begin(flow, func(r *qr.BeginRequest) { r.Action = "sign-document" }).Content)
	require.NoError(t, err)
	n := e.status(flow).Number

	_, err = e.deny(mallory, res)
	assert.ErrorIs(t, err, qr.ErrOtherDevice, "only the bound device may deny")

	d, err := e.deny(alice, res)
	require.NoError(t, err)
	assert.Equal(t, &qr.Denial{FlowID: flow, Subject: "alice", Device: alice.id, Action: "sign-document",
		IP: "203.0.113.7", Browser: "Chrome", OS: "Windows", Location: "Almaty, KZ"}, d)
	assert.Equal(t, qr.StateDenied, e.status(flow).State)
	assert.ErrorIs(t, e.approve(alice, res, n), qr.ErrDenied)
	_, err = e.svc.Redeem(ctx, flow, binding(flow), time.Time{})
	assert.ErrorIs(t, err, qr.ErrDenied)
	// The flow cannot start a new QR session either.
	_, err = e.svc.Begin(ctx, qr.BeginRequest{FlowID: flow, Binding: binding(flow), Action: "login"})
	assert.ErrorIs(t, err, qr.ErrDenied)
	assert.ErrorIs(t, e.svc.Denied(ctx, flow), qr.ErrDenied)
	// Denying again is idempotent and says so.
	d, err = e.deny(alice, res)
	require.NoError(t, err)
	assert.True(t, d.Again)
}

func TestDenyOverridesAnUnredeemedApproval(t *testing.T) {
	e := newEnv(t)
	alice := e.enrol("alice", "phone")
	flow := flowID(20)
	res := e.scanned(alice, flow)
	right := e.status(flow).Number
	require.NoError(t, e.approve(alice, res, right))
	_, err := e.deny(alice, res)
	require.NoError(t, err)
	_, err = e.svc.Redeem(ctx, flow, binding(flow), time.Time{})
	assert.ErrorIs(t, err, qr.ErrDenied)

	// After a wrong number (the user saw a number that was not theirs),
	// the report is still accepted.
	flow2 := flowID(21)
	res2 := e.scanned(alice, flow2)
	assert.ErrorIs(t, e.approve(alice, res2, wrongNumber(res2, e.status(flow2).Number)), qr.ErrWrongNumber)
	_, err = e.deny(alice, res2)
	require.NoError(t, err)
	assert.ErrorIs(t, e.svc.Denied(ctx, flow2), qr.ErrDenied)

	// Nothing to deny before a scan.
	flow3 := flowID(22)
	s3 := e.begin(flow3)
	fr, _ := qr.ParseFrame(s3.Content)
	_, err = e.svc.Deny(ctx, e.body(alice, qr.Document{Type: qr.DocDeny, Session: fr.Token}))
	assert.ErrorIs(t, err, qr.ErrNotScanned)
}

func TestWrongSubject(t *testing.T) {
	e := newEnv(t)
	bob := e.enrol("bob", "phone")
	flow := flowID(23)
	s := e.begin(flow, func(r *qr.BeginRequest) { r.Subject = "alice" })
	_, err := e.scan(bob, s.Content)
	assert.ErrorIs(t, err, qr.ErrWrongSubject)
	assert.Equal(t, qr.StatePending, e.status(flow).State, "a device of another account binds nothing")
	alice := e.enrol("alice", "phone")
	_, err = e.scan(alice, s.Content)
	require.NoError(t, err)
}

func TestOneLiveSessionPerFlow(t *testing.T) {
	e := newEnv(t)
	alice := e.enrol("alice", "phone")
	flow := flowID(24)
	old := e.begin(flow)
	fresh := e.begin(flow)
	_, err := e.scan(alice, old.Content)
	assert.ErrorIs(t, err, qr.ErrNoSession, "a replaced QR code is dead")
	_, err = e.scan(alice, fresh.Content)
	require.NoError(t, err)
}

func TestRemovedDeviceCannotApproveOrRedeem(t *testing.T) {
	e := newEnv(t)
	alice := e.enrol("alice", "phone")
	flow := flowID(25)
	res := e.scanned(alice, flow)
	require.NoError(t, e.approve(alice, res, e.status(flow).Number))
	require.NoError(t, e.svc.RemoveDevice(ctx, "alice", alice.id))
	_, err := e.svc.Redeem(ctx, flow, binding(flow), time.Time{})
	assert.ErrorIs(t, err, qr.ErrUnknownDevice)
	_, err = e.scan(alice, e.begin(flowID(26)).Content)
	assert.ErrorIs(t, err, qr.ErrUnknownDevice)
}

func TestPerIPBudget(t *testing.T) {
	e := newEnv(t, func(c *qr.Config) { c.PerIP = 3; c.IPWindow = time.Minute })
	for i := range 3 {
		e.begin(flowID(100 + i))
	}
	_, err := e.svc.Begin(ctx, qr.BeginRequest{FlowID: flowID(200), Binding: binding(flowID(200)), Action: "login", IP: "203.0.113.7"})
	require.ErrorIs(t, err, qr.ErrRateLimited)
	var rl *qr.RateLimitError
	require.ErrorAs(t, err, &rl)
	assert.Equal(t, time.Minute, rl.RetryAfter())
	// IPv4-mapped IPv6 is the same client.
	_, err = e.svc.Begin(ctx, qr.BeginRequest{FlowID: flowID(201), Binding: binding(flowID(201)), Action: "login", IP: "::ffff:203.0.113.7"})
	assert.ErrorIs(t, err, qr.ErrRateLimited)
	// Another client is not affected; the window ends.
	e.begin(flowID(202), func(r *qr.BeginRequest) { r.IP = "198.51.100.1" })
	e.clock.Advance(time.Minute)
	e.begin(flowID(203))
}

// TestPerIPBudgetGroupsIPv6AndPorts: an IPv6 client is counted by its /64
// (it holds the whole /64 and could otherwise rotate addresses), and a port
// or brackets in the address do not make a new client.
func TestPerIPBudgetGroupsIPv6AndPorts(t *testing.T) {
	e := newEnv(t, func(c *qr.Config) { c.PerIP = 2; c.IPWindow = time.Minute })
	begin := func(n int, ip string) error {
		_, err := e.svc.Begin(ctx, qr.BeginRequest{FlowID: flowID(n), Binding: binding(flowID(n)), Action: "login", IP: ip})
		return err
	}
	require.NoError(t, begin(300, "2001:db8:5:6::1"))
	require.NoError(t, begin(301, "[2001:db8:5:6::2]:443"))
	assert.ErrorIs(t, begin(302, "2001:db8:5:6:ffff::3"), qr.ErrRateLimited, "same /64")
	require.NoError(t, begin(303, "2001:db8:5:7::1"), "another /64")
	require.NoError(t, begin(304, "203.0.113.9:1000"))
	require.NoError(t, begin(305, "203.0.113.9:1001"))
	assert.ErrorIs(t, begin(306, "203.0.113.9:1002"), qr.ErrRateLimited, "another port, same client")
}

func TestBeginValidates(t *testing.T) {
	e := newEnv(t)
	for name, r := range map[string]qr.BeginRequest{
		"no flow":      {Binding: binding("x"), Action: "login"},
		"no binding":   {FlowID: "f", Action: "login"},
		"short bind":   {FlowID: "f", Binding: []byte("short"), Action: "login"},
		"no action":    {FlowID: "f", Binding: binding("x")},
		"long flow":    {FlowID: strings.Repeat("f", 200), Binding: binding("x"), Action: "login"},
		"action w/ NL": {FlowID: "f", Binding: binding("x"), Action: "log\nin"},
	} {
		_, err := e.svc.Begin(ctx, r)
		assert.ErrorIs(t, err, qr.ErrMalformed, name)
	}
	// Hostile client details are not shown verbatim.
	alice := e.enrol("alice", "phone")
	s := e.begin(flowID(27), func(r *qr.BeginRequest) {
		r.IP = "not an ip; call +7 777 000 00 00"
		r.Location = "Almaty\n\nCALL THE BANK"
		r.UserAgent = "Official Bank Security Check"
	})
	res, err := e.scan(alice, s.Content)
	require.NoError(t, err)
	var d qr.Details
	require.NoError(t, json.Unmarshal(res.Details, &d))
	assert.Empty(t, d.IP)
	assert.Empty(t, d.Location)
	assert.Equal(t, "unknown", d.Browser)
}

func TestLanguages(t *testing.T) {
	e := newEnv(t)
	alice := e.enrol("alice", "phone")
	s := e.begin(flowID(28))
	for lang, want := range map[string]string{"kk": "Жүйеге кіру", "ru": "Вход в систему", "en": "Sign in"} {
		res, err := e.svc.Scan(ctx, e.body(alice, qr.Document{Type: qr.DocScan, Frame: s.Content}), lang)
		require.NoError(t, err)
		var d qr.Details
		require.NoError(t, json.Unmarshal(res.Details, &d))
		assert.Equal(t, want, d.ActionText)
	}
}

func TestEnrolment(t *testing.T) {
	e := newEnv(t, func(c *qr.Config) { c.MaxDevices = 2 })
	k := newKey(t)
	ch, err := e.svc.BeginEnrol(ctx, "alice")
	require.NoError(t, err)
	assert.NotContains(t, ch.String(), ch.Challenge)
	body := e.enrolBody(k, ch.Challenge, "Pixel 9")

	// Another subject cannot use alice's challenge (and burns it trying).
	_, err = e.svc.FinishEnrol(ctx, "mallory", body)
	assert.ErrorIs(t, err, qr.ErrChallenge)
	_, err = e.svc.FinishEnrol(ctx, "alice", body)
	assert.ErrorIs(t, err, qr.ErrChallenge, "single use")

	ch, err = e.svc.BeginEnrol(ctx, "alice")
	require.NoError(t, err)
	d, err := e.svc.FinishEnrol(ctx, "alice", e.enrolBody(k, ch.Challenge, "Pixel 9"))
	require.NoError(t, err)
	assert.Equal(t, "Pixel 9", d.Name)
	assert.Len(t, d.ID, 22)
	ds, err := e.svc.Devices(ctx, "alice")
	require.NoError(t, err)
	require.Len(t, ds, 1)
	assert.Equal(t, d.ID, ds[0].ID)

	// The same key twice.
	ch, _ = e.svc.BeginEnrol(ctx, "alice")
	_, err = e.svc.FinishEnrol(ctx, "alice", e.enrolBody(k, ch.Challenge, "again"))
	assert.ErrorIs(t, err, qr.ErrDeviceExists)

	// Proof of possession: a signature by another key than the one sent.
	ch, _ = e.svc.BeginEnrol(ctx, "alice")
	body = e.enrolBody(newKey(t), ch.Challenge, "tablet")
	var s qr.Signed
	require.NoError(t, json.Unmarshal(body, &s))
	other := newKey(t)
	otherSPKI, _ := x509.MarshalPKIXPublicKey(&other.PublicKey)
	s.Key = base64.RawURLEncoding.EncodeToString(otherSPKI)
	swapped, _ := json.Marshal(s)
	_, err = e.svc.FinishEnrol(ctx, "alice", swapped)
	assert.ErrorIs(t, err, qr.ErrMalformed, "the document names another key")
	// … and a document naming the right key, signed by another.
	doc, _ := qr.ParseDocument([]byte(s.Doc))
	doc.Key = qr.KeyThumbprint(otherSPKI)
	forged, _ := qr.Sign(newKey(t), nil, doc)
	forged.Key = s.Key
	fb, _ := json.Marshal(forged)
	_, err = e.svc.FinishEnrol(ctx, "alice", fb)
	assert.ErrorIs(t, err, qr.ErrSignature)

	// An expired challenge.
	ch, _ = e.svc.BeginEnrol(ctx, "alice")
	e.clock.Advance(qr.DefaultEnrolTTL)
	_, err = e.svc.FinishEnrol(ctx, "alice", e.enrolBody(newKey(t), ch.Challenge, "late"))
	assert.ErrorIs(t, err, qr.ErrChallenge)

	// The device limit.
	e.enrol("alice", "second")
	ch, _ = e.svc.BeginEnrol(ctx, "alice")
	_, err = e.svc.FinishEnrol(ctx, "alice", e.enrolBody(newKey(t), ch.Challenge, "third"))
	assert.ErrorIs(t, err, qr.ErrDeviceLimit)

	// Removal is per subject.
	assert.ErrorIs(t, e.svc.RemoveDevice(ctx, "mallory", d.ID), qr.ErrDeviceNotFound)
	require.NoError(t, e.svc.RemoveDevice(ctx, "alice", d.ID))
	require.NoError(t, e.svc.RemoveDevice(ctx, "alice", d.ID), "idempotent")
	ds, _ = e.svc.Devices(ctx, "alice")
	assert.Len(t, ds, 1)
}

func TestConcurrentEnrolmentsUseTheChallengeOnce(t *testing.T) {
	e := newEnv(t)
	ch, err := e.svc.BeginEnrol(ctx, "alice")
	require.NoError(t, err)
	bodies := make([][]byte, 30)
	for i := range bodies {
		bodies[i] = e.enrolBody(newKey(t), ch.Challenge, "phone")
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for _, b := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.svc.FinishEnrol(ctx, "alice", b); err == nil {
				wins.Add(1)
			} else {
				assert.ErrorIs(t, err, qr.ErrChallenge)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load())
}

// failingStore fails every operation: everything must deny.
type failingStore struct{}

func (failingStore) Get(context.Context, string) ([]byte, uint64, error) {
	return nil, 0, store.ErrUnavailable
}
func (failingStore) Put(context.Context, string, []byte, time.Duration) (uint64, error) {
	return 0, store.ErrUnavailable
}
func (failingStore) CompareAndSwap(context.Context, string, uint64, []byte, time.Duration) (uint64, error) {
	return 0, store.ErrUnavailable
}
func (failingStore) Consume(context.Context, string) ([]byte, error) {
	return nil, store.ErrUnavailable
}
func (failingStore) Incr(context.Context, string, int64, time.Duration) (int64, error) {
	return 0, store.ErrUnavailable
}
func (failingStore) Delete(context.Context, string) error { return store.ErrUnavailable }

func TestStoreFailureDenies(t *testing.T) {
	e := newEnv(t)
	alice := e.enrol("alice", "phone")
	flow := flowID(29)
	s := e.begin(flow)
	broken, err := qr.New(qr.Config{Store: failingStore{}, Devices: e.devs, Service: "x", Now: e.clock.Now})
	require.NoError(t, err)
	_, err = broken.Begin(ctx, qr.BeginRequest{FlowID: flow, Binding: binding(flow), Action: "login", IP: "192.0.2.1"})
	assert.ErrorIs(t, err, qr.ErrUnavailable)
	assert.ErrorIs(t, err, store.ErrUnavailable)
	_, err = broken.Scan(ctx, e.body(alice, qr.Document{Type: qr.DocScan, Frame: s.Content}), "en")
	assert.ErrorIs(t, err, qr.ErrUnavailable)
	_, err = broken.Redeem(ctx, flow, binding(flow), time.Time{})
	assert.ErrorIs(t, err, qr.ErrUnavailable)
	_, err = broken.BeginEnrol(ctx, "alice")
	assert.ErrorIs(t, err, qr.ErrUnavailable)
	_, err = broken.Status(ctx, flow, binding(flow))
	assert.ErrorIs(t, err, qr.ErrUnavailable)
}

func TestBrokenRandomnessDenies(t *testing.T) {
	e := newEnv(t, func(c *qr.Config) { c.Rand = bytes.NewReader(nil) })
	_, err := e.svc.Begin(ctx, qr.BeginRequest{FlowID: "f", Binding: binding("f"), Action: "login"})
	assert.ErrorIs(t, err, qr.ErrUnavailable)
	_, err = e.svc.BeginEnrol(ctx, "alice")
	assert.ErrorIs(t, err, qr.ErrUnavailable)
}

func TestNewValidates(t *testing.T) {
	st := memory.New(memory.Config{SweepInterval: -1})
	defer st.Close()
	ok := qr.Config{Store: st, Devices: qr.NewMemoryDevices(), Service: "eGov.kz"}
	for name, mod := range map[string]func(*qr.Config){
		"no store":        func(c *qr.Config) { c.Store = nil },
		"no devices":      func(c *qr.Config) { c.Devices = nil },
		"no service":      func(c *qr.Config) { c.Service = "" },
		"bad prefix":      func(c *qr.Config) { c.Prefix = "Bank ID" },
		"long TTL":        func(c *qr.Config) { c.TTL = time.Hour },
		"sub-second TTL":  func(c *qr.Config) { c.TTL = time.Millisecond },
		"old frames":      func(c *qr.Config) { c.MaxFrameAge = time.Minute },
		"negative PerIP":  func(c *qr.Config) { c.PerIP = -1 },
		"negative limit":  func(c *qr.Config) { c.MaxDevices = -1 },
		"long redemption": func(c *qr.Config) { c.RedeemTTL = time.Hour },
		"brace in prefix": func(c *qr.Config) { c.KeyPrefix = "sa:{qr}:" },
	} {
		c := ok
		mod(&c)
		_, err := qr.New(c)
		assert.ErrorIs(t, err, qr.ErrConfig, name)
	}
	_, err := qr.New(ok)
	require.NoError(t, err)
}

func TestWait(t *testing.T) {
	e := newEnv(t)
	alice := e.enrol("alice", "phone")
	flow := flowID(30)
	s := e.begin(flow)
	done := make(chan *qr.Status)
	go func() {
		st, err := e.svc.Wait(ctx, flow, binding(flow), qr.StatePending, time.Millisecond)
		assert.NoError(t, err)
		done <- st
	}()
	_, err := e.scan(alice, s.Content)
	require.NoError(t, err)
	st := <-done
	assert.Equal(t, qr.StateScanned, st.State)
	assert.NotZero(t, st.Number)

	// A cancelled wait returns the last status it saw.
	c, cancel := context.WithCancel(ctx)
	cancel()
	_, err = e.svc.Wait(c, flow, binding(flow), qr.StateScanned, time.Millisecond)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = e.svc.Wait(ctx, flow, binding("other"), qr.StateScanned, time.Millisecond)
	assert.ErrorIs(t, err, qr.ErrBinding)
}

// keyLog is a store that records every key used.
type keyLog struct {
	store.Store
	mu   sync.Mutex
	keys map[string]bool
}

func (l *keyLog) note(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.keys == nil {
		l.keys = map[string]bool{}
	}
	l.keys[key] = true
}

func (l *keyLog) Get(ctx context.Context, key string) ([]byte, uint64, error) {
	l.note(key)
	return l.Store.Get(ctx, key)
}

func (l *keyLog) Put(ctx context.Context, key string, v []byte, ttl time.Duration) (uint64, error) {
	l.note(key)
	return l.Store.Put(ctx, key, v, ttl)
}

func (l *keyLog) CompareAndSwap(ctx context.Context, key string, old uint64, v []byte, ttl time.Duration) (uint64, error) {
	l.note(key)
	return l.Store.CompareAndSwap(ctx, key, old, v, ttl)
}

func (l *keyLog) Consume(ctx context.Context, key string) ([]byte, error) {
	l.note(key)
	return l.Store.Consume(ctx, key)
}

func (l *keyLog) Incr(ctx context.Context, key string, d int64, ttl time.Duration) (int64, error) {
	l.note(key)
	return l.Store.Incr(ctx, key, d, ttl)
}

func (l *keyLog) Delete(ctx context.Context, key string) error {
	l.note(key)
	return l.Store.Delete(ctx, key)
}

// TestFlowKeysCarryTheFlowTag checks the keys of a flow's QR sessions:
// the record, the flow's index and the denial carry the flow ID as a hash
// tag, and the flow ID appears in no key otherwise; what the phone
// presents reaches the record through indexes of hashes.
func TestFlowKeysCarryTheFlowTag(t *testing.T) {
	log := &keyLog{}
	e := newEnv(t, func(c *qr.Config) { log.Store = c.Store; c.Store = log })
	alice := e.enrol("alice", "Alice's phone")
	approved, denied := flowID(1), flowID(2)
	res := e.scanned(alice, approved)
	require.NoError(t, e.approve(alice, res, e.status(approved).Number))
	_, err := e.svc.Redeem(ctx, approved, binding(approved), time.Time{})
	require.NoError(t, err)
	_, err = e.deny(alice, e.scanned(alice, denied))
	require.NoError(t, err)

	kinds := map[string][]string{}
	for key := range log.keys {
		for _, flow := range []string{approved, denied} {
			assert.Equal(t, strings.Count(key, flow), strings.Count(key, "{"+flow+"}"), "the flow ID only as a tag: %s", key)
			if strings.Contains(key, "{"+flow+"}") {
				kinds[flow] = append(kinds[flow], key[:strings.IndexByte(key, '{')])
			}
		}
		assert.NotContains(t, key, res.Session, "no token in clear")
	}
	slices.Sort(kinds[approved])
	slices.Sort(kinds[denied])
	assert.Equal(t, []string{"sa:qr:d:", "sa:qr:f:", "sa:qr:s:"}, kinds[approved], "the redeemed flow's keys (the denial was only read)")
	assert.Equal(t, []string{"sa:qr:d:", "sa:qr:f:", "sa:qr:s:"}, kinds[denied], "the denied flow's keys")
}

// TestTokenIndexNamingAnotherSession: a token index that names a session
// of another token (a corrupt or tampered store) denies as unavailable; it
// never lets one token act on another session.
func TestTokenIndexNamingAnotherSession(t *testing.T) {
	log := &keyLog{}
	e := newEnv(t, func(c *qr.Config) { log.Store = c.Store; c.Store = log })
	alice := e.enrol("alice", "Alice's phone")
	e.scanned(alice, flowID(1))
	mine := e.begin(flowID(2))
	var victimKey string
	for key := range log.keys {
		if strings.HasPrefix(key, "sa:qr:s:{"+flowID(1)+"}") {
			victimKey = key
		}
	}
	require.NotEmpty(t, victimKey)
	fr, err := qr.ParseFrame(mine.Content)
	require.NoError(t, err)
	h := sha256.Sum256([]byte(fr.Token))
	_, err = e.st.Put(ctx, "sa:qr:t:"+fmt.Sprintf("%x", h[:]), []byte(victimKey), time.Minute)
	require.NoError(t, err)
	_, err = e.scan(alice, mine.Content)
	assert.ErrorIs(t, err, qr.ErrUnavailable)
	assert.Equal(t, qr.StateScanned, e.status(flowID(1)).State, "the victim's session is untouched")
}
