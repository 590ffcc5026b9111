package signature_test

import (
	"testing"

	"github.com/digitorus/pkcs7"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
)

// github.com/digitorus/pkcs7 as a second, independent CMS implementation:
// it parses what devpki makes to the same content and certificates and
// checks its RSA and ECDSA signatures, agreeing with our verifier on genuine
// and tampered input. It cannot serve the verifier itself: its Verify
// re-encodes the signed attributes, checks no chain by default, validates at
// the signer's claimed time and has no GOST — and, as found here, it keeps
// only the first chunk of a chunked (BER) eContent and cannot parse a
// signer identified by subject key identifier, so those forms are compared
// with openssl instead (TestOpenSSLVerifiesDevPKI).
func TestDigitorusAgrees(t *testing.T) {
	for _, alg := range []devpki.Algorithm{devpki.RSA2048, devpki.ECDSAP256} {
		p := pkiFor(t, alg)
		v, _ := newVerifier(t, p)
		for name, o := range map[string]devpki.CMSOptions{"attached": {Attached: true, Chain: true}, "detached": {Chain: true}} {
			t.Run(string(alg)+"/"+name, func(t *testing.T) {
				cms := sign(t, p.Head, content, o)
				p7, err := pkcs7.Parse(cms)
				require.NoError(t, err)
				if !o.Attached {
					p7.Content = content
				}
				assert.Equal(t, content, p7.Content)
				require.Len(t, p7.Certificates, 2)
				assert.True(t, p7.GetOnlySigner().Equal(p.Head.Cert))
				require.NoError(t, p7.Verify())
				_, err = v.Verify(ctx, cms, signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
				require.NoError(t, err)

				bad := flipLast(cms)
				p7, err = pkcs7.Parse(bad)
				require.NoError(t, err)
				p7.Content = content
				require.Error(t, p7.Verify())
				_, err = v.Verify(ctx, bad, signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
				require.ErrorIs(t, err, signature.ErrBadSignature)
			})
		}
	}
}
