package gost

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

func bigHex(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("bad hex " + s)
	}
	return v
}

// le returns x as a little-endian integer of n bytes.
func le(x *big.Int, n int) []byte {
	b := make([]byte, n)
	x.FillBytes(b)
	return reverse(b)
}

// rfcSig lays out (r, s) as RFC 4491 does: s‖r, big-endian.
func rfcSig(r, s *big.Int, n int) []byte {
	sig := make([]byte, 2*n)
	s.FillBytes(sig[:n])
	r.FillBytes(sig[n:])
	return sig
}

// TestRFC7091Example runs the signature example of RFC 7091 §7 (the same
// numbers as RFC 5832 §7, GOST R 34.10-2001): the reference signer
// reproduces (r, s) from d, e, k, and the fast verifier accepts it.
func TestRFC7091Example(t *testing.T) {
	c := testCurve256(t)
	ref := refCurve(c)
	d := bigHex("7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28")
	xq := bigHex("7F2B49E270DB6D90D8595BEC458B50C58585BA1D4E9B788F6689DBD8E56FD80B")
	yq := bigHex("26F1B489D6701DD185C8413A977B3CBBAF64D1C593D26627DFFB101A87FF77DA")
	e := bigHex("2DFBC1B372D89A1188C09C52E0EEC61FCE52032AB1022E8E67ECE6672B043EE5")
	k := bigHex("77105C9B20BCD3122823C8CF6FCC7B956DE33814E95B7FE64FED924594DCEAB3")
	wantR := bigHex("41AA28D2F1AB148280CD9ED56FEDA41974053554A42767B83AD043FD39DC0493")
	wantS := bigHex("01456C64BA4642A1653C235A98A60249BCD6D3F746B631DF928014F6C5BF9C40")

	q := ref.ScalarMult(ref.G(), d)
	eqInt(t, xq, q.X, "Q = d·P")
	eqInt(t, yq, q.Y, "Q = d·P")
	r, s, err := ref.SignWithK(d, e, k)
	require.NoError(t, err)
	eqInt(t, wantR, r)
	eqInt(t, wantS, s)
	require.True(t, ref.Verify(q, e, r, s))

	pub, err := NewPublicKey(c, append(le(xq, 32), le(yq, 32)...))
	require.NoError(t, err)
	digest := le(e, 32) // α = e here: the digest is read little-endian
	sig := rfcSig(r, s, 32)
	require.NoError(t, VerifyDigest(pub, digest, sig, LayoutRFC4491))
	require.NoError(t, VerifyDigest(pub, digest, reverse(sig), LayoutNCA))
	// Any change fails.
	require.ErrorIs(t, VerifyDigest(pub, le(new(big.Int).Add(e, big.NewInt(1)), 32), sig, LayoutRFC4491), ErrVerification)
	require.ErrorIs(t, VerifyDigest(pub, digest, rfcSig(r, new(big.Int).Add(s, big.NewInt(1)), 32), LayoutRFC4491), ErrVerification)
	require.ErrorIs(t, VerifyDigest(pub, digest, rfcSig(new(big.Int).Add(r, big.NewInt(1)), s, 32), LayoutRFC4491), ErrVerification)
	// e + q is the same e: the digest is reduced mod q.
	eq := new(big.Int).Add(e, ref.Q)
	if eq.BitLen() <= 256 {
		require.NoError(t, VerifyDigest(pub, le(eq, 32), sig, LayoutRFC4491))
	}
}

// TestVerifyRanges: r, s must lie in [1, q−1]; α ≡ 0 (mod q) means e = 1.
func TestVerifyRanges(t *testing.T) {
	for _, c := range []*Curve{CurveTC26512A(), CurveCryptoProA(), CurveTC26256A(), testCurve256(t)} {
		t.Run(c.name, func(t *testing.T) {
			ref := refCurve(c)
			n := c.Size()
			d := big.NewInt(123456789)
			q := ref.ScalarMult(ref.G(), d)
			pub, err := NewPublicKey(c, append(le(q.X, n), le(q.Y, n)...))
			require.NoError(t, err)
			k := big.NewInt(987654321)
			r, s, err := ref.SignWithK(d, big.NewInt(1), k)
			require.NoError(t, err)
			// α = 0 and α = q both mean e = 1, like α = 1.
			for _, alpha := range []*big.Int{big.NewInt(0), big.NewInt(1), ref.Q} {
				if alpha.BitLen() > 8*n {
					continue
				}
				require.NoError(t, VerifyDigest(pub, le(alpha, n), rfcSig(r, s, n), LayoutRFC4491), "α=%x", alpha)
			}
			zero := big.NewInt(0)
			for _, bad := range [][2]*big.Int{{zero, s}, {r, zero}, {ref.Q, s}, {r, ref.Q},
				{new(big.Int).Add(r, ref.Q), s}, {r, new(big.Int).Add(s, ref.Q)}} {
				if bad[0].BitLen() > 8*n || bad[1].BitLen() > 8*n {
					continue
				}
				require.ErrorIs(t, VerifyDigest(pub, le(big.NewInt(1), n), rfcSig(bad[0], bad[1], n), LayoutRFC4491),
					ErrMalformedSignature)
			}
		})
	}
}

// RFC 9215 Appendix D: certificate requests, certificates and CRLs signed
// with GOST R 34.10-2012 (Russian OIDs, RFC 4491 layout).
const (
	rfc9215D1Cert = `-----BEGIN CERTIFICATE-----
MIIBLTCB26ADAgECAgEKMAoGCCqFAwcBAQMCMBIxEDAOBgNVBAMTB0V4YW1wbGUw
IBcNMDEwMTAxMDAwMDAwWhgPMjA1MDEyMzEwMDAwMDBaMBIxEDAOBgNVBAMTB0V4
YW1wbGUwZjAfBggqhQMHAQEBATATBgcqhQMCAiMABggqhQMHAQECAgNDAARAC9hv
5djbiWaPeJtOHbqFhcVQi0XsW1nYkG3bcOJJK3/ad/+HGhD73ydm0pPF0WSvuzx7
lzpByIXRHXDWibTxJqMTMBEwDwYDVR0TAQH/BAUwAwEB/zAKBggqhQMHAQEDAgNB
AE1T8BL+CBd2UH1Nm7gfAO/bTu/Uq4O6xLrPc1Fzz6gcQaoo0vGrFIKAzZ7Vb+2k
GXQFNVSkJ2e4OtBD/TncBJM=
-----END CERTIFICATE-----`
	rfc9215D1CSR = `-----BEGIN CERTIFICATE REQUEST-----
MIHTMIGBAgEAMBIxEDAOBgNVBAMTB0V4YW1wbGUwZjAfBggqhQMHAQEBATATBgcq
hQMCAiMABggqhQMHAQECAgNDAARAC9hv5djbiWaPeJtOHbqFhcVQi0XsW1nYkG3b
cOJJK3/ad/+HGhD73ydm0pPF0WSvuzx7lzpByIXRHXDWibTxJqAAMAoGCCqFAwcB
AQMCA0EAaqqzjjXUqqUXlAMBeZEi2FVIT1efTLuW1jzf3zrMQypBqijS8asUgoDN
ntVv7aQZdAU1VKQnZ7g60EP9OdwEkw==
-----END CERTIFICATE REQUEST-----`
	rfc9215D1CRL = `-----BEGIN X509 CRL-----
MIGSMEECAQEwCgYIKoUDBwEBAwIwEjEQMA4GA1UEAxMHRXhhbXBsZRcNMTQwMTAx
MDAwMDAwWhcNMTQwMTAyMDAwMDAwWjAKBggqhQMHAQEDAgNBAEK/OSoU0+vpV68+
RstQv19CIaADrT0XJ1PJSpw3ox0gQaoo0vGrFIKAzZ7Vb+2kGXQFNVSkJ2e4OtBD
/TncBJM=
-----END X509 CRL-----`
	rfc9215D2Cert = `-----BEGIN CERTIFICATE-----
MIIBJTCB06ADAgECAgEKMAoGCCqFAwcBAQMCMBIxEDAOBgNVBAMTB0V4YW1wbGUw
IBcNMDEwMTAxMDAwMDAwWhgPMjA1MDEyMzEwMDAwMDBaMBIxEDAOBgNVBAMTB0V4
YW1wbGUwXjAXBggqhQMHAQEBATALBgkqhQMHAQIBAQEDQwAEQHQnldS+6ITd8oUP
7APqP68YROAdnaYLZFCTpV4m38OZePWWz01NDGzx0YlD2UST0WuewKFtUS0uEnzE
aRpjGOKjEzARMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoUDBwEBAwIDQQAUC02pEksJ
yw1c6Sjuh0JzoxASlJLsDik2njt5EkhXjB0OHaW+NHxvG1JWx66sIArWSsd6b1s6
DglzGOeubudp
-----END CERTIFICATE-----`
	rfc9215D2CSR = `-----BEGIN CERTIFICATE REQUEST-----
MIHKMHkCAQAwEjEQMA4GA1UEAxMHRXhhbXBsZTBeMBcGCCqFAwcBAQEBMAsGCSqF
AwcBAgEBAQNDAARAdCeV1L7ohN3yhQ/sA+o/rxhE4B2dpgtkUJOlXibfw5l49ZbP
TU0MbPHRiUPZRJPRa57AoW1RLS4SfMRpGmMY4qAAMAoGCCqFAwcBAQMCA0EAG9wq
Exdnm2YjL2PqFv98ZMyqua2FX8bhgJFmHbedSBIdDh2lvjR8bxtSVseurCAK1krH
em9bOg4Jcxjnrm7naQ==
-----END CERTIFICATE REQUEST-----`
	rfc9215D2CRL = `-----BEGIN X509 CRL-----
MIGSMEECAQEwCgYIKoUDBwEBAwIwEjEQMA4GA1UEAxMHRXhhbXBsZRcNMTQwMTAx
MDAwMDAwWhcNMTQwMTAyMDAwMDAwWjAKBggqhQMHAQEDAgNBABS9aAh8O5A8eqKL
B/6y571v4JY/VjJnNZ9c2Oq0UFmtHQ4dpb40fG8bUlbHrqwgCtZKx3pvWzoOCXMY
565u52k=
-----END X509 CRL-----`
	rfc9215D3Cert = `-----BEGIN CERTIFICATE-----
MIIBqjCCARagAwIBAgIBCzAKBggqhQMHAQEDAzASMRAwDgYDVQQDEwdFeGFtcGxl
MCAXDTAxMDEwMTAwMDAwMFoYDzIwNTAxMjMxMDAwMDAwWjASMRAwDgYDVQQDEwdF
eGFtcGxlMIGgMBcGCCqFAwcBAQECMAsGCSqFAwcBAgECAAOBhAAEgYDh7zDVLGEz
3dmdHVxBRVz3302LTJJbvGmvFDPRVlhRWt0hRoUMMlxbgcEzvmVaqMTUQOe5io1Z
SHsMdpa8xV0R7L53NqnsNX/y/TmTH04RTLjNo1knCsfw5/9D2UGUGeph/Sq3f12f
Y1I9O1CgT2PioM9Rt8E63CFWDwvUDMnHN6MTMBEwDwYDVR0TAQH/BAUwAwEB/zAK
BggqhQMHAQEDAwOBgQBBVwPYkvGl8/aMQ1MYmn7iB7gLVjHvnUlSmk1rVCws+hWq
LqzxH0cP3n2VSFaQPDX9j5Ve8wDZXHdTSnJKDu5wL4b6YKCBCRoj3XleHjxonuUS
o8gu4NzCZDx47qj8rNNUklWEhrIPHJ7Bl8kGmYUCYMk7y82cXDMX4ZNE4XOuNg==
-----END CERTIFICATE-----`
	rfc9215D3CSR = `-----BEGIN CERTIFICATE REQUEST-----
MIIBTzCBvAIBADASMRAwDgYDVQQDEwdFeGFtcGxlMIGgMBcGCCqFAwcBAQECMAsG
CSqFAwcBAgECAAOBhAAEgYDh7zDVLGEz3dmdHVxBRVz3302LTJJbvGmvFDPRVlhR
Wt0hRoUMMlxbgcEzvmVaqMTUQOe5io1ZSHsMdpa8xV0R7L53NqnsNX/y/TmTH04R
TLjNo1knCsfw5/9D2UGUGeph/Sq3f12fY1I9O1CgT2PioM9Rt8E63CFWDwvUDMnH
N6AAMAoGCCqFAwcBAQMDA4GBAEM7HWzkClHx5XN+sWqixoOCmkBbnZEn4hJg/J1q
wF2HvyTibEUnilwhkqdbqUmTq9YHTn/xvwP9L1OXr6HZRVgvhvpgoIEJGiPdeV4e
PGie5RKjyC7g3MJkPHjuqPys01SSVYSGsg8cnsGXyQaZhQJgyTvLzZxcMxfhk0Th
c642
-----END CERTIFICATE REQUEST-----`
	rfc9215D3CRL = `-----BEGIN X509 CRL-----
MIHTMEECAQEwCgYIKoUDBwEBAwMwEjEQMA4GA1UEAxMHRXhhbXBsZRcNMTQwMTAx
MDAwMDAwWhcNMTQwMTAyMDAwMDAwWjAKBggqhQMHAQEDAwOBgQA6E/t67NtVYO72
E3z8XdZGkXMuv7NpCh/Ax+ik7uoIMH1kjU3AmGxGqHs/vkx69C6jQ1nHlZVMo5/z
q77ZBR9NL4b6YKCBCRoj3XleHjxonuUSo8gu4NzCZDx47qj8rNNUklWEhrIPHJ7B
l8kGmYUCYMk7y82cXDMX4ZNE4XOuNg==
-----END X509 CRL-----`
	// RFC 4491 §4.2: GOST R 34.10-2001, CryptoPro-XchA curve, GOST R
	// 34.11-94 with the CryptoPro parameters, X.509 v1.
	rfc4491Cert = `-----BEGIN CERTIFICATE-----
MIIB0DCCAX8CECv1xh7CEb0Xx9zUYma0LiEwCAYGKoUDAgIDMG0xHzAdBgNVBAMM
Fkdvc3RSMzQxMC0yMDAxIGV4YW1wbGUxEjAQBgNVBAoMCUNyeXB0b1BybzELMAkG
A1UEBhMCUlUxKTAnBgkqhkiG9w0BCQEWGkdvc3RSMzQxMC0yMDAxQGV4YW1wbGUu
Y29tMB4XDTA1MDgxNjE0MTgyMFoXDTE1MDgxNjE0MTgyMFowbTEfMB0GA1UEAwwW
R29zdFIzNDEwLTIwMDEgZXhhbXBsZTESMBAGA1UECgwJQ3J5cHRvUHJvMQswCQYD
VQQGEwJSVTEpMCcGCSqGSIb3DQEJARYaR29zdFIzNDEwLTIwMDFAZXhhbXBsZS5j
b20wYzAcBgYqhQMCAhMwEgYHKoUDAgIkAAYHKoUDAgIeAQNDAARAhJVodWACGkB1
CM0TjDGJLP3lBQN6Q1z0bSsP508yfleP68wWuZWIA9CafIWuD+SN6qa7flbHy7Df
D2a8yuoaYDAIBgYqhQMCAgMDQQA8L8kJRLcnqeyn1en7U23Sw6pkfEQu3u0xFkVP
vFQ/3cHeF26NG+xxtZPz3TaTVXdoiYkXYiD02rEx1bUcM97i
-----END CERTIFICATE-----`
)

func pemDER(t testing.TB, s string) []byte {
	t.Helper()
	b, _ := pem.Decode([]byte(s))
	require.NotNil(t, b)
	return b.Bytes
}

// spkiPoint extracts X‖Y from a SubjectPublicKeyInfo without interpreting the
// curve OID (the RFC test curves are refused by ParsePublicKey on purpose).
func spkiPoint(t testing.TB, spki []byte) []byte {
	t.Helper()
	in := cryptobyte.String(spki)
	var info cryptobyte.String
	var bits asn1.BitString
	require.True(t, in.ReadASN1(&info, cbasn1.SEQUENCE))
	require.True(t, info.SkipASN1(cbasn1.SEQUENCE))
	require.True(t, info.ReadASN1BitString(&bits))
	inner := cryptobyte.String(bits.Bytes)
	var xy cryptobyte.String
	require.True(t, inner.ReadASN1(&xy, cbasn1.OCTET_STRING))
	return xy
}

func TestRFC9215Examples(t *testing.T) {
	cases := []struct {
		name           string
		curve          *Curve
		named          bool // a named curve: the public API path works end to end
		cert, csr, crl string
		d, x, y        string
	}{
		{"D.1 2001 test curve", testCurve256(t), false, rfc9215D1Cert, rfc9215D1CSR, rfc9215D1CRL,
			"7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28",
			"7F2B49E270DB6D90D8595BEC458B50C58585BA1D4E9B788F6689DBD8E56FD80B",
			"26F1B489D6701DD185C8413A977B3CBBAF64D1C593D26627DFFB101A87FF77DA"},
		{"D.2 TC26-256-A", CurveTC26256A(), true, rfc9215D2Cert, rfc9215D2CSR, rfc9215D2CRL,
			"3A929ADE789BB9BE10ED359DD39A72C10B87C83F80BE18B85C041F4325B62EC1",
			"99C3DF265EA59350640BA69D1DE04418AF3FEA03EC0F85F2DD84E8BED4952774",
			"E218631A69C47C122E2D516DA1C09E6BD19344D94389D1F16C0C4D4DCF96F578"},
		{"D.3 512 test curve", testCurve512(t), false, rfc9215D3Cert, rfc9215D3CSR, rfc9215D3CRL,
			"0BA6048AADAE241BA40936D47756D7C93091A0E8514669700EE7508E508B102072E8123B2200A0563322DAD2827E2714A2636B7BFD18AADFC62967821FA18DD4",
			"115DC5BC96760C7B48598D8AB9E740D4C4A85A65BE33C1815B5C320C854621DD5A515856D13314AF69BC5B924C8B4DDFF75C45415C1D9DD9DD33612CD530EFE1",
			"37C7C90CD40B0F5621DC3AC1B751CFA0E2634FA0503B3D52639F5D7FB72AFD61EA199441D943FFE7F0C70A2759A3CDB84C114E1F9339FDF27F35ECA93677BEEC"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			certDER := pemDER(t, c.cert)
			crt, err := x509.ParseCertificate(certDER)
			require.NoError(t, err)
			n := c.curve.Size()
			// The private key of the RFC gives the certified public key.
			ref := refCurve(c.curve)
			q := ref.ScalarMult(ref.G(), bigHex(c.d))
			eqInt(t, bigHex(c.x), q.X)
			eqInt(t, bigHex(c.y), q.Y)
			xy := spkiPoint(t, crt.RawSubjectPublicKeyInfo)
			require.Equal(t, append(le(q.X, n), le(q.Y, n)...), xy)

			pub, err := NewPublicKey(c.curve, xy)
			require.NoError(t, err)
			if c.named {
				parsed, err := ParsePublicKey(crt.RawSubjectPublicKeyInfo)
				require.NoError(t, err)
				require.True(t, parsed.Equal(pub))
				require.NoError(t, CheckCertificateSignature(crt, crt))
			} else {
				_, err := ParsePublicKey(crt.RawSubjectPublicKeyInfo)
				require.ErrorIs(t, err, ErrUnsupportedAlgorithm, "test curves are refused in real keys")
			}
			require.NoError(t, checkSigned(certDER, true, pub), "certificate")
			require.NoError(t, checkSigned(pemDER(t, c.crl), false, pub), "CRL")
			csr, err := parseSigned(pemDER(t, c.csr), false)
			require.NoError(t, err)
			require.NoError(t, CheckSignature(csr.sigAlg, pub, csr.tbs, csr.sig), "CSR")
			// The r of the three signatures is the same (same k in the RFC).
			bad := bytes.Clone(certDER)
			bad[len(bad)-1] ^= 0x80
			require.ErrorIs(t, checkSigned(bad, true, pub), ErrVerification)
		})
	}
}

func TestRFC4491Certificate(t *testing.T) {
	crt, err := x509.ParseCertificate(pemDER(t, rfc4491Cert))
	require.NoError(t, err)
	pub, err := PublicKeyFromCertificate(crt)
	require.NoError(t, err)
	require.Equal(t, CurveCryptoProA(), pub.Curve(), "XchA is the A curve")
	ref := refCurve(CurveCryptoProA())
	q := ref.ScalarMult(ref.G(), bigHex("0B293BE050D0082BDAE785631A6BAB68F35B42786D6DDA56AFAF169891040F77"))
	eqInt(t, bigHex("577E324FE70F2B6DF45C437A0305E5FD2C89318C13CD0875401A026075689584"), q.X)
	eqInt(t, bigHex("601AEACABC660FDFB0CBC7567EBBA6EA8DE40FAE857C9AD0038895B916CCEB8F"), q.Y)
	require.NoError(t, CheckCertificateSignature(crt, crt))
	// Under the Kazakh hash (test S-boxes) the same bytes do not verify.
	s, err := parseSigned(crt.Raw, false)
	require.NoError(t, err)
	h := New34311()
	h.Write(s.tbs)
	require.ErrorIs(t, VerifyDigest(pub, h.Sum(nil), s.sig, LayoutRFC4491), ErrVerification)
}
