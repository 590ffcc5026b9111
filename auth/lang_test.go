package auth_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/auth"
)

// TestFlowLanguage: the page's language is stored with the flow and read
// back; anything but kk, ru, en or nothing is refused at the start.
func TestFlowLanguage(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	f, err := h.eng.Start(ctx, auth.StartRequest{Action: "login", Binding: binding, Lang: "kk"})
	require.NoError(t, err)
	assert.Equal(t, "kk", f.Lang)
	got, err := h.eng.Inspect(ctx, f.ID, binding)
	require.NoError(t, err)
	assert.Equal(t, "kk", got.Lang, "stored with the flow")

	f, err = h.eng.Start(ctx, auth.StartRequest{Action: "login", Binding: binding})
	require.NoError(t, err)
	assert.Empty(t, f.Lang)
	for _, bad := range []string{"de", "KK", "ru-RU", "kk\x00", "en;q=1"} {
		_, err = h.eng.Start(ctx, auth.StartRequest{Action: "login", Binding: binding, Lang: bad})
		assert.ErrorIs(t, err, auth.ErrInvalidInput, bad)
	}
	for _, l := range []string{"", "kk", "ru", "en"} {
		assert.True(t, auth.ValidLang(l), l)
	}
}
