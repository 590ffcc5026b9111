package redis_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/auth/authtest"
	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/redis"
	"github.com/strongauth/strongauth/store/redis/redistest"
)

// Two engines on one Redis server, each with its own client, store and
// factor objects, as two instances of a service behind a load balancer.
// The factors are the fakes of auth/authtest: these tests are about the
// engine's flows on the Store. The real factors — one-time codes, their
// attempt limits and send budgets, WebAuthn challenges — are proved
// across instances in internal/crosstest.

const binding = "browser-secret-0123456789abcdef"

type instance struct {
	eng     *auth.Engine
	store   *redis.Store
	ecp     *authtest.Factor
	passkey *authtest.Factor
	sms     *authtest.Factor
}

type cluster struct {
	a, b    *instance
	srv     *redistest.Server
	clock   *fakeclock.Clock
	entered atomic.Int32 // passkey Finish calls in progress or done, on both
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	c := &cluster{srv: redistest.Start(t), clock: fakeclock.New(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))}
	ns := redistest.Namespace(t)
	c.a, c.b = c.instance(t, ns), c.instance(t, ns)
	return c
}

func (c *cluster) instance(t *testing.T, ns string) *instance {
	t.Helper()
	return newInstance(t, c.srv.Client(t), ns, c.clock, &c.entered, 0)
}

// newInstance makes an instance on client: an engine on a Store (waiting
// for wait replicas, if positive) with the authtest fakes, the passkey
// one counting its Finish calls in entered.
func newInstance(t *testing.T, client goredis.UniversalClient, ns string, clock *fakeclock.Clock, entered *atomic.Int32, wait int) *instance {
	t.Helper()
	st, err := redis.New(redis.Config{Client: client, Namespace: ns, WaitReplicas: wait})
	require.NoError(t, err)
	in := &instance{
		store:   st,
		ecp:     authtest.Strong(auth.KindECP),
		passkey: authtest.Strong(auth.KindWebAuthn),
		sms:     authtest.Weak(auth.KindSMS),
	}
	eng, err := auth.New(auth.Config{
		Store:    in.store,
		Factors:  []auth.Factor{in.ecp, in.sms, &observed{Factor: in.passkey, entered: entered}},
		Policies: []auth.Policy{{Action: "login", Rule: mustRule(t, "(ecp & sms) | webauthn")}},
		Now:      clock.Now,
	})
	require.NoError(t, err)
	in.eng = eng
	return in
}

func mustRule(t *testing.T, s string) auth.Expr {
	e, err := auth.ParseRule(s)
	require.NoError(t, err)
	return e
}

func (in *instance) begin(ctx context.Context, f *auth.Flow, k auth.Kind) error {
	_, err := in.eng.Begin(ctx, auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: k})
	return err
}

func (in *instance) finish(ctx context.Context, f *auth.Flow, k auth.Kind, input json.RawMessage) (*auth.Outcome, error) {
	return in.eng.Finish(ctx, auth.StepRequest{FlowID: f.ID, Binding: binding, Kind: k, Input: input})
}

// observed counts the Finish calls that reached the factor.
type observed struct {
	*authtest.Factor
	entered *atomic.Int32
}

func (o *observed) Finish(ctx context.Context, req *auth.FinishRequest) (*auth.Proof, error) {
	o.entered.Add(1)
	return o.Factor.Finish(ctx, req)
}

func (c *cluster) start(t *testing.T, on *instance) *auth.Flow {
	t.Helper()
	f, err := on.eng.Start(context.Background(), auth.StartRequest{Action: "login", Binding: binding})
	require.NoError(t, err)
	return f
}

// storedFlow reads a flow as the engines store it (in any state).
func storedFlow(t *testing.T, in *instance, id string) *auth.Flow {
	t.Helper()
	f, err := in.eng.Inspect(context.Background(), id, binding)
	require.NoError(t, err)
	return f
}

// TestFlowMovesBetweenEngines: a flow started on one instance is continued
// on the other step by step, and once redeemed it is refused on both.
func TestFlowMovesBetweenEngines(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	f := c.start(t, c.a)

	require.NoError(t, c.b.begin(ctx, f, auth.KindECP))
	out, err := c.a.finish(ctx, f, auth.KindECP, authtest.OK("alice"))
	require.NoError(t, err)
	require.False(t, out.Decision.Allowed, "ECP alone does not satisfy (ecp & sms) | webauthn")
	assert.Equal(t, int64(1), c.a.ecp.Finishes())

	require.NoError(t, c.b.begin(ctx, f, auth.KindSMS), "B sees the strong factor A recorded: the SMS gate opens")
	out, err = c.b.finish(ctx, f, auth.KindSMS, authtest.OK("alice"))
	require.NoError(t, err)
	require.True(t, out.Decision.Allowed)
	require.NotNil(t, out.Result)
	assert.Equal(t, "alice", out.Result.Subject)
	assert.Equal(t, "strong-mfa", out.Result.ACR)

	for name, in := range map[string]*instance{"a": c.a, "b": c.b} {
		_, err := in.finish(ctx, f, auth.KindSMS, authtest.OK("alice"))
		assert.ErrorIs(t, err, auth.ErrFlowCompleted, "redeemed flow finished again on %s", name)
		_, err = in.eng.Decide(ctx, f.ID, binding)
		assert.ErrorIs(t, err, auth.ErrFlowCompleted, "redeemed flow decided again on %s", name)
		err = in.begin(ctx, f, auth.KindWebAuthn)
		assert.ErrorIs(t, err, auth.ErrFlowCompleted, "redeemed flow begun again on %s", name)
	}
	_, err = c.b.eng.Flow(ctx, f.ID, "another-browser-secret-0123456789")
	assert.ErrorIs(t, err, auth.ErrBinding, "the binding holds across instances")
}

// TestConcurrentFinishAcrossEngines: 100 requests finishing the same step,
// split across both instances, all past their flow checks before any
// writes: the evidence is recorded once and the flow redeemed once.
func TestConcurrentFinishAcrossEngines(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	f := c.start(t, c.a)
	require.NoError(t, c.b.begin(ctx, f, auth.KindWebAuthn))
	gate := make(chan struct{})
	c.a.passkey.Gate, c.b.passkey.Gate = gate, gate

	const racers = 100
	var (
		wg                    sync.WaitGroup
		wins, results, denied atomic.Int32
		unexpected            = make(chan error, racers)
	)
	for i := range racers {
		in := c.a
		if i%2 == 1 {
			in = c.b
		}
		wg.Go(func() {
			out, err := in.finish(ctx, f, auth.KindWebAuthn, authtest.OK("alice"))
			switch {
			case err == nil:
				wins.Add(1)
				if out.Result != nil {
					results.Add(1)
				}
			case errors.Is(err, auth.ErrAlreadyCompleted), errors.Is(err, auth.ErrFlowCompleted):
				denied.Add(1)
			default:
				unexpected <- err
			}
		})
	}
	// Release the factors only when every request has loaded the flow and
	// is inside Finish: all 100 then race on the write.
	require.Eventually(t, func() bool { return c.entered.Load() == racers }, 10*time.Second, time.Millisecond)
	close(gate)
	wg.Wait()
	close(unexpected)
	for err := range unexpected {
		t.Errorf("unexpected error: %v", err)
	}
	assert.Equal(t, int32(1), wins.Load(), "exactly one finish wins")
	assert.Equal(t, int32(1), results.Load(), "exactly one result")
	assert.Equal(t, int32(racers-1), denied.Load())
	assert.Equal(t, int64(racers), c.a.passkey.Finishes()+c.b.passkey.Finishes(), "every request was verified by the factor")
	stored := storedFlow(t, c.a, f.ID)
	assert.Len(t, stored.Evidence, 1)
	assert.True(t, stored.Completed)
}

// TestEngineDeniesWhenRedisStops: a flow in progress when the server stops
// is denied with a typed error; after a restart without persistence the
// flow is cleanly gone.
func TestEngineDeniesWhenRedisStops(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	f := c.start(t, c.a)
	require.NoError(t, c.a.begin(ctx, f, auth.KindWebAuthn))

	c.srv.Stop()
	_, err := c.b.finish(ctx, f, auth.KindWebAuthn, authtest.OK("alice"))
	require.ErrorIs(t, err, auth.ErrUnavailable)
	require.ErrorIs(t, err, store.ErrUnavailable)
	var re *redis.Error
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "unavailable", auth.Code(err))
	_, err = c.a.eng.Start(ctx, auth.StartRequest{Action: "login", Binding: binding})
	require.ErrorIs(t, err, auth.ErrUnavailable, "no new flow without the store")

	c.srv.Restart()
	_, err = c.b.finish(ctx, f, auth.KindWebAuthn, authtest.OK("alice"))
	require.ErrorIs(t, err, auth.ErrFlowNotFound, "the flow went with the server: a clean denial")
	assert.Zero(t, c.a.passkey.Finishes()+c.b.passkey.Finishes(), "no factor ran on a flow that could not be read")

	f = c.start(t, c.b)
	require.NoError(t, c.a.begin(ctx, f, auth.KindWebAuthn))
	out, err := c.b.finish(ctx, f, auth.KindWebAuthn, authtest.OK("alice"))
	require.NoError(t, err, "new flows work after the restart")
	assert.True(t, out.Decision.Allowed)
}

// TestEngineHonoursDeadlineOnStuckRedis: a stuck server ends a request at
// its context deadline with an error matching the deadline and
// auth.ErrUnavailable.
func TestEngineHonoursDeadlineOnStuckRedis(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	f := c.start(t, c.a)
	require.NoError(t, c.a.store.LoadScripts(ctx))

	c.srv.Pause()
	defer c.srv.Resume()
	dctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	err := c.b.begin(dctx, f, auth.KindWebAuthn)
	require.ErrorIs(t, err, auth.ErrUnavailable)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	c.srv.Resume()
	require.NoError(t, c.a.begin(ctx, f, auth.KindWebAuthn))
}
