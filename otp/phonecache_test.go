package otp

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Service.Phone answers from its cache exactly what ParsePhone answers,
// keeps only numbers that parsed, still applies the country rule to a
// cached number, and never holds more than phoneCacheSize numbers.
func TestPhoneCache(t *testing.T) {
	s := newTestService(t)
	want, err := ParsePhone("8 701 234 56 12", "KZ")
	require.NoError(t, err)
	for range 3 {
		got, err := s.Phone("8 701 234 56 12")
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	_, err = s.Phone("+7 701 234")
	assert.ErrorIs(t, err, ErrPhoneInvalid)
	_, cached := s.phones.get("+7 701 234")
	assert.False(t, cached, "a refused number is not kept")

	// A number of a country the service does not serve is refused whether
	// or not it was parsed before.
	for range 2 {
		_, err = s.Phone("+7 912 345 67 89")
		assert.True(t, errors.Is(err, ErrPhoneNotAllowed), "%v", err)
	}

	for i := range phoneCacheSize + 10 {
		_, err := s.Phone(fmt.Sprintf("+7701%07d", i))
		require.NoError(t, err)
		require.LessOrEqual(t, len(s.phones.m), phoneCacheSize)
	}
}
