package signature

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature/gost"
)

// Names print as crypto/x509 prints them, but with SURNAME and GIVENNAME
// by name and value (crypto/x509 prints them as hex), escaped as RFC 4514
// requires.
func TestFormatName(t *testing.T) {
	for _, tag := range []string{"utf8", "printable"} {
		seq := pkix.RDNSequence{
			{{Type: gost.OID(oidCommonName), Value: "ТЕСТОВ ТЕСТ"}},
			{{Type: gost.OID(oidSurname), Value: "TESTOV"}},
			{{Type: gost.OID(oidSerialNumber), Value: "IIN123456789011"}},
			{{Type: gost.OID(oidCountry), Value: "KZ"}},
			{{Type: gost.OID(oidOrganization), Value: `АО "ТЕСТ"`}},
			{{Type: gost.OID(oidGivenName), Value: " A+B "}},
			{{Type: gost.OID("1.2.3.4"), Value: 7}},
		}
		for _, rdn := range seq {
			if s, ok := rdn[0].Value.(string); ok && rdn[0].Type.String() != oidCountry && rdn[0].Type.String() != oidSerialNumber {
				b, err := asn1.MarshalWithParams(s, tag)
				if err != nil { // not printable
					b, err = asn1.MarshalWithParams(s, "utf8")
				}
				require.NoError(t, err)
				rdn[0].Value = asn1.RawValue{FullBytes: b}
			}
		}
		der, err := asn1.Marshal(seq)
		require.NoError(t, err)
		var name pkix.Name
		var parsed pkix.RDNSequence
		_, err = asn1.Unmarshal(der, &parsed)
		require.NoError(t, err)
		name.FillFromRDNSequence(&parsed)
		assert.Equal(t, `SERIALNUMBER=IIN123456789011,CN=ТЕСТОВ ТЕСТ,O=АО \"ТЕСТ\",C=KZ,1.2.3.4=#020107,GN=\ A\+B\ ,SN=TESTOV`, formatName(name), tag)
	}
	// A name crypto/x509 fully knows is printed exactly as it does.
	n := pkix.Name{CommonName: "DEV NCA", Country: []string{"KZ"}}
	assert.Equal(t, n.String(), formatName(n))
	assert.Equal(t, "CN=DEV NCA,C=KZ", CertificateInfoOf(&x509.Certificate{Subject: n, SerialNumber: bigOne(), Raw: []byte{1}}).Subject)
}

func bigOne() *big.Int { return big.NewInt(1) }
