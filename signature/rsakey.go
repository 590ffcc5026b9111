package signature

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"sync"

	"filippo.io/bigmod"
)

// rsaKey is an RSA public key's modulus prepared once — its Montgomery
// constants — and kept with the certificate in the verifier's bounded
// certificate cache. crypto/rsa rebuilds it for every verification (about
// a tenth of one) and has no way to keep it; filippo.io/bigmod is the same
// arithmetic as a module.
type rsaKey struct {
	once sync.Once
	n    *bigmod.Modulus // nil: verify with crypto/rsa
}

// modulus returns the prepared modulus of pub, or nil for keys left to
// crypto/rsa: anything but an odd modulus of 2048 to 8192 bits with the
// exponent 65537, so that crypto/rsa's own key checks never matter.
func (k *rsaKey) modulus(pub *rsa.PublicKey) *bigmod.Modulus {
	k.once.Do(func() {
		if pub.E != 65537 || pub.N.Bit(0) != 1 || pub.N.BitLen() < 2048 || pub.N.BitLen() > 8192 {
			return
		}
		k.n, _ = bigmod.NewModulus(pub.N.Bytes()) // an odd modulus > 1: no error
	})
	return k.n
}

// digestInfoPrefix is the DER DigestInfo of RFC 8017 §9.2 before the digest
// octets, for the hashes whose RSA signatures take the prepared path
// (TestDigestInfoPrefixes checks them against their encoding).
func digestInfoPrefix(h crypto.Hash) []byte {
	switch h {
	case crypto.SHA256:
		return []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}
	case crypto.SHA384:
		return []byte{0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30}
	case crypto.SHA512:
		return []byte{0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40}
	}
	return nil
}

// verifyPKCS1v15 checks an RSASSA-PKCS1-v1_5 signature (RFC 8017 §8.2.2)
// over digest as crypto/rsa.VerifyPKCS1v15 does — the signature as long as
// the modulus and below it, s^e mod n equal to the whole expected encoding
// 00 01 FF… 00 DigestInfo — with the modulus prepared once for the key.
// Keys and hashes it does not prepare go to crypto/rsa. All inputs are
// public: nothing here needs constant time.
func verifyPKCS1v15(k *rsaKey, pub *rsa.PublicKey, h crypto.Hash, digest, sig []byte) error {
	m, prefix := k.modulus(pub), digestInfoPrefix(h)
	if m == nil || prefix == nil {
		return rsa.VerifyPKCS1v15(pub, h, digest, sig)
	}
	size := m.Size()
	tLen := len(prefix) + len(digest)
	if len(digest) != h.Size() || len(sig) != size || size < tLen+11 {
		return rsa.ErrVerification
	}
	s, err := bigmod.NewNat().SetBytes(sig, m)
	if err != nil { // s ≥ n
		return rsa.ErrVerification
	}
	em := bigmod.NewNat().ExpShortVarTime(s, uint(pub.E), m).Bytes(m)
	want := make([]byte, size)
	want[1] = 1
	for i := 2; i < size-tLen-1; i++ {
		want[i] = 0xff
	}
	copy(want[size-tLen:], prefix)
	copy(want[size-len(digest):], digest)
	if !bytes.Equal(em, want) {
		return rsa.ErrVerification
	}
	return nil
}
