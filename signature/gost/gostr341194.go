package gost

import (
	"encoding/binary"
	"hash"
	"math/bits"
	"sync"
)

// GOST R 34.11-94 (RFC 5831), standardised in Kazakhstan as GOST 34.311-95,
// built on the GOST 28147-89 block cipher (RFC 5830) in ECB mode.
//
// Byte order: the 256-bit words of RFC 5831 are little-endian byte strings
// (byte 0 is the least significant, the rightmost in the RFC's notation), the
// message is consumed in stream order, and the digest is H in that order, as
// OpenSSL and CMS producers emit it. (`gostsum` prints it reversed.)

// S-boxes in the 64-byte packed form of RFC 4357 §11.2: row i is bytes
// 4i…4i+3, byte 4i+k holding π_{2k+1}(i) in its high and π_{2k+2}(i) in its
// low nibble.
const (
	// id-GostR3411-94-TestParamSet (RFC 4357 §11.2, RFC 5831 §7.1): the
	// parameters of Kazakh GOST 34.311-95.
	sboxHashTest = "4E5764D1AB8DCBBF941A7A4D2CD11010D6A057358D38F2F70F49D15AEA2F8D94" +
		"62EE4309B3F4A6A218C698E3C17CE57E706B0966F7023C8B5595BF2839B32ECC"
	// id-GostR3411-94-CryptoProParamSet (RFC 4357 §11.2): the parameters of
	// Russian GOST R 34.11-94 signatures (id-GostR3411-94-with-GostR3410-2001).
	sboxHashCryptoPro = "A57477D14FFA66E354C7424A60ECB41982909D751D4FC90B3B122F547908A0AF" +
		"D13E1A38C7B181C6E65605870325EBFE9C6DF86D2EABDE20BA893C92F8D353BC"
)

// gost28147 holds the S-boxes fused with the 11-bit rotation: the round
// function of the cipher is f(x) = t[0][x&255] ^ t[1][x>>8&255] ^ t[2][x>>16&255] ^ t[3][x>>24].
type gost28147 struct {
	t [4][256]uint32
}

func newGOST28147(packed string) *gost28147 {
	raw := unhex(packed)
	var pi [8][16]byte
	for i := range 16 {
		for k := range 4 {
			b := raw[4*i+k]
			pi[2*k][i] = b >> 4
			pi[2*k+1][i] = b & 15
		}
	}
	c := new(gost28147)
	for k := range 4 {
		for v := range 256 {
			s := uint32(pi[2*k+1][v>>4])<<4 | uint32(pi[2*k][v&15])
			c.t[k][v] = bits.RotateLeft32(s<<(8*k), 11)
		}
	}
	return c
}

var (
	gost28147HashTest      = sync.OnceValue(func() *gost28147 { return newGOST28147(sboxHashTest) })
	gost28147HashCryptoPro = sync.OnceValue(func() *gost28147 { return newGOST28147(sboxHashCryptoPro) })
)

func (c *gost28147) f(x uint32) uint32 {
	return c.t[0][x&255] ^ c.t[1][x>>8&255] ^ c.t[2][x>>16&255] ^ c.t[3][x>>24]
}

// encrypt enciphers one 64-bit block (little-endian halves N1 = bytes 0…3,
// N2 = bytes 4…7) under a 256-bit key (K_i = bytes 4i…4i+3, little-endian).
func (c *gost28147) encrypt(dst, src, key []byte) {
	var k [8]uint32
	for i := range k {
		k[i] = binary.LittleEndian.Uint32(key[4*i:])
	}
	n1 := binary.LittleEndian.Uint32(src)
	n2 := binary.LittleEndian.Uint32(src[4:])
	for range 3 {
		for i := 0; i < 8; i += 2 {
			n2 ^= c.f(n1 + k[i])
			n1 ^= c.f(n2 + k[i+1])
		}
	}
	for i := 7; i > 0; i -= 2 {
		n2 ^= c.f(n1 + k[i])
		n1 ^= c.f(n2 + k[i-1])
	}
	// The last round does not swap the halves.
	binary.LittleEndian.PutUint32(dst, n2)
	binary.LittleEndian.PutUint32(dst[4:], n1)
}

// gostr341194 is the streaming hash.
type gostr341194 struct {
	c     *gost28147
	h     [32]byte
	sigma [32]byte
	n     uint64 // message length in bytes (the 256-bit L never exceeds 2^67 bits)
	buf   [32]byte
	nbuf  int
}

// New34311 returns a GOST 34.311-95 (= GOST R 34.11-94) hash with the test
// parameter set (id-GostR3411-94-TestParamSet, zero initial value), as used by
// Kazakh GOST 34.310-2004 signatures.
func New34311() hash.Hash { return &gostr341194{c: gost28147HashTest()} }

// New341194CryptoPro returns a GOST R 34.11-94 hash with the CryptoPro
// parameter set (id-GostR3411-94-CryptoProParamSet), as used by Russian GOST R
// 34.10-2001 signatures (OID 1.2.643.2.2.3).
func New341194CryptoPro() hash.Hash { return &gostr341194{c: gost28147HashCryptoPro()} }

func (d *gostr341194) Size() int      { return 32 }
func (d *gostr341194) BlockSize() int { return 32 }

func (d *gostr341194) Reset() {
	d.h, d.sigma, d.n, d.nbuf = [32]byte{}, [32]byte{}, 0, 0
}

func (d *gostr341194) Write(p []byte) (int, error) {
	d.n += uint64(len(p))
	bufferBlocks(d, d.buf[:], &d.nbuf, p)
	return len(p), nil
}

func (d *gostr341194) block(p []byte) {
	m := (*[32]byte)(p)
	d.c.step(&d.h, m)
	add256(&d.sigma, m)
}

// add256 sets z = z + x mod 2^256 (little-endian byte strings).
func add256(z, x *[32]byte) {
	var c uint64
	for i := 0; i < 32; i += 8 {
		var s uint64
		s, c = bits.Add64(binary.LittleEndian.Uint64(z[i:]), binary.LittleEndian.Uint64(x[i:]), c)
		binary.LittleEndian.PutUint64(z[i:], s)
	}
}

// Sum appends the digest to b without changing the state.
func (d *gostr341194) Sum(b []byte) []byte {
	h, sigma := d.h, d.sigma
	// RFC 5831 §6 step 2: the final (possibly partial, possibly empty) block,
	// zero-padded on the high side, then the length and the checksum.
	if d.nbuf > 0 || d.n == 0 {
		var m [32]byte
		copy(m[:], d.buf[:d.nbuf])
		d.c.step(&h, &m)
		add256(&sigma, &m)
	}
	var l [32]byte
	binary.LittleEndian.PutUint64(l[:], d.n<<3)
	binary.LittleEndian.PutUint64(l[8:], d.n>>61)
	d.c.step(&h, &l)
	d.c.step(&h, &sigma)
	return append(b, h[:]...)
}

// step is the step-by-step hash function χ(M, H) of RFC 5831 §5.
func (c *gost28147) step(h, m *[32]byte) {
	var u, v, w, key, s [32]byte
	u, v = *h, *m
	for i := range 4 {
		if i > 0 {
			transformA(&u)
			if i == 2 {
				xorC3(&u)
			}
			transformA(&v)
			transformA(&v)
		}
		for j := range w {
			w[j] = u[j] ^ v[j]
		}
		transformP(&key, &w)
		c.encrypt(s[8*i:8*i+8], h[8*i:8*i+8], key[:])
	}
	// χ(M, H) = ψ^61(H ⊕ ψ(M ⊕ ψ^12(S)))
	var x [16]uint16
	toWords(&x, &s)
	psi(&x, 12)
	xorWords(&x, m)
	psi(&x, 1)
	xorWords(&x, h)
	psi(&x, 61)
	for i, e := range x {
		binary.LittleEndian.PutUint16(h[2*i:], e)
	}
}

// transformA is A(x4‖x3‖x2‖x1) = (x1 ⊕ x2)‖x4‖x3‖x2 on 64-bit subwords,
// x1 being bytes 0…7.
func transformA(y *[32]byte) {
	var x1x2 [8]byte
	for i := range 8 {
		x1x2[i] = y[i] ^ y[8+i]
	}
	copy(y[0:24], y[8:32])
	copy(y[24:32], x1x2[:])
}

// xorC3 adds the constant C3 = 0xff00ffff000000ffff0000ff00ffff0000ff00ff00ff00ffff00ff00ff00ff00.
func xorC3(y *[32]byte) {
	for _, i := range [...]int{1, 3, 5, 7, 8, 10, 12, 14, 17, 18, 20, 23, 24, 28, 29, 31} {
		y[i] = ^y[i]
	}
}

// transformP is the byte permutation φ(i + 1 + 4(k − 1)) = 8i + k.
func transformP(dst, src *[32]byte) {
	for i := range 4 {
		for k := range 8 {
			dst[i+4*k] = src[8*i+k]
		}
	}
}

func toWords(x *[16]uint16, b *[32]byte) {
	for i := range x {
		x[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
}

func xorWords(x *[16]uint16, b *[32]byte) {
	for i := range x {
		x[i] ^= binary.LittleEndian.Uint16(b[2*i:])
	}
}

// psi applies ψ n times (n ≤ 61): ψ(η16‖…‖η1) = (η1⊕η2⊕η3⊕η4⊕η13⊕η16)‖η16‖…‖η2,
// computed as a shift register over a sliding window.
func psi(x *[16]uint16, n int) {
	var buf [16 + 61]uint16
	copy(buf[:16], x[:])
	for i := range n {
		buf[16+i] = buf[i] ^ buf[i+1] ^ buf[i+2] ^ buf[i+3] ^ buf[i+12] ^ buf[i+15]
	}
	copy(x[:], buf[n:n+16])
}
