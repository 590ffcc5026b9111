package signature

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"math/big"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rsaTestKey is one 2048-bit key for the tests of the prepared path.
var rsaTestKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// The DigestInfo prefixes are the DER of RFC 8017's DigestInfo.
func TestDigestInfoPrefixes(t *testing.T) {
	oids := map[crypto.Hash]asn1.ObjectIdentifier{
		crypto.SHA256: {2, 16, 840, 1, 101, 3, 4, 2, 1},
		crypto.SHA384: {2, 16, 840, 1, 101, 3, 4, 2, 2},
		crypto.SHA512: {2, 16, 840, 1, 101, 3, 4, 2, 3},
	}
	for h, oid := range oids {
		type alg struct {
			OID  asn1.ObjectIdentifier
			Null asn1.RawValue
		}
		der, err := asn1.Marshal(struct {
			Alg    alg
			Digest []byte
		}{alg{oid, asn1.NullRawValue}, make([]byte, h.Size())})
		require.NoError(t, err)
		assert.Equal(t, der[:len(der)-h.Size()], digestInfoPrefix(h), h.String())
	}
	assert.Nil(t, digestInfoPrefix(crypto.SHA1))
}

// The prepared path agrees with crypto/rsa: it accepts the signatures
// crypto/rsa makes and refuses every alteration crypto/rsa refuses.
func TestVerifyPKCS1v15MatchesCryptoRSA(t *testing.T) {
	key := rsaTestKey()
	pub := &key.PublicKey
	var k rsaKey
	require.NotNil(t, k.modulus(pub), "a 2048-bit key with e = 65537 is prepared")
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512, crypto.SHA224} {
		hh := h.New()
		hh.Write([]byte("strongauth"))
		digest := hh.Sum(nil)
		sig, err := rsa.SignPKCS1v15(rand.Reader, key, h, digest)
		require.NoError(t, err)
		require.NoError(t, verifyPKCS1v15(&k, pub, h, digest, sig), h.String())

		cases := map[string]func() (crypto.Hash, []byte, []byte){
			"flipped bit":     func() (crypto.Hash, []byte, []byte) { s := clone(sig); s[100] ^= 1; return h, digest, s },
			"other digest":    func() (crypto.Hash, []byte, []byte) { d := clone(digest); d[0] ^= 1; return h, d, sig },
			"short digest":    func() (crypto.Hash, []byte, []byte) { return h, digest[1:], sig },
			"short signature": func() (crypto.Hash, []byte, []byte) { return h, digest, sig[1:] },
			"long signature":  func() (crypto.Hash, []byte, []byte) { return h, digest, append([]byte{0}, sig...) },
			"signature = n":   func() (crypto.Hash, []byte, []byte) { return h, digest, pub.N.FillBytes(make([]byte, len(sig))) },
			"signature + n":   func() (crypto.Hash, []byte, []byte) { return h, digest, addN(pub, sig) },
			"zero signature":  func() (crypto.Hash, []byte, []byte) { return h, digest, make([]byte, len(sig)) },
			"other hash":      func() (crypto.Hash, []byte, []byte) { return otherHash(h), digest, sig },
		}
		for name, c := range cases {
			hc, d, s := c()
			want := rsa.VerifyPKCS1v15(pub, hc, d, s)
			got := verifyPKCS1v15(&k, pub, hc, d, s)
			assert.Equal(t, want == nil, got == nil, "%s %s: crypto/rsa %v, prepared %v", h, name, want, got)
			assert.Error(t, got, "%s %s", h, name)
		}
	}
	// Keys outside the prepared range go to crypto/rsa.
	odd := &rsa.PublicKey{N: pub.N, E: 3}
	var k3 rsaKey
	assert.Nil(t, k3.modulus(odd))
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

func addN(pub *rsa.PublicKey, sig []byte) []byte {
	s := new(big.Int).Add(new(big.Int).SetBytes(sig), pub.N)
	if s.BitLen() > len(sig)*8 {
		return sig[:0]
	}
	return s.FillBytes(make([]byte, len(sig)))
}

func otherHash(h crypto.Hash) crypto.Hash {
	if h == crypto.SHA256 {
		return crypto.SHA512
	}
	return crypto.SHA256
}

// FuzzVerifyPKCS1v15: on any signature and digest the prepared path and
// crypto/rsa give the same verdict.
func FuzzVerifyPKCS1v15(f *testing.F) {
	key := rsaTestKey()
	d := sha256.Sum256([]byte("strongauth"))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, d[:])
	f.Add(sig, d[:], uint8(0))
	d5 := sha512.Sum512([]byte("x"))
	f.Add(sig[:255], d5[:], uint8(2))
	f.Fuzz(func(t *testing.T, sig, digest []byte, hi uint8) {
		h := []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512}[int(hi)%3]
		var k rsaKey
		want := rsa.VerifyPKCS1v15(&key.PublicKey, h, digest, sig)
		got := verifyPKCS1v15(&k, &key.PublicKey, h, digest, sig)
		if (want == nil) != (got == nil) {
			t.Fatalf("crypto/rsa %v, prepared %v", want, got)
		}
	})
}
