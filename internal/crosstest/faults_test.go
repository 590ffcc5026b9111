package crosstest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/redis/redistest"
)

// TestRedisFaultsMidFlow: a WebAuthn login begun on A meets a frozen, then
// a stopped and restarted server before B finishes it. Frozen: B's request
// ends at its deadline, unavailable, and spends nothing. Stopped: denied,
// unavailable. Restarted without persistence: the flow is cleanly gone
// (and so, on such a server, is the credential — why credentials need
// persistence). Restarted with persistence: the flow continues and the
// answer is accepted, once.
func TestRedisFaultsMidFlow(t *testing.T) {
	for _, persistent := range []bool{false, true} {
		name := map[bool]string{false: "no persistence", true: "appendonly"}[persistent]
		t.Run(name, func(t *testing.T) {
			var args []string
			if persistent {
				args = []string{"--appendonly", "yes", "--appendfsync", "always"}
			}
			p := newPairOn(t, redistest.Start(t, args...))
			ctx := context.Background()
			d := p.enrol("alice")
			flow := p.a.start(t, "login", "alice")
			ch, err := p.a.begin(flow, auth.KindWebAuthn)
			require.NoError(t, err)
			answer := p.answer(d, ch)

			p.srv.Pause()
			dctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			_, err = p.b.finishCtx(dctx, flow, auth.KindWebAuthn, answer)
			cancel()
			p.srv.Resume()
			require.ErrorIs(t, err, auth.ErrUnavailable)
			require.ErrorIs(t, err, context.DeadlineExceeded, "a frozen server holds a request no longer than its deadline")

			p.srv.Stop()
			_, err = p.b.finish(flow, auth.KindWebAuthn, answer)
			require.ErrorIs(t, err, auth.ErrUnavailable)
			require.ErrorIs(t, err, store.ErrUnavailable)
			assert.Equal(t, "unavailable", auth.Code(err))
			assert.Zero(t, p.winsOf(auth.KindWebAuthn).Load(), "nothing accepted while the server was away")

			p.srv.Restart()
			out, err := p.b.finish(flow, auth.KindWebAuthn, answer)
			if !persistent {
				require.ErrorIs(t, err, auth.ErrFlowNotFound, "the flow went with the server: a clean denial")
				_, err := p.a.creds.Find(ctx, d.cred.ID)
				assert.ErrorIs(t, err, passkey.ErrCredentialNotFound, "and so did the credential")
				return
			}
			require.NoError(t, err, "the flow survived the restart and continues")
			require.True(t, out.Decision.Allowed)
			_, err = p.a.finish(flow, auth.KindWebAuthn, answer)
			assert.ErrorIs(t, err, auth.ErrFlowCompleted)
			assert.Equal(t, int32(1), p.winsOf(auth.KindWebAuthn).Load())
		})
	}
}
