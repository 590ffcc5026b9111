package qr_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/signature/devpki"
)

// TestAbandon: "choose another way" ends the flow's session: the code no
// longer scans, a scanned session no longer approves, an approval is never
// redeemed; another browser cannot abandon it; a new Begin for the flow
// works; and a flow without a session abandons quietly.
func TestAbandon(t *testing.T) {
	e := newEnv(t)
	alice := e.enrol("alice", "Alice's phone")

	// Pending: the shown code stops working.
	flow := flowID(1)
	s := e.begin(flow)
	require.ErrorIs(t, e.svc.Abandon(ctx, flow, binding(flowID(2))), qr.ErrBinding, "another browser")
	assert.Equal(t, qr.StatePending, e.status(flow).State, "untouched by the other browser")
	require.NoError(t, e.svc.Abandon(ctx, flow, binding(flow)))
	_, err := e.scan(alice, s.Content)
	assert.ErrorIs(t, err, qr.ErrNoSession)
	_, err = e.svc.Status(ctx, flow, binding(flow))
	assert.ErrorIs(t, err, qr.ErrNoSession)
	require.NoError(t, e.svc.Abandon(ctx, flow, binding(flow)), "idempotent")

	// The flow may show a new code, which works.
	res := e.scanned(alice, flow)
	number := e.status(flow).Number
	require.NoError(t, e.svc.Abandon(ctx, flow, binding(flow)))
	assert.ErrorIs(t, e.approve(alice, res, number), qr.ErrNoSession, "scanned, then abandoned")

	// Approved but not redeemed: never redeemed.
	res = e.scanned(alice, flow)
	require.NoError(t, e.approve(alice, res, e.status(flow).Number))
	require.NoError(t, e.svc.Abandon(ctx, flow, binding(flow)))
	_, err = e.svc.Redeem(ctx, flow, binding(flow), time.Time{})
	assert.ErrorIs(t, err, qr.ErrNoSession)

	require.NoError(t, e.svc.Abandon(ctx, flowID(99), binding(flowID(99))), "no session at all")
	require.NoError(t, e.svc.Abandon(ctx, "", binding(flow)), "no flow")
}

// TestAbandonRacesApproval: whichever of the phone's approval and the
// browser's abandonment comes first, once Abandon has returned the
// session is never redeemed.
func TestAbandonRacesApproval(t *testing.T) {
	e := newEnv(t)
	alice := e.enrol("alice", "phone")
	for i := range 20 {
		flow := flowID(100 + i)
		res := e.scanned(alice, flow)
		body := e.body(alice, qr.Document{Type: qr.DocApprove, Session: res.Session, Number: e.status(flow).Number,
			Action: qr.DetailsDigest(res.Details)})
		var wg sync.WaitGroup
		var approveErr, abandonErr error
		start := make(chan struct{})
		wg.Go(func() { <-start; approveErr = e.svc.Approve(ctx, body) })
		wg.Go(func() { <-start; abandonErr = e.svc.Abandon(ctx, flow, binding(flow)) })
		close(start)
		wg.Wait()
		require.NoError(t, abandonErr)
		if approveErr != nil {
			assert.ErrorIs(t, approveErr, qr.ErrNoSession)
		}
		_, err := e.svc.Redeem(ctx, flow, binding(flow), time.Time{})
		assert.ErrorIs(t, err, qr.ErrNoSession, "round %d", i)
	}
}

// TestAbandonMobileSign: in mode B, abandoning closes the app's URLs too:
// an app that had not opened the code yet, or had fetched the document,
// cannot go on, and nothing is redeemed.
func TestAbandonMobileSign(t *testing.T) {
	m := newMobileEnv(t, devpki.GOST2015)
	flow := flowID(7)
	s := m.beginMobile(flow)
	require.NoError(t, m.svc.Abandon(ctx, flow, binding(flow)))
	_, err := m.svc.MobileAPI1(ctx, m.token(s), "en")
	assert.ErrorIs(t, err, qr.ErrNoSession)

	s = m.beginMobile(flow)
	m.fetch(s)
	require.NoError(t, m.svc.Abandon(ctx, flow, binding(flow)))
	_, err = m.submit(s, m.sign(m.pki.Individual, m.challenge(s), false))
	assert.ErrorIs(t, err, qr.ErrNoSession)
	_, err = m.redeem(flow)
	assert.ErrorIs(t, err, qr.ErrNoSession)
}
