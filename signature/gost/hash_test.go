package gost

import (
	"bytes"
	"encoding/hex"
	"hash"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature/gost/internal/testenv"
)

// revHex decodes hex printed as a number (most significant digit first, the
// way RFC 6986 and RFC 5831 print vectors) into the byte string the
// algorithms consume and produce (least significant byte first).
func revHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	require.NoError(t, err)
	return reverse(b)
}

func digestOf(h hash.Hash, msg []byte) []byte {
	h.Reset()
	h.Write(msg)
	return h.Sum(nil)
}

// TestStreebogRFC6986 checks the two examples of RFC 6986 §10 for both
// output sizes.
func TestStreebogRFC6986(t *testing.T) {
	m1 := []byte("012345678901234567890123456789012345678901234567890123456789012")
	require.Equal(t, revHex(t, `32313039383736353433323130393837 36353433323130393837363534333231
		30393837363534333231303938373635 343332313039383736353433323130`), m1)
	m2 := revHex(t, `fbe2e5f0eee3c820fbeafaebef20fffb f0e1e0f0f520e0ed20e8ece0ebe5f0f2
		f120fff0eeec20f120faf2fee5e2202c e8f6f3ede220e8e6eee1e8f0f2d1202c e8f0f2e5e220e5d1`)
	cases := []struct {
		name string
		h    func() hash.Hash
		msg  []byte
		want string
	}{
		{"512/M1", New512, m1, `486f64c1917879417fef082b3381a4e2 11c324f074654c38823a7b76f830ad00
			fa1fbae42b1285c0352f227524bc9ab1 6254288dd6863dccd5b9f54a1ad0541b`},
		{"256/M1", New256, m1, `00557be5e584fd52a449b16b0251d05d 27f94ab76cbaa6da890b59d8ef1e159d`},
		{"512/M2", New512, m2, `28fbc9bada033b1460642bdcddb90c3f b3e56c497ccd0f62b8a2ad4935e85f03
			7613966de4ee00531ae60f3b5a47f8da e06915d5f2f194996fcabf2622e6881e`},
		{"256/M2", New256, m2, `508f7e553c06501d749a66fc28c6cac0 b005746d97537fa85d9e40904efed29d`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := c.h()
			want := revHex(t, c.want)
			assert.Equal(t, len(want), h.Size())
			assert.Equal(t, want, digestOf(h, c.msg))
			// Byte-at-a-time writes give the same result.
			h.Reset()
			for _, b := range c.msg {
				h.Write([]byte{b})
			}
			assert.Equal(t, want, h.Sum(nil))
		})
	}
	// The widely quoted OpenSSL rendering of H512(M1) is the reversed RFC one.
	assert.Equal(t, "1b54d01a4af5b9d5cc3d86d68d285462b19abc2475222f35c085122be4ba1ffa"+
		"00ad30f8767b3a82384c6574f024c311e2a481332b08ef7f41797891c1646f48",
		hex.EncodeToString(digestOf(New512(), m1)))
}

// TestGOSTR341194RFC5831 checks both examples of RFC 5831 §7.3 (test
// parameters, zero IV) and the classic vectors of both parameter sets.
func TestGOSTR341194RFC5831(t *testing.T) {
	cases := []struct {
		name string
		h    func() hash.Hash
		msg  string
		want []byte
	}{
		{"rfc/32 bytes", New34311, "This is message, length=32 bytes", revHex(t,
			"FAFF37A6 15A81669 1CFF3EF8 B68CA247 E09525F3 9F811983 2EB81975 D366C4B1")},
		{"rfc/50 bytes", New34311, "Suppose the original message has length = 50 bytes", revHex(t,
			"0852F562 3B89DD57 AEB4781F E54DF14E EAFBC135 0613763A 0D770AA6 57BA1A47")},
		// Vectors of the GOST R 34.11-94 literature (raw byte order).
		{"test/abc", New34311, "abc", mustHex("f3134348c44fb1b2a277729e2285ebb5cb5e0f29c975bc753b70497c06a4d51d")},
		{"cryptopro/abc", New341194CryptoPro, "abc", mustHex("b285056dbf18d7392d7677369524dd14747459ed8143997e163b2986f92fd42c")},
		// The empty message: RFC 5831 §6 step 2 hashes one zero block
		// (|M| = 0), as gostsum and the OpenSSL engine do; some libraries
		// skip it and publish other values.
		{"test/empty", New34311, "", revHex(t, "bd298bcfcafb398d76e3fc8fa0951679d6b57bd782ac7bf13c03c6848a351d89")},
		{"cryptopro/empty", New341194CryptoPro, "", mustHex("3f25bc1fbbce27ca10fb1958f319473ae7e17482c3b53ecf47a7e2de8aabe4c8")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := c.h()
			assert.Equal(t, 32, h.Size())
			assert.Equal(t, c.want, digestOf(h, []byte(c.msg)))
		})
	}
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// TestHashStreaming checks that every split of the input into writes gives
// the same digest and that Sum does not disturb the state.
func TestHashStreaming(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	msg := make([]byte, 300)
	for i := range msg {
		msg[i] = byte(rng.Uint32())
	}
	for name, newHash := range map[string]func() hash.Hash{
		"512": New512, "256": New256, "34311": New34311, "cryptopro": New341194CryptoPro,
	} {
		t.Run(name, func(t *testing.T) {
			for _, n := range []int{0, 1, 31, 32, 33, 63, 64, 65, 127, 128, 129, 300} {
				want := digestOf(newHash(), msg[:n])
				h := newHash()
				rest := msg[:n]
				for len(rest) > 0 {
					k := min(len(rest), 1+rng.IntN(70))
					h.Write(rest[:k])
					rest = rest[k:]
					// An intermediate Sum must not change the final digest.
					h.Sum(nil)
				}
				got := h.Sum([]byte("prefix"))
				require.Equal(t, "prefix", string(got[:6]))
				assert.Equal(t, want, got[6:], "length %d", n)
				assert.Equal(t, want, h.Sum(nil), "second Sum, length %d", n)
				h.Reset()
				assert.Equal(t, digestOf(newHash(), nil), h.Sum(nil), "after Reset")
			}
		})
	}
}

// TestHashOracle compares digests of random inputs with the OpenSSL GOST
// engine (Streebog, 34.11-94 CryptoPro) and gostsum (34.11-94 test
// parameters, printed reversed).
func TestHashOracle(t *testing.T) {
	openssl := testenv.OpenSSLGost(t)
	gostsum := testenv.Tool(t, "gostsum")
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 55, 64, 100, 1000, 4097} {
		msg := make([]byte, n)
		for i := range msg {
			msg[i] = byte(rng.Uint32())
		}
		for _, c := range []struct {
			md string
			h  hash.Hash
		}{{"-md_gost12_512", New512()}, {"-md_gost12_256", New256()}, {"-md_gost94", New341194CryptoPro()}} {
			out := testenv.Run(t, msg, openssl, "dgst", "-engine", "gost", c.md, "-r")
			want := strings.Fields(string(out))[0]
			assert.Equal(t, want, hex.EncodeToString(digestOf(c.h, msg)), "%s, %d bytes", c.md, n)
		}
		out := testenv.Run(t, msg, gostsum, "-t", "-b")
		want, err := hex.DecodeString(strings.Fields(string(out))[0])
		require.NoError(t, err)
		assert.Equal(t, reverse(want), digestOf(New34311(), msg), "gostsum -t, %d bytes", n)
	}
}

func TestHashSizes(t *testing.T) {
	assert.Equal(t, 64, New512().Size())
	assert.Equal(t, 32, New256().Size())
	assert.Equal(t, 64, New512().BlockSize())
	assert.Equal(t, 32, New34311().BlockSize())
	// Different parameter sets give different digests.
	assert.False(t, bytes.Equal(digestOf(New34311(), []byte("x")), digestOf(New341194CryptoPro(), []byte("x"))))
}
