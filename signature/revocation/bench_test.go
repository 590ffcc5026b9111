package revocation

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"math/big"
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/gost"
)

// Benchmarks, each beside the raw primitive it wraps so the overhead shows
// as a ratio in one run:
//
//	BenchmarkOCSP/<alg>/raw-signature   one signature check of the response
//	BenchmarkOCSP/<alg>/cold-verify     parse + full verification (responder
//	                                    certificate and response signatures)
//	BenchmarkOCSP/<alg>/warm-cache      CheckRevocation answered by the cache
//	BenchmarkCRL200k/map-baseline       a Go map lookup of the same keys
//	BenchmarkCRL200k/lookup-bytes       the index lookup by serial octets
//	BenchmarkCRL200k/lookup-bigint      CRL.Lookup(*big.Int)
//	BenchmarkCRL200k/check              CheckRevocation against the CRL
//	BenchmarkCRLParse200k/x509 and /ours  parsing the whole CRL once
//
// The login benchmark (a whole signature.Verify with and without
// revocation) is in login_bench_test.go.

func BenchmarkOCSP(b *testing.B) {
	for _, alg := range []string{"rsa", "ecdsa", "gost"} {
		b.Run(alg, func(b *testing.B) {
			p := newPKI(b, alg, testEpoch)
			leaf := p.leaf(b, 4242, "http://ocsp.invalid/", "", "")
			nonce := []byte("0123456789abcdef")
			der := buildResponse(b, respSpec{status: StatusGood, reason: -1, issuer: p.ca, serial: leaf.SerialNumber,
				thisUpdate: testEpoch, nextUpdate: testEpoch.Add(time.Hour), nonce: nonceValue(nonce),
				sign: p.responderKey, signer: p.responder, embed: []*x509.Certificate{p.responder}})
			r, err := ParseOCSPResponse(der)
			if err != nil {
				b.Fatal(err)
			}
			b.Run("raw-signature", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					rawVerify(b, p.responder, r.TBSResponseData, r.Signature)
				}
			})
			c, err := New(Config{Mode: OCSPOnly, Now: func() time.Time { return testEpoch }})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			ii, _ := newIssuerInfo(p.ca)
			q := &ocspQuery{issuer: p.ca, ii: ii, serial: signature.SerialBytes(leaf.SerialNumber), nonce: nonce}
			b.Run("cold-verify", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					r, err := ParseOCSPResponse(der)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := c.verifyOCSP(context.Background(), r, q, testEpoch); err != nil {
						b.Fatal(err)
					}
				}
			})
			ctx := context.Background()
			ans, err := c.verifyOCSP(ctx, r, q, testEpoch)
			if err != nil {
				b.Fatal(err)
			}
			c.cachePut(ctx, c.ocspCacheKey(ii, q.serial), ans.status(), ans.validUntil)
			b.Run("warm-cache", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					st, err := c.CheckRevocation(ctx, leaf, p.ca)
					if err != nil || !st.Cached {
						b.Fatal(err, st)
					}
				}
			})
		})
	}
}

// rawVerify is the bare signature primitive over signed.
func rawVerify(b *testing.B, signer *x509.Certificate, signed, sig []byte) {
	switch pub := signer.PublicKey.(type) {
	case *rsa.PublicKey:
		h := sha256.Sum256(signed)
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig); err != nil {
			b.Fatal(err)
		}
	case *ecdsa.PublicKey:
		h := sha256.Sum256(signed)
		if !ecdsa.VerifyASN1(pub, h[:], sig) {
			b.Fatal("ecdsa")
		}
	default:
		gp, err := gost.PublicKeyFromCertificate(signer)
		if err != nil {
			b.Fatal(err)
		}
		if err := gost.CheckSignature(oidGOST2015512, gp, signed, sig); err != nil {
			b.Fatal(err)
		}
	}
}

// bigCRL makes a CRL with n entries of random 20-byte serials (the size of
// NCA serials), reasons mixed, and returns it with its serials.
func bigCRL(b *testing.B, p *testPKI, n int) ([]byte, []*big.Int) {
	b.Helper()
	rng := mrand.New(mrand.NewChaCha8([32]byte{1}))
	entries := make([]x509.RevocationListEntry, n)
	serials := make([]*big.Int, n)
	for i := range entries {
		var s [20]byte
		for j := range s {
			s[j] = byte(rng.Uint32())
		}
		s[0] &= 0x7f
		serials[i] = new(big.Int).SetBytes(s[:])
		entries[i] = x509.RevocationListEntry{SerialNumber: serials[i], RevocationTime: testEpoch.Add(-time.Duration(i) * time.Second),
			ReasonCode: []int{0, 1, 4, 6}[i%4]}
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		RevokedCertificateEntries: entries, Number: big.NewInt(1),
		ThisUpdate: testEpoch.Add(-time.Hour), NextUpdate: testEpoch.Add(24 * time.Hour),
	}, p.ca, p.caKey.std)
	if err != nil {
		b.Fatal(err)
	}
	return der, serials
}

func BenchmarkCRL200k(b *testing.B) {
	p := newPKI(b, "ecdsa", testEpoch)
	der, serials := bigCRL(b, p, 200_000)
	crl, err := ParseCRL(der)
	if err != nil || crl.Len() != 200_000 {
		b.Fatal(err)
	}
	// Half the probes hit, half miss.
	keys := make([][]byte, 1024)
	ints := make([]*big.Int, len(keys))
	for i := range keys {
		if i%2 == 0 {
			ints[i] = serials[(i*7919)%len(serials)]
		} else {
			ints[i] = new(big.Int).Add(serials[i], big.NewInt(1))
		}
		keys[i] = signature.SerialBytes(ints[i])
	}
	baseline := make(map[string]struct{}, len(serials))
	for _, s := range serials {
		baseline[string(signature.SerialBytes(s))] = struct{}{}
	}
	b.Run("map-baseline", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			_, ok := baseline[string(keys[i%len(keys)])]
			if ok != (i%2 == 0) {
				b.Fatal("baseline")
			}
			i++
		}
	})
	b.Run("lookup-bytes", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			_, ok := crl.lookup(keys[i%len(keys)])
			if ok != (i%2 == 0) {
				b.Fatal("lookup")
			}
			i++
		}
	})
	b.Run("lookup-bigint", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			_, ok := crl.Lookup(ints[i%len(ints)])
			if ok != (i%2 == 0) {
				b.Fatal("Lookup")
			}
			i++
		}
	})
	c, err := New(Config{Mode: CRLOnly, Now: func() time.Time { return testEpoch },
		CRLs: []StaticCRL{{CRL: der, Issuer: p.ca}}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	good := p.leaf(b, 1, "", "", "")
	b.Run("check", func(b *testing.B) {
		b.ReportAllocs()
		ctx := context.Background()
		for b.Loop() {
			if _, err := c.CheckRevocation(ctx, good, p.ca); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkCRLParse200k(b *testing.B) {
	p := newPKI(b, "ecdsa", testEpoch)
	der, _ := bigCRL(b, p, 200_000)
	b.SetBytes(int64(len(der)))
	b.Run("x509", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := x509.ParseRevocationList(der); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ParseCRL(der); err != nil {
				b.Fatal(err)
			}
		}
	})
}
