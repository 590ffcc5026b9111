package crosstest_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	qrfactor "github.com/strongauth/strongauth/factors/qr"
	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/qr/phone"
)

// TestQROnceAcrossInstances: a phone enrolled through B is known to A; a
// QR login begun on A is scanned through B, approved through A with the
// number A's browser shows, and redeemed on B. The approval is then
// refused through B, and the redemption is refused everywhere.
func TestQROnceAcrossInstances(t *testing.T) { qrOnceAcrossInstances(t, newPair) }

func qrOnceAcrossInstances(t *testing.T, newPair pairMaker) {
	p := newPair(t)
	ctx := context.Background()
	ph := p.phone("alice")
	ds, err := p.a.devices.List(ctx, "alice")
	require.NoError(t, err)
	require.Len(t, ds, 1, "A lists the phone B enrolled")

	flow := p.a.start(t, "login", "")
	ch, err := p.a.begin(flow, auth.KindQR)
	require.NoError(t, err)
	scanned, err := at(ph, p.b).Scan(ctx, ch.Data.(qrfactor.Begun).Content)
	require.NoError(t, err, "a code shown by A, scanned through B")
	n := p.number(p.a, flow)
	require.NoError(t, at(ph, p.a).Approve(ctx, scanned, n), "approved through A")
	err = at(ph, p.b).Approve(ctx, scanned, n)
	var se *phone.ServerError
	require.ErrorAs(t, err, &se, "the same approval again, through B")
	assert.Equal(t, http.StatusConflict, se.Status)
	assert.Equal(t, "replayed", se.Code)

	out, err := p.b.finish(flow, auth.KindQR, nil)
	require.NoError(t, err, "redeemed on B")
	require.True(t, out.Decision.Allowed)
	assert.Equal(t, "alice", out.Result.Subject)
	assert.Subset(t, out.Result.AMR, []string{auth.AMRMCA, auth.AMRHardware, auth.AMRUser})

	for _, in := range []*instance{p.a, p.b} {
		_, err := in.finish(flow, auth.KindQR, nil)
		assert.ErrorIs(t, err, auth.ErrFlowCompleted, "replay through %s's engine", in.name)
		err = in.factorFinish(t, flow, auth.KindQR, nil, p.clock.Now())
		assert.ErrorIs(t, err, qr.ErrNoSession, "replay straight at %s's factor: the session is spent", in.name)
	}
	assert.Equal(t, int32(1), p.winsOf(auth.KindQR).Load())
	d, err := p.b.devices.Get(ctx, ph.Device)
	require.NoError(t, err)
	assert.True(t, d.LastUsed.Equal(p.clock.Now()), "B reads the use A's approval recorded")
}

// TestQRRaceAcrossInstances: 20 approvals of one scanned session race
// through both instances' phone APIs, one is accepted; then 40 browser
// requests redeem the approval on both instances, all past the engines'
// flow checks, one wins.
func TestQRRaceAcrossInstances(t *testing.T) { qrRaceAcrossInstances(t, newPair) }

func qrRaceAcrossInstances(t *testing.T, newPair pairMaker) {
	p := newPair(t)
	ctx := context.Background()
	ph := p.phone("alice")
	flow := p.b.start(t, "login", "")
	ch, err := p.a.begin(flow, auth.KindQR)
	require.NoError(t, err)
	scanned, err := at(ph, p.a).Scan(ctx, ch.Data.(qrfactor.Begun).Content)
	require.NoError(t, err)
	n := p.number(p.b, flow)

	var (
		wg       sync.WaitGroup
		approved atomic.Int32
		start    = make(chan struct{})
	)
	for i := range 20 {
		c := at(ph, p.on(i))
		wg.Go(func() {
			<-start
			err := c.Approve(ctx, scanned, n)
			var se *phone.ServerError
			switch {
			case err == nil:
				approved.Add(1)
			case errors.As(err, &se) && se.Code == "replayed":
			default:
				t.Errorf("approve: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	assert.Equal(t, int32(1), approved.Load(), "one approval accepted across both")

	res := p.race(same(40, flow, auth.KindQR, nil))
	p.oneWon(res, auth.KindQR, qr.ErrReplay, qr.ErrNoSession) // the session consumed, then gone
}
