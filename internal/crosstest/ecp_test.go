package crosstest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/signature"
)

// TestECPOnceAcrossInstances: an ECP challenge issued by A is signed and
// finished on B; the same signature is then refused everywhere — by
// either engine, by either factor directly (the challenge is spent), and
// in a fresh flow (it signs another challenge).
func TestECPOnceAcrossInstances(t *testing.T) { ecpOnceAcrossInstances(t, newPair) }

func ecpOnceAcrossInstances(t *testing.T, newPair pairMaker) {
	p := newPair(t)
	flow := p.a.start(t, "login", "")
	ch, err := p.a.begin(flow, auth.KindECP)
	require.NoError(t, err)
	answer := p.sign(p.pki.Individual, ch)

	out, err := p.b.finish(flow, auth.KindECP, answer)
	require.NoError(t, err, "issued by A, accepted by B")
	require.True(t, out.Decision.Allowed)
	assert.Equal(t, "alice", out.Result.Subject)
	assert.Contains(t, out.Result.AMR, auth.AMRSmartCard)

	for _, in := range []*instance{p.a, p.b} {
		_, err := in.finish(flow, auth.KindECP, answer)
		assert.ErrorIs(t, err, auth.ErrFlowCompleted, "replay through %s's engine", in.name)
		err = in.factorFinish(t, flow, auth.KindECP, answer, p.clock.Now())
		assert.ErrorIs(t, err, auth.ErrReplay, "replay straight at %s's factor: the challenge is spent", in.name)
	}
	flow2 := p.b.start(t, "login", "")
	_, err = p.b.begin(flow2, auth.KindECP)
	require.NoError(t, err)
	_, err = p.a.finish(flow2, auth.KindECP, answer)
	assert.ErrorIs(t, err, auth.ErrVerification, "a signature over one challenge does not answer another")
	assert.ErrorIs(t, err, signature.ErrDigestMismatch)
	assert.Equal(t, int32(1), p.winsOf(auth.KindECP).Load())
}

// TestECPRaceAcrossInstances: 40 requests with the one valid signature,
// split across both instances and all past the engines' flow checks: the
// challenge is consumed once, one request wins.
func TestECPRaceAcrossInstances(t *testing.T) { ecpRaceAcrossInstances(t, newPair) }

func ecpRaceAcrossInstances(t *testing.T, newPair pairMaker) {
	p := newPair(t)
	flow := p.b.start(t, "login", "")
	ch, err := p.a.begin(flow, auth.KindECP)
	require.NoError(t, err)

	res := p.race(same(40, flow, auth.KindECP, p.sign(p.pki.Individual, ch)))
	p.oneWon(res, auth.KindECP, auth.ErrReplay) // the others find the challenge spent
}

// TestECPOpensSMSGateAcrossInstances: a signature verified by B is the
// strong factor that lets A send a code, which B then accepts: the SMS
// gate reads the evidence the other instance recorded.
func TestECPOpensSMSGateAcrossInstances(t *testing.T) { ecpOpensSMSGateAcrossInstances(t, newPair) }

func ecpOpensSMSGateAcrossInstances(t *testing.T, newPair pairMaker) {
	p := newPair(t)
	flow := p.a.start(t, "sign-document", "alice")
	_, err := p.b.begin(flow, auth.KindSMS)
	require.ErrorIs(t, err, auth.ErrGate, "no code before a strong factor")

	ch, err := p.a.begin(flow, auth.KindECP)
	require.NoError(t, err)
	out, err := p.b.finish(flow, auth.KindECP, p.sign(p.pki.Individual, ch))
	require.NoError(t, err)
	require.False(t, out.Decision.Allowed)

	_, err = p.a.begin(flow, auth.KindSMS)
	require.NoError(t, err, "A sees the signature B verified")
	out, err = p.b.finish(flow, auth.KindSMS, codeInput(p.lastCode()))
	require.NoError(t, err)
	require.True(t, out.Decision.Allowed)
	assert.Equal(t, "strong-mfa", out.Result.ACR)
}
