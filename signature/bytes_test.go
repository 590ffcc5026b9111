package signature_test

import (
	"context"
	"crypto"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
)

func TestVerifyChallengeBytes(t *testing.T) {
	ctx := context.Background()
	for _, alg := range []devpki.Algorithm{devpki.GOST2015, devpki.GOST2004, devpki.RSA2048, devpki.ECDSAP256, devpki.ECDSAP384} {
		t.Run(string(alg), func(t *testing.T) {
			p := pkiFor(t, alg)
			v, _ := newVerifier(t, p, withIntermediates(p))
			ch := newChallenge(t, testNow())
			h := crypto.SHA256
			if alg == devpki.ECDSAP384 {
				h = crypto.SHA384
			}
			sig, err := p.Individual.SignBytes(ch.Marshal(), h)
			require.NoError(t, err)
			res, err := v.VerifyChallengeBytes(ctx, sig, p.Individual.Cert.Raw, ch, binding, testNow(), signature.PurposeLogin())
			require.NoError(t, err)
			assert.Equal(t, signature.FormatBytes, res.Format)
			assert.Equal(t, ch.Marshal(), res.Content)
			other := newChallenge(t, testNow())
			_, err = v.VerifyChallengeBytes(ctx, sig, p.Individual.Cert.Raw, other, binding, testNow(), signature.PurposeLogin())
			assert.Equal(t, "bad_signature", signature.Code(err))
			_, err = v.VerifyChallengeBytes(ctx, sig, p.Head.Cert.Raw, ch, binding, testNow(), signature.PurposeLogin())
			assert.Equal(t, "bad_signature", signature.Code(err))
			_, err = v.VerifyChallengeBytes(ctx, sig, p.Individual.Cert.Raw, ch, binding, ch.ExpiresAt, signature.PurposeLogin())
			assert.Equal(t, "expired", signature.Code(err))
			_, err = v.VerifyChallengeBytes(ctx, sig, []byte{0x30, 1, 2}, ch, binding, testNow(), signature.PurposeLogin())
			assert.Equal(t, "malformed", signature.Code(err))
		})
	}
}
