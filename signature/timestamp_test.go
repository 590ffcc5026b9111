package signature_test

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// tsaFor issues a time-stamping authority certificate under the PKI's
// intermediate.
func tsaFor(t testing.TB, ca *devpki.CA, eku ...string) *devpki.Leaf {
	t.Helper()
	if eku == nil {
		eku = []string{devpki.OIDTimeStamping}
	}
	l, err := ca.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "Сервис", Name: "Метки", IIN: sigtest.IIN, EKU: eku})
	require.NoError(t, err)
	return l
}

// A signature carrying a time-stamp token over its signature value reports
// it, verified, for every algorithm; the token never decides validity.
func TestTimeStampReported(t *testing.T) {
	genTime := testNow().Add(-time.Minute).Truncate(time.Second)
	for _, alg := range allAlgorithms {
		t.Run(string(alg), func(t *testing.T) {
			p := pkiFor(t, alg)
			tsa := tsaFor(t, p.CA)
			v, _ := newVerifier(t, p)
			cms := sign(t, p.Individual, content, devpki.CMSOptions{Chain: true, UnsignedAttributes: devpki.TimeStampAttribute(tsa,
				devpki.TimeStampOptions{GenTime: genTime, Serial: big.NewInt(0x1234), Nonce: big.NewInt(0xabcdef)})})
			res, err := v.Verify(ctx, cms, signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin(), TimeStamps: true})
			require.NoError(t, err)
			require.Len(t, res.Signers[0].TimeStamps, 1)
			ts := res.Signers[0].TimeStamps[0]
			assert.Empty(t, ts.Problems)
			assert.True(t, ts.SignatureVerified)
			assert.True(t, ts.ImprintVerified)
			assert.True(t, ts.ChainVerified)
			assert.Equal(t, genTime, ts.GenTime)
			assert.Equal(t, devpki.OIDDevTSAPolicy, ts.Policy)
			assert.Equal(t, "1234", ts.Serial)
			assert.Equal(t, "abcdef", ts.Nonce)
			assert.Equal(t, "SHA256", ts.ImprintAlgorithm)
			assert.Equal(t, res.Signers[0].Algorithm, ts.Algorithm)
			require.NotNil(t, ts.TSA)
			assert.Equal(t, strings.ToUpper(tsa.Cert.SerialNumber.Text(16)), ts.TSA.Serial)
			assert.Len(t, ts.Chain, 3)

			// Only on request: a login does not pay for tokens.
			res, err = v.Verify(ctx, cms, signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
			require.NoError(t, err)
			assert.Empty(t, res.Signers[0].TimeStamps)

			// Inspect reports the same token, and the claims.
			in, err := v.Inspect(cms)
			require.NoError(t, err)
			require.Len(t, in.Signers, 1)
			assert.Equal(t, ts, in.Signers[0].TimeStamps[0])
		})
	}
}

// A time-stamp token whose serial number is negative — 20 octets, the
// first 0x80 or more, as the NCA's TSA issues them (RFC 3161 requires it
// unique, not positive) — is read and verified end to end (issue 14 §3.1),
// its serial printed as the octets of the INTEGER (§3.2).
func TestTimeStampNegativeSerial(t *testing.T) {
	octets, err := hex.DecodeString("DF7531C0A6E2B4F10B8A9E3D5C7F1024A8B6E9D3")
	require.NoError(t, err)
	require.Len(t, octets, 20)
	// The INTEGER's value: the octets read as two's complement.
	serial := new(big.Int).Sub(new(big.Int).SetBytes(octets), new(big.Int).Lsh(big.NewInt(1), 160))
	require.Negative(t, serial.Sign())
	require.Equal(t, "DF7531C0A6E2B4F10B8A9E3D5C7F1024A8B6E9D3", signature.FormatSerial(serial))
	genTime := testNow().Add(-time.Minute).Truncate(time.Second)
	for _, alg := range []devpki.Algorithm{devpki.GOST2015, devpki.RSA2048} {
		t.Run(string(alg), func(t *testing.T) {
			p := pkiFor(t, alg)
			v, _ := newVerifier(t, p)
			opts := devpki.TimeStampOptions{GenTime: genTime, Serial: serial, Hash: crypto.SHA1}
			cms := sign(t, p.Individual, content, devpki.CMSOptions{Chain: true, UnsignedAttributes: devpki.TimeStampAttribute(tsaFor(t, p.CA), opts)})
			res, err := v.Verify(ctx, cms, signature.VerifyOptions{Content: content, Purpose: signature.PurposeSign(), TimeStamps: true})
			require.NoError(t, err)
			require.Len(t, res.Signers[0].TimeStamps, 1)
			ts := res.Signers[0].TimeStamps[0]
			assert.Empty(t, ts.Problems)
			assert.True(t, ts.SignatureVerified && ts.ImprintVerified && ts.ChainVerified, "%+v", ts.Problems)
			assert.Equal(t, "DF7531C0A6E2B4F10B8A9E3D5C7F1024A8B6E9D3", ts.Serial)
			assert.Equal(t, genTime, ts.GenTime)
		})
	}
}

// Each failed check of a token is reported with its code, and the
// signature stays valid: a time stamp is unsigned and only reported.
func TestTimeStampProblems(t *testing.T) {
	p := pkiFor(t, devpki.ECDSAP256)
	v, _ := newVerifier(t, p)
	tsa := tsaFor(t, p.CA)
	other := pkiFor(t, devpki.GOST2015)
	type want struct{ sig, imprint, chain bool }
	cases := []struct {
		name  string
		attrs func(sig []byte) ([]devpki.Attribute, error)
		want  want
		codes map[string]string // check → code
	}{
		{"imprint over other bytes", func([]byte) ([]devpki.Attribute, error) {
			return devpki.TimeStampAttribute(tsa, devpki.TimeStampOptions{})([]byte("something else"))
		}, want{true, false, true}, map[string]string{"imprint": "digest_mismatch"}},
		{"SHA-1 imprint (reported as such)", devpki.TimeStampAttribute(tsa, devpki.TimeStampOptions{Hash: crypto.SHA1}), want{true, true, true}, nil},
		{"TSA without the time-stamping EKU", devpki.TimeStampAttribute(tsaFor(t, p.CA, signature.OIDEmailProtection, signature.OIDRoleIndividual), devpki.TimeStampOptions{}),
			want{true, true, false}, map[string]string{"chain": "key_usage"}},
		{"TSA of a foreign PKI", devpki.TimeStampAttribute(tsaFor(t, other.CA), devpki.TimeStampOptions{}), want{true, true, false}, map[string]string{"chain": "chain_untrusted"}},
		{"genTime after the TSA certificate expired", devpki.TimeStampAttribute(tsa, devpki.TimeStampOptions{GenTime: tsa.Cert.NotAfter.Add(time.Hour)}),
			want{true, true, false}, map[string]string{"chain": "certificate_expired"}},
		{"tampered token signature", func(sig []byte) ([]devpki.Attribute, error) {
			a, err := devpki.TimeStampAttribute(tsa, devpki.TimeStampOptions{})(sig)
			if err == nil {
				a[0].Values[0] = flipLast(a[0].Values[0])
			}
			return a, err
		}, want{false, true, true}, map[string]string{"signature": "bad_signature"}},
		{"not a token", func([]byte) ([]devpki.Attribute, error) {
			return []devpki.Attribute{{Type: oid(devpki.OIDAttrTimeStampToken), Values: [][]byte{{0x30, 0x03, 0x02, 0x01, 0x01}}}}, nil
		}, want{false, false, false}, map[string]string{"signature": "malformed"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cms := sign(t, p.Individual, content, devpki.CMSOptions{Chain: true, UnsignedAttributes: c.attrs})
			res, err := v.Verify(ctx, cms, signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin(), TimeStamps: true})
			require.NoError(t, err, "a time stamp never decides validity")
			require.Len(t, res.Signers[0].TimeStamps, 1)
			ts := res.Signers[0].TimeStamps[0]
			assert.Equal(t, c.want, want{ts.SignatureVerified, ts.ImprintVerified, ts.ChainVerified})
			got := map[string]string{}
			for _, pr := range ts.Problems {
				if _, seen := got[pr.Check]; !seen {
					got[pr.Check] = pr.Code
				}
				assert.NotEmpty(t, pr.Message)
			}
			for check, code := range c.codes {
				assert.Equal(t, code, got[check], check)
			}
			if c.codes == nil {
				assert.Empty(t, ts.Problems)
			}
		})
	}
	// Unsigned attributes of other types are ignored; a signature without
	// any reports no time stamp.
	cms := sign(t, p.Individual, content, devpki.CMSOptions{Chain: true, UnsignedAttributes: func([]byte) ([]devpki.Attribute, error) {
		return []devpki.Attribute{{Type: oid("1.2.3.4"), Values: [][]byte{{0x05, 0x00}}}}, nil
	}})
	res, err := v.Verify(ctx, cms, signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin(), TimeStamps: true})
	require.NoError(t, err)
	assert.Empty(t, res.Signers[0].TimeStamps)
}

// At most four tokens are read from one signer.
func TestTimeStampBound(t *testing.T) {
	p := pkiFor(t, devpki.ECDSAP256)
	v, _ := newVerifier(t, p)
	tsa := tsaFor(t, p.CA)
	cms := sign(t, p.Individual, content, devpki.CMSOptions{Chain: true, UnsignedAttributes: func(sig []byte) ([]devpki.Attribute, error) {
		var values [][]byte
		for i := 0; i < 6; i++ {
			tok, err := tsa.TimeStampToken(sig, devpki.TimeStampOptions{})
			if err != nil {
				return nil, err
			}
			values = append(values, tok)
		}
		return []devpki.Attribute{{Type: oid(devpki.OIDAttrTimeStampToken), Values: values}}, nil
	}})
	res, err := v.Verify(ctx, cms, signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin(), TimeStamps: true})
	require.NoError(t, err)
	assert.Len(t, res.Signers[0].TimeStamps, 4)
}

// CheckTimeStampToken refuses what is not a token.
func TestCheckTimeStampTokenMalformed(t *testing.T) {
	p := pkiFor(t, devpki.ECDSAP256)
	v, _ := newVerifier(t, p)
	for name, in := range map[string][]byte{
		"empty":         nil,
		"garbage":       []byte("not a token"),
		"a CMS of data": sign(t, p.Individual, content, devpki.CMSOptions{Attached: true}),
	} {
		ts, err := v.CheckTimeStampToken(in, nil)
		assert.ErrorIs(t, err, signature.ErrMalformed, name)
		assert.Nil(t, ts, name)
	}
}

// The real NCA time-stamp token (GOST 34.310-2004, SHA-1 imprint, 2022):
// its fields are read and its signature verifies with the embedded TSA
// certificate. Anchored at the GOST-2015 PKI its chain does not verify (see
// TestTimeStampNCATokenChain with its own CA).
func TestTimeStampNCAToken(t *testing.T) {
	token := sigtest.ReadFile(t, "kz-nca/tsp/tsp_token.bin")
	root, inter := sigtest.NCAGOSTRoots(t)
	v, err := signature.NewVerifier(signature.Config{Roots: []*x509.Certificate{root}, Intermediates: []*x509.Certificate{inter}, InsecureSkipRevocation: true})
	require.NoError(t, err)
	ts, err := v.CheckTimeStampToken(token, nil)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2022, 9, 18, 13, 20, 14, 0, time.UTC), ts.GenTime)
	assert.Equal(t, "1.2.398.3.3.2.6.1", ts.Policy)
	assert.Equal(t, "5E846DD75D861154DB10F13C54DC1F8D33FE6ADC", ts.Serial)
	assert.Equal(t, "18350c022d7", ts.Nonce)
	assert.Equal(t, "SHA1", ts.ImprintAlgorithm)
	assert.Equal(t, "GOST 34.310-2004 (KZ)", ts.Algorithm)
	assert.True(t, ts.SignatureVerified, "%v", ts.Problems)
	assert.False(t, ts.ImprintVerified, "no signature value was given")
	assert.False(t, ts.ChainVerified)
	require.NotNil(t, ts.TSA)
	assert.Contains(t, ts.TSA.Subject, "СЕРВИС МЕТКИ ВРЕМЕНИ")

	// The imprint is the SHA-1 of the time-stamped bytes (unknown here):
	// any other bytes fail it.
	ts, err = v.CheckTimeStampToken(token, []byte("not the time-stamped signature"))
	require.NoError(t, err)
	assert.False(t, ts.ImprintVerified)

	// One byte changed in the token's signature: refused.
	ts, err = v.CheckTimeStampToken(flipLast(token), nil)
	require.NoError(t, err)
	assert.False(t, ts.SignatureVerified)
}

// With the TSA's CA ҰКО 3.0 (GOST TEST) (legacy/ca/nca_gost_test.crt) as
// the anchor, the NCA's real token verifies completely at its genTime:
// the GOST 34.310-2004 signature by "СЕРВИС МЕТКИ ВРЕМЕНИ" and that
// certificate's GOST-2004 chain (not to the legacy RSA CA).
func TestTimeStampNCATokenChain(t *testing.T) {
	anchor := sigtest.Certificate(t, "kz-nca/legacy/ca/nca_gost_test.crt")
	token := sigtest.ReadFile(t, "kz-nca/tsp/tsp_token.bin")
	v, err := signature.NewVerifier(signature.Config{Roots: []*x509.Certificate{anchor}, InsecureSkipRevocation: true})
	require.NoError(t, err)
	ts, err := v.CheckTimeStampToken(token, nil)
	require.NoError(t, err)
	assert.True(t, ts.SignatureVerified)
	assert.True(t, ts.ChainVerified, "%v", ts.Problems)
	require.Len(t, ts.Chain, 2)
	assert.Contains(t, ts.Chain[0].Subject, "СЕРВИС МЕТКИ ВРЕМЕНИ")
	assert.Equal(t, "1236E8F1619123D1E96F00E56791F855E2DCB457", ts.Chain[1].Serial)
	assert.Equal(t, "1.2.398.3.3.2.6.1", ts.Policy)
	assert.Equal(t, time.Date(2022, 9, 18, 13, 20, 14, 0, time.UTC), ts.GenTime)

	rsa, err := signature.NewVerifier(signature.Config{Roots: []*x509.Certificate{sigtest.Certificate(t, "kz-nca/legacy/ca/nca_rsa_test.crt")}, InsecureSkipRevocation: true})
	require.NoError(t, err)
	ts, err = rsa.CheckTimeStampToken(token, nil)
	require.NoError(t, err)
	assert.True(t, ts.SignatureVerified)
	assert.False(t, ts.ChainVerified)
}

// The independent oracle: a token made by `openssl ts -reply` (RSA TSA,
// fractional genTime, ESS signing-certificate-v2) over a signature value
// verifies — signature, imprint and chain.
func TestTimeStampOpenSSLOracle(t *testing.T) {
	openssl := sigtest.Tool(t, "openssl")
	p := pkiFor(t, devpki.RSA2048)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		f := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(f, b, 0o600))
		return f
	}
	// openssl demands a critical time-stamping EKU: it makes the TSA
	// certificate itself, issued by the development intermediate's key.
	caKey, err := p.CA.PrivateKeyPEM()
	require.NoError(t, err)
	write("ca.pem", devpki.CertificatePEM(p.CA.Cert))
	write("ca.key", caKey)
	write("ext.cnf", []byte("[tsa]\nextendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature,nonRepudiation\nbasicConstraints=CA:FALSE\n"))
	sigtest.Run(t, openssl, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=DEV TSA/C=KZ", "-keyout", filepath.Join(dir, "tsa.key"), "-out", filepath.Join(dir, "tsa.csr"))
	sigtest.Run(t, openssl, "x509", "-req", "-in", filepath.Join(dir, "tsa.csr"), "-CA", filepath.Join(dir, "ca.pem"), "-CAkey", filepath.Join(dir, "ca.key"),
		"-set_serial", "4660", "-days", "3650", "-extfile", filepath.Join(dir, "ext.cnf"), "-extensions", "tsa", "-out", filepath.Join(dir, "tsa.pem"))
	write("serial", []byte("01\n"))
	cfg := write("ts.cnf", []byte(strings.Join([]string{
		"[tsa]", "default_tsa = dev", "[dev]",
		"serial = " + filepath.Join(dir, "serial"), "crypto_device = builtin",
		"signer_cert = " + filepath.Join(dir, "tsa.pem"), "signer_key = " + filepath.Join(dir, "tsa.key"),
		"certs = " + filepath.Join(dir, "ca.pem"), "signer_digest = sha256", "default_policy = 1.2.3.4.1",
		"digests = sha1, sha256, sha384, sha512", "accuracy = secs:1", "clock_precision_digits = 3",
		"ordering = no", "tsa_name = no", "ess_cert_id_chain = no", "ess_cert_id_alg = sha256", "",
	}, "\n")))
	sigValue := bytes.Repeat([]byte("signature value "), 16)
	data := write("sig.bin", sigValue)
	sigtest.Run(t, openssl, "ts", "-query", "-data", data, "-sha256", "-cert", "-out", filepath.Join(dir, "q.tsq"))
	sigtest.Run(t, openssl, "ts", "-reply", "-queryfile", filepath.Join(dir, "q.tsq"), "-config", cfg, "-token_out", "-out", filepath.Join(dir, "token.der"))
	token, err := os.ReadFile(filepath.Join(dir, "token.der"))
	require.NoError(t, err)

	v, _ := newVerifier(t, p)
	ts, err := v.CheckTimeStampToken(token, sigValue)
	require.NoError(t, err)
	assert.Empty(t, ts.Problems)
	assert.True(t, ts.SignatureVerified && ts.ImprintVerified && ts.ChainVerified)
	assert.Equal(t, "1.2.3.4.1", ts.Policy)
	assert.Equal(t, "SHA256", ts.ImprintAlgorithm)
	assert.Equal(t, "RSA-PKCS1v15-SHA256", ts.Algorithm)
	assert.Equal(t, "02", ts.Serial, "openssl increments the serial file before use; one octet, two digits")
	assert.WithinDuration(t, time.Now(), ts.GenTime, time.Hour)
	ts, err = v.CheckTimeStampToken(token, sigValue[1:])
	require.NoError(t, err)
	assert.False(t, ts.ImprintVerified)
}

func oid(dotted string) asn1.ObjectIdentifier { return gost.OID(dotted) }
