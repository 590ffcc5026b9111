package revocation

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/hex"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/internal/fakeclock"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/gost"
)

// The real NCA test material (../shared/testdata/kz-nca, see its README).
// Required under CI=true, skipped otherwise.

const (
	ncaCRL          = "crl/nca_gost2022_test.crl"
	ncaIntermediate = "ca/nca_gost2022_test.cer"
	ncaRoot         = "ca/root_test_gost_2022.cer"
	// ncaLegacyGOSTCA is ҰКО 3.0 (GOST TEST), the GOST 34.310-2004
	// intermediate of the legacy generation.
	ncaLegacyGOSTCA = "legacy/ca/nca_gost_test.crt"
)

// ncaCRLTime lies inside the validity of crl/nca_gost2022_test.crl
// (2026-08-11 → 2027-02-07) and of the keys/ certificates.
var ncaCRLTime = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func mustHex(t testing.TB, s string) *big.Int {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return new(big.Int).SetBytes(b)
}

// TestNCACRL parses the NCA GOST CRL (which x509.ParseRevocationList
// refuses), verifies it against the test intermediate and looks up the
// test certificates.
func TestNCACRL(t *testing.T) {
	der := ncaFile(t, ncaCRL)
	issuer := ncaCert(t, ncaIntermediate)

	_, err := x509.ParseRevocationList(der)
	require.Error(t, err, "the stdlib refuses the NCA shape (inner/outer AlgorithmIdentifier differ)")

	crl, err := ParseCRL(der)
	require.NoError(t, err)
	assert.Equal(t, 195, crl.Len())
	assert.Equal(t, int64(166), crl.Number.Int64())
	assert.False(t, crl.IsDelta())
	assert.Equal(t, gost.OID(gost.OIDKZSignature2015512), crl.SignatureAlgorithm)
	assert.Equal(t, time.Date(2026, 8, 11, 3, 49, 19, 0, time.UTC), crl.ThisUpdate)
	assert.Equal(t, time.Date(2027, 2, 7, 3, 49, 19, 0, time.UTC), crl.NextUpdate)
	assert.Equal(t, issuer.SubjectKeyId, crl.AuthorityKeyID)
	require.NoError(t, crl.CheckSignatureFrom(issuer))

	// The signature check is real: the root, a tampered CRL and a tampered
	// signature all fail.
	require.ErrorIs(t, crl.CheckSignatureFrom(ncaCert(t, ncaRoot)), ErrNotAuthorized)
	for _, at := range []int{len(der) - 10, bytes.Index(der, []byte{0x3a, 0xce, 0xa5, 0x5c}) + 2} {
		bad := bytes.Clone(der)
		bad[at] ^= 0x01
		badCRL, err := ParseCRL(bad)
		require.NoError(t, err)
		require.ErrorIs(t, badCRL.CheckSignatureFrom(issuer), ErrSignature, "byte %d", at)
	}

	for name, want := range map[string]bool{
		"individual_revoked": true, "legal_head_revoked": true,
		"individual_valid": false, "legal_head_valid": false,
	} {
		cert := ncaCert(t, "keys/"+name+".cert.pem")
		e, found := crl.Lookup(cert.SerialNumber)
		assert.Equal(t, want, found, name)
		if want {
			assert.Equal(t, 6, e.Reason, "%s is on hold", name)
			assert.Equal(t, 2026, e.RevokedAt.Year())
		}
	}
	e, ok := crl.Lookup(mustHex(t, "3ACEA55CBCDF38C861FB3F341854C53EC9ED6ECD"))
	require.True(t, ok)
	assert.Equal(t, time.Date(2026, 5, 8, 14, 57, 29, 0, time.UTC), e.RevokedAt)
}

// TestNCACRLChecker: with the NCA CRL as the source, the revoked .p12
// certificates are refused (certificateHold) and the valid ones accepted;
// loaded statically and downloaded alike.
func TestNCACRLChecker(t *testing.T) {
	der := ncaFile(t, ncaCRL)
	issuer := ncaCert(t, ncaIntermediate)
	clock := fakeclock.New(ncaCRLTime)
	audit := &auditLog{}
	c := newChecker(t, Config{Mode: CRLOnly, Now: clock.Now, Audit: audit,
		CRLs: []StaticCRL{{CRL: der, Issuer: issuer}}})
	check := func(c *Checker, name string) (signature.RevocationStatus, error) {
		return c.CheckRevocation(context.Background(), ncaCert(t, "keys/"+name+".cert.pem"), issuer)
	}
	for _, name := range []string{"individual_revoked", "legal_head_revoked"} {
		st, err := check(c, name)
		require.ErrorIs(t, err, signature.ErrRevoked, name)
		assert.Equal(t, 6, st.Reason)
		assert.Equal(t, "certificateHold", audit.last(t).Attrs["reason"])
	}
	for _, name := range []string{"individual_valid", "legal_head_valid"} {
		st, err := check(c, name)
		require.NoError(t, err, name)
		assert.Equal(t, StatusGood, st.Status)
	}

	// Downloaded: the same CRL from a test server. The certificates name a
	// delta CRL (freshestCRL); none exists for this test PKI, so with the
	// delta unreachable even the valid certificates are refused (fail
	// closed) ...
	full, delta := newServer(t), newServer(t)
	full.handle(bytesHandler(der))
	dl := newChecker(t, Config{Mode: CRLOnly, Now: clock.Now, CRLURLs: []string{full.URL}, DeltaCRLURLs: []string{delta.URL}})
	_, err := check(dl, "individual_valid")
	require.ErrorIs(t, err, signature.ErrRevocationUnavailable)
	require.ErrorIs(t, err, ErrFetch)
	_, err = check(dl, "individual_revoked")
	require.ErrorIs(t, err, signature.ErrRevocationUnavailable, "no answer until the delta is known")

	// ... and serving the full CRL where the delta is expected is refused.
	delta.handle(bytesHandler(der))
	clock.Advance(crlFailureHold) // the failed download is remembered that long
	_, err = check(dl, "individual_valid")
	require.ErrorIs(t, err, ErrScope)

	// Outside the CRL's validity it is not used.
	clock.Set(time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC))
	_, err = check(c, "individual_valid")
	require.ErrorIs(t, err, ErrStale)
}

// TestNCALegacyRSACRL: the legacy RSA CRL (which x509 parses) verifies
// against its CA and lists the revoked legacy certificates.
func TestNCALegacyRSACRL(t *testing.T) {
	der := ncaFile(t, "legacy/crl/nca_rsa_test.crl")
	issuer := ncaCert(t, "legacy/ca/nca_rsa_test.crt")
	ref, err := x509.ParseRevocationList(der)
	require.NoError(t, err)
	crl, err := ParseCRL(der)
	require.NoError(t, err)
	require.NoError(t, crl.CheckSignatureFrom(issuer))
	require.NoError(t, ref.CheckSignatureFrom(issuer))
	assert.Equal(t, len(ref.RevokedCertificateEntries), crl.Len())
	assert.Equal(t, 126, crl.Len())
	for _, e := range ref.RevokedCertificateEntries {
		got, ok := crl.Lookup(e.SerialNumber)
		require.True(t, ok)
		assert.True(t, got.RevokedAt.Equal(e.RevocationTime))
		if e.ReasonCode != 0 {
			assert.Equal(t, e.ReasonCode, got.Reason)
		}
	}
	for name, want := range map[string]bool{
		"key_individual_auth_revoked_2004": true, "key_individual_sign_revoked_2004": true,
		"key_individual_valid_sign_2004": false,
	} {
		cert := ncaCert(t, "legacy/keys/"+name+".cert.pem")
		e, found := crl.Lookup(cert.SerialNumber)
		assert.Equal(t, want, found, name)
		if want {
			assert.Equal(t, 4, e.Reason, "superseded")
		}
	}
	// At a time inside its validity, the checker refuses the revoked ones.
	clock := fakeclock.New(time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC))
	c := newChecker(t, Config{Mode: CRLOnly, Now: clock.Now, CRLs: []StaticCRL{{CRL: der, Issuer: issuer}}})
	_, err = c.CheckRevocation(context.Background(), ncaCert(t, "legacy/keys/key_individual_sign_revoked_2004.cert.pem"), issuer)
	require.ErrorIs(t, err, signature.ErrRevoked)
	_, err = c.CheckRevocation(context.Background(), ncaCert(t, "legacy/keys/key_individual_valid_sign_2004.cert.pem"), issuer)
	require.NoError(t, err)
}

// ncaOCSP describes one of the four NCA OCSP responses.
type ncaOCSP struct {
	file       string
	serial     string
	issuer     string // the CA file
	status     string
	reason     int
	producedAt time.Time
}

func ncaOCSPResponses() []ncaOCSP {
	return []ncaOCSP{
		{"ocsp/ocsp_response_individual_sign_2004.bin", "4279390A141F5353A62947B61ED65E81741467D1",
			"legacy/ca/nca_rsa_test.crt", StatusGood, -1, time.Date(2022, 9, 2, 16, 53, 59, 0, time.UTC)},
		{"ocsp/ocsp_response_ceo_sign_2004_revoked.bin", "12E3E7B9966D09EB9CDA64251457E815C2A8DDED",
			ncaLegacyGOSTCA, StatusRevoked, 4, time.Date(2022, 9, 2, 16, 57, 4, 0, time.UTC)},
		{"ocsp/ocsp_response_individual_2015.bin", "0FF06211DC82BEB00253FFA000F1DE84ABEF454F",
			ncaIntermediate, StatusRevoked, 6, time.Date(2022, 9, 2, 16, 58, 34, 0, time.UTC)},
		{"ocsp/ocsp_response_ceo_2015_revoked.bin", "3A90343E720594C55204B19CB9A402422EF0E622",
			ncaIntermediate, StatusRevoked, 6, time.Date(2022, 9, 2, 16, 59, 28, 0, time.UTC)},
	}
}

// TestNCAOCSPResponses parses the four NCA OCSP responses (RSA, GOST-2004,
// GOST-2015) and checks their signatures with the embedded responder
// certificates, then the whole verification (delegated responder authorised
// by its CA — ҰКО 3.0 (GOST TEST) for the GOST-2004 one —, CertID, times)
// at a fixed clock.
func TestNCAOCSPResponses(t *testing.T) {
	for _, tc := range ncaOCSPResponses() {
		t.Run(tc.file, func(t *testing.T) {
			der := ncaFile(t, tc.file)
			r, err := ParseOCSPResponse(der)
			require.NoError(t, err)
			require.Equal(t, OCSPSuccessful, r.ResponseStatus)
			require.Len(t, r.Responses, 1)
			sr := r.Responses[0]
			assert.Equal(t, tc.serial, signature.SerialHex(sr.SerialNumber))
			assert.Equal(t, tc.status, sr.Status)
			assert.Equal(t, tc.reason, sr.Reason)
			assert.Equal(t, tc.producedAt, r.ProducedAt)
			assert.True(t, sr.NextUpdate.IsZero(), "the NCA sends no nextUpdate")
			assert.True(t, sr.HashAlgorithm.Equal(oidSHA256))
			require.NotNil(t, r.Nonce)
			require.Len(t, r.Certificates, 1)
			responder := r.Certificates[0]
			require.True(t, responderMatches(r, responder))
			assert.True(t, hasExtension(responder, oidOCSPNoCheck))

			// The signature verifies with the responder's key, and not
			// once a byte of the signed data changes.
			require.NoError(t, checkSignature(responder, r.SignatureAlgorithm, r.TBSResponseData, r.Signature))
			tbs := bytes.Clone(r.TBSResponseData)
			tbs[len(tbs)-3] ^= 1
			require.ErrorIs(t, checkSignature(responder, r.SignatureAlgorithm, tbs, r.Signature), ErrSignature)
			// gost agrees for the GOST ones.
			if gost.IsGOSTSignatureOID(r.SignatureAlgorithm) {
				require.NoError(t, gost.CheckOCSPSignature(der, responder))
			}

			issuer := ncaCert(t, tc.issuer)
			ii, err := newIssuerInfo(issuer)
			require.NoError(t, err)
			c := newChecker(t, Config{Mode: OCSPOnly, Now: func() time.Time { return tc.producedAt }})
			q := &ocspQuery{issuer: issuer, ii: ii, serial: signature.SerialBytes(mustHex(t, tc.serial)), nonce: nil}
			ans, err := c.verifyOCSP(context.Background(), r, q, tc.producedAt.Add(30*time.Second))
			require.NoError(t, err)
			assert.Equal(t, tc.status, ans.single.Status)
			assert.Equal(t, responder.Subject.String(), ans.responder)

			// The same response about another serial, at a time past
			// MaxCacheAge, or with a wrong nonce, is refused.
			other := *q
			other.serial = signature.SerialBytes(big.NewInt(12345))
			_, err = c.verifyOCSP(context.Background(), r, &other, tc.producedAt)
			require.ErrorIs(t, err, ErrCertIDMismatch)
			_, err = c.verifyOCSP(context.Background(), r, q, tc.producedAt.Add(time.Hour))
			require.ErrorIs(t, err, ErrStale)
			withNonce := *q
			withNonce.nonce = []byte("01234567")
			_, err = c.verifyOCSP(context.Background(), r, &withNonce, tc.producedAt)
			require.ErrorIs(t, err, ErrNonce)
			// After the responder certificate expired, it is not
			// authorised.
			_, err = c.verifyOCSP(context.Background(), r, q, responder.NotAfter.Add(time.Hour))
			require.ErrorIs(t, err, ErrNotAuthorized)
		})
	}
}

// TestNCAOCSPEndToEnd serves the real RSA response (good) from a test
// responder to a checker whose nonce source yields the nonce the response
// echoes, at the response's time: the legacy certificate is accepted. A
// replay of that response to a fresh request (another nonce) is refused.
func TestNCAOCSPEndToEnd(t *testing.T) {
	der := ncaFile(t, "ocsp/ocsp_response_individual_sign_2004.bin")
	cert := ncaCert(t, "legacy/keys/key_individual_valid_sign_2004.cert.pem")
	issuer := ncaCert(t, "legacy/ca/nca_rsa_test.crt")
	r, err := ParseOCSPResponse(der)
	require.NoError(t, err)
	var nonce []byte
	require.True(t, len(r.Nonce) == 10 && r.Nonce[0] == 0x04 && r.Nonce[1] == 8, "RFC 8954 form: OCTET STRING of 8 bytes")
	nonce = r.Nonce[2:]

	srv := newServer(t)
	srv.handle(bytesHandler(der))
	at := time.Date(2022, 9, 2, 16, 54, 10, 0, time.UTC)
	c := newChecker(t, Config{Mode: OCSPOnly, Now: func() time.Time { return at },
		OCSPURLs: []string{srv.URL}, NonceSize: 8, Rand: bytes.NewReader(nonce)})
	st, err := c.CheckRevocation(context.Background(), cert, issuer)
	require.NoError(t, err)
	assert.Equal(t, StatusGood, st.Status)
	assert.Contains(t, st.Responder, "СЕРВИС ПРОВЕРКИ ОНЛАЙН СТАТУСА СЕРТИФИКАТА")

	replay := newChecker(t, Config{Mode: OCSPOnly, Now: func() time.Time { return at }, OCSPURLs: []string{srv.URL}})
	_, err = replay.CheckRevocation(context.Background(), cert, issuer)
	require.ErrorIs(t, err, ErrNonce)
	require.ErrorIs(t, err, signature.ErrRevocationUnavailable)
}

// TestNCALegacyGOSTCRL: the legacy GOST 34.310-2004 CRL of ҰКО 3.0 (GOST
// TEST) verifies against that CA (and not against the RSA one, nor once a
// byte changes), lists the revoked GOST-2004 CEO key (superseded) and not
// the valid one, and drives the checker at a time inside its validity.
func TestNCALegacyGOSTCRL(t *testing.T) {
	der := ncaFile(t, "legacy/crl/nca_gost_test.crl")
	issuer := ncaCert(t, ncaLegacyGOSTCA)
	crl, err := ParseCRL(der)
	require.NoError(t, err)
	assert.Equal(t, gost.OID(gost.OIDKZSignature2004), crl.SignatureAlgorithm)
	assert.False(t, crl.IsDelta())
	require.NoError(t, crl.CheckSignatureFrom(issuer))
	require.ErrorIs(t, crl.CheckSignatureFrom(ncaCert(t, "legacy/ca/nca_rsa_test.crt")), ErrNotAuthorized)
	bad := bytes.Clone(der)
	bad[len(der)-10] ^= 0x01
	badCRL, err := ParseCRL(bad)
	require.NoError(t, err)
	require.ErrorIs(t, badCRL.CheckSignatureFrom(issuer), ErrSignature)

	revokedCert := ncaCert(t, "legacy/keys/key_ceo_sign_revoked_2004.cert.pem")
	validCert := ncaCert(t, "legacy/certs/ceo_valid_sign_2004_gost.cer")
	e, ok := crl.Lookup(revokedCert.SerialNumber)
	require.True(t, ok)
	assert.Equal(t, 4, e.Reason, "superseded")
	assert.Equal(t, 2022, e.RevokedAt.Year())
	_, ok = crl.Lookup(validCert.SerialNumber)
	assert.False(t, ok)

	at := time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC)
	require.False(t, at.Before(crl.ThisUpdate) || at.After(crl.NextUpdate), "the clock lies inside the CRL's validity")
	c := newChecker(t, Config{Mode: CRLOnly, Now: fakeclock.New(at).Now, CRLs: []StaticCRL{{CRL: der, Issuer: issuer}}})
	st, err := c.CheckRevocation(context.Background(), revokedCert, issuer)
	require.ErrorIs(t, err, signature.ErrRevoked)
	assert.Equal(t, 4, st.Reason)
	st, err = c.CheckRevocation(context.Background(), validCert, issuer)
	require.NoError(t, err)
	assert.Equal(t, StatusGood, st.Status)
}

// TestNCAOCSPEndToEndGOST2004: the real GOST 34.310-2004 response
// (revoked, superseded) served to a checker whose nonce source yields the
// nonce it echoes, at its time: the delegated responder, issued by ҰКО 3.0
// (GOST TEST), is authorised and the CEO key is refused as revoked.
func TestNCAOCSPEndToEndGOST2004(t *testing.T) {
	der := ncaFile(t, "ocsp/ocsp_response_ceo_sign_2004_revoked.bin")
	cert := ncaCert(t, "legacy/keys/key_ceo_sign_revoked_2004.cert.pem")
	issuer := ncaCert(t, ncaLegacyGOSTCA)
	r, err := ParseOCSPResponse(der)
	require.NoError(t, err)
	require.True(t, len(r.Nonce) > 2 && r.Nonce[0] == 0x04 && int(r.Nonce[1]) == len(r.Nonce)-2, "RFC 8954 form")
	nonce := r.Nonce[2:]
	srv := newServer(t)
	srv.handle(bytesHandler(der))
	at := r.ProducedAt.Add(10 * time.Second)
	c := newChecker(t, Config{Mode: OCSPOnly, Now: func() time.Time { return at },
		OCSPURLs: []string{srv.URL}, NonceSize: len(nonce), Rand: bytes.NewReader(nonce)})
	st, err := c.CheckRevocation(context.Background(), cert, issuer)
	require.ErrorIs(t, err, signature.ErrRevoked)
	assert.Equal(t, StatusRevoked, st.Status)
	assert.Equal(t, 4, st.Reason)
	assert.Equal(t, SourceOCSP, st.Source)
	assert.Contains(t, st.Responder, "СЕРВИС ПРОВЕРКИ ОНЛАЙН СТАТУСА СЕРТИФИКАТА")
}
