package signature_test

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/devpki"
	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/gosttest"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// Tests with the real NCA test PKI ("GOST TEST 2022" and the legacy RSA and
// GOST-2004 generations) from ../shared/testdata/kz-nca. Required when
// CI=true, skipped elsewhere when the material is missing.

const ncaDir = "kz-nca/"

func ncaKey(t *testing.T, name string, curve *gost.Curve) *devpki.Leaf {
	return sigtest.NCAKey(t, name, curve)
}

// clockInside returns the real time when cert is valid now, and otherwise a
// day before its expiry (so the test keeps running after the test
// certificates expire; it says so).
func clockInside(t *testing.T, cert *x509.Certificate) time.Time {
	now := time.Now().UTC()
	if now.After(cert.NotAfter) || now.Before(cert.NotBefore) {
		t.Logf("the NCA test certificate %s is not valid now; verifying at %s", cert.SerialNumber.Text(16), cert.NotAfter.Add(-24*time.Hour))
		return cert.NotAfter.Add(-24 * time.Hour)
	}
	return now
}

func ncaGOSTVerifier(t *testing.T, now time.Time, checker signature.RevocationChecker) *signature.Verifier {
	t.Helper()
	root, inter := sigtest.NCAGOSTRoots(t)
	cfg := signature.Config{
		Roots:         []*x509.Certificate{root},
		Intermediates: []*x509.Certificate{inter},
		Now:           fakeclock.New(now).Now,
		Revocation:    checker,
	}
	cfg.InsecureSkipRevocation = checker == nil
	v, err := signature.NewVerifier(cfg)
	require.NoError(t, err)
	return v
}

// The current NCA keys (GOST 34.10-2015, one combined key with EKU
// emailProtection and no clientAuth) log in, and their identity is read.
func TestNCAGOST2015Login(t *testing.T) {
	cases := []struct {
		name  string
		roles []signature.Role
		bin   string
		org   string
	}{
		{"individual_valid", []signature.Role{signature.RoleIndividual}, "", ""},
		{"legal_head_valid", []signature.Role{signature.RoleLegalEntity, signature.RoleFirstHead}, "123456789021", `АО "ТЕСТ"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			leaf := ncaKey(t, "keys/"+c.name, gost.CurveTC26512A())
			now := clockInside(t, leaf.Cert)
			v := ncaGOSTVerifier(t, now, nil)
			ch, err := signature.NewChallenge(rand.Reader, binding, now.Add(-time.Minute), 0)
			require.NoError(t, err)
			for _, attached := range []bool{false, true} {
				cms := devpki.PEM(sign(t, leaf, ch.Marshal(), devpki.CMSOptions{Attached: attached, SigningTime: now.Add(-30 * time.Second)}))
				res, err := v.VerifyChallenge(ctx, cms, ch, binding, now, signature.PurposeLogin())
				require.NoError(t, err)
				s := res.Signers[0]
				assert.Equal(t, "123456789011", s.Identity.IIN)
				assert.Equal(t, c.bin, s.Identity.BIN)
				assert.Equal(t, c.org, s.Identity.Organization)
				assert.Equal(t, "ТЕСТОВ ТЕСТ", s.Identity.CommonName)
				assert.Equal(t, "ТЕСТОВ", s.Identity.Surname)
				assert.Equal(t, "ТЕСТОВИЧ", s.Identity.GivenName)
				assert.Equal(t, "KZ", s.Identity.Country)
				assert.Equal(t, c.roles, s.Identity.Roles)
				assert.Equal(t, signature.KeyStorageFile, s.Identity.KeyStorage)
				assert.Equal(t, signature.OIDKeyStoragePKCS12, s.Identity.KeyStorageOID)
				assert.Len(t, s.Chain, 3)
				assert.Equal(t, strings.ToUpper(leaf.Cert.SerialNumber.Text(16)), s.Certificate.Serial)
			}
			// The same keys sign documents (nonRepudiation).
			_, err = v.Verify(ctx, sign(t, leaf, content, devpki.CMSOptions{SigningTime: now}), signature.VerifyOptions{Content: content, Purpose: signature.PurposeSign()})
			require.NoError(t, err)
		})
	}
}

// A signature with another key than the certificate's is refused.
func TestNCAWrongKey(t *testing.T) {
	valid := ncaKey(t, "keys/individual_valid", gost.CurveTC26512A())
	forged, err := devpki.New(devpki.Config{}).Leaf(valid.Cert, nil, mustGOSTKey(t, "keys/individual_revoked"))
	require.NoError(t, err)
	now := clockInside(t, valid.Cert)
	v := ncaGOSTVerifier(t, now, nil)
	_, err = v.Verify(ctx, sign(t, forged, content, devpki.CMSOptions{SigningTime: now}), signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
	require.ErrorIs(t, err, signature.ErrBadSignature)
}

func mustGOSTKey(t *testing.T, name string) *gosttest.PrivateKey {
	k, err := gosttest.PrivateKeyFromHex(gost.CurveTC26512A(), string(sigtest.ReadFile(t, ncaDir+name+".key.hex")))
	require.NoError(t, err)
	return k
}

// crlChecker is a minimal revocation checker over the real NCA CRL: it
// verifies the CRL's GOST signature with the issuer and looks the serial
// up. (The real checker is signature/revocation; this one proves the hook
// with real data.)
type crlChecker struct {
	crl    []byte
	issuer *x509.Certificate
}

func (c crlChecker) CheckRevocation(_ context.Context, cert, issuer *x509.Certificate) (signature.RevocationStatus, error) {
	if !issuer.Equal(c.issuer) {
		return signature.RevocationStatus{Status: "good", Source: "test"}, nil // the root's CRL is not here
	}
	if err := gost.CheckCRLSignature(c.crl, issuer); err != nil {
		return signature.RevocationStatus{}, errors.Join(signature.ErrRevocationUnavailable, err)
	}
	serials, err := crlSerials(c.crl)
	if err != nil {
		return signature.RevocationStatus{}, errors.Join(signature.ErrRevocationUnavailable, err)
	}
	for _, s := range serials {
		if s.Cmp(cert.SerialNumber) == 0 {
			return signature.RevocationStatus{Source: "crl", Status: "revoked"}, signature.ErrRevoked
		}
	}
	return signature.RevocationStatus{Source: "crl", Status: "good"}, nil
}

// crlSerials lists the revoked serials of a DER CRL.
func crlSerials(der []byte) ([]*big.Int, error) {
	in := cryptobyte.String(der)
	var crl, tbs, entries cryptobyte.String
	if !in.ReadASN1(&crl, cbasn1.SEQUENCE) || !crl.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return nil, errors.New("bad CRL")
	}
	if tbs.PeekASN1Tag(cbasn1.INTEGER) {
		tbs.SkipASN1(cbasn1.INTEGER)
	}
	if !tbs.SkipASN1(cbasn1.SEQUENCE) || !tbs.SkipASN1(cbasn1.SEQUENCE) {
		return nil, errors.New("bad tbsCertList")
	}
	var tag cbasn1.Tag
	var skip cryptobyte.String
	if !tbs.ReadAnyASN1(&skip, &tag) { // thisUpdate
		return nil, errors.New("bad thisUpdate")
	}
	if tbs.PeekASN1Tag(cbasn1.UTCTime) || tbs.PeekASN1Tag(cbasn1.GeneralizedTime) {
		tbs.ReadAnyASN1(&skip, &tag) // nextUpdate
	}
	var out []*big.Int
	if tbs.ReadOptionalASN1(&entries, nil, cbasn1.SEQUENCE) {
		for !entries.Empty() {
			var e cryptobyte.String
			s := new(big.Int)
			if !entries.ReadASN1(&e, cbasn1.SEQUENCE) || !e.ReadASN1Integer(s) {
				return nil, errors.New("bad entry")
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// Real revoked NCA certificates (certificateHold in the real CRL) are
// refused through the RevocationChecker hook; the valid ones pass.
func TestNCARevokedThroughHook(t *testing.T) {
	checker := crlChecker{crl: sigtest.ReadFile(t, ncaDir+"crl/nca_gost2022_test.crl"), issuer: sigtest.Certificate(t, ncaDir+"ca/nca_gost2022_test.cer")}
	for name, revoked := range map[string]bool{"individual_valid": false, "individual_revoked": true, "legal_head_valid": false, "legal_head_revoked": true} {
		t.Run(name, func(t *testing.T) {
			leaf := ncaKey(t, "keys/"+name, gost.CurveTC26512A())
			now := clockInside(t, leaf.Cert)
			v := ncaGOSTVerifier(t, now, checker)
			res, err := v.Verify(ctx, sign(t, leaf, content, devpki.CMSOptions{SigningTime: now}), signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
			if revoked {
				require.ErrorIs(t, err, signature.ErrRevoked)
				assert.Equal(t, "revoked", signature.Code(err))
				// The refusal names the certificate by serial, never by
				// the person's name (it reaches operator logs).
				assert.NotContains(t, err.Error(), leaf.Cert.Subject.CommonName)
				assert.NotContains(t, err.Error(), "ТЕСТОВ")
				return
			}
			require.NoError(t, err)
			assert.True(t, res.Signers[0].RevocationChecked)
			assert.Equal(t, "crl", res.Signers[0].Revocation[0].Source)
		})
	}
}

// The real NCA certificates are checked at the verifier's clock: at the
// real date the legacy ones are expired.
func TestNCAClock(t *testing.T) {
	leaf := ncaKey(t, "keys/individual_valid", gost.CurveTC26512A())
	v := ncaGOSTVerifier(t, leaf.Cert.NotAfter.Add(time.Hour), nil)
	_, err := v.Verify(ctx, sign(t, leaf, content, devpki.CMSOptions{SigningTime: leaf.Cert.NotAfter.Add(-time.Hour)}), signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
	require.ErrorIs(t, err, signature.ErrCertificateExpired, "validated at the verifier's clock, not at the (earlier) signing time")
}

// The legacy RSA generation: an AUTH key (EKU clientAuth) logs in but cannot
// sign documents; a SIGN key signs documents but cannot log in. Their root is not in the test
// material, so the RSA intermediate is the trust anchor; they expired in
// 2022/2023, so the clock is set inside their validity.
func TestNCALegacyRSA(t *testing.T) {
	anchor := sigtest.Certificate(t, ncaDir+"legacy/ca/nca_rsa_test.crt")
	verifier := func(now time.Time) *signature.Verifier {
		v, err := signature.NewVerifier(signature.Config{Roots: []*x509.Certificate{anchor}, Now: fakeclock.New(now).Now, InsecureSkipRevocation: true})
		require.NoError(t, err)
		return v
	}
	auth := ncaKey(t, "legacy/keys/key_individual_auth_revoked_2004", nil)
	at := auth.Cert.NotBefore.Add(30 * 24 * time.Hour)
	v := verifier(at)
	res, err := v.Verify(ctx, sign(t, auth, content, devpki.CMSOptions{SigningTime: at}), signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
	require.NoError(t, err)
	assert.Equal(t, "RSA-PKCS1v15-SHA256", res.Signers[0].Algorithm)
	assert.Equal(t, "123456789011", res.Signers[0].Identity.IIN)
	assert.Equal(t, []signature.Role{signature.RoleIndividual}, res.Signers[0].Identity.Roles)
	_, err = v.Verify(ctx, sign(t, auth, content, devpki.CMSOptions{SigningTime: at}), signature.VerifyOptions{Content: content, Purpose: signature.PurposeSign()})
	require.ErrorIs(t, err, signature.ErrKeyUsage)

	sig := ncaKey(t, "legacy/keys/key_individual_valid_sign_2004", nil)
	at = sig.Cert.NotBefore.Add(30 * 24 * time.Hour)
	v = verifier(at)
	_, err = v.Verify(ctx, sign(t, sig, content, devpki.CMSOptions{SigningTime: at, PSS: true}), signature.VerifyOptions{Content: content, Purpose: signature.PurposeSign()})
	require.NoError(t, err)
	// The SIGN key carries the EKU of the current combined keys
	// (emailProtection + individual) but the signing-only policy
	// 1.2.398.3.3.2.3: it cannot log in (issue 14 §2.6).
	_, err = v.Verify(ctx, sign(t, sig, content, devpki.CMSOptions{SigningTime: at, PSS: true}), signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
	require.ErrorIs(t, err, signature.ErrKeyUsage)
	assert.Contains(t, err.Error(), "1.2.398.3.3.2.3")
	_, err = verifier(time.Now()).Verify(ctx, sign(t, sig, content, devpki.CMSOptions{SigningTime: at}), signature.VerifyOptions{Content: content, Purpose: signature.PurposeSign()})
	require.ErrorIs(t, err, signature.ErrCertificateExpired)
}

// The NCA intermediates and roots themselves pass as configuration, and a
// foreign root does not anchor an NCA chain.
func TestNCAForeignRoot(t *testing.T) {
	leaf := ncaKey(t, "keys/individual_valid", gost.CurveTC26512A())
	now := clockInside(t, leaf.Cert)
	p := pkiFor(t, devpki.GOST2015)
	v, err := signature.NewVerifier(signature.Config{Roots: p.Roots(), Intermediates: []*x509.Certificate{sigtest.Certificate(t, ncaDir+"ca/nca_gost2022_test.cer")},
		Now: fakeclock.New(now).Now, InsecureSkipRevocation: true})
	require.NoError(t, err)
	_, err = v.Verify(ctx, sign(t, leaf, content, devpki.CMSOptions{SigningTime: now}), signature.VerifyOptions{Content: content, Purpose: signature.PurposeLogin()})
	require.ErrorIs(t, err, signature.ErrChainUntrusted)
}

// IdentityOf reads the real certificates' subjects as the NCA lays them
// out.
func TestNCAIdentityOf(t *testing.T) {
	id, err := signature.IdentityOf(sigtest.Certificate(t, ncaDir+"keys/legal_head_valid.cert.pem"), nil)
	require.NoError(t, err)
	assert.Equal(t, &signature.Identity{IIN: "123456789011", BIN: "123456789021", CommonName: "ТЕСТОВ ТЕСТ", Surname: "ТЕСТОВ", GivenName: "ТЕСТОВИЧ",
		Organization: `АО "ТЕСТ"`, Country: "KZ", Roles: []signature.Role{signature.RoleLegalEntity, signature.RoleFirstHead},
		KeyStorage: signature.KeyStorageFile, KeyStorageOID: signature.OIDKeyStoragePKCS12}, id)
	prof := signature.NCAProfile()
	prof.CheckDigits = true
	_, err = signature.IdentityOf(sigtest.Certificate(t, ncaDir+"keys/legal_head_valid.cert.pem"), prof)
	require.ErrorIs(t, err, signature.ErrIdentity, "the NCA test IINs fail the check digit")
}
