package store_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/redis/redistest"
)

func ExampleHashTag() {
	flow := "0123456789abcdef0123456789abcdef"
	fmt.Println("sa:flow:" + store.HashTag(flow))
	fmt.Println("sa:otp:c:" + store.HashTag(flow) + ":login")
	fmt.Println(store.ValidKeyPrefix("app:flow:"), store.ValidKeyPrefix("{app}:flow:"))
	// Output:
	// sa:flow:{0123456789abcdef0123456789abcdef}
	// sa:otp:c:{0123456789abcdef0123456789abcdef}:login
	// true false
}

// TestHashTagKeepsKeysTogether: keys that carry one tag after brace-free
// prefixes lie in one Redis Cluster slot, whatever follows the tag; other
// flows spread over the slots.
func TestHashTagKeepsKeysTogether(t *testing.T) {
	slots := map[int]bool{}
	for i := range 64 {
		flow := fmt.Sprintf("%032x", i*7919)
		tag := store.HashTag(flow)
		want := redistest.Slot(flow)
		for _, key := range []string{"ns:s:sa:flow:" + tag, "ns:s:sa:ecp:" + tag, "ns:s:sa:otp:c:" + tag + ":login",
			"ns:s:sa:otp:a:" + tag + ":{x}", "other:s:sa:qr:s:" + tag + ":" + flow} {
			assert.Equal(t, want, redistest.Slot(key), key)
		}
		slots[want] = true
	}
	assert.Greater(t, len(slots), 48, "64 flows over many slots")
	for _, p := range []string{"", "sa:", "app:flow:", "a-b_c.d:"} {
		assert.True(t, store.ValidKeyPrefix(p), p)
	}
	for _, p := range []string{"{", "}", "sa:{x}:", "a}b"} {
		assert.False(t, store.ValidKeyPrefix(p), p)
	}
}

// TaggedKey is prefix, space and HashTag(id) joined.
func TestTaggedKey(t *testing.T) {
	for _, c := range [][3]string{{"", "", "f"}, {"sa:", "login:", "0123"}, {"app:", "", ""}} {
		assert.Equal(t, c[0]+c[1]+store.HashTag(c[2]), store.TaggedKey(c[0], c[1], c[2]))
	}
	id := "0123456789abcdef0123456789abcdef"
	assert.Equal(t, 1.0, testing.AllocsPerRun(100, func() { keySink = store.TaggedKey("sa:", "f:", id) }))
}

var keySink string
