package signature_test

import (
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
)

func bigHex(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("bad hex " + s)
	}
	return n
}

// FormatSerial prints the DER content octets of the INTEGER, upper-case,
// every octet two digits: leading zero octets kept, negative serials as
// their two's complement octets, never a minus sign (issue 14 §3.2).
func TestFormatSerialGolden(t *testing.T) {
	for _, c := range []struct {
		n    *big.Int
		want string
	}{
		// The NCA's serial lists keep the leading zero (ocsp_response_individual_2015.bin).
		{bigHex("0FF06211DC82BEB00253FFA000F1DE84ABEF454F"), "0FF06211DC82BEB00253FFA000F1DE84ABEF454F"},
		{bigHex("3ACEA55CBCDF38C861FB3F341854C53EC9ED6ECD"), "3ACEA55CBCDF38C861FB3F341854C53EC9ED6ECD"},
		{big.NewInt(0), "00"},
		{big.NewInt(2), "02"},
		{big.NewInt(0x1234), "1234"},
		{big.NewInt(0x0abc), "0ABC"},
		{big.NewInt(0x80), "0080"}, // positive, top bit set: DER adds a zero octet
		{big.NewInt(-1), "FF"},
		{big.NewInt(-128), "80"},
		{big.NewInt(-129), "FF7F"},
		{new(big.Int).Sub(bigHex("DF7531C0A6E2B4F10B8A9E3D5C7F1024A8B6E9D3"), new(big.Int).Lsh(big.NewInt(1), 160)), "DF7531C0A6E2B4F10B8A9E3D5C7F1024A8B6E9D3"},
		{nil, ""},
	} {
		assert.Equal(t, c.want, signature.FormatSerial(c.n), "%v", c.n)
		assert.Equal(t, c.want, signature.SerialHex(signature.SerialBytes(c.n)))
	}
}

// The serial of every result and error is FormatSerial's: a certificate
// whose serial starts with a zero octet keeps it in the CertificateInfo of
// the signer, of the chain, and in the message of a refusal.
func TestSerialLeadingZeroInResults(t *testing.T) {
	p := pkiFor(t, devpki.ECDSAP256)
	leaf := issueLeaf(t, p, devpki.LeafOptions{Kind: devpki.Individual, Serial: bigHex("0FF06211DC82BEB00253FFA000F1DE84ABEF454F")})
	v, _ := newVerifier(t, p)
	res, err := v.Verify(ctx, sign(t, leaf, content, devpki.CMSOptions{Chain: true}), signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
	assert.NoError(t, err)
	assert.Equal(t, "0FF06211DC82BEB00253FFA000F1DE84ABEF454F", res.Signers[0].Certificate.Serial)
	assert.Equal(t, "0FF06211DC82BEB00253FFA000F1DE84ABEF454F", res.Signers[0].Chain[0].Serial)
	assert.Equal(t, "0FF06211DC82BEB00253FFA000F1DE84ABEF454F", signature.CertificateInfoOf(leaf.Cert).Serial)
	_, err = v.Verify(ctx, sign(t, leaf, content, devpki.CMSOptions{Chain: true}), signature.VerifyOptions{Content: content, Purpose: signature.PurposeInformationSystem()})
	var ce *signature.CertificateError
	if assert.ErrorAs(t, err, &ce) {
		assert.Equal(t, "0FF06211DC82BEB00253FFA000F1DE84ABEF454F", ce.Serial)
		assert.Contains(t, err.Error(), "(serial 0FF06211DC82BEB00253FFA000F1DE84ABEF454F")
	}
}
