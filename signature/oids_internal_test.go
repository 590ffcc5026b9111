package signature

import (
	"encoding/asn1"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOIDConstants checks every DER OID constant against its dotted form.
func TestOIDConstants(t *testing.T) {
	for der, dotted := range map[string]string{
		derData: "1.2.840.113549.1.7.1", derSignedData: "1.2.840.113549.1.7.2",
		derContentType: "1.2.840.113549.1.9.3", derMessageDigest: "1.2.840.113549.1.9.4", derSigningTime: "1.2.840.113549.1.9.5",
		derSigningCert: "1.2.840.113549.1.9.16.2.12", derSigningCertV2: "1.2.840.113549.1.9.16.2.47",
		derSHA256: "2.16.840.1.101.3.4.2.1", derSHA384: "2.16.840.1.101.3.4.2.2", derSHA512: "2.16.840.1.101.3.4.2.3",
		derRSAEncryption: "1.2.840.113549.1.1.1", derMGF1: "1.2.840.113549.1.1.8", derRSAPSS: "1.2.840.113549.1.1.10",
		derSHA256WithRSA: "1.2.840.113549.1.1.11", derSHA384WithRSA: "1.2.840.113549.1.1.12", derSHA512WithRSA: "1.2.840.113549.1.1.13",
		derECPublicKey: "1.2.840.10045.2.1", derECDSAWithSHA256: "1.2.840.10045.4.3.2",
		derECDSAWithSHA384: "1.2.840.10045.4.3.3", derECDSAWithSHA512: "1.2.840.10045.4.3.4",
	} {
		assert.Equal(t, dotted, oidString([]byte(der)))
		full, err := asn1.Marshal(parseOID([]byte(der)))
		require.NoError(t, err)
		assert.Equal(t, der, string(full[2:]), dotted)
	}
	assert.Nil(t, parseOID([]byte{0x80}))
	assert.Equal(t, "(invalid OID)", oidString(nil))
}
