package devpki_test

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/gosttest"
)

func epoch() time.Time { return time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) }

func gen(seed byte) *devpki.Generator {
	return devpki.New(devpki.Config{Rand: rand.NewChaCha8([32]byte{seed}), Now: epoch})
}

// With the same reader, keys, serials and (RSA, GOST) signatures repeat;
// with another, they differ.
func TestDeterministic(t *testing.T) {
	for _, alg := range []devpki.Algorithm{devpki.GOST2015, devpki.RSA2048, devpki.ECDSAP256} {
		t.Run(string(alg), func(t *testing.T) {
			a, err := gen(1).Root(devpki.CAOptions{CommonName: "R", Algorithm: alg})
			require.NoError(t, err)
			b, err := gen(1).Root(devpki.CAOptions{CommonName: "R", Algorithm: alg})
			require.NoError(t, err)
			c, err := gen(2).Root(devpki.CAOptions{CommonName: "R", Algorithm: alg})
			require.NoError(t, err)
			assert.Equal(t, a.Cert.RawSubjectPublicKeyInfo, b.Cert.RawSubjectPublicKeyInfo)
			assert.Equal(t, a.Cert.SerialNumber, b.Cert.SerialNumber)
			assert.NotEqual(t, a.Cert.RawSubjectPublicKeyInfo, c.Cert.RawSubjectPublicKeyInfo)
			if alg != devpki.ECDSAP256 {
				assert.Equal(t, a.Cert.Raw, b.Cert.Raw, "RSA and GOST signatures are reproducible")
			}
		})
	}
}

// Each kind carries the NCA's EKU OIDs, key usage and subject layout.
func TestKinds(t *testing.T) {
	root, err := gen(3).Root(devpki.CAOptions{CommonName: "R", Algorithm: devpki.ECDSAP256})
	require.NoError(t, err)
	person := devpki.LeafOptions{Surname: "Тестов", Name: "Тест", Patronymic: "Тестович", IIN: "900101300017", BIN: "050607500041", Organization: "O"}
	for kind, want := range map[devpki.Kind][]string{
		devpki.Individual:        {"1.3.6.1.5.5.7.3.4", "1.2.398.3.3.4.1.1"},
		devpki.FirstHead:         {"1.3.6.1.5.5.7.3.4", "1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.1"},
		devpki.RightToSign:       {"1.3.6.1.5.5.7.3.4", "1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.2"},
		devpki.FinancialSigner:   {"1.3.6.1.5.5.7.3.4", "1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.3"},
		devpki.HR:                {"1.3.6.1.5.5.7.3.4", "1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.4"},
		devpki.Employee:          {"1.3.6.1.5.5.7.3.4", "1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.5"},
		devpki.InformationSystem: {"1.3.6.1.5.5.7.3.4", "1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.6"},
		devpki.LegacyAuth:        {"1.3.6.1.5.5.7.3.2", "1.2.398.3.3.4.1.1"},
		devpki.LegacySign:        {"1.3.6.1.5.5.7.3.4", "1.2.398.3.3.4.1.1"},
	} {
		t.Run(string(kind), func(t *testing.T) {
			o := person
			o.Kind = kind
			l, err := root.Issue(o)
			require.NoError(t, err)
			var got []string
			for _, u := range l.Cert.ExtKeyUsage {
				got = append(got, map[x509.ExtKeyUsage]string{x509.ExtKeyUsageClientAuth: "1.3.6.1.5.5.7.3.2", x509.ExtKeyUsageEmailProtection: "1.3.6.1.5.5.7.3.4"}[u])
			}
			for _, u := range l.Cert.UnknownExtKeyUsage {
				got = append(got, u.String())
			}
			assert.ElementsMatch(t, want, got)
			assert.NotZero(t, l.Cert.KeyUsage&x509.KeyUsageDigitalSignature)
			assert.Equal(t, kind == devpki.LegacyAuth, l.Cert.KeyUsage&x509.KeyUsageContentCommitment == 0)
			assert.False(t, l.Cert.IsCA)
			require.NoError(t, l.Cert.CheckSignatureFrom(root.Cert))
			var storage bool
			for _, x := range l.Cert.Extensions {
				storage = storage || x.Id.String() == devpki.OIDKeyStorage
			}
			assert.True(t, storage)
			wantPolicy := devpki.OIDPolicyGOST2015
			switch kind {
			case devpki.LegacyAuth:
				wantPolicy = devpki.OIDPolicyLegacyIndividualAuth
			case devpki.LegacySign:
				wantPolicy = devpki.OIDPolicyLegacyIndividualSign
			}
			require.Len(t, l.Cert.Policies, 1)
			assert.Equal(t, wantPolicy, l.Cert.Policies[0].String(), "the NCA policy of the kind")
		})
	}
	// Policies override the kind's; NoPolicies omits them.
	o := person
	o.Kind, o.Policies = devpki.FirstHead, []string{"1.2.398.3.3.2.1"}
	l, err := root.Issue(o)
	require.NoError(t, err)
	require.Len(t, l.Cert.Policies, 1)
	assert.Equal(t, "1.2.398.3.3.2.1", l.Cert.Policies[0].String())
	o.Policies, o.NoPolicies = nil, true
	l, err = root.Issue(o)
	require.NoError(t, err)
	assert.Empty(t, l.Cert.Policies)
	o.Policies, o.NoPolicies = []string{"not an OID"}, false
	_, err = root.Issue(o)
	require.Error(t, err)
	for name, o := range map[string]devpki.LeafOptions{
		"person without IIN":       {Kind: devpki.Individual, Surname: "A", Name: "B"},
		"head without BIN":         {Kind: devpki.FirstHead, Surname: "A", Name: "B", IIN: "900101300017"},
		"system without BIN":       {Kind: devpki.InformationSystem, Name: "S"},
		"unknown kind":             {Kind: "boss", Surname: "A", Name: "B", IIN: "1"},
		"GOST leaf under ECDSA CA": {Kind: devpki.Individual, Surname: "A", Name: "B", IIN: "1", Algorithm: devpki.GOST2015},
	} {
		_, err := root.Issue(o)
		require.Error(t, err, name)
	}
	_, err = gen(3).Root(devpki.CAOptions{})
	require.Error(t, err, "a CA needs a name")
}

// CRLs: RSA/ECDSA ones parse with crypto/x509; GOST ones have the NCA shape
// and verify with the GOST package.
func TestCRL(t *testing.T) {
	revoked := []devpki.Revoked{{Serial: big.NewInt(42), At: epoch(), Reason: 6}}
	ec, err := gen(4).Root(devpki.CAOptions{CommonName: "R", Algorithm: devpki.ECDSAP256})
	require.NoError(t, err)
	der, err := ec.CRL(devpki.CRLOptions{Number: 7, Revoked: revoked})
	require.NoError(t, err)
	crl, err := x509.ParseRevocationList(der)
	require.NoError(t, err)
	require.NoError(t, crl.CheckSignatureFrom(ec.Cert))
	require.Len(t, crl.RevokedCertificateEntries, 1)
	assert.Equal(t, 6, crl.RevokedCertificateEntries[0].ReasonCode)
	assert.Equal(t, int64(7), crl.Number.Int64())

	g, err := gen(4).Root(devpki.CAOptions{CommonName: "R"})
	require.NoError(t, err)
	der, err = g.CRL(devpki.CRLOptions{Revoked: revoked})
	require.NoError(t, err)
	require.NoError(t, gost.CheckCRLSignature(der, g.Cert))
	_, err = g.CRL(devpki.CRLOptions{Revoked: []devpki.Revoked{{}}})
	require.Error(t, err)
}

// Exported keys: PKCS #8 for RSA and ECDSA, big-endian hex for GOST.
func TestKeys(t *testing.T) {
	for _, alg := range []devpki.Algorithm{devpki.RSA2048, devpki.ECDSAP384} {
		root, err := gen(5).Root(devpki.CAOptions{CommonName: "R", Algorithm: alg})
		require.NoError(t, err)
		b, err := root.PrivateKeyPEM()
		require.NoError(t, err)
		blk, _ := pem.Decode(b)
		require.NotNil(t, blk)
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		require.NoError(t, err)
		switch k := k.(type) {
		case *rsa.PrivateKey:
			assert.True(t, k.PublicKey.Equal(root.Cert.PublicKey))
		case *ecdsa.PrivateKey:
			assert.True(t, k.PublicKey.Equal(root.Cert.PublicKey))
		}
		_, err = root.PrivateKeyHex()
		require.Error(t, err)
	}
	root, err := gen(5).Root(devpki.CAOptions{CommonName: "R"})
	require.NoError(t, err)
	h, err := root.PrivateKeyHex()
	require.NoError(t, err)
	assert.Len(t, h, 128)
	k, err := gosttest.PrivateKeyFromHex(gost.CurveTC26512A(), h)
	require.NoError(t, err)
	pub, err := gost.PublicKeyFromCertificate(root.Cert)
	require.NoError(t, err)
	assert.True(t, k.Public().Equal(pub))
	_, err = root.PrivateKeyPEM()
	require.Error(t, err)
	_, err = devpki.New(devpki.Config{}).Leaf(root.Cert, nil, "not a key")
	require.Error(t, err)

	// A GOST-2004 key is 32 bytes: 64 hex digits, readable on its curve.
	root, err = gen(6).Root(devpki.CAOptions{CommonName: "R2004", Algorithm: devpki.GOST2004})
	require.NoError(t, err)
	h, err = root.PrivateKeyHex()
	require.NoError(t, err)
	assert.Len(t, h, 64)
	k, err = gosttest.PrivateKeyFromHex(gost.CurveCryptoProA(), h)
	require.NoError(t, err)
	pub, err = gost.PublicKeyFromCertificate(root.Cert)
	require.NoError(t, err)
	assert.True(t, k.Public().Equal(pub))
}

// Out-of-range input is an error, never a panic.
func TestSignCMSBadTime(t *testing.T) {
	root, err := gen(6).Root(devpki.CAOptions{CommonName: "R", Algorithm: devpki.ECDSAP256})
	require.NoError(t, err)
	l, err := root.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "A", Name: "B", IIN: "900101300017"})
	require.NoError(t, err)
	_, err = l.SignCMS([]byte("x"), devpki.CMSOptions{SigningTime: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)})
	require.Error(t, err)
}
