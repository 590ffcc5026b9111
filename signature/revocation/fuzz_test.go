package revocation

import (
	"bytes"
	"context"
	"crypto/x509"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/sigtest"
)

// Fuzz targets for the attacker-facing parsers: OCSP responses and CRLs
// come from the network. Seeds: testdata/fuzz/<target>/ (made with this
// package's test builders), responses and CRLs built at start, and the NCA
// material when present (read in place, never copied).

func addNCASeeds(f *testing.F, files ...string) {
	for _, rel := range files {
		if b, err := readNCAOptional(f, rel); err == nil {
			f.Add(b)
		}
	}
}

// readNCAOptional reads NCA material for seeding without the CI rule: a
// fuzz target has its own seeds and does not need these.
func readNCAOptional(f *testing.F, rel string) ([]byte, error) {
	return os.ReadFile(filepath.Join(sigtest.Root(f), "kz-nca", filepath.FromSlash(rel)))
}

func FuzzParseOCSPResponse(f *testing.F) {
	p := newPKI(f, "ecdsa", testEpoch)
	for _, st := range []string{StatusGood, StatusRevoked, StatusUnknown} {
		f.Add(buildResponse(f, respSpec{status: st, reason: 6, revokedAt: testEpoch, issuer: p.ca,
			serial: big.NewInt(99), thisUpdate: testEpoch, nextUpdate: testEpoch.Add(time.Hour),
			nonce: nonceValue([]byte("12345678")), sign: p.responderKey, signer: p.responder,
			embed: []*x509.Certificate{p.responder}}))
	}
	f.Add(buildResponse(f, respSpec{responseStatus: OCSPTryLater}))
	addNCASeeds(f, "ocsp/ocsp_response_individual_2015.bin", "ocsp/ocsp_response_individual_sign_2004.bin")
	f.Fuzz(func(t *testing.T, der []byte) {
		r, err := ParseOCSPResponse(der)
		if err != nil {
			require.Nil(t, r, "error ⇒ nil result")
			return
		}
		require.NotNil(t, r)
		r2, err := ParseOCSPResponse(der)
		require.NoError(t, err, "parsing is deterministic")
		require.Equal(t, len(r.Responses), len(r2.Responses))
		if r.ResponseStatus != OCSPSuccessful {
			require.Empty(t, r.Responses)
			return
		}
		require.True(t, bytes.Contains(der, r.TBSResponseData))
		require.NotEmpty(t, r.Responses)
		require.LessOrEqual(t, len(r.Responses), maxSingleResponses)
		require.LessOrEqual(t, len(r.Certificates), maxOCSPCerts)
		require.True(t, (r.ResponderName == nil) != (r.ResponderKeyHash == nil), "exactly one responderID form")
		for _, sr := range r.Responses {
			require.True(t, validInteger(sr.SerialNumber))
			// The serial round-trips through big.Int (non-negative ones).
			if sr.SerialNumber[0]&0x80 == 0 {
				require.Equal(t, sr.SerialNumber, signature.SerialBytes(new(big.Int).SetBytes(sr.SerialNumber)))
			}
			require.Contains(t, []string{StatusGood, StatusRevoked, StatusUnknown}, sr.Status)
			require.True(t, sr.Reason == -1 || (sr.Status == StatusRevoked && sr.Reason >= 0 && sr.Reason <= 10))
		}
	})
}

// FuzzVerifyOCSP runs mutated responses through the whole verification
// against a fixed PKI: whatever is accepted carries exactly the signed data
// of a genuine response (the signature binds it), and nothing panics.
func FuzzVerifyOCSP(f *testing.F) {
	p := newPKI(f, "ecdsa", testEpoch)
	ii, err := newIssuerInfo(p.ca)
	require.NoError(f, err)
	nonce := []byte("0123456789abcdef")
	genuine := map[string]bool{}
	for _, st := range []string{StatusGood, StatusRevoked} {
		der := buildResponse(f, respSpec{status: st, reason: 1, revokedAt: testEpoch, issuer: p.ca,
			serial: big.NewInt(99), thisUpdate: testEpoch, nextUpdate: testEpoch.Add(time.Hour),
			nonce: nonceValue(nonce), sign: p.responderKey, signer: p.responder,
			embed: []*x509.Certificate{p.responder}})
		r, err := ParseOCSPResponse(der)
		require.NoError(f, err)
		genuine[string(r.TBSResponseData)] = true
		f.Add(der)
	}
	c, err := New(Config{Mode: OCSPOnly, Now: func() time.Time { return testEpoch }})
	require.NoError(f, err)
	f.Cleanup(func() { _ = c.Close() })
	q := &ocspQuery{issuer: p.ca, ii: ii, serial: signature.SerialBytes(big.NewInt(99)), nonce: nonce}
	f.Fuzz(func(t *testing.T, der []byte) {
		r, err := ParseOCSPResponse(der)
		if err != nil {
			return
		}
		ans, err := c.verifyOCSP(context.Background(), r, q, testEpoch)
		if err != nil {
			require.Nil(t, ans)
			require.ErrorIs(t, &CheckError{Err: err}, signature.ErrRevocationUnavailable)
			return
		}
		require.True(t, genuine[string(r.TBSResponseData)], "accepted data was signed by the responder")
	})
}

func FuzzParseCRL(f *testing.F) {
	p := newPKI(f, "ecdsa", testEpoch)
	f.Add(makeCRL(f, p, crlSpec{number: 3, entries: []x509.RevocationListEntry{
		revoked(1, 6, testEpoch), revoked(0x80, 1, testEpoch), revoked(0x123456, 0, testEpoch)}}))
	f.Add(makeCRL(f, p, crlSpec{number: 4, deltaBase: big.NewInt(3), freshest: "http://example.test/d.crl"}))
	g := newPKI(f, "gost", testEpoch)
	f.Add(makeCRL(f, g, crlSpec{number: 1, entries: []x509.RevocationListEntry{revoked(77, 6, testEpoch)}}))
	addNCASeeds(f, "legacy/crl/nca_gost_test.crl")
	f.Fuzz(func(t *testing.T, der []byte) {
		crl, err := ParseCRL(der)
		if err != nil {
			require.Nil(t, crl, "error ⇒ nil result")
			return
		}
		require.NotNil(t, crl)
		require.True(t, bytes.Contains(der, crl.TBS) || bytes.HasPrefix(bytes.TrimSpace(der), []byte("-----BEGIN")))
		require.LessOrEqual(t, crl.Len(), maxCRLEntries)
		for key, e := range crl.entries {
			require.True(t, validInteger([]byte(key)))
			require.True(t, e.reason >= -1 && e.reason <= 10)
			// Round trip: a non-negative serial found through big.Int.
			if key[0]&0x80 == 0 {
				got, ok := crl.Lookup(new(big.Int).SetBytes([]byte(key)))
				require.True(t, ok)
				require.Equal(t, int(e.reason), got.Reason)
			}
		}
		if crl.Number != nil {
			require.GreaterOrEqual(t, crl.Number.Sign(), 0)
		}
	})
}

// FuzzCacheEntry: cache records come back from a shared store; any bytes
// decode to an error or to a record that re-encodes to the same bytes.
func FuzzCacheEntry(f *testing.F) {
	st := signature.RevocationStatus{Source: SourceOCSP, Status: StatusRevoked, Reason: 6,
		RevokedAt: testEpoch, ThisUpdate: testEpoch, ProducedAt: testEpoch, Responder: "CN=OCSP RESPONDER"}
	f.Add(encodeEntry(st, testEpoch.Add(time.Hour)))
	st.Status, st.Reason, st.RevokedAt = StatusGood, -1, time.Time{}
	f.Add(encodeEntry(st, testEpoch.Add(time.Minute)))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, until, err := decodeEntry(b)
		if err != nil {
			return
		}
		require.Contains(t, []string{StatusGood, StatusRevoked}, st.Status)
		require.True(t, st.Cached)
		require.Equal(t, b, encodeEntry(st, until))
	})
}
