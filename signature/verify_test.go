package signature_test

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/sigtest"
)

var content = []byte("strongauth test content")

// encodings turn a DER CMS into each form NCALayer (or a tool) produces.
var encodings = map[string]func([]byte) []byte{
	"der":        func(b []byte) []byte { return b },
	"pem":        devpki.PEM,
	"pem-crlf":   func(b []byte) []byte { return []byte(strings.ReplaceAll(string(devpki.PEM(b)), "\n", "\r\n")) },
	"pkcs7-pem":  func(b []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: "PKCS7", Bytes: b}) },
	"base64":     func(b []byte) []byte { return []byte(base64.StdEncoding.EncodeToString(b)) },
	"base64-raw": func(b []byte) []byte { return []byte(base64.RawStdEncoding.EncodeToString(b)) },
	"base64-wrapped": func(b []byte) []byte {
		s := base64.StdEncoding.EncodeToString(b)
		var out strings.Builder
		for len(s) > 64 {
			out.WriteString(s[:64] + "\r\n")
			s = s[64:]
		}
		return []byte("  " + out.String() + s + "\n")
	},
}

func TestVerifyAccepts(t *testing.T) {
	for _, alg := range allAlgorithms {
		p := pkiFor(t, alg)
		v, _ := newVerifier(t, p)
		for _, attached := range []bool{false, true} {
			for _, ber := range []bool{false, true} {
				for _, ski := range []bool{false, true} {
					name := fmt.Sprintf("%s/attached=%t/ber=%t/ski=%t", alg, attached, ber, ski)
					cms := sign(t, p.Head, content, devpki.CMSOptions{Attached: attached, BER: ber, SubjectKeyID: ski, Chain: true})
					for enc, f := range encodings {
						t.Run(name+"/"+enc, func(t *testing.T) {
							res, err := v.Verify(ctx, f(cms), signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
							require.NoError(t, err)
							require.Len(t, res.Signers, 1)
							s := res.Signers[0]
							assert.Equal(t, content, res.Content)
							assert.Equal(t, !attached, res.Detached)
							assert.Equal(t, sigtest.IIN, s.Identity.IIN)
							assert.Equal(t, sigtest.BIN, s.Identity.BIN)
							assert.Equal(t, "ТЕСТОВ ТЕСТ", s.Identity.CommonName)
							assert.Equal(t, "ТЕСТОВ", s.Identity.Surname)
							assert.Equal(t, "ТЕСТОВИЧ", s.Identity.GivenName)
							assert.Equal(t, sigtest.Organization, s.Identity.Organization)
							assert.Equal(t, "KZ", s.Identity.Country)
							assert.Equal(t, "test@example.kz", s.Identity.Email)
							assert.Equal(t, []signature.Role{signature.RoleLegalEntity, signature.RoleFirstHead}, s.Identity.Roles)
							assert.Equal(t, signature.KeyStorageFile, s.Identity.KeyStorage)
							assert.Len(t, s.Chain, 3)
							assert.Equal(t, p.Head.Cert.SerialNumber.Text(16), strings.ToLower(s.Certificate.Serial))
							assert.True(t, s.SigningTime.Equal(testNow()))
							assert.False(t, s.RevocationChecked)
							assert.Equal(t, testNow(), res.VerifiedAt)
						})
					}
				}
			}
		}
	}
}

// The algorithm names each key and option produce.
func TestVerifyAlgorithms(t *testing.T) {
	cases := []struct {
		alg  devpki.Algorithm
		o    devpki.CMSOptions
		name string
	}{
		{devpki.GOST2015, devpki.CMSOptions{}, "GOST 34.10-2015 512-bit (Kazakh OIDs)"},
		{devpki.RSA2048, devpki.CMSOptions{}, "RSA-PKCS1v15-SHA256"},
		{devpki.RSA2048, devpki.CMSOptions{Hash: crypto.SHA384}, "RSA-PKCS1v15-SHA384"},
		{devpki.RSA2048, devpki.CMSOptions{Hash: crypto.SHA512}, "RSA-PKCS1v15-SHA512"},
		{devpki.RSA2048, devpki.CMSOptions{PSS: true}, "RSA-PSS-SHA256"},
		{devpki.RSA2048, devpki.CMSOptions{PSS: true, Hash: crypto.SHA512}, "RSA-PSS-SHA512"},
		{devpki.ECDSAP256, devpki.CMSOptions{}, "ECDSA-P256-SHA256"},
		{devpki.ECDSAP256, devpki.CMSOptions{Hash: crypto.SHA384}, "ECDSA-P256-SHA384"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := pkiFor(t, c.alg)
			v, _ := newVerifier(t, p)
			c.o.Chain = true
			res, err := v.Verify(ctx, sign(t, p.Individual, content, c.o), signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
			require.NoError(t, err)
			name := res.Signers[0].Algorithm
			if c.alg == devpki.GOST2015 {
				assert.Contains(t, name, "2015")
				assert.Contains(t, name, "512")
				return
			}
			assert.Equal(t, c.name, name)
		})
	}
}

// P-384 keys and the GOST-2004 algorithm have their own PKIs.
func TestVerifyOtherKeys(t *testing.T) {
	for _, alg := range []devpki.Algorithm{devpki.ECDSAP384, devpki.GOST2004} {
		t.Run(string(alg), func(t *testing.T) {
			p := pkiFor(t, alg)
			v, _ := newVerifier(t, p)
			res, err := v.Verify(ctx, sign(t, p.Individual, content, devpki.CMSOptions{Chain: true}), signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
			require.NoError(t, err)
			assert.Equal(t, sigtest.IIN, res.Signers[0].Identity.IIN)
			if alg == devpki.GOST2004 {
				assert.Contains(t, res.Signers[0].Algorithm, "2004")
			} else {
				assert.Equal(t, "ECDSA-P384-SHA256", res.Signers[0].Algorithm)
			}
		})
	}
}

// Chains complete from configured intermediates when the CMS carries only
// the signer's certificate, as NCALayer sends it.
func TestVerifyIntermediateFromConfig(t *testing.T) {
	for _, alg := range allAlgorithms {
		t.Run(string(alg), func(t *testing.T) {
			p := pkiFor(t, alg)
			cms := sign(t, p.Individual, content, devpki.CMSOptions{})
			v, _ := newVerifier(t, p)
			_, err := v.Verify(ctx, cms, signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
			require.ErrorIs(t, err, signature.ErrChainUntrusted)
			assert.Equal(t, "chain_untrusted", signature.Code(err))

			v, _ = newVerifier(t, p, withIntermediates(p))
			res, err := v.Verify(ctx, cms, signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
			require.NoError(t, err)
			assert.Len(t, res.Signers[0].Chain, 3)
		})
	}
}

// An attached CMS verifies without expected content (document
// verification) and returns the content; a detached one cannot.
func TestVerifyWithoutExpectedContent(t *testing.T) {
	p := pkiFor(t, devpki.ECDSAP256)
	v, _ := newVerifier(t, p)
	res, err := v.Verify(ctx, sign(t, p.Individual, content, devpki.CMSOptions{Attached: true, Chain: true}), signature.VerifyOptions{Purpose: signature.PurposeSign()})
	require.NoError(t, err)
	assert.Equal(t, content, res.Content)

	_, err = v.Verify(ctx, sign(t, p.Individual, content, devpki.CMSOptions{Chain: true}), signature.VerifyOptions{Purpose: signature.PurposeSign()})
	require.ErrorIs(t, err, signature.ErrContentMismatch)
}

// Revocation: the checker is asked about every chain certificate except
// the anchor, and anything but "good" denies.
func TestVerifyRevocation(t *testing.T) {
	for _, alg := range allAlgorithms {
		t.Run(string(alg), func(t *testing.T) {
			p := pkiFor(t, alg)
			cms := sign(t, p.Individual, content, devpki.CMSOptions{Chain: true})
			opts := signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()}

			c := &okChecker{}
			v, _ := newVerifier(t, p, withChecker(c))
			res, err := v.Verify(ctx, cms, opts)
			require.NoError(t, err)
			assert.True(t, res.Signers[0].RevocationChecked)
			require.Len(t, res.Signers[0].Revocation, 2)
			assert.Equal(t, []string{
				p.Individual.Cert.SerialNumber.Text(16) + "<-" + p.CA.Cert.SerialNumber.Text(16),
				p.CA.Cert.SerialNumber.Text(16) + "<-" + p.Root.Cert.SerialNumber.Text(16),
			}, c.calls)

			revokedLeaf := funcChecker(func(cert, _ *x509.Certificate) (signature.RevocationStatus, error) {
				if cert.Equal(p.Individual.Cert) {
					st := signature.RevocationStatus{Source: "crl", Status: "revoked", Reason: 6}
					return st, fmt.Errorf("test: %w", signature.ErrRevoked)
				}
				return signature.RevocationStatus{Status: "good"}, nil
			})
			revokedCA := funcChecker(func(cert, _ *x509.Certificate) (signature.RevocationStatus, error) {
				if cert.Equal(p.CA.Cert) {
					return signature.RevocationStatus{Status: "revoked"}, signature.ErrRevoked
				}
				return signature.RevocationStatus{Status: "good"}, nil
			})
			cases := []struct {
				name    string
				checker signature.RevocationChecker
				want    error
				code    string
			}{
				{"leaf revoked", revokedLeaf, signature.ErrRevoked, "revoked"},
				{"intermediate revoked", revokedCA, signature.ErrRevoked, "revoked"},
				{"unknown", funcChecker(func(_, _ *x509.Certificate) (signature.RevocationStatus, error) {
					return signature.RevocationStatus{Status: "unknown"}, signature.ErrRevocationUnknown
				}), signature.ErrRevocationUnknown, "revocation_unknown"},
				{"unavailable", funcChecker(func(_, _ *x509.Certificate) (signature.RevocationStatus, error) {
					return signature.RevocationStatus{}, signature.ErrRevocationUnavailable
				}), signature.ErrRevocationUnavailable, "revocation_unavailable"},
				{"foreign error", funcChecker(func(_, _ *x509.Certificate) (signature.RevocationStatus, error) {
					return signature.RevocationStatus{}, fmt.Errorf("dial tcp: timeout")
				}), signature.ErrRevocationUnavailable, "revocation_unavailable"},
				{"not good without error", funcChecker(func(_, _ *x509.Certificate) (signature.RevocationStatus, error) {
					return signature.RevocationStatus{Status: "revoked"}, nil
				}), signature.ErrRevocationUnavailable, "revocation_unavailable"},
				{"unchecked without the verifier's opt-in", funcChecker(func(_, _ *x509.Certificate) (signature.RevocationStatus, error) {
					return signature.RevocationStatus{Status: "unchecked"}, nil
				}), signature.ErrRevocationUnavailable, "revocation_unavailable"},
			}
			t.Run("unchecked with both opt-ins", func(t *testing.T) {
				soft := funcChecker(func(_, _ *x509.Certificate) (signature.RevocationStatus, error) {
					return signature.RevocationStatus{Status: "unchecked"}, nil
				})
				v, _ := newVerifier(t, p, withChecker(soft), func(c *signature.Config) { c.InsecureAcceptUnchecked = true })
				res, err := v.Verify(ctx, cms, opts)
				require.NoError(t, err)
				assert.Equal(t, "unchecked", res.Signers[0].Revocation[0].Status)
				v, _ = newVerifier(t, p, withChecker(revokedLeaf), func(c *signature.Config) { c.InsecureAcceptUnchecked = true })
				_, err = v.Verify(ctx, cms, opts)
				require.ErrorIs(t, err, signature.ErrRevoked, "soft-fail never accepts a revoked key")
			})
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					v, _ := newVerifier(t, p, withChecker(tc.checker))
					res, err := v.Verify(ctx, cms, opts)
					require.ErrorIs(t, err, tc.want)
					require.Nil(t, res)
					assert.Equal(t, tc.code, signature.Code(err))
					var ce *signature.CertificateError
					require.ErrorAs(t, err, &ce)
				})
			}
		})
	}
}

// The chain cache: a repeated verification verifies no chain signature
// again, yet validity is checked on every use.
func TestChainCache(t *testing.T) {
	for _, alg := range allAlgorithms {
		t.Run(string(alg), func(t *testing.T) {
			p := pkiFor(t, alg)
			v, clock := newVerifier(t, p)
			cms := sign(t, p.Individual, content, devpki.CMSOptions{Chain: true})
			opts := signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()}
			require.Equal(t, 0, signature.CachedLinks(v))
			_, err := v.Verify(ctx, cms, opts)
			require.NoError(t, err)
			require.Equal(t, 2, signature.CachedLinks(v))
			_, err = v.Verify(ctx, sign(t, p.Head, content, devpki.CMSOptions{Chain: true}), opts)
			require.NoError(t, err)
			require.Equal(t, 3, signature.CachedLinks(v), "the intermediate→root link is reused")

			// Past the leaf's expiry the cached links do not help.
			clock.Set(p.Individual.Cert.NotAfter.Add(time.Second))
			_, err = v.Verify(ctx, cms, opts)
			require.ErrorIs(t, err, signature.ErrCertificateExpired)
		})
	}
}

// A cached link is keyed by both certificates' bytes: a different child
// with the same issuer name is verified afresh (and fails when forged).
func TestChainCacheKeyedByBytes(t *testing.T) {
	p := pkiFor(t, devpki.ECDSAP256)
	other := pkiFor(t, devpki.RSA2048)
	v, _ := newVerifier(t, p)
	opts := signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()}
	_, err := v.Verify(ctx, sign(t, p.Individual, content, devpki.CMSOptions{Chain: true}), opts)
	require.NoError(t, err)
	// The other PKI's intermediate, claiming to be issued by p's root
	// name? Its issuer name differs, so no path exists.
	_, err = v.Verify(ctx, sign(t, other.Individual, content, devpki.CMSOptions{Chain: true}), opts)
	require.ErrorIs(t, err, signature.ErrChainUntrusted)
}

// One Verifier serves many goroutines; results stay correct under the race
// detector, with the cache filling concurrently.
func TestVerifyConcurrent(t *testing.T) {
	p := pkiFor(t, devpki.ECDSAP256)
	v, _ := newVerifier(t, p)
	good := sign(t, p.Head, content, devpki.CMSOptions{Chain: true})
	bad := sign(t, p.Head, []byte("other"), devpki.CMSOptions{Chain: true})
	opts := signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()}
	var ok, refused atomic.Int64
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := good
			if i%2 == 1 {
				in = bad
			}
			res, err := v.Verify(ctx, in, opts)
			switch {
			case err == nil && res != nil && res.Signers[0].Identity.BIN == sigtest.BIN:
				ok.Add(1)
			case err != nil && res == nil:
				refused.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(32), ok.Load())
	assert.Equal(t, int64(32), refused.Load())
}

// The result is JSON-friendly for the CLI.
func TestResultJSON(t *testing.T) {
	p := pkiFor(t, devpki.GOST2015)
	v, _ := newVerifier(t, p, withChecker(&okChecker{}))
	res, err := v.Verify(ctx, sign(t, p.Head, content, devpki.CMSOptions{Chain: true}), signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
	require.NoError(t, err)
	b, err := json.Marshal(res)
	require.NoError(t, err)
	var back map[string]any
	require.NoError(t, json.Unmarshal(b, &back))
	s := back["signers"].([]any)[0].(map[string]any)
	id := s["identity"].(map[string]any)
	assert.Equal(t, sigtest.IIN, id["iin"])
	assert.Equal(t, sigtest.BIN, id["bin"])
	assert.Equal(t, []any{"legal_entity", "first_head"}, id["roles"])
	assert.Equal(t, "file", id["key_storage"])
	assert.Len(t, s["chain"], 3)
	assert.Len(t, s["revocation"], 2)
	assert.Equal(t, true, s["revocation_checked"])
	assert.NotContains(t, string(b), "PRIVATE")
}
