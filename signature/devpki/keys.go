package devpki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/gosttest"
)

// Algorithm is a key (and signature) algorithm of the development PKI.
type Algorithm string

// Algorithms.
const (
	// GOST2015 is GOST 34.10-2015 512-bit on TC26-512-A with Kazakh OIDs
	// (key 1.2.398.3.10.1.1.2.2, signature 1.2.398.3.10.1.1.2.3.2,
	// Streebog-512), the algorithm of current NCA keys.
	GOST2015 Algorithm = "gost2015-512"
	// GOST2004 is GOST 34.310-2004 on the CryptoPro-A curve with GOST
	// 34.311-95 and Kazakh OIDs (key 1.2.398.3.10.1.1.1.1, signature
	// 1.2.398.3.10.1.1.1.2), the NCA's previous GOST generation.
	GOST2004 Algorithm = "gost2004"
	// RSA2048 is RSA-2048 with SHA-256 (the legacy NCA generation).
	RSA2048 Algorithm = "rsa-2048"
	// ECDSAP256 is ECDSA on P-256 with SHA-256.
	ECDSAP256 Algorithm = "ecdsa-p256"
	// ECDSAP384 is ECDSA on P-384 with SHA-384.
	ECDSAP384 Algorithm = "ecdsa-p384"
)

// key is a private key of one of the Algorithms.
type key struct {
	alg  Algorithm
	rsa  *rsa.PrivateKey
	ec   *ecdsa.PrivateKey
	gost *gosttest.PrivateKey
}

func (k *key) public() any {
	switch {
	case k.rsa != nil:
		return &k.rsa.PublicKey
	case k.ec != nil:
		return &k.ec.PublicKey
	}
	return k.gost.Public()
}

// signer returns the crypto.Signer of an RSA or ECDSA key.
func (k *key) signer() crypto.Signer {
	if k.rsa != nil {
		return k.rsa
	}
	return k.ec
}

// newKey generates a key of alg. With a caller-supplied rand the key is a
// function of the bytes read (crypto/rsa and crypto/ecdsa ignore their
// rand argument since Go 1.26, so this package derives keys itself); with
// deterministic == false it uses the standard library generators.
func newKey(alg Algorithm, rand io.Reader, deterministic bool) (*key, error) {
	switch alg {
	case GOST2015, GOST2004:
		curve := gost.CurveTC26512A()
		if alg == GOST2004 {
			curve = gost.CurveCryptoProA()
		}
		k, err := gosttest.GenerateKey(curve, rand)
		if err != nil {
			return nil, err
		}
		return &key{alg: alg, gost: k}, nil
	case RSA2048:
		if !deterministic {
			k, err := rsa.GenerateKey(crand.Reader, 2048)
			if err != nil {
				return nil, err
			}
			return &key{alg: alg, rsa: k}, nil
		}
		k, err := deterministicRSA(rand, 2048)
		if err != nil {
			return nil, err
		}
		return &key{alg: alg, rsa: k}, nil
	case ECDSAP256, ECDSAP384:
		curve := elliptic.P256()
		if alg == ECDSAP384 {
			curve = elliptic.P384()
		}
		if !deterministic {
			k, err := ecdsa.GenerateKey(curve, crand.Reader)
			if err != nil {
				return nil, err
			}
			return &key{alg: alg, ec: k}, nil
		}
		n := curve.Params().N
		size := (n.BitLen() + 7) / 8
		buf := make([]byte, size+8)
		if _, err := io.ReadFull(rand, buf); err != nil {
			return nil, err
		}
		d := new(big.Int).SetBytes(buf)
		d.Mod(d, new(big.Int).Sub(n, big.NewInt(1)))
		d.Add(d, big.NewInt(1))
		k, err := ecdsa.ParseRawPrivateKey(curve, d.FillBytes(make([]byte, size)))
		if err != nil {
			return nil, err
		}
		return &key{alg: alg, ec: k}, nil
	}
	return nil, fmt.Errorf("devpki: unknown algorithm %q", alg)
}

// deterministicRSA derives an RSA key from rand: two probable primes with
// the top two bits set, e = 65537.
func deterministicRSA(rand io.Reader, bits int) (*rsa.PrivateKey, error) {
	e := big.NewInt(65537)
	one := big.NewInt(1)
	prime := func() (*big.Int, error) {
		buf := make([]byte, bits/16)
		for range 100000 {
			if _, err := io.ReadFull(rand, buf); err != nil {
				return nil, err
			}
			buf[0] |= 0xc0
			buf[len(buf)-1] |= 1
			p := new(big.Int).SetBytes(buf)
			if !p.ProbablyPrime(20) {
				continue
			}
			if new(big.Int).GCD(nil, nil, e, new(big.Int).Sub(p, one)).Cmp(one) != 0 {
				continue
			}
			return p, nil
		}
		return nil, errors.New("devpki: no prime found")
	}
	for range 10 {
		p, err := prime()
		if err != nil {
			return nil, err
		}
		q, err := prime()
		if err != nil {
			return nil, err
		}
		if p.Cmp(q) == 0 {
			continue
		}
		n := new(big.Int).Mul(p, q)
		if n.BitLen() != bits {
			continue
		}
		phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
		d := new(big.Int).ModInverse(e, phi)
		if d == nil {
			continue
		}
		k := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: n, E: 65537}, D: d, Primes: []*big.Int{p, q}}
		k.Precompute()
		if err := k.Validate(); err != nil {
			continue
		}
		return k, nil
	}
	return nil, errors.New("devpki: RSA key generation failed")
}

// signatureOID returns the X.509 signature algorithm of a key.
func (k *key) x509Algorithm() x509.SignatureAlgorithm {
	switch k.alg {
	case RSA2048:
		return x509.SHA256WithRSA
	case ECDSAP256:
		return x509.ECDSAWithSHA256
	case ECDSAP384:
		return x509.ECDSAWithSHA384
	}
	return x509.UnknownSignatureAlgorithm
}

// gostAlgorithm is the Kazakh GOST signature algorithm of a GOST key: GOST
// 34.310-2004 with GOST 34.311-95 on CryptoPro-A, GOST 34.10-2015 with
// Streebog of the key's size otherwise.
func (k *key) gostAlgorithm() *gost.Algorithm {
	oid := gost.OIDKZSignature2015512
	switch k.gost.Curve().Name() {
	case gost.CurveCryptoProA().Name():
		oid = gost.OIDKZSignature2004
	case gost.CurveTC26256A().Name():
		oid = gost.OIDKZSignature2015256
	}
	a, _ := gost.SignatureAlgorithmByOID(gost.OID(oid)) // always registered
	return a
}

// createCertificate signs template with the issuer's key.
func createCertificate(rand io.Reader, template, parent *x509.Certificate, pub *key, issuer *key) ([]byte, error) {
	if issuer.gost != nil {
		if pub.gost == nil {
			return nil, errors.New("devpki: a GOST CA issues GOST keys only")
		}
		return gosttest.CreateCertificate(rand, template, parent, pub.gost.Public(), issuer.gost, issuer.gostAlgorithm().SignatureOID)
	}
	if pub.gost != nil {
		return nil, errors.New("devpki: a GOST key needs a GOST issuer")
	}
	t := *template
	t.SignatureAlgorithm = issuer.x509Algorithm()
	return x509.CreateCertificate(rand, &t, parent, pub.public(), issuer.signer())
}
