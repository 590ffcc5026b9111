package gost_test

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"hash"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/gosttest"
	"github.com/strongauth/strongauth/signature/gost/internal/bigec"
)

// Fuzz targets for everything that reads attacker-controlled bytes. Each
// asserts "error ⇒ nil result", that errors wrap a package sentinel, and a
// round trip or a reference result where one exists. Seeds: f.Add below
// (generated deterministically, no external material) and testdata/fuzz.

var fuzzCurves = []func() *gost.Curve{gost.CurveTC26512A, gost.CurveCryptoProA, gost.CurveTC26256A}

func fuzzCurve(sel uint8) *gost.Curve { return fuzzCurves[int(sel)%len(fuzzCurves)]() }

func requireSentinel(t *testing.T, err error) {
	t.Helper()
	for _, s := range []error{gost.ErrVerification, gost.ErrUnsupportedAlgorithm, gost.ErrInvalidPublicKey, gost.ErrMalformedSignature} {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("error %q wraps no gost sentinel", err)
}

func seedKey(f *testing.F, c *gost.Curve, seed byte) *gosttest.PrivateKey {
	k, err := gosttest.GenerateKey(c, rand.NewChaCha8([32]byte{seed}))
	if err != nil {
		f.Fatal(err)
	}
	return k
}

func FuzzParsePublicKey(f *testing.F) {
	for i := range fuzzCurves {
		k := seedKey(f, fuzzCurve(uint8(i)), byte(i))
		for _, kz := range []bool{true, false} {
			der, err := gosttest.MarshalPublicKey(k.Public(), kz)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(der)
		}
	}
	f.Fuzz(func(t *testing.T, spki []byte) {
		pub, err := gost.ParsePublicKey(spki)
		if err != nil {
			require.Nil(t, pub)
			requireSentinel(t, err)
			return
		}
		// Round trips: the point, and both OID families.
		again, err := gost.NewPublicKey(pub.Curve(), pub.Bytes())
		require.NoError(t, err)
		require.True(t, again.Equal(pub))
		for _, kz := range []bool{true, false} {
			der, err := gosttest.MarshalPublicKey(pub, kz)
			require.NoError(t, err)
			back, err := gost.ParsePublicKey(der)
			require.NoError(t, err)
			require.True(t, back.Equal(pub))
		}
	})
}

func FuzzNewPublicKey(f *testing.F) {
	for i := range fuzzCurves {
		f.Add(uint8(i), seedKey(f, fuzzCurve(uint8(i)), byte(i)).Public().Bytes())
	}
	f.Add(uint8(0), make([]byte, 128))
	f.Add(uint8(1), bytes.Repeat([]byte{0xff}, 64))
	f.Fuzz(func(t *testing.T, sel uint8, xy []byte) {
		c := fuzzCurve(sel)
		pub, err := gost.NewPublicKey(c, xy)
		ref := reference(c)
		n := c.Size()
		valid := len(xy) == 2*n
		var pt bigec.Point
		if valid {
			pt = bigec.Point{X: leInt(xy[:n]), Y: leInt(xy[n:])}
			valid = ref.OnCurve(pt) && ref.ScalarMult(pt, ref.Q).Inf
		}
		if err != nil {
			require.Nil(t, pub)
			require.ErrorIs(t, err, gost.ErrInvalidPublicKey)
			require.False(t, valid, "valid point refused")
			return
		}
		require.True(t, valid, "invalid point accepted")
		require.Equal(t, xy, pub.Bytes())
	})
}

// FuzzVerifyDigest checks the fast verifier against the math/big reference
// on arbitrary keys, digests and signatures (seeded with valid ones, so that
// mutations stay close to the interesting boundary).
func FuzzVerifyDigest(f *testing.F) {
	for i := range fuzzCurves {
		c := fuzzCurve(uint8(i))
		k := seedKey(f, c, byte(10+i))
		digest := bytes.Repeat([]byte{byte(i + 1)}, c.Size())
		for _, layout := range []gost.SigLayout{gost.LayoutNCA, gost.LayoutRFC4491} {
			sig, err := gosttest.Sign(rand.NewChaCha8([32]byte{byte(i)}), k, digest, layout)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(uint8(i), uint8(layout), k.Public().Bytes(), digest, sig)
		}
		q := c.Params().Q.FillBytes(make([]byte, c.Size()))
		f.Add(uint8(i), uint8(gost.LayoutRFC4491), k.Public().Bytes(), digest, append(q, q...))
		f.Add(uint8(i), uint8(gost.LayoutNCA), k.Public().Bytes(), digest, make([]byte, 2*c.Size()))
	}
	f.Fuzz(func(t *testing.T, sel, layout uint8, xy, digest, sig []byte) {
		c := fuzzCurve(sel)
		pub, err := gost.NewPublicKey(c, xy)
		if err != nil {
			require.Nil(t, pub)
			return
		}
		err = gost.VerifyDigest(pub, digest, sig, gost.SigLayout(layout))
		n := c.Size()
		l := gost.SigLayout(layout)
		if len(digest) != n || len(sig) != 2*n || (l != gost.LayoutNCA && l != gost.LayoutRFC4491) {
			require.Error(t, err)
			requireSentinel(t, err)
			return
		}
		var r, s *big.Int
		if l == gost.LayoutNCA {
			r, s = leInt(sig[:n]), leInt(sig[n:])
		} else {
			s, r = new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])
		}
		ref := reference(c)
		want := ref.Verify(bigec.Point{X: leInt(xy[:n]), Y: leInt(xy[n:])}, leInt(digest), r, s)
		require.Equal(t, want, err == nil, "fast verifier disagrees with the reference: %v", err)
		if err != nil {
			requireSentinel(t, err)
			outOfRange := r.Sign() == 0 || s.Sign() == 0 || r.Cmp(ref.Q) >= 0 || s.Cmp(ref.Q) >= 0
			require.Equal(t, outOfRange, errors.Is(err, gost.ErrMalformedSignature))
		}
	})
}

// FuzzSignedStructures feeds arbitrary DER to the certificate, CRL and OCSP
// checks with a fixed GOST issuer.
func FuzzSignedStructures(f *testing.F) {
	k := seedKey(f, gost.CurveCryptoProA(), 20)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fuzz CA"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(2e9, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true, IsCA: true,
	}
	rng := rand.NewChaCha8([32]byte{21})
	caDER, err := gosttest.CreateCertificate(rng, tmpl, tmpl, k.Public(), k, gost.OID(gost.OIDKZSignature2004))
	if err != nil {
		f.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		f.Fatal(err)
	}
	crl, err := gosttest.CreateRevocationList(rng, &x509.RevocationList{Number: big.NewInt(1),
		ThisUpdate: time.Unix(1e9, 0), NextUpdate: time.Unix(1.1e9, 0)}, ca, k, gost.OID(gost.OIDKZSignature2004))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(caDER)
	f.Add(crl)
	f.Fuzz(func(t *testing.T, der []byte) {
		for _, err := range []error{
			gost.CheckCRLSignature(der, ca),
			gost.CheckBasicOCSPSignature(der, ca),
			gost.CheckOCSPSignature(der, ca),
		} {
			if err != nil {
				requireSentinel(t, err)
			}
		}
		if c, err := x509.ParseCertificate(der); err == nil {
			if err := gost.CheckCertificateSignature(c, ca); err != nil {
				requireSentinel(t, err)
			}
		}
		basic, err := gost.BasicOCSPResponse(der)
		if err != nil {
			require.Nil(t, basic)
			requireSentinel(t, err)
		}
		oid, err := gost.SignatureOID(der)
		if err != nil {
			require.Nil(t, oid)
			requireSentinel(t, err)
		}
	})
}

// FuzzOID: OID parses exactly the canonical dotted form.
func FuzzOID(f *testing.F) {
	for _, s := range []string{gost.OIDKZSignature2015512, "1.2", "0.0", "1.02", "1..2", "", "1.-2", "1.2.99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		oid := gost.OID(s)
		if oid != nil {
			require.Equal(t, s, oid.String())
		}
	})
}

// FuzzHashStreaming: any split of the input gives the one-shot digest.
func FuzzHashStreaming(f *testing.F) {
	f.Add([]byte("abc"), uint16(1), uint8(0))
	f.Add(bytes.Repeat([]byte{7}, 200), uint16(64), uint8(1))
	f.Fuzz(func(t *testing.T, msg []byte, split uint16, which uint8) {
		newHash := []func() hash.Hash{gost.New512, gost.New256, gost.New34311, gost.New341194CryptoPro}[int(which)%4]
		one := newHash()
		one.Write(msg)
		want := one.Sum(nil)
		h := newHash()
		cut := int(split) % (len(msg) + 1)
		h.Write(msg[:cut])
		h.Sum(nil)
		h.Write(msg[cut:])
		require.Equal(t, want, h.Sum(nil))
	})
}

func reference(c *gost.Curve) *bigec.Curve {
	p := c.Params()
	return &bigec.Curve{P: p.P, A: p.A, B: p.B, Q: p.Q, Gx: p.Gx, Gy: p.Gy}
}

func leInt(b []byte) *big.Int {
	r := make([]byte, len(b))
	for i := range b {
		r[len(b)-1-i] = b[i]
	}
	return new(big.Int).SetBytes(r)
}
