package gosttest

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"log/slog"
	"math/big"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/internal/testenv"
)

func detRand(seed byte) *rand.ChaCha8 { return rand.NewChaCha8([32]byte{seed}) }

func curves() []*gost.Curve {
	return []*gost.Curve{gost.CurveTC26512A(), gost.CurveCryptoProA(), gost.CurveTC26256A()}
}

func readCert(t testing.TB, rel string) *x509.Certificate {
	t.Helper()
	return testenv.Certificate(t, rel)
}

// TestNCAKeyScalars: for every NCA test key, d·G is the public key of its
// certificate; d+1 is not.
func TestNCAKeyScalars(t *testing.T) {
	cases := []struct {
		name  string
		curve *gost.Curve
	}{
		{"kz-nca/keys/individual_valid", gost.CurveTC26512A()},
		{"kz-nca/keys/individual_revoked", gost.CurveTC26512A()},
		{"kz-nca/keys/legal_head_valid", gost.CurveTC26512A()},
		{"kz-nca/keys/legal_head_revoked", gost.CurveTC26512A()},
		{"kz-nca/legacy/keys/key_ceo_sign_revoked_2004", gost.CurveCryptoProA()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, err := PrivateKeyFromHex(c.curve, string(testenv.ReadFile(t, c.name+".key.hex")))
			require.NoError(t, err)
			crt := readCert(t, c.name+".cert.pem")
			certKey, err := gost.PublicKeyFromCertificate(crt)
			require.NoError(t, err)
			require.True(t, certKey.Equal(k.Public()), "d·G equals the certificate key")

			other, err := NewPrivateKey(c.curve, new(big.Int).Add(k.D(), big.NewInt(1)))
			require.NoError(t, err)
			require.False(t, certKey.Equal(other.Public()), "negative control: d+1")

			// A signature by the NCA key verifies under the certificate key.
			alg := gost.OIDKZSignature2015512
			if c.curve == gost.CurveCryptoProA() {
				alg = gost.OIDKZSignature2004
			}
			msg := []byte("challenge")
			sig, err := SignMessage(detRand(1), k, gost.OID(alg), msg)
			require.NoError(t, err)
			require.NoError(t, gost.CheckSignature(gost.OID(alg), certKey, msg, sig))
		})
	}
}

func TestPrivateKeyInput(t *testing.T) {
	c := gost.CurveCryptoProA()
	for _, bad := range []string{"", "00", "zz", strings.Repeat("ff", 33),
		fmt.Sprintf("%x", c.Params().Q)} {
		_, err := PrivateKeyFromHex(c, bad)
		require.Error(t, err, "%q", bad)
	}
	_, err := NewPrivateKey(c, big.NewInt(-1))
	require.Error(t, err)
	k, err := PrivateKeyFromHex(c, " 01\n")
	require.NoError(t, err)
	require.Equal(t, int64(1), k.D().Int64())
	// d = 1: the public key is G.
	p := c.Params()
	xy := k.Public().Bytes()
	require.Equal(t, p.Gx.Bytes(), trimLE(xy[:32]))
	_, err = GenerateKey(nil, detRand(1))
	require.Error(t, err)
}

func trimLE(b []byte) []byte {
	return new(big.Int).SetBytes(reverseCopy(b)).Bytes()
}

// TestPrivateKeyRedacted: the scalar never shows in formatted or logged
// output.
func TestPrivateKeyRedacted(t *testing.T) {
	k, err := PrivateKeyFromHex(gost.CurveCryptoProA(), "0123456789abcdef0123456789abcdef")
	require.NoError(t, err)
	var logBuf bytes.Buffer
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("key", "k", k)
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %x %s", k, k, k, k, k), k.String(), logBuf.String()} {
		assert.NotContains(t, strings.ToLower(s), "0123456789abcdef")
		assert.NotContains(t, s, k.D().String())
		assert.Contains(t, s, "REDACTED")
	}
	var nilKey *PrivateKey
	assert.Equal(t, "gosttest.PrivateKey(nil)", nilKey.String())
}

// TestSignVerifyRoundTrip signs with every curve and layout and verifies with
// package gost; any change to digest or signature fails.
func TestSignVerifyRoundTrip(t *testing.T) {
	for _, c := range curves() {
		for _, layout := range []gost.SigLayout{gost.LayoutNCA, gost.LayoutRFC4491} {
			t.Run(c.Name()+"/"+layout.String(), func(t *testing.T) {
				k, err := GenerateKey(c, detRand(2))
				require.NoError(t, err)
				digest := bytes.Repeat([]byte{0xa5}, c.Size())
				sig, err := Sign(detRand(3), k, digest, layout)
				require.NoError(t, err)
				require.Len(t, sig, 2*c.Size())
				require.NoError(t, gost.VerifyDigest(k.Public(), digest, sig, layout))
				other := gost.LayoutNCA
				if layout == gost.LayoutNCA {
					other = gost.LayoutRFC4491
				}
				require.Error(t, gost.VerifyDigest(k.Public(), digest, sig, other))
				digest[0] ^= 1
				require.ErrorIs(t, gost.VerifyDigest(k.Public(), digest, sig, layout), gost.ErrVerification)
			})
		}
	}
	k, err := GenerateKey(gost.CurveTC26512A(), detRand(4))
	require.NoError(t, err)
	_, err = Sign(detRand(5), k, make([]byte, 32), gost.LayoutNCA)
	require.Error(t, err, "digest size must match the curve")
	_, err = Sign(detRand(5), k, make([]byte, 64), 0)
	require.Error(t, err, "invalid layout")
	_, err = SignMessage(detRand(5), k, gost.OID(gost.OIDKZSignature2004), nil)
	require.Error(t, err, "2004 algorithm with a 512-bit key")

	// A nil source means crypto/rand.
	k2, err := GenerateKey(gost.CurveCryptoProA(), nil)
	require.NoError(t, err)
	sig, err := SignMessage(nil, k2, gost.OID(gost.OIDKZSignature2004), []byte("m"))
	require.NoError(t, err)
	require.NoError(t, gost.CheckSignature(gost.OID(gost.OIDKZSignature2004), k2.Public(), []byte("m"), sig))
	tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: "nil rand"}, NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1e9, 0)}
	_, err = CreateCertificate(nil, tmpl, tmpl, k2.Public(), k2, gost.OID(gost.OIDKZSignature2004))
	require.NoError(t, err, "random serial number from crypto/rand")
}

// TestSignMessageAllAlgorithms covers every supported signature OID.
func TestSignMessageAllAlgorithms(t *testing.T) {
	for _, alg := range gost.Algorithms() {
		t.Run(alg.Name, func(t *testing.T) {
			c := gost.CurveCryptoProA()
			if alg.KeyBitSize == 512 {
				c = gost.CurveTC26512A()
			}
			k, err := GenerateKey(c, detRand(6))
			require.NoError(t, err)
			msg := []byte("message for " + alg.Name)
			sig, err := SignMessage(detRand(7), k, alg.SignatureOID, msg)
			require.NoError(t, err)
			require.NoError(t, gost.CheckSignature(alg.SignatureOID, k.Public(), msg, sig))
			require.ErrorIs(t, gost.CheckSignature(alg.SignatureOID, k.Public(), append(msg, '!'), sig), gost.ErrVerification)
			// The layout follows the OID family.
			h := alg.NewHash()
			h.Write(msg)
			require.NoError(t, gost.VerifyDigest(k.Public(), h.Sum(nil), sig, alg.Layout))
			assert.Equal(t, alg.Kazakh, alg.Layout == gost.LayoutNCA)
		})
	}
}

// TestMarshalPublicKey round-trips keys of every curve through both OID
// families.
func TestMarshalPublicKey(t *testing.T) {
	for _, c := range curves() {
		for _, kz := range []bool{true, false} {
			k, err := GenerateKey(c, detRand(8))
			require.NoError(t, err)
			der, err := MarshalPublicKey(k.Public(), kz)
			require.NoError(t, err)
			back, err := gost.ParsePublicKey(der)
			require.NoError(t, err, "%s kz=%v", c.Name(), kz)
			require.True(t, back.Equal(k.Public()))
			var spki struct {
				Alg struct {
					OID    asn1.ObjectIdentifier
					Params []asn1.ObjectIdentifier
				}
				Key asn1.BitString
			}
			_, err = asn1.Unmarshal(der, &spki)
			require.NoError(t, err)
			assert.Equal(t, kz, strings.HasPrefix(spki.Alg.OID.String(), "1.2.398."), spki.Alg.OID)
		}
	}
	_, err := MarshalPublicKey(nil, true)
	require.Error(t, err)
}

// certChain builds root → intermediate → leaf with Kazakh or Russian OIDs.
type certChain struct {
	rootKey, interKey, leafKey *PrivateKey
	root, inter, leaf          *x509.Certificate
	rootDER, interDER, leafDER []byte
}

var (
	oidSerialNumber = asn1.ObjectIdentifier{2, 5, 4, 5}
	oidSurname      = asn1.ObjectIdentifier{2, 5, 4, 4}
	oidGivenName    = asn1.ObjectIdentifier{2, 5, 4, 42}
	oidKZIndividual = asn1.ObjectIdentifier{1, 2, 398, 3, 3, 4, 1, 1}
	oidKZPolicy     = asn1.ObjectIdentifier{1, 2, 398, 3, 3, 2}
)

func buildChain(t testing.TB, c *gost.Curve, sigAlg asn1.ObjectIdentifier, seed byte) *certChain {
	t.Helper()
	rng := detRand(seed)
	ch := &certChain{}
	var err error
	ch.rootKey, err = GenerateKey(c, rng)
	require.NoError(t, err)
	ch.interKey, err = GenerateKey(c, rng)
	require.NoError(t, err)
	ch.leafKey, err = GenerateKey(c, rng)
	require.NoError(t, err)
	notBefore := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	rootT := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "TEST ROOT", Country: []string{"KZ"}},
		NotBefore:    notBefore, NotAfter: notBefore.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true, IsCA: true,
		Policies: []x509.OID{mustOID(t, asn1.ObjectIdentifier{1, 2, 398, 3, 1, 2})},
	}
	ch.rootDER, err = CreateCertificate(rng, rootT, rootT, ch.rootKey.Public(), ch.rootKey, sigAlg)
	require.NoError(t, err)
	ch.root, err = x509.ParseCertificate(ch.rootDER)
	require.NoError(t, err)

	interT := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "TEST NCA", Country: []string{"KZ"}},
		NotBefore:    notBefore, NotAfter: notBefore.AddDate(5, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true, IsCA: true, MaxPathLenZero: true,
	}
	ch.interDER, err = CreateCertificate(rng, interT, ch.root, ch.interKey.Public(), ch.rootKey, sigAlg)
	require.NoError(t, err)
	ch.inter, err = x509.ParseCertificate(ch.interDER)
	require.NoError(t, err)

	leafT := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes([]byte{0x6c, 0x42, 0x56, 0x59, 0xbd, 0x2f}),
		Subject: pkix.Name{
			CommonName: "ТЕСТОВ ТЕСТ", Country: []string{"KZ"},
			Organization: []string{`АО "ТЕСТ"`}, OrganizationalUnit: []string{"BIN123456789021"},
			ExtraNames: []pkix.AttributeTypeAndValue{
				{Type: oidSurname, Value: "ТЕСТОВ"},
				{Type: oidSerialNumber, Value: "IIN123456789011"},
				{Type: oidGivenName, Value: "ТЕСТОВИЧ"},
			},
		},
		NotBefore: notBefore, NotAfter: notBefore.AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		UnknownExtKeyUsage:    []asn1.ObjectIdentifier{oidKZIndividual},
		BasicConstraintsValid: true,
		SubjectKeyId:          []byte{1, 2, 3, 4},
		Policies:              []x509.OID{mustOID(t, oidKZPolicy)},
		CRLDistributionPoints: []string{"http://test.pki.gov.kz/crl/nca_gost_test_2022.crl"},
		OCSPServer:            []string{"http://test.pki.gov.kz/ocsp/"},
		IssuingCertificateURL: []string{"http://test.pki.gov.kz/cert/nca_gost2022_test.cer"},
		EmailAddresses:        []string{"test@example.kz"},
		URIs:                  []*url.URL{{Scheme: "https", Host: "example.kz"}},
		ExtraExtensions: []pkix.Extension{
			{Id: asn1.ObjectIdentifier{1, 2, 398, 3, 3, 9, 1}, Value: []byte{0x05, 0x00}},
		},
	}
	ch.leafDER, err = CreateCertificate(rng, leafT, ch.inter, ch.leafKey.Public(), ch.interKey, sigAlg)
	require.NoError(t, err)
	ch.leaf, err = x509.ParseCertificate(ch.leafDER)
	require.NoError(t, err)
	return ch
}

// algorithmCases pairs every signature OID with a curve of its size.
var algorithmCases = []struct {
	name  string
	curve func() *gost.Curve
	alg   string
}{
	{"KZ 2015-512", gost.CurveTC26512A, gost.OIDKZSignature2015512},
	{"KZ 2004", gost.CurveCryptoProA, gost.OIDKZSignature2004},
	{"KZ 2015-256", gost.CurveTC26256A, gost.OIDKZSignature2015256},
	{"RU 2012-512", gost.CurveTC26512A, gost.OIDRUSignature2012512},
	{"RU 2012-256", gost.CurveTC26256A, gost.OIDRUSignature2012256},
	{"RU 2001", gost.CurveCryptoProA, gost.OIDRUSignature2001},
}

func TestCreateCertificate(t *testing.T) {
	for i, c := range algorithmCases {
		t.Run(c.name, func(t *testing.T) {
			ch := buildChain(t, c.curve(), gost.OID(c.alg), byte(10+i))
			require.NoError(t, gost.CheckCertificateSignature(ch.root, ch.root))
			require.NoError(t, gost.CheckCertificateSignature(ch.inter, ch.root))
			require.NoError(t, gost.CheckCertificateSignature(ch.leaf, ch.inter))
			require.ErrorIs(t, gost.CheckCertificateSignature(ch.leaf, ch.root), gost.ErrVerification)

			// x509 sees the GOST algorithms as unknown, and the right key.
			assert.Equal(t, x509.UnknownSignatureAlgorithm, ch.leaf.SignatureAlgorithm)
			assert.Equal(t, x509.UnknownPublicKeyAlgorithm, ch.leaf.PublicKeyAlgorithm)
			k, err := gost.PublicKeyFromCertificate(ch.leaf)
			require.NoError(t, err)
			assert.True(t, k.Equal(ch.leafKey.Public()))

			// The DER carries only GOST OIDs (no trace of the layout key).
			kz := strings.HasPrefix(c.alg, "1.2.398")
			for _, der := range [][]byte{ch.rootDER, ch.interDER, ch.leafDER} {
				assert.NotContains(t, string(der), string([]byte{0x2a, 0x86, 0x48, 0xce, 0x3d}), "no ecPublicKey/ecdsa-with OIDs")
				_, oid, withNULL := outerAlgorithm(t, der)
				assert.Equal(t, c.alg, oid.String())
				assert.Equal(t, kz, withNULL, "NULL parameters exactly in the NCA shape")
			}

			// Template fields survive.
			l := ch.leaf
			assert.Equal(t, "ТЕСТОВ ТЕСТ", l.Subject.CommonName)
			assert.Equal(t, "IIN123456789011", l.Subject.SerialNumber)
			assert.Equal(t, []string{"BIN123456789021"}, l.Subject.OrganizationalUnit)
			names := map[string]any{}
			for _, n := range l.Subject.Names {
				names[n.Type.String()] = n.Value
			}
			assert.Equal(t, "ТЕСТОВИЧ", names[oidGivenName.String()])
			assert.Equal(t, "ТЕСТОВ", names[oidSurname.String()])
			assert.Equal(t, ch.inter.Subject.String(), l.Issuer.String())
			assert.Equal(t, x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment, l.KeyUsage)
			assert.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}, l.ExtKeyUsage)
			assert.Equal(t, []asn1.ObjectIdentifier{oidKZIndividual}, l.UnknownExtKeyUsage)
			assert.Equal(t, []x509.OID{mustOID(t, oidKZPolicy)}, l.Policies)
			assert.Equal(t, []string{"http://test.pki.gov.kz/ocsp/"}, l.OCSPServer)
			assert.Equal(t, []string{"http://test.pki.gov.kz/crl/nca_gost_test_2022.crl"}, l.CRLDistributionPoints)
			assert.Equal(t, []byte{1, 2, 3, 4}, l.SubjectKeyId)
			assert.Equal(t, ch.inter.SubjectKeyId, l.AuthorityKeyId)
			assert.NotEmpty(t, ch.inter.SubjectKeyId, "CA SKI derived from the GOST key")
			assert.True(t, ch.inter.IsCA)
			assert.True(t, ch.inter.MaxPathLenZero)
			assert.False(t, l.IsCA)
			assert.Equal(t, []string{"test@example.kz"}, l.EmailAddresses)
			found := false
			for _, e := range l.Extensions {
				found = found || e.Id.Equal(asn1.ObjectIdentifier{1, 2, 398, 3, 3, 9, 1})
			}
			assert.True(t, found, "ExtraExtensions kept")
		})
	}
}

func mustOID(t testing.TB, oid asn1.ObjectIdentifier) x509.OID {
	t.Helper()
	o, err := x509.OIDFromASN1OID(oid)
	require.NoError(t, err)
	return o
}

// outerAlgorithm returns the TBS, the outer signature OID and whether its
// AlgorithmIdentifier carries NULL parameters.
func outerAlgorithm(t testing.TB, der []byte) ([]byte, asn1.ObjectIdentifier, bool) {
	t.Helper()
	var s struct {
		TBS asn1.RawValue
		Alg struct {
			OID    asn1.ObjectIdentifier
			Params asn1.RawValue `asn1:"optional"`
		}
		Sig asn1.BitString
	}
	_, err := asn1.Unmarshal(der, &s)
	require.NoError(t, err)
	return s.TBS.FullBytes, s.Alg.OID, s.Alg.Params.Tag == asn1.TagNull
}

func TestCreateCertificateRefusesWrongSigner(t *testing.T) {
	ch := buildChain(t, gost.CurveCryptoProA(), gost.OID(gost.OIDKZSignature2004), 30)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "x"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1e9, 0)}
	_, err := CreateCertificate(detRand(1), tmpl, ch.inter, ch.leafKey.Public(), ch.rootKey, gost.OID(gost.OIDKZSignature2004))
	require.Error(t, err, "signer is not the parent's key")
	_, err = CreateCertificate(detRand(1), tmpl, ch.inter, ch.leafKey.Public(), ch.interKey, gost.OID(gost.OIDKZSignature2015512))
	require.Error(t, err, "512-bit algorithm with a 256-bit signer")
	_, err = CreateCertificate(detRand(1), tmpl, ch.inter, ch.leafKey.Public(), ch.interKey, asn1.ObjectIdentifier{1, 2, 3})
	require.Error(t, err)
	_, err = CreateCertificate(detRand(1), nil, ch.inter, ch.leafKey.Public(), ch.interKey, gost.OID(gost.OIDKZSignature2004))
	require.Error(t, err)
}

func TestCreateRevocationList(t *testing.T) {
	for _, kz := range []bool{true, false} {
		t.Run(fmt.Sprintf("kazakh=%v", kz), func(t *testing.T) {
			alg := gost.OIDRUSignature2012512
			if kz {
				alg = gost.OIDKZSignature2015512
			}
			ch := buildChain(t, gost.CurveTC26512A(), gost.OID(alg), 40)
			this := time.Date(2026, 8, 11, 3, 49, 19, 0, time.UTC)
			tmpl := &x509.RevocationList{
				Number:     big.NewInt(166),
				ThisUpdate: this, NextUpdate: this.AddDate(0, 6, 0),
				RevokedCertificateEntries: []x509.RevocationListEntry{
					{SerialNumber: ch.leaf.SerialNumber, RevocationTime: this.Add(-time.Hour), ReasonCode: 6}, // certificateHold
					{SerialNumber: big.NewInt(77), RevocationTime: this.Add(-2 * time.Hour), ReasonCode: 4},   // superseded
				},
			}
			der, err := CreateRevocationList(detRand(41), tmpl, ch.inter, ch.interKey, gost.OID(alg))
			require.NoError(t, err)
			require.NoError(t, gost.CheckCRLSignature(der, ch.inter))
			require.ErrorIs(t, gost.CheckCRLSignature(der, ch.root), gost.ErrVerification)

			// Shape: outer with NULL, inner without (NCA); no parameters (RU).
			tbs, oid, outerNULL := outerAlgorithm(t, der)
			assert.Equal(t, alg, oid.String())
			assert.Equal(t, kz, outerNULL)
			var list pkix.TBSCertificateList
			_, err = asn1.Unmarshal(tbs, &list)
			require.NoError(t, err)
			assert.Empty(t, list.Signature.Parameters.FullBytes, "inner AlgorithmIdentifier has no parameters")
			require.Len(t, list.RevokedCertificates, 2)
			assert.Equal(t, 0, list.RevokedCertificates[0].SerialNumber.Cmp(ch.leaf.SerialNumber))
			require.Len(t, list.RevokedCertificates[0].Extensions, 1)
			assert.Equal(t, []byte{0x0a, 0x01, 0x06}, list.RevokedCertificates[0].Extensions[0].Value, "reason certificateHold")

			// crypto/x509 refuses the NCA shape, as it refuses the real NCA CRL.
			parsed, err := x509.ParseRevocationList(der)
			if kz {
				require.Error(t, err)
			} else {
				require.NoError(t, err)
				assert.Equal(t, int64(166), parsed.Number.Int64())
				require.Len(t, parsed.RevokedCertificateEntries, 2)
				assert.Equal(t, 6, parsed.RevokedCertificateEntries[0].ReasonCode)
			}
			// Wrong signer for the issuer.
			_, err = CreateRevocationList(detRand(41), tmpl, ch.inter, ch.rootKey, gost.OID(alg))
			require.Error(t, err)
		})
	}
}
