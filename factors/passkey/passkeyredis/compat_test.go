package passkeyredis_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/factors/passkey"
	"github.com/strongauth/strongauth/factors/passkey/passkeyredis"
	"github.com/strongauth/strongauth/factors/passkey/passkeytest"
	"github.com/strongauth/strongauth/store/redis/redistest"
)

// TestRecordOfEarlierRelease: a record written before the optional e
// field (backup eligibility now) existed reads with the backup eligibility
// of its fixed part; the first Update writes e, and a change of BE that the
// factor accepted is then what Find and List report. A bad e is a hostile
// record.
func TestRecordOfEarlierRelease(t *testing.T) {
	client := redistest.Start(t).Client(t)
	s := newCreds(t, client)
	ctx := context.Background()
	c := passkeytest.Credential("alice", 1)
	c.BackupEligible, c.BackupState = true, true
	require.NoError(t, s.Add(ctx, c))
	key := s.RecordKey(c.ID)
	e, err := client.HGet(ctx, key, "e").Result()
	require.NoError(t, err)
	assert.Equal(t, "1", e, "new records carry e")
	require.NoError(t, client.HDel(ctx, key, "e").Err()) // as the earlier release wrote it

	got, err := s.Find(ctx, c.ID)
	require.NoError(t, err)
	assert.True(t, got.BackupEligible)
	assert.True(t, got.BackupState)

	require.NoError(t, s.Update(ctx, c.ID, passkey.Use{SignCount: 1, At: got.CreatedAt}))
	e, err = client.HGet(ctx, key, "e").Result()
	require.NoError(t, err)
	assert.Equal(t, "0", e)
	got, err = s.Find(ctx, c.ID)
	require.NoError(t, err)
	assert.False(t, got.BackupEligible, "the recorded change wins over the fixed part")
	list, err := s.List(ctx, "alice")
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.False(t, list[0].BackupEligible)

	err = s.Update(ctx, c.ID, passkey.Use{SignCount: 2, BackupState: true, At: got.CreatedAt})
	require.ErrorIs(t, err, passkeyredis.ErrInvalidUse, "backup state without eligibility is not stored")

	require.NoError(t, client.HSet(ctx, key, "e", "yes").Err())
	_, err = s.Find(ctx, c.ID)
	requireUnexpected(t, "passkey-find", err)
}
