package signature_test

import (
	"crypto/rand"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/gosttest"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// A GOST CMS made by another, independent implementation
// (gosttest.CreateSignedData, written with the GOST package) with the real
// NCA test key verifies here, in the NCA shape (Kazakh OIDs, NULL
// parameters, byte-reversed signature) and in the RFC 4490/9337 shape
// (Russian OIDs); a tampered one does not.
func TestGOSTTestCMSInterop(t *testing.T) {
	leaf := sigtest.NCAKey(t, "keys/legal_head_valid", gost.CurveTC26512A())
	key, err := gosttest.PrivateKeyFromHex(gost.CurveTC26512A(), string(sigtest.ReadFile(t, "kz-nca/keys/legal_head_valid.key.hex")))
	require.NoError(t, err)
	now := clockInside(t, leaf.Cert)
	v := ncaGOSTVerifier(t, now, nil)
	for name, oid := range map[string]string{"kazakh": gost.OIDKZSignature2015512, "russian": gost.OIDRUSignature2012512} {
		for _, detached := range []bool{false, true} {
			cms, err := gosttest.CreateSignedData(rand.Reader, content, leaf.Cert, key, gost.OID(oid),
				gosttest.SignedDataOptions{Detached: detached, SigningTime: now})
			require.NoError(t, err, name)
			res, err := v.Verify(ctx, cms, signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
			require.NoError(t, err, "%s detached=%t", name, detached)
			assert.Equal(t, "123456789021", res.Signers[0].Identity.BIN)
			_, err = v.Verify(ctx, flipLast(cms), signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
			require.ErrorIs(t, err, signature.ErrBadSignature, name)
		}
	}
	// Without a signing time it is refused: login needs one.
	cms, err := gosttest.CreateSignedData(rand.Reader, content, leaf.Cert, key, gost.OID(gost.OIDKZSignature2015512), gosttest.SignedDataOptions{})
	require.NoError(t, err)
	_, err = v.Verify(ctx, cms, signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
	require.ErrorIs(t, err, signature.ErrMissingAttribute)
}
