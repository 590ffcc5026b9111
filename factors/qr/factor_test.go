package qr_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	qrfactor "github.com/strongauth/strongauth/factors/qr"
	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/qr/phone"
)

func TestLoginWithQR(t *testing.T) {
	h := newHost(t)
	alice := h.phone("alice", "Alice's iPhone")
	b := h.start("login", "")
	first := h.beginQR(b)

	// The browser fetches the current frame each second.
	h.clock.Advance(time.Second)
	st := h.status(b, "")
	assert.Equal(t, qr.StatePending, st.State)
	assert.Equal(t, 1, st.T)
	assert.NotEqual(t, first, st.Content)

	// The image the browser shows decodes to the same content.
	img := h.get(b, "/frame.png")
	require.Equal(t, http.StatusOK, img.StatusCode)
	assert.Equal(t, "image/png", img.Header.Get("Content-Type"))
	assert.Equal(t, "no-store", img.Header.Get("Cache-Control"))
	assert.Equal(t, st.Content, decodePNG(t, img.Body))
	svg := h.get(b, "/frame.svg")
	assert.Equal(t, "image/svg+xml", svg.Header.Get("Content-Type"))

	// Scan: the phone sees who asks, and three numbers.
	scan, err := alice.Scan(ctx, st.Content)
	require.NoError(t, err)
	assert.Equal(t, qr.Details{Service: "eGov.kz", Action: "login", ActionText: "Sign in", Browser: "Chrome", OS: "Windows",
		IP: "203.0.113.7", Location: "Almaty, KZ", Time: h.clock.Now().Add(-time.Second), ExpiresAt: scan.Shown.ExpiresAt,
		Device: "Alice's iPhone"}, scan.Shown)
	st = h.status(b, "")
	assert.Equal(t, qr.StateScanned, st.State)
	assert.Contains(t, scan.Numbers, st.Number)
	conflict := h.get(b, "/frame.png")
	assert.Equal(t, http.StatusConflict, conflict.StatusCode, "no frame once scanned")

	// Completion before the approval fails and changes nothing.
	_, err = h.finish(b)
	assert.ErrorIs(t, err, auth.ErrVerification)
	assert.ErrorIs(t, err, qr.ErrPending)

	require.NoError(t, alice.Approve(ctx, scan, st.Number))
	assert.Equal(t, qr.StateApproved, h.status(b, "?after=scanned&wait=1").State)

	out, err := h.finish(b)
	require.NoError(t, err)
	require.NotNil(t, out.Result)
	assert.Equal(t, "alice", out.Result.Subject)
	assert.Equal(t, "strong", out.Result.ACR)
	assert.ElementsMatch(t, []string{auth.AMRMCA, auth.AMRHardware, auth.AMRUser}, out.Result.AMR)
	ev, ok := out.Flow.EvidenceOf(auth.KindQR)
	require.True(t, ok)
	assert.Equal(t, auth.Strong, ev.Strength)
	assert.Equal(t, map[string]string{"device": alice.Device, "device_name": "Alice's iPhone"}, ev.Attributes)

	// The flow is complete: no second redemption.
	_, err = h.finish(b)
	assert.ErrorIs(t, err, auth.ErrFlowCompleted)
}

func decodePNG(t *testing.T, r io.Reader) string {
	t.Helper()
	img, err := png.Decode(r)
	require.NoError(t, err)
	text, err := phone.DecodeImage(img)
	require.NoError(t, err)
	return text
}

func TestEnrolmentGate(t *testing.T) {
	h := newHost(t)
	now := h.clock.Now()
	strong := auth.Evidence{Kind: auth.KindWebAuthn, Strength: auth.Strong, Subject: "alice", Time: now,
		AMR: []string{auth.AMRHardware, auth.AMRUser}}
	cases := map[string][]auth.Evidence{
		"none":          nil,
		"weak":          {{Kind: auth.KindSMS, Strength: auth.Weak, Subject: "alice", Time: now, AMR: []string{auth.AMRSMS}}},
		"other subject": {withSubject(strong, "bob")},
		"too old":       {withTime(strong, now.Add(-5*time.Minute-time.Second))},
		"future":        {withTime(strong, now.Add(time.Hour))},
		// A host cannot promote evidence by its Strength field: the AMR decide.
		"promoted sms": {{Kind: auth.KindSMS, Strength: auth.Strong, Subject: "alice", Time: now, AMR: []string{auth.AMRSMS, auth.AMRHardware, auth.AMRUser}}},
	}
	for name, ev := range cases {
		_, err := h.factor.BeginEnrol(ctx, "alice", ev)
		assert.ErrorIs(t, err, auth.ErrGate, name)
		assert.ErrorIs(t, err, qrfactor.ErrEnrolGate, name)
		assert.Equal(t, "factor_not_allowed", auth.Code(err), name)
	}
	_, err := h.factor.BeginEnrol(ctx, "", []auth.Evidence{withSubject(strong, "")})
	assert.ErrorIs(t, err, auth.ErrGate)
	ch, err := h.factor.BeginEnrol(ctx, "alice", []auth.Evidence{withTime(strong, now.Add(-5*time.Minute))})
	require.NoError(t, err)
	assert.NotEmpty(t, ch.Challenge)

	// FinishEnrol checks the gate again: the evidence aged meanwhile.
	h.clock.Advance(time.Second)
	_, err = h.factor.FinishEnrol(ctx, "alice", []auth.Evidence{withTime(strong, now.Add(-5*time.Minute))}, []byte("{}"))
	assert.ErrorIs(t, err, auth.ErrGate)
}

func withSubject(e auth.Evidence, s string) auth.Evidence { e.Subject = s; return e }
func withTime(e auth.Evidence, t time.Time) auth.Evidence { e.Time = t; return e }

func TestEnrolHandler(t *testing.T) {
	h := newHost(t)
	// Without a host session: refused by the gate.
	key, err := phone.GenerateKey()
	require.NoError(t, err)
	anon := &phone.Client{Key: key, HTTP: h.srv.Client(), Now: h.clock.Now}
	err = anon.Enrol(ctx, h.srv.URL+"/qr/enrol", "phone")
	se := serverError(t, err)
	assert.Equal(t, http.StatusForbidden, se.Status)
	assert.Equal(t, "factor_not_allowed", se.Code)

	cookie := "host-session=" + h.signIn("alice")
	// Another site cannot post: no JSON without a preflight, and Fetch
	// metadata says cross-site.
	r := h.post("/qr/enrol/begin", "text/plain", "{}", "Cookie", cookie)
	assert.Equal(t, http.StatusBadRequest, r.StatusCode)
	assert.Equal(t, "invalid_input", errorBody(t, r).Code)
	r = h.post("/qr/enrol/begin", "application/json", "{}", "Cookie", cookie, "Sec-Fetch-Site", "cross-site")
	assert.Equal(t, http.StatusBadRequest, r.StatusCode)

	// Five minutes after the sign-in, the session no longer enrols.
	h.clock.Advance(5*time.Minute + time.Second)
	late := &phone.Client{Key: key, HTTP: h.srv.Client(), Now: h.clock.Now, Header: http.Header{"Cookie": {cookie}}}
	assert.Equal(t, "factor_not_allowed", serverError(t, late.Enrol(ctx, h.srv.URL+"/qr/enrol", "phone")).Code)

	p := h.phone("alice", "Pixel")
	ds, err := h.svc.Devices(ctx, "alice")
	require.NoError(t, err)
	require.Len(t, ds, 1)
	assert.Equal(t, p.Device, ds[0].ID)
	assert.Equal(t, "Pixel", ds[0].Name)
}

func TestStaleAndForgedFramesOverHTTP(t *testing.T) {
	h := newHost(t)
	alice := h.phone("alice", "phone")
	b := h.start("login", "")
	content := h.beginQR(b)
	h.clock.Advance(4 * time.Second)
	alice.Lang = "ru"
	_, err := alice.Scan(ctx, content)
	se := serverError(t, err)
	assert.Equal(t, http.StatusGone, se.Status)
	assert.Equal(t, "expired", se.Code)
	assert.Equal(t, "stale_frame", se.Reason)
	assert.Equal(t, auth.MessageForCode("expired", "ru"), se.Message)

	fr, err := qr.ParseFrame(h.status(b, "").Content)
	require.NoError(t, err)
	fr.MAC[0] ^= 0x80
	_, err = alice.Scan(ctx, fr.Content())
	se = serverError(t, err)
	assert.Equal(t, http.StatusUnauthorized, se.Status)
	assert.Equal(t, "forged_frame", se.Reason)
	assert.Equal(t, qr.StatePending, h.status(b, "").State)
}

func TestSecondDeviceAndWrongNumber(t *testing.T) {
	h := newHost(t)
	alice, other := h.phone("alice", "phone"), h.phone("bob", "phone")
	b := h.start("login", "")
	content := h.beginQR(b)
	scan, err := alice.Scan(ctx, content)
	require.NoError(t, err)
	_, err = other.Scan(ctx, content)
	assert.Equal(t, "other_device", serverError(t, err).Reason)

	n := h.status(b, "").Number
	wrong := scan.Numbers[0]
	if wrong == n {
		wrong = scan.Numbers[1]
	}
	se := serverError(t, alice.Approve(ctx, scan, wrong))
	assert.Equal(t, "wrong_number", se.Reason)
	assert.Equal(t, http.StatusUnauthorized, se.Status)
	assert.Equal(t, "session_failed", serverError(t, alice.Approve(ctx, scan, n)).Reason, "no second try")
	assert.Equal(t, qr.StateFailed, h.status(b, "").State)
	_, err = h.finish(b)
	assert.ErrorIs(t, err, qr.ErrFailed)

	// A new QR session in the same flow starts afresh.
	scan, err = alice.Scan(ctx, h.beginQR(b))
	require.NoError(t, err)
	require.NoError(t, alice.Approve(ctx, scan, h.status(b, "").Number))
	out, err := h.finish(b)
	require.NoError(t, err)
	assert.NotNil(t, out.Result)
}

func TestApprovalByAnotherDeviceAndReplay(t *testing.T) {
	h := newHost(t)
	alice, tablet := h.phone("alice", "phone"), h.phone("alice", "tablet")
	b := h.start("login", "")
	scan, err := alice.Scan(ctx, h.beginQR(b))
	require.NoError(t, err)
	n := h.status(b, "").Number
	assert.Equal(t, "other_device", serverError(t, tablet.Approve(ctx, scan, n)).Reason)
	impostor := *tablet
	impostor.Device = alice.Device
	assert.Equal(t, "signature", serverError(t, impostor.Approve(ctx, scan, n)).Reason)

	require.NoError(t, alice.Approve(ctx, scan, n))
	se := serverError(t, alice.Approve(ctx, scan, n))
	assert.Equal(t, http.StatusConflict, se.Status)
	assert.Equal(t, "replayed", se.Code)
}

func TestApprovalAfterExpiry(t *testing.T) {
	h := newHost(t)
	alice := h.phone("alice", "phone")
	b := h.start("login", "")
	scan, err := alice.Scan(ctx, h.beginQR(b))
	require.NoError(t, err)
	n := h.status(b, "").Number
	h.clock.Advance(qr.DefaultTTL)
	assert.Equal(t, qr.StateExpired, h.status(b, "").State)
	se := serverError(t, alice.Approve(ctx, scan, n))
	assert.Equal(t, "session_expired", se.Reason)
	_, err = h.finish(b)
	assert.ErrorIs(t, err, auth.ErrExpired)
}

// A relayed approval cannot be redeemed from another browser: not with the
// victim's flow ID and another binding, nor through the attacker's own
// flow.
func TestRedeemOnlyByTheOriginatingBrowser(t *testing.T) {
	h := newHost(t)
	alice := h.phone("alice", "phone")
	victim := h.start("login", "")
	attacker := h.start("login", "")
	h.beginQR(attacker)
	scan, err := alice.Scan(ctx, h.beginQR(victim))
	require.NoError(t, err)

	stolen := &browser{binding: attacker.binding, flow: victim.flow}
	r := h.get(stolen, "/status")
	assert.Equal(t, http.StatusForbidden, r.StatusCode)
	body := readAll(t, r)
	assert.Contains(t, body, "binding_mismatch")
	assert.NotContains(t, body, "number", "another browser learns no number")
	assert.Equal(t, http.StatusForbidden, h.get(&browser{flow: victim.flow}, "/frame").StatusCode, "no cookie")

	require.NoError(t, alice.Approve(ctx, scan, h.status(victim, "").Number))
	_, err = h.eng.Finish(ctx, auth.StepRequest{FlowID: victim.flow.ID, Binding: attacker.binding, Kind: auth.KindQR})
	assert.ErrorIs(t, err, auth.ErrBinding)
	_, err = h.finish(attacker)
	assert.ErrorIs(t, err, qr.ErrPending, "the attacker's own session was never approved")

	out, err := h.finish(victim)
	require.NoError(t, err)
	assert.Equal(t, "alice", out.Result.Subject)
}

func TestDenyCancelsTheFlowAndReportsFraud(t *testing.T) {
	h := newHost(t)
	alice := h.phone("alice", "phone")
	b := h.start("login", "")
	scan, err := alice.Scan(ctx, h.beginQR(b))
	require.NoError(t, err)
	n := h.status(b, "").Number
	require.NoError(t, alice.Deny(ctx, scan))

	reports := h.audit.of(auth.EventFraudReported)
	require.Len(t, reports, 1)
	assert.Equal(t, auth.FlowRef(b.flow.ID), reports[0].Flow)
	assert.Equal(t, "alice", reports[0].Subject)
	assert.Equal(t, auth.KindQR, reports[0].Kind)
	assert.Equal(t, "203.0.113.7", reports[0].Attrs["ip"])
	assert.Equal(t, "Chrome", reports[0].Attrs["browser"])
	require.Len(t, h.audit.of(auth.EventFlowCancelled), 1)

	// Deny then approve: refused; the flow is over for good.
	assert.Equal(t, "denied", serverError(t, alice.Approve(ctx, scan, n)).Reason)
	_, err = h.finish(b)
	assert.ErrorIs(t, err, auth.ErrFlowCancelled)
	_, err = h.eng.Begin(ctx, h.step(b, auth.KindQR))
	assert.ErrorIs(t, err, auth.ErrFlowCancelled)
	_, err = h.eng.Begin(ctx, h.step(b, auth.KindWebAuthn))
	assert.ErrorIs(t, err, auth.ErrFlowCancelled)
	// The browser is told.
	assert.Equal(t, qr.StateDenied, h.status(b, "").State)

	// A repeated denial is accepted and not reported twice.
	require.NoError(t, alice.Deny(ctx, scan))
	assert.Len(t, h.audit.of(auth.EventFraudReported), 1)
}

type failingCanceller struct{}

func (failingCanceller) Cancel(context.Context, string, string) error {
	return errors.New("engine store down")
}

// If the flow cannot be cancelled at denial time, the phone is told to
// retry, and the browser's completion still fails with auth.ErrFraud, which
// makes the engine cancel the flow.
func TestDenyWhenCancellingFails(t *testing.T) {
	h := newHost(t, func(c *hostConfig) { c.cancel = failingCanceller{} })
	alice := h.phone("alice", "phone")
	b := h.start("login", "")
	scan, err := alice.Scan(ctx, h.beginQR(b))
	require.NoError(t, err)
	se := serverError(t, alice.Deny(ctx, scan))
	assert.Equal(t, http.StatusServiceUnavailable, se.Status)

	_, err = h.finish(b)
	assert.ErrorIs(t, err, auth.ErrFraud)
	assert.ErrorIs(t, err, qr.ErrDenied)
	_, err = h.eng.Flow(ctx, b.flow.ID, b.binding)
	assert.ErrorIs(t, err, auth.ErrFlowCancelled)
	assert.Len(t, h.audit.of(auth.EventFraudReported), 2, "one from the factor at denial, one from the engine")
}

func TestStepUpNeedsTheSameSubjectsDevice(t *testing.T) {
	h := newHost(t)
	bob := h.phone("bob", "phone")
	alice := h.phone("alice", "phone")
	b := h.start("sign-document", "alice")
	content := h.beginQR(b)
	_, err := bob.Scan(ctx, content)
	se := serverError(t, err)
	assert.Equal(t, "other_account", se.Reason)
	assert.Equal(t, "subject_mismatch", se.Code)
	scan, err := alice.Scan(ctx, content)
	require.NoError(t, err)
	assert.Equal(t, "Sign a document", scan.Shown.ActionText)
	require.NoError(t, alice.Approve(ctx, scan, h.status(b, "").Number))
	out, err := h.finish(b)
	require.NoError(t, err)
	assert.True(t, out.Decision.Allowed)
}

func TestConcurrentCompletionsRedeemOnce(t *testing.T) {
	h := newHost(t)
	alice := h.phone("alice", "phone")
	b := h.start("login", "")
	scan, err := alice.Scan(ctx, h.beginQR(b))
	require.NoError(t, err)
	require.NoError(t, alice.Approve(ctx, scan, h.status(b, "").Number))
	var wins atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if out, err := h.finish(b); err == nil && out.Result != nil {
				wins.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load())
}

func TestStatusStream(t *testing.T) {
	h := newHost(t)
	alice := h.phone("alice", "phone")
	b := h.start("login", "")
	content := h.beginQR(b)
	resp := h.get(b, "/status?wait=10", "Accept", "text/event-stream")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	events := make(chan qr.Status, 16)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var st qr.Status
				if json.Unmarshal([]byte(data), &st) == nil {
					events <- st
				}
			}
		}
	}()
	first := <-events
	assert.Equal(t, qr.StatePending, first.State)
	assert.Equal(t, content, first.Content)

	// A new second: a new frame on the stream.
	h.clock.Advance(time.Second)
	next := <-events
	assert.Equal(t, 1, next.T)

	scan, err := alice.Scan(ctx, next.Content)
	require.NoError(t, err)
	scanned := <-events
	assert.Equal(t, qr.StateScanned, scanned.State)
	require.NoError(t, alice.Approve(ctx, scan, scanned.Number))
	assert.Equal(t, qr.StateApproved, (<-events).State)
	_, open := <-events
	assert.False(t, open, "the stream ends with a final state")
}

func TestLongPollTimesOut(t *testing.T) {
	h := newHost(t)
	b := h.start("login", "")
	h.beginQR(b)
	st := h.status(b, "?after=pending&wait=0")
	assert.Equal(t, qr.StatePending, st.State)
}

func TestPhoneRequestValidation(t *testing.T) {
	h := newHost(t)
	r := h.post("/qr/phone/scan", "text/plain", "{}")
	assert.Equal(t, http.StatusBadRequest, r.StatusCode)
	eb := errorBody(t, r)
	assert.Equal(t, "invalid_input", eb.Code)
	assert.Equal(t, "malformed", eb.Reason)
	r = h.post("/qr/phone/approve", "application/json", strings.Repeat("x", qr.MaxEnvelope+10))
	assert.Equal(t, http.StatusBadRequest, r.StatusCode)
	r = h.post("/qr/phone/deny", "application/json", `{"doc":"strongauth-qr/1\ntype=deny\n","sig":"AAAAAAAAAAA"}`)
	assert.Equal(t, http.StatusBadRequest, r.StatusCode)
	r, err := http.Get(h.srv.URL + "/qr/phone/scan")
	require.NoError(t, err)
	r.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, r.StatusCode)
}

func TestPerIPBudgetOverTheEngine(t *testing.T) {
	h := newHost(t, func(c *hostConfig) { c.qr = func(q *qr.Config) { q.PerIP = 2 } })
	for range 2 {
		h.beginQR(h.start("login", ""))
	}
	_, err := h.eng.Begin(ctx, h.step(h.start("login", ""), auth.KindQR))
	assert.ErrorIs(t, err, auth.ErrRateLimited)
	var ra auth.RetryAfter
	require.ErrorAs(t, err, &ra)
	assert.Equal(t, qr.DefaultIPWindow, ra.RetryAfter())
}

// Nothing secret reaches the handlers' logs: not the session token, the
// frame's MAC, the binding, the numbers' context or a signature.
func TestLogsCarryNoSecrets(t *testing.T) {
	h := newHost(t)
	alice, bob := h.phone("alice", "phone"), h.phone("bob", "phone")
	b := h.start("login", "")
	content := h.beginQR(b)
	fr, err := qr.ParseFrame(content)
	require.NoError(t, err)
	h.clock.Advance(5 * time.Second)
	_, _ = alice.Scan(ctx, content) // stale: logged
	cur := h.status(b, "").Content
	scan, err := alice.Scan(ctx, cur)
	require.NoError(t, err)
	_, _ = bob.Scan(ctx, cur) // other device: logged
	n := h.status(b, "").Number
	wrong := scan.Numbers[0]
	if wrong == n {
		wrong = scan.Numbers[1]
	}
	_ = alice.Approve(ctx, scan, wrong) // logged
	_ = h.get(&browser{binding: "x" + b.binding, flow: b.flow}, "/status")
	logs := h.logs.String()
	require.Contains(t, logs, "stale_frame", "the failures were logged")
	require.Contains(t, logs, "wrong_number")
	for _, secret := range []string{fr.Token, content[len(content)-64:], cur[len(cur)-64:], b.binding,
		"number=" + strconv.Itoa(wrong), fmt.Sprintf(`"number":%d`, n)} {
		assert.NotContains(t, logs, secret)
	}
	// The audit events neither.
	ev, _ := json.Marshal(h.audit.events)
	for _, secret := range []string{fr.Token, b.binding, b.flow.ID} {
		assert.False(t, bytes.Contains(ev, []byte(secret)))
	}
}

func TestClassify(t *testing.T) {
	for err, code := range map[error]string{
		qr.ErrStaleFrame:      "expired",
		qr.ErrFutureFrame:     "expired",
		qr.ErrForgedFrame:     "verification_failed",
		qr.ErrSignature:       "verification_failed",
		qr.ErrWrongNumber:     "verification_failed",
		qr.ErrOtherDevice:     "verification_failed",
		qr.ErrReplay:          "replayed",
		qr.ErrDenied:          "fraud_reported",
		qr.ErrBinding:         "binding_mismatch",
		qr.ErrWrongSubject:    "subject_mismatch",
		qr.ErrMalformed:       "invalid_input",
		qr.ErrUnavailable:     "unavailable",
		qr.ErrChallenge:       "replayed",
		qr.ErrUnknownDevice:   "verification_failed",
		qrfactor.ErrEnrolGate: "factor_not_allowed",
		&qr.RateLimitError{}:  "rate_limited",
	} {
		c := qrfactor.Classify(err)
		assert.Equal(t, code, auth.Code(c), err.Error())
		assert.ErrorIs(t, c, err)
	}
	assert.NoError(t, qrfactor.Classify(nil))
}

func TestConfigValidation(t *testing.T) {
	_, err := qrfactor.New(qrfactor.Config{})
	assert.ErrorIs(t, err, auth.ErrConfig)
	h := newHost(t)
	_, err = qrfactor.New(qrfactor.Config{Service: h.svc, EnrolMaxAge: time.Hour})
	assert.ErrorIs(t, err, auth.ErrConfig)
	_, err = h.factor.PhoneHandler(qrfactor.PhoneConfig{})
	assert.ErrorIs(t, err, auth.ErrConfig)
	_, err = h.factor.EnrolHandler(qrfactor.EnrolConfig{})
	assert.ErrorIs(t, err, auth.ErrConfig)
	_, err = h.factor.BrowserHandler(qrfactor.BrowserConfig{Scale: 100})
	assert.ErrorIs(t, err, auth.ErrConfig)
}
