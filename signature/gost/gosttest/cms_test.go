package gosttest

import (
	"bytes"
	"crypto/x509"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/internal/cmstest"
	"github.com/strongauth/strongauth/signature/gost/internal/testenv"
)

func parseCMS(t testing.TB, der []byte) *cmstest.SignedData {
	t.Helper()
	p, err := cmstest.Parse(der)
	require.NoError(t, err)
	return p
}

// verifyCMS checks a SignedData the way the signature package will: signer
// certificate by issuer and serial, messageDigest, then the signature.
func verifyCMS(t testing.TB, p *cmstest.SignedData, content []byte) (*x509.Certificate, error) {
	t.Helper()
	signer := p.Signer()
	require.NotNil(t, signer, "signer certificate embedded")
	pub, err := gost.PublicKeyFromCertificate(signer)
	require.NoError(t, err)
	newHash, ok := gost.DigestByOID(p.DigestAlgorithm)
	require.True(t, ok)
	signed := content
	if p.SignedAttributes != nil {
		h := newHash()
		h.Write(content)
		if !bytes.Equal(h.Sum(nil), p.MessageDigest) {
			return signer, gost.ErrVerification
		}
		signed = p.SignedAttributes
	}
	return signer, gost.CheckSignerInfoSignature(p.DigestAlgorithm, p.SignatureAlgorithm, pub, signed, p.Signature)
}

func TestCreateSignedData(t *testing.T) {
	signingTime := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for i, c := range algorithmCases {
		ch := buildChain(t, c.curve(), gost.OID(c.alg), byte(80+i))
		for _, opts := range []SignedDataOptions{
			{},
			{Detached: true, SigningTime: signingTime, ExtraCertificates: []*x509.Certificate{ch.inter}},
			{Detached: true, NoSignedAttributes: true},
		} {
			content := []byte("login challenge 0f3a")
			der, err := CreateSignedData(detRand(90), content, ch.leaf, ch.leafKey, gost.OID(c.alg), opts)
			require.NoError(t, err, c.name)
			p := parseCMS(t, der)
			if opts.Detached {
				require.Nil(t, p.Content)
			} else {
				require.Equal(t, content, p.Content)
			}
			require.Len(t, p.Certificates, 1+len(opts.ExtraCertificates))
			assert.Equal(t, c.alg, p.SignatureAlgorithm.String())
			kz := c.alg[:8] == "1.2.398."
			assert.Equal(t, kz, p.DigestAlgNULL, "NULL parameters in the Kazakh shape")
			assert.Equal(t, opts.NoSignedAttributes, p.SignedAttributes == nil)
			if !opts.SigningTime.IsZero() {
				assert.True(t, opts.SigningTime.Equal(p.SigningTime))
			}
			signer, err := verifyCMS(t, p, content)
			require.NoError(t, err, "%s %+v", c.name, opts)
			require.NoError(t, gost.CheckCertificateSignature(signer, ch.inter))

			// Another content, or tampered attributes, fail.
			_, err = verifyCMS(t, p, []byte("login challenge 0f3b"))
			require.ErrorIs(t, err, gost.ErrVerification)
			if p.SignedAttributes != nil {
				p.SignedAttributes[len(p.SignedAttributes)-1] ^= 1
				_, err = verifyCMS(t, p, content)
				require.Error(t, err)
			}
		}
	}
	// The signer must hold the certificate's key.
	ch := buildChain(t, gost.CurveCryptoProA(), gost.OID(gost.OIDKZSignature2004), 95)
	_, err := CreateSignedData(detRand(1), []byte("x"), ch.leaf, ch.interKey, gost.OID(gost.OIDKZSignature2004), SignedDataOptions{})
	require.Error(t, err)
	_, err = CreateSignedData(detRand(1), []byte("x"), nil, ch.leafKey, gost.OID(gost.OIDKZSignature2004), SignedDataOptions{})
	require.Error(t, err)
}

// TestSignedDataWithNCATestKey signs a challenge with a real NCA test key and
// its certificate: the fixture the ECP factor tests need.
func TestSignedDataWithNCATestKey(t *testing.T) {
	key, err := PrivateKeyFromHex(gost.CurveTC26512A(), string(testenv.ReadFile(t, "kz-nca/keys/individual_valid.key.hex")))
	require.NoError(t, err)
	leaf := readCert(t, "kz-nca/keys/individual_valid.cert.pem")
	inter := readCert(t, "kz-nca/ca/nca_gost2022_test.cer")
	content := []byte(`{"challenge":"3q2+7w=="}`)
	der, err := CreateSignedData(detRand(3), content, leaf, key, gost.OID(gost.OIDKZSignature2015512),
		SignedDataOptions{Detached: true, SigningTime: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	signer, err := verifyCMS(t, parseCMS(t, der), content)
	require.NoError(t, err)
	require.NoError(t, gost.CheckCertificateSignature(signer, inter))
}
