package crosstest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/passkey"
)

// TestWebAuthnOnceAcrossInstances: a credential registered through B is
// found by A; a login begun on A is finished on B; the same assertion is
// then refused everywhere — by either engine, by either factor directly,
// and in a fresh flow (another challenge).
func TestWebAuthnOnceAcrossInstances(t *testing.T) { webAuthnOnceAcrossInstances(t, newPair) }

func webAuthnOnceAcrossInstances(t *testing.T, newPair pairMaker) {
	p := newPair(t)
	ctx := context.Background()
	d := p.enrol("alice")
	list, err := p.a.creds.List(ctx, "alice")
	require.NoError(t, err)
	require.Len(t, list, 1, "A lists the credential B registered")

	flow := p.a.start(t, "login", "") // a discoverable login: the passkey names the account
	ch, err := p.a.begin(flow, auth.KindWebAuthn)
	require.NoError(t, err)
	answer := p.answer(d, ch)
	out, err := p.b.finish(flow, auth.KindWebAuthn, answer)
	require.NoError(t, err, "begun on A, finished on B")
	require.True(t, out.Decision.Allowed)
	require.NotNil(t, out.Result)
	assert.Equal(t, "alice", out.Result.Subject)
	assert.Subset(t, out.Result.AMR, []string{auth.AMRHardware, auth.AMRUser})

	for _, in := range []*instance{p.a, p.b} {
		_, err := in.finish(flow, auth.KindWebAuthn, answer)
		assert.ErrorIs(t, err, auth.ErrFlowCompleted, "replay through %s's engine", in.name)
		err = in.factorFinish(t, flow, auth.KindWebAuthn, answer, p.clock.Now())
		assert.ErrorIs(t, err, passkey.ErrNoCeremony, "replay straight at %s's factor: the challenge is spent", in.name)
		assert.ErrorIs(t, err, auth.ErrReplay)
	}
	flow2 := p.b.start(t, "login", "")
	_, err = p.b.begin(flow2, auth.KindWebAuthn)
	require.NoError(t, err)
	_, err = p.a.finish(flow2, auth.KindWebAuthn, answer)
	assert.ErrorIs(t, err, passkey.ErrChallenge, "an old assertion does not answer a new challenge")
	assert.Equal(t, int32(1), p.winsOf(auth.KindWebAuthn).Load())

	c, err := p.a.creds.Find(ctx, list[0].ID)
	require.NoError(t, err)
	assert.Equal(t, d.cred.Counter, c.SignCount, "A reads the counter B's login recorded")
	assert.True(t, c.LastUsedAt.Equal(p.clock.Now()))
}

// TestWebAuthnRaceAcrossInstances: 50 requests with the one valid
// assertion, split across both instances and all past the engines' flow
// checks: the challenge is consumed once, one request wins.
func TestWebAuthnRaceAcrossInstances(t *testing.T) { webAuthnRaceAcrossInstances(t, newPair) }

func webAuthnRaceAcrossInstances(t *testing.T, newPair pairMaker) {
	p := newPair(t)
	d := p.enrol("alice")
	flow := p.b.start(t, "login", "alice")
	ch, err := p.a.begin(flow, auth.KindWebAuthn)
	require.NoError(t, err)

	res := p.race(same(50, flow, auth.KindWebAuthn, p.answer(d, ch)))
	p.oneWon(res, auth.KindWebAuthn, passkey.ErrNoCeremony) // the others find the challenge spent
}

// TestClonedAuthenticatorAcrossInstances: ten logins in ten flows, begun
// on both instances and answered by clones of one authenticator with the
// same signature counter, race to the credential store: the counter
// advances once, one login passes and nine are refused as clones.
func TestClonedAuthenticatorAcrossInstances(t *testing.T) {
	clonedAuthenticatorAcrossInstances(t, newPair)
}

func clonedAuthenticatorAcrossInstances(t *testing.T, newPair pairMaker) {
	p := newPair(t)
	d := p.enrol("alice")
	d.cred.Counter = 41
	var attempts []attempt
	for i := range 10 {
		flow := p.on(i).start(t, "login", "alice")
		ch, err := p.on(i+1).begin(flow, auth.KindWebAuthn)
		require.NoError(t, err)
		attempts = append(attempts, attempt{flow, auth.KindWebAuthn, p.answerAgain(d, ch)})
	}

	res := p.race(attempts)
	assert.Equal(t, int32(1), res.ok)
	require.Len(t, res.errs, 9)
	for _, err := range res.errs {
		assert.ErrorIs(t, err, passkey.ErrCounterRegression)
	}
	list, err := p.b.creds.List(context.Background(), "alice")
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, uint32(41), list[0].SignCount)
}
