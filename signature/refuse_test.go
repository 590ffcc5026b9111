package signature_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// dropAttr removes the attribute of type oid.
func dropAttr(oid string) func([]devpki.Attribute) []devpki.Attribute {
	return func(as []devpki.Attribute) []devpki.Attribute {
		var out []devpki.Attribute
		for _, a := range as {
			if a.Type.String() != oid {
				out = append(out, a)
			}
		}
		return out
	}
}

// setAttr replaces the value of the attribute of type oid (or adds it).
func setAttr(oid string, values ...[]byte) func([]devpki.Attribute) []devpki.Attribute {
	return func(as []devpki.Attribute) []devpki.Attribute {
		out := dropAttr(oid)(as)
		return append(out, devpki.Attribute{Type: gost.OID(oid), Values: values})
	}
}

func octets(b []byte) []byte {
	var bb cryptobyte.Builder
	bb.AddASN1OctetString(b)
	return bb.BytesOrPanic()
}

func essV2(hash []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(0x30, func(b *cryptobyte.Builder) {
		b.AddASN1(0x30, func(b *cryptobyte.Builder) {
			b.AddASN1(0x30, func(b *cryptobyte.Builder) { b.AddASN1OctetString(hash) })
		})
	})
	return b.BytesOrPanic()
}

// flipLast changes the last byte of the DER: the end of the (only)
// signature value.
func flipLast(b []byte) []byte {
	out := bytes.Clone(b)
	out[len(out)-1] ^= 0x01
	return out
}

type refusal struct {
	name  string
	input func(t *testing.T, p *sigtest.PKI) []byte
	opts  func(*signature.VerifyOptions)
	// setup adjusts the verifier (clock) before verification.
	clock func(p *sigtest.PKI) time.Time
	want  error
	code  string
}

func refusals() []refusal {
	const (
		oidContentType   = "1.2.840.113549.1.9.3"
		oidMessageDigest = "1.2.840.113549.1.9.4"
		oidSigningTime   = "1.2.840.113549.1.9.5"
		oidSigningCertV2 = "1.2.840.113549.1.9.16.2.47"
	)
	signed := func(o devpki.CMSOptions) func(*testing.T, *sigtest.PKI) []byte {
		return func(t *testing.T, p *sigtest.PKI) []byte {
			o.Chain = true
			return sign(t, p.Individual, content, o)
		}
	}
	by := func(leaf func(*sigtest.PKI) *devpki.Leaf) func(*testing.T, *sigtest.PKI) []byte {
		return func(t *testing.T, p *sigtest.PKI) []byte {
			return sign(t, leaf(p), content, devpki.CMSOptions{Chain: true})
		}
	}
	good := signed(devpki.CMSOptions{})
	return []refusal{
		{name: "garbage", input: func(*testing.T, *sigtest.PKI) []byte { return []byte("hello, I am a signature") }, want: signature.ErrMalformed, code: "malformed"},
		{name: "empty", input: func(*testing.T, *sigtest.PKI) []byte { return nil }, want: signature.ErrMalformed, code: "malformed"},
		{name: "whitespace", input: func(*testing.T, *sigtest.PKI) []byte { return []byte(" \r\n\t ") }, want: signature.ErrMalformed, code: "malformed"},
		{name: "truncated DER", input: func(t *testing.T, p *sigtest.PKI) []byte { b := good(t, p); return b[:len(b)/2] }, want: signature.ErrMalformed, code: "malformed"},
		{name: "truncated by one byte", input: func(t *testing.T, p *sigtest.PKI) []byte { b := good(t, p); return b[:len(b)-1] }, want: signature.ErrMalformed, code: "malformed"},
		{name: "trailing byte", input: func(t *testing.T, p *sigtest.PKI) []byte { return append(good(t, p), 0) }, want: signature.ErrMalformed, code: "malformed"},
		{name: "truncated base64", input: func(t *testing.T, p *sigtest.PKI) []byte {
			b := encodings["base64"](good(t, p))
			return b[:len(b)-8]
		}, want: signature.ErrMalformed, code: "malformed"},
		{name: "PEM with junk before", input: func(t *testing.T, p *sigtest.PKI) []byte {
			return append([]byte("junk\n"), devpki.PEM(good(t, p))...)
		}, want: signature.ErrMalformed, code: "malformed"},
		{name: "PEM with junk after", input: func(t *testing.T, p *sigtest.PKI) []byte {
			return append(devpki.PEM(good(t, p)), []byte("junk\n")...)
		}, want: signature.ErrMalformed, code: "malformed"},
		{name: "two PEM blocks", input: func(t *testing.T, p *sigtest.PKI) []byte {
			b := devpki.PEM(good(t, p))
			return append(b, b...)
		}, want: signature.ErrMalformed, code: "malformed"},
		{name: "PEM of another type", input: func(t *testing.T, p *sigtest.PKI) []byte {
			return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: good(t, p)})
		}, want: signature.ErrMalformed, code: "malformed"},
		{name: "PEM with headers", input: func(t *testing.T, p *sigtest.PKI) []byte {
			return pem.EncodeToMemory(&pem.Block{Type: "CMS", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: good(t, p)})
		}, want: signature.ErrMalformed, code: "malformed"},
		{name: "a certificate, not a CMS", input: func(_ *testing.T, p *sigtest.PKI) []byte { return p.Individual.Cert.Raw }, want: signature.ErrMalformed, code: "malformed"},
		{name: "signature over other bytes (detached)", input: func(t *testing.T, p *sigtest.PKI) []byte {
			return sign(t, p.Individual, []byte("other"), devpki.CMSOptions{Chain: true})
		}, want: signature.ErrDigestMismatch, code: "digest_mismatch"},
		{name: "other content (attached)", input: func(t *testing.T, p *sigtest.PKI) []byte {
			return sign(t, p.Individual, []byte("other"), devpki.CMSOptions{Chain: true, Attached: true})
		}, want: signature.ErrContentMismatch, code: "content_mismatch"},
		{name: "two signers", input: signed(devpki.CMSOptions{}), opts: nil, want: nil}, // replaced below
		{name: "no signed attributes", input: signed(devpki.CMSOptions{NoSignedAttributes: true}), want: signature.ErrMissingAttribute, code: "missing_attribute"},
		{name: "missing message digest", input: signed(devpki.CMSOptions{EditAttributes: dropAttr(oidMessageDigest)}), want: signature.ErrMissingAttribute, code: "missing_attribute"},
		{name: "missing content type", input: signed(devpki.CMSOptions{EditAttributes: dropAttr(oidContentType)}), want: signature.ErrMissingAttribute, code: "missing_attribute"},
		{name: "missing signing time", input: signed(devpki.CMSOptions{EditAttributes: dropAttr(oidSigningTime)}), want: signature.ErrMissingAttribute, code: "missing_attribute"},
		{name: "digest mismatch", input: signed(devpki.CMSOptions{EditAttributes: setAttr(oidMessageDigest, octets(make([]byte, 32)))}), want: signature.ErrDigestMismatch, code: "digest_mismatch"},
		{name: "two message digest values", input: func(t *testing.T, p *sigtest.PKI) []byte {
			return sign(t, p.Individual, content, devpki.CMSOptions{Chain: true, EditAttributes: func(as []devpki.Attribute) []devpki.Attribute {
				for i, a := range as {
					if a.Type.String() == oidMessageDigest {
						as[i].Values = append(as[i].Values, octets(make([]byte, 32)))
					}
				}
				return as
			}})
		}, want: signature.ErrMalformed, code: "malformed"},
		{name: "content type not data", input: signed(devpki.CMSOptions{EditAttributes: setAttr(oidContentType, []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02})}), want: signature.ErrContentMismatch, code: "content_mismatch"},
		{name: "signing time not a time", input: signed(devpki.CMSOptions{EditAttributes: setAttr(oidSigningTime, octets([]byte("yesterday")))}), want: signature.ErrMalformed, code: "malformed"},
		{name: "signing-certificate-v2 mismatch", input: func(t *testing.T, p *sigtest.PKI) []byte {
			h := sha256.Sum256(p.Head.Cert.Raw) // another certificate's hash
			return sign(t, p.Individual, content, devpki.CMSOptions{Chain: true, EditAttributes: setAttr(oidSigningCertV2, essV2(h[:]))})
		}, want: signature.ErrSigningCertMismatch, code: "signing_certificate_mismatch"},
		{name: "signing-certificate-v2 malformed", input: signed(devpki.CMSOptions{EditAttributes: setAttr(oidSigningCertV2, octets([]byte{1}))}), want: signature.ErrMalformed, code: "malformed"},
		{name: "tampered signature", input: func(t *testing.T, p *sigtest.PKI) []byte { return flipLast(good(t, p)) }, want: signature.ErrBadSignature, code: "bad_signature"},
		{name: "tampered signed attribute", input: func(t *testing.T, p *sigtest.PKI) []byte {
			b := good(t, p)
			ts := []byte(testNow().Format("060102150405Z"))
			i := bytes.Index(b, ts)
			require.Positive(t, i)
			out := bytes.Clone(b)
			out[i+11]++ // one second later: still a valid time, no longer what was signed
			return out
		}, want: signature.ErrBadSignature, code: "bad_signature"},
		{name: "signer certificate missing", input: signed(devpki.CMSOptions{NoSignerCertificate: true}), want: signature.ErrSignerNotFound, code: "signer_not_found"},
		{name: "signing time before the window", input: good, opts: func(o *signature.VerifyOptions) {
			o.SignedAfter = testNow().Add(10 * time.Minute)
		}, want: signature.ErrSigningTime, code: "signing_time"},
		{name: "signing time after the window", input: good, opts: func(o *signature.VerifyOptions) {
			o.SignedBefore = testNow().Add(-10 * time.Minute)
		}, want: signature.ErrSigningTime, code: "signing_time"},
		{name: "expired certificate", input: good, clock: func(p *sigtest.PKI) time.Time { return p.Individual.Cert.NotAfter.Add(time.Second) },
			want: signature.ErrCertificateExpired, code: "certificate_expired"},
		{name: "not yet valid certificate", input: good, clock: func(p *sigtest.PKI) time.Time { return p.Individual.Cert.NotBefore.Add(-time.Second) },
			want: signature.ErrCertificateNotYetValid, code: "certificate_not_yet_valid"},
		{name: "no digitalSignature", input: func(t *testing.T, p *sigtest.PKI) []byte {
			l, err := p.CA.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "A", Name: "B", IIN: sigtest.IIN, KeyUsage: x509.KeyUsageKeyEncipherment})
			require.NoError(t, err)
			return sign(t, l, content, devpki.CMSOptions{Chain: true})
		}, want: signature.ErrKeyUsage, code: "key_usage"},
		{name: "EKU serverAuth only", input: func(t *testing.T, p *sigtest.PKI) []byte {
			l, err := p.CA.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "A", Name: "B", IIN: sigtest.IIN, EKU: []string{signature.OIDServerAuth}})
			require.NoError(t, err)
			return sign(t, l, content, devpki.CMSOptions{Chain: true})
		}, want: signature.ErrKeyUsage, code: "key_usage"},
		{name: "emailProtection without a role", input: func(t *testing.T, p *sigtest.PKI) []byte {
			l, err := p.CA.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "A", Name: "B", IIN: sigtest.IIN, EKU: []string{signature.OIDEmailProtection}})
			require.NoError(t, err)
			return sign(t, l, content, devpki.CMSOptions{Chain: true})
		}, want: signature.ErrKeyUsage, code: "key_usage"},
		{name: "information system for a person's login", input: by(func(p *sigtest.PKI) *devpki.Leaf { return p.InfoSystem }), want: signature.ErrKeyUsage, code: "key_usage"},
		{name: "AUTH key for document signing", input: by(func(p *sigtest.PKI) *devpki.Leaf { return p.LegacyAuth }), opts: func(o *signature.VerifyOptions) {
			o.Purpose = signature.PurposeSign()
		}, want: signature.ErrKeyUsage, code: "key_usage"},
		{name: "unknown root", input: func(t *testing.T, p *sigtest.PKI) []byte {
			other := sigtest.NewPKI(t, devpki.ECDSAP256) // same names, other keys
			return sign(t, other.Individual, content, devpki.CMSOptions{Chain: true})
		}, want: signature.ErrChainUntrusted, code: "chain_untrusted"},
		{name: "tampered intermediate", input: func(t *testing.T, p *sigtest.PKI) []byte {
			bad, err := x509.ParseCertificate(flipLast(p.CA.Cert.Raw))
			require.NoError(t, err)
			return sign(t, p.Individual, content, devpki.CMSOptions{ExtraCertificates: []*x509.Certificate{bad}})
		}, want: signature.ErrChainUntrusted, code: "chain_untrusted"},
		{name: "intermediate without CA flag", input: func(t *testing.T, p *sigtest.PKI) []byte {
			ca, err := p.Root.Intermediate(devpki.CAOptions{CommonName: "NOT A CA", InsecureNotCA: true})
			require.NoError(t, err)
			return issueAndSign(t, ca)
		}, want: signature.ErrNotCA, code: "not_ca"},
		{name: "intermediate without keyCertSign", input: func(t *testing.T, p *sigtest.PKI) []byte {
			ca, err := p.Root.Intermediate(devpki.CAOptions{CommonName: "NO CERTSIGN", KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign})
			require.NoError(t, err)
			return issueAndSign(t, ca)
		}, want: signature.ErrKeyUsage, code: "key_usage"},
		{name: "path length exceeded", input: func(t *testing.T, p *sigtest.PKI) []byte {
			sub, err := p.CA.Intermediate(devpki.CAOptions{CommonName: "SUB CA"}) // p.CA has pathlen 0
			require.NoError(t, err)
			return issueAndSign(t, sub)
		}, want: signature.ErrNotCA, code: "not_ca"},
		{name: "expired intermediate", input: func(t *testing.T, p *sigtest.PKI) []byte {
			ca, err := p.Root.Intermediate(devpki.CAOptions{CommonName: "SHORT-LIVED CA", NotAfter: testNow().Add(-time.Minute)})
			require.NoError(t, err)
			return issueAndSign(t, ca)
		}, want: signature.ErrCertificateExpired, code: "certificate_expired"},
	}
}

func issueAndSign(t *testing.T, ca *devpki.CA) []byte {
	t.Helper()
	l, err := ca.Issue(devpki.LeafOptions{Kind: devpki.Individual, Surname: "A", Name: "B", IIN: sigtest.IIN})
	require.NoError(t, err)
	return sign(t, l, content, devpki.CMSOptions{Chain: true})
}

// Every refusal of the issue's table, for every algorithm: a typed error,
// its stable code, and no result.
func TestVerifyRefuses(t *testing.T) {
	for _, alg := range allAlgorithms {
		p := pkiFor(t, alg)
		for _, r := range refusals() {
			if r.name == "two signers" {
				r.input = func(t *testing.T, p *sigtest.PKI) []byte {
					return sign(t, p.Individual, content, devpki.CMSOptions{Chain: true, CoSigners: []*devpki.Leaf{p.Head}})
				}
				r.want, r.code = signature.ErrTooManySigners, "too_many_signers"
			}
			if r.name == "unknown root" && alg != devpki.ECDSAP256 {
				continue // one algorithm suffices for this expensive case
			}
			t.Run(string(alg)+"/"+r.name, func(t *testing.T) {
				v, clock := newVerifier(t, p)
				if r.clock != nil {
					clock.Set(r.clock(p))
				}
				opts := signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()}
				if r.opts != nil {
					r.opts(&opts)
				}
				res, err := v.Verify(ctx, r.input(t, p), opts)
				require.ErrorIs(t, err, r.want)
				assert.Nil(t, res)
				assert.Equal(t, r.code, signature.Code(err))
				assert.NotContains(t, err.Error(), string(content), "the error must not echo the signed content")
			})
		}
	}
}

// SHA-1 (and other digests outside SHA-2 and GOST) are refused for RSA and
// ECDSA.
func TestVerifyRefusesSHA1(t *testing.T) {
	for _, alg := range []devpki.Algorithm{devpki.RSA2048, devpki.ECDSAP256} {
		p := pkiFor(t, alg)
		v, _ := newVerifier(t, p)
		_, err := v.Verify(ctx, sign(t, p.Individual, content, devpki.CMSOptions{Chain: true, Hash: crypto.SHA1}), signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
		require.ErrorIs(t, err, signature.ErrUnsupportedAlgorithm, alg)
		assert.Equal(t, "unsupported_algorithm", signature.Code(err))
	}
}

// A verifier allowing several signers (documents) verifies each and refuses
// the CMS if any one fails.
func TestVerifySeveralSigners(t *testing.T) {
	p := pkiFor(t, devpki.GOST2015)
	v, err := signature.NewVerifier(signature.Config{Roots: p.Roots(), Now: testNow, InsecureSkipRevocation: true, MaxSigners: 2})
	require.NoError(t, err)
	cms := sign(t, p.Head, content, devpki.CMSOptions{Chain: true, Attached: true, CoSigners: []*devpki.Leaf{p.RightToSign}})
	res, err := v.Verify(ctx, cms, signature.VerifyOptions{Purpose: signature.PurposeSign()})
	require.NoError(t, err)
	require.Len(t, res.Signers, 2)
	assert.True(t, res.Signers[0].Identity.HasRole(signature.RoleFirstHead))
	assert.True(t, res.Signers[1].Identity.HasRole(signature.RoleRightToSign))

	cms = sign(t, p.Head, content, devpki.CMSOptions{Chain: true, Attached: true, CoSigners: []*devpki.Leaf{p.LegacyAuth}})
	_, err = v.Verify(ctx, cms, signature.VerifyOptions{Purpose: signature.PurposeSign()})
	require.ErrorIs(t, err, signature.ErrKeyUsage)
	assert.Contains(t, err.Error(), "signer 1")
}

// The input size bound.
func TestVerifyInputBound(t *testing.T) {
	p := pkiFor(t, devpki.ECDSAP256)
	cms := sign(t, p.Individual, content, devpki.CMSOptions{Chain: true})
	v, err := signature.NewVerifier(signature.Config{Roots: p.Roots(), Now: testNow, InsecureSkipRevocation: true, MaxInputSize: len(cms) - 1})
	require.NoError(t, err)
	_, err = v.Verify(ctx, cms, signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
	require.ErrorIs(t, err, signature.ErrMalformed)
	_, err = signature.DecodeCMS(bytes.Repeat([]byte{'A'}, signature.DefaultMaxInputSize+1), 0)
	require.ErrorIs(t, err, signature.ErrMalformed)
}

// Deeply nested BER is refused without exhausting the stack.
func TestVerifyDeepBER(t *testing.T) {
	p := pkiFor(t, devpki.ECDSAP256)
	v, _ := newVerifier(t, p)
	var b []byte
	for range 10000 {
		b = append(b, 0x30, 0x80)
	}
	for range 10000 {
		b = append(b, 0, 0)
	}
	_, err := v.Verify(ctx, b, signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
	require.ErrorIs(t, err, signature.ErrMalformed)
}

// A Purpose must be given: the zero value is refused, not "anything".
func TestVerifyNeedsPurpose(t *testing.T) {
	p := pkiFor(t, devpki.ECDSAP256)
	v, _ := newVerifier(t, p)
	_, err := v.Verify(ctx, sign(t, p.Individual, content, devpki.CMSOptions{Chain: true}), signature.VerifyOptions{Content: content})
	require.ErrorIs(t, err, signature.ErrConfig)
}

// A root past its validity fails the chain although the signer's
// certificate is still valid.
func TestVerifyExpiredRoot(t *testing.T) {
	g := devpki.New(devpki.Config{Now: sigtest.Epoch})
	root, err := g.Root(devpki.CAOptions{CommonName: "SHORT ROOT", Algorithm: devpki.ECDSAP256, NotAfter: testNow().Add(-time.Minute)})
	require.NoError(t, err)
	ca, err := root.Intermediate(devpki.CAOptions{CommonName: "CA"})
	require.NoError(t, err)
	v, err := signature.NewVerifier(signature.Config{Roots: []*x509.Certificate{root.Cert}, Now: testNow, InsecureSkipRevocation: true})
	require.NoError(t, err)
	_, err = v.Verify(ctx, issueAndSign(t, ca), signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
	require.ErrorIs(t, err, signature.ErrCertificateExpired)
	var ce *signature.CertificateError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 2, ce.Index)
	assert.Equal(t, "SHORT ROOT", ce.Subject)
}

// Which certificate a chain error names.
func TestChainErrorIndex(t *testing.T) {
	p := pkiFor(t, devpki.ECDSAP256)
	v, _ := newVerifier(t, p)
	bad, err := x509.ParseCertificate(flipLast(p.CA.Cert.Raw))
	require.NoError(t, err)
	_, err = v.Verify(ctx, sign(t, p.Individual, content, devpki.CMSOptions{ExtraCertificates: []*x509.Certificate{bad}}),
		signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
	var ce *signature.CertificateError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 1, ce.Index, "the tampered intermediate")
	assert.Equal(t, p.CA.Cert.Subject.CommonName, ce.Subject)
}

// A purpose may require certificate policies.
func TestPurposePolicies(t *testing.T) {
	p := pkiFor(t, devpki.ECDSAP256)
	v, _ := newVerifier(t, p)
	cms := sign(t, p.Individual, content, devpki.CMSOptions{Chain: true})
	nca := signature.PurposeLogin()
	nca.Policies = []string{devpki.OIDPolicyGOST2015}
	_, err := v.Verify(ctx, cms, signature.VerifyOptions{Content: content, Purpose: nca})
	require.NoError(t, err)
	other := signature.PurposeLogin()
	other.Policies = []string{"1.2.398.3.3.2.4"}
	_, err = v.Verify(ctx, cms, signature.VerifyOptions{Content: content, Purpose: other})
	require.ErrorIs(t, err, signature.ErrKeyUsage)
	other.Policies = []string{"policy"}
	require.ErrorIs(t, other.Validate(), signature.ErrConfig)
}

// Keys outside the supported set: ECDSA P-521, RSA-1024, Ed25519.
func TestVerifyUnsupportedKeys(t *testing.T) {
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	rootTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "R"}, NotBefore: sigtest.Epoch().Add(-time.Hour),
		NotAfter: sigtest.Epoch().AddDate(1, 0, 0), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	rootDER, err := x509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, &rootKey.PublicKey, rootKey)
	require.NoError(t, err)
	root, err := x509.ParseCertificate(rootDER)
	require.NoError(t, err)
	v, err := signature.NewVerifier(signature.Config{Roots: []*x509.Certificate{root}, Now: testNow, InsecureSkipRevocation: true})
	require.NoError(t, err)
	leafFor := func(pub, priv any) *devpki.Leaf {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "L"}, NotBefore: sigtest.Epoch().Add(-time.Hour),
			NotAfter: sigtest.Epoch().AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, root, pub, rootKey)
		require.NoError(t, err)
		cert, err := x509.ParseCertificate(der)
		require.NoError(t, err)
		l, err := devpki.New(devpki.Config{}).Leaf(cert, nil, priv)
		require.NoError(t, err)
		return l
	}
	p521, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	require.NoError(t, err)
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	for name, l := range map[string]*devpki.Leaf{"P-521": leafFor(&p521.PublicKey, p521), "RSA-1024": leafFor(&rsa1024.PublicKey, rsa1024)} {
		_, err := v.Verify(ctx, sign(t, l, content, devpki.CMSOptions{}), signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
		require.ErrorIs(t, err, signature.ErrUnsupportedAlgorithm, name)
	}
	// An Ed25519 certificate: its key type is refused before any signature
	// is looked at (the CMS is made with another key, as devpki cannot sign
	// with Ed25519).
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	edLeaf := leafFor(pub, p521)
	_, err = v.Verify(ctx, sign(t, edLeaf, content, devpki.CMSOptions{}), signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
	require.ErrorIs(t, err, signature.ErrUnsupportedAlgorithm)
}
