package gosttest

import (
	cryptorand "crypto/rand"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"strings"

	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/internal/bigec"
)

// PrivateKey is a GOST R 34.10 private key for tests. It redacts itself when
// printed or logged.
type PrivateKey struct {
	curve *gost.Curve
	d     *big.Int
	pub   *gost.PublicKey
}

func refCurve(c *gost.Curve) *bigec.Curve {
	p := c.Params()
	return &bigec.Curve{P: p.P, A: p.A, B: p.B, Q: p.Q, Gx: p.Gx, Gy: p.Gy}
}

// le returns x as a little-endian integer of n bytes.
func le(x *big.Int, n int) []byte {
	b := x.FillBytes(make([]byte, n))
	for i, j := 0, n-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return b
}

// NewPrivateKey returns the key with scalar d, which must lie in [1, q−1].
func NewPrivateKey(c *gost.Curve, d *big.Int) (*PrivateKey, error) {
	if c == nil || d == nil {
		return nil, errors.New("gosttest: nil curve or scalar")
	}
	ref := refCurve(c)
	if d.Sign() <= 0 || d.Cmp(ref.Q) >= 0 {
		return nil, errors.New("gosttest: private scalar out of range [1, q−1]")
	}
	q := ref.ScalarMult(ref.G(), d)
	n := c.Size()
	pub, err := gost.NewPublicKey(c, append(le(q.X, n), le(q.Y, n)...))
	if err != nil {
		return nil, fmt.Errorf("gosttest: derived public key: %w", err)
	}
	return &PrivateKey{curve: c, d: new(big.Int).Set(d), pub: pub}, nil
}

// orDefault returns rand, or crypto/rand.Reader when rand is nil.
func orDefault(rand io.Reader) io.Reader {
	if rand == nil {
		return cryptorand.Reader
	}
	return rand
}

// GenerateKey draws a uniform scalar in [1, q−1] from rand (crypto/rand when
// nil).
func GenerateKey(c *gost.Curve, rand io.Reader) (*PrivateKey, error) {
	if c == nil {
		return nil, errors.New("gosttest: nil curve")
	}
	d, err := refCurve(c).RandScalar(orDefault(rand))
	if err != nil {
		return nil, fmt.Errorf("gosttest: %w", err)
	}
	return NewPrivateKey(c, d)
}

// PrivateKeyFromHex reads a private scalar written as big-endian hex, the
// format of the NCA test keys' *.key.hex files (surrounding white space is
// ignored).
func PrivateKeyFromHex(c *gost.Curve, bigEndianHex string) (*PrivateKey, error) {
	if c == nil {
		return nil, errors.New("gosttest: nil curve")
	}
	b, err := hex.DecodeString(strings.TrimSpace(bigEndianHex))
	if err != nil {
		return nil, errors.New("gosttest: private key is not hex")
	}
	if len(b) > c.Size() {
		return nil, fmt.Errorf("gosttest: private key longer than %d bytes", c.Size())
	}
	return NewPrivateKey(c, new(big.Int).SetBytes(b))
}

// Public returns the public key d·G.
func (k *PrivateKey) Public() *gost.PublicKey { return k.pub }

// Curve returns the key's curve.
func (k *PrivateKey) Curve() *gost.Curve { return k.curve }

// D returns a copy of the private scalar.
func (k *PrivateKey) D() *big.Int { return new(big.Int).Set(k.d) }

// String redacts the key.
func (k *PrivateKey) String() string {
	if k == nil || k.curve == nil {
		return "gosttest.PrivateKey(nil)"
	}
	return "gosttest.PrivateKey{" + k.curve.Name() + ", REDACTED}"
}

// GoString redacts the key.
func (k *PrivateKey) GoString() string { return k.String() }

// LogValue redacts the key in log/slog output.
func (k *PrivateKey) LogValue() slog.Value { return slog.StringValue(k.String()) }

// Format redacts the key for every fmt verb (%v, %+v, %#v, %x, …).
func (k *PrivateKey) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// Sign signs a digest (the raw hash output, read little-endian as in
// gost.VerifyDigest) and lays (r, s) out as layout says. The nonce comes from
// rand (crypto/rand when nil).
func Sign(rand io.Reader, priv *PrivateKey, digest []byte, layout gost.SigLayout) ([]byte, error) {
	if priv == nil {
		return nil, errors.New("gosttest: nil private key")
	}
	n := priv.curve.Size()
	if len(digest) != n {
		return nil, fmt.Errorf("gosttest: %d-byte digest for a %d-bit curve", len(digest), priv.curve.BitSize())
	}
	alpha := new(big.Int).SetBytes(reverseCopy(digest))
	r, s, err := refCurve(priv.curve).Sign(orDefault(rand), priv.d, alpha)
	if err != nil {
		return nil, fmt.Errorf("gosttest: %w", err)
	}
	switch layout {
	case gost.LayoutNCA:
		return append(le(r, n), le(s, n)...), nil
	case gost.LayoutRFC4491:
		sig := make([]byte, 2*n)
		s.FillBytes(sig[:n])
		r.FillBytes(sig[n:])
		return sig, nil
	}
	return nil, fmt.Errorf("gosttest: %v", layout)
}

// SignMessage hashes msg with the hash of the signature algorithm sigAlg and
// signs it with that algorithm's layout (Kazakh OIDs: gost.LayoutNCA).
func SignMessage(rand io.Reader, priv *PrivateKey, sigAlg asn1.ObjectIdentifier, msg []byte) ([]byte, error) {
	alg, ok := gost.SignatureAlgorithmByOID(sigAlg)
	if !ok {
		return nil, fmt.Errorf("gosttest: unsupported signature algorithm %v", sigAlg)
	}
	if priv == nil || priv.curve.BitSize() != alg.KeyBitSize {
		return nil, fmt.Errorf("gosttest: %s needs a %d-bit key", alg.Name, alg.KeyBitSize)
	}
	h := alg.NewHash()
	h.Write(msg)
	return Sign(rand, priv, h.Sum(nil), alg.Layout)
}

func reverseCopy(b []byte) []byte {
	r := make([]byte, len(b))
	for i := range b {
		r[len(b)-1-i] = b[i]
	}
	return r
}
