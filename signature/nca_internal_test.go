package signature

import (
	"bytes"
	"context"
	"crypto/x509"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/gosttest"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// signerOnly runs the signer-level checks of Verify (algorithm, signed
// attributes, signature, purpose, identity) without the chain: for real
// NCA material whose issuing CA is not available.
func signerOnly(t *testing.T, der, content []byte, purpose *Purpose) (*Signer, error) {
	t.Helper()
	v, err := NewVerifier(Config{Roots: []*x509.Certificate{sigtest.Certificate(t, "kz-nca/ca/root_test_gost_2022.cer")}, InsecureSkipRevocation: true})
	require.NoError(t, err)
	sd, err := parseCMS(der)
	if err != nil {
		return nil, err
	}
	require.Len(t, sd.Signers, 1)
	var pool []*certEntry
	for _, c := range sd.Certs {
		e, err := v.parseCert(c)
		require.NoError(t, err)
		pool = append(pool, e)
	}
	if content == nil {
		content = sd.Content
	}
	si := &sd.Signers[0]
	leaf, err := v.findSigner(si, pool)
	if err != nil {
		return nil, err
	}
	alg, err := resolveAlgorithm(si.DigestAlg, si.SigAlg, leaf)
	if err != nil {
		return nil, err
	}
	md, _, err := si.attr(derMessageDigest)
	require.NoError(t, err)
	h := alg.newHash()
	h.Write(content)
	if !bytes.Equal(md[2:], h.Sum(nil)) {
		return nil, ErrDigestMismatch
	}
	if err := checkSignerSignature(alg, leaf, si.SignedAttrs, si.Signature); err != nil {
		return nil, err
	}
	for _, a := range []string{derSigningCert, derSigningCertV2} {
		if ess, ok, _ := si.attr(a); ok {
			if err := checkESS(ess, leaf, a == derSigningCertV2); err != nil {
				return nil, err
			}
		}
	}
	if purpose != nil {
		if err := purpose.check(leaf); err != nil {
			return nil, err
		}
	}
	if leaf.idErr != nil {
		return nil, leaf.idErr
	}
	return &Signer{Identity: *leaf.id, Algorithm: alg.Name}, nil
}

// A CMS the NCA itself produced (the TSA token of its GOST-2004 test PKI):
// our parser, GOST 34.311-95 message digest, GOST 34.310-2004 signature over
// the received signed attributes, and ESS signing-certificate (v1) agree
// with it; one changed byte of the signed attributes breaks it.
func TestNCATimeStampToken(t *testing.T) {
	der := sigtest.ReadFile(t, "kz-nca/tsp/tsp_token.bin")
	// The TSA certificate has no keyUsage extension, so no Purpose applies.
	s, err := signerOnly(t, der, nil, nil)
	require.NoError(t, err)
	assert.Contains(t, s.Algorithm, "2004")

	sd, err := parseCMS(der)
	require.NoError(t, err)
	assert.Equal(t, "1.2.840.113549.1.9.16.1.4", oidString(sd.ContentType), "TSTInfo")
	i := bytes.LastIndex(der, []byte("220918132014Z")) // the signing-time attribute, not the TSTInfo genTime
	require.Positive(t, i)
	tampered := bytes.Clone(der)
	tampered[i+11]++
	_, err = signerOnly(t, tampered, nil, nil)
	require.ErrorIs(t, err, ErrBadSignature)

	// Verify refuses it as a login or document signature: its content is
	// a TSTInfo, not data.
	v, err := NewVerifier(Config{Roots: []*x509.Certificate{sigtest.Certificate(t, "kz-nca/ca/root_test_gost_2022.cer")}, InsecureSkipRevocation: true})
	require.NoError(t, err)
	_, err = v.Verify(context.Background(), der, VerifyOptions{Purpose: PurposeSign()})
	require.ErrorIs(t, err, ErrUnsupportedAlgorithm)
}

// The legacy GOST 34.310-2004 generation (CryptoPro-A curve, GOST 34.311-95
// hash): the real first head's SIGN key signs, its identity is read, and
// with its issuing CA ҰКО 3.0 (GOST TEST) as the anchor the whole GOST-2004
// chain verifies (a document signature; not a login: SIGN policy …2.1).
func TestNCALegacyGOST2004Signer(t *testing.T) {
	cert := sigtest.Certificate(t, "kz-nca/legacy/keys/key_ceo_sign_revoked_2004.cert.pem")
	k, err := gosttest.PrivateKeyFromHex(gost.CurveCryptoProA(), string(sigtest.ReadFile(t, "kz-nca/legacy/keys/key_ceo_sign_revoked_2004.key.hex")))
	require.NoError(t, err)
	leaf, err := devpki.New(devpki.Config{}).Leaf(cert, nil, k)
	require.NoError(t, err)
	content := []byte("договор № 1")
	sign := PurposeSign()
	der, err := leaf.SignCMS(content, devpki.CMSOptions{SigningTime: cert.NotBefore.Add(time.Hour)})
	require.NoError(t, err)
	s, err := signerOnly(t, der, content, &sign)
	require.NoError(t, err)
	assert.Contains(t, s.Algorithm, "2004")
	assert.Equal(t, "123456789021", s.Identity.BIN)
	assert.Equal(t, "123456789011", s.Identity.IIN)
	assert.Equal(t, []Role{RoleLegalEntity, RoleFirstHead}, s.Identity.Roles)
	_, err = signerOnly(t, der, []byte("договор № 2"), &sign)
	require.ErrorIs(t, err, ErrDigestMismatch)

	ca := sigtest.Certificate(t, "kz-nca/legacy/ca/nca_gost_test.crt")
	v, err := NewVerifier(Config{Roots: []*x509.Certificate{ca}, InsecureSkipRevocation: true,
		Now: func() time.Time { return cert.NotBefore.Add(2 * time.Hour) }})
	require.NoError(t, err)
	res, err := v.Verify(context.Background(), der, VerifyOptions{Content: content, Purpose: sign})
	require.NoError(t, err)
	require.Len(t, res.Signers[0].Chain, 2)
	assert.Equal(t, "1236E8F1619123D1E96F00E56791F855E2DCB457", res.Signers[0].Chain[1].Serial)
	_, err = v.Verify(context.Background(), der, VerifyOptions{Content: content, Purpose: PurposeLogin()})
	require.ErrorIs(t, err, ErrKeyUsage)
}
