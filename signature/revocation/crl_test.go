package revocation

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/signature/gost"
	"github.com/strongauth/strongauth/signature/gost/gosttest"
	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/memory"
)

func newMemoryStore(t testing.TB, now func() time.Time) store.Store {
	m := memory.New(memory.Config{Now: now})
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// crlSpec describes a CRL for makeCRL.
type crlSpec struct {
	entries    []x509.RevocationListEntry
	number     int64
	thisUpdate time.Time
	nextUpdate time.Time
	deltaBase  *big.Int // a delta CRL
	freshest   string   // freshestCRL URL
	extra      []pkix.Extension
	issuer     *x509.Certificate // default p.ca
	key        *testKey          // default p.caKey
}

func revoked(serial int64, reason int, at time.Time) x509.RevocationListEntry {
	return x509.RevocationListEntry{SerialNumber: big.NewInt(serial), RevocationTime: at, ReasonCode: reason}
}

func makeCRL(t testing.TB, p *testPKI, s crlSpec) []byte {
	t.Helper()
	if s.thisUpdate.IsZero() {
		s.thisUpdate = p.now.Add(-time.Hour)
	}
	if s.nextUpdate.IsZero() {
		s.nextUpdate = p.now.Add(24 * time.Hour)
	}
	if s.issuer == nil {
		s.issuer, s.key = p.ca, p.caKey
	}
	tmpl := &x509.RevocationList{
		RevokedCertificateEntries: s.entries,
		Number:                    big.NewInt(s.number),
		ThisUpdate:                s.thisUpdate,
		NextUpdate:                s.nextUpdate,
		ExtraExtensions:           s.extra,
	}
	if s.deltaBase != nil {
		v, err := asn1.Marshal(s.deltaBase)
		require.NoError(t, err)
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidDeltaCRLIndicator, Critical: true, Value: v})
	}
	if s.freshest != "" {
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidFreshestCRL, Value: dpValue(t, s.freshest)})
	}
	var der []byte
	var err error
	if s.key.gost != nil {
		der, err = gosttest.CreateRevocationList(rand.Reader, tmpl, s.issuer, s.key.gost, oidGOST2015512)
	} else {
		der, err = x509.CreateRevocationList(rand.Reader, tmpl, s.issuer, s.key.std)
	}
	require.NoError(t, err)
	return der
}

// testCRL is a full CRL of p listing entries.
func testCRL(t testing.TB, p *testPKI, entries []x509.RevocationListEntry, number int64, now time.Time) []byte {
	_ = now
	return makeCRL(t, p, crlSpec{entries: entries, number: number})
}

type crlCase struct {
	name    string
	serial  int64
	crl     func(t *testing.T, p *testPKI) []byte
	handler func(t *testing.T, p *testPKI) http.HandlerFunc
	cfg     func(c *Config)
	want    []error
	reason  int
}

func crlCases() []crlCase {
	at := testEpoch.Add(-48 * time.Hour)
	list := func(p *testPKI) []x509.RevocationListEntry {
		return []x509.RevocationListEntry{revoked(2001, 1, at), revoked(2002, 6, at), revoked(2003, -1, at)}
	}
	// ReasonCode 0 means "no extension" in x/509; -1 is not accepted, so the
	// third entry carries no reason by using 0.
	noReason := func(p *testPKI) []x509.RevocationListEntry {
		e := list(p)
		e[2].ReasonCode = 0
		return e
	}
	full := func(t *testing.T, p *testPKI) []byte { return makeCRL(t, p, crlSpec{entries: noReason(p), number: 7}) }
	return []crlCase{
		{name: "good", serial: 3000, crl: full},
		{name: "revoked keyCompromise", serial: 2001, crl: full, want: []error{signature.ErrRevoked}, reason: 1},
		{name: "certificateHold", serial: 2002, crl: full, want: []error{signature.ErrRevoked}, reason: 6},
		{name: "revoked without reason", serial: 2003, crl: full, want: []error{signature.ErrRevoked}, reason: -1},
		{name: "expired CRL", serial: 3000, want: []error{unavailableErr, ErrStale}, crl: func(t *testing.T, p *testPKI) []byte {
			return makeCRL(t, p, crlSpec{number: 7, thisUpdate: p.now.Add(-48 * time.Hour), nextUpdate: p.now.Add(-2 * time.Minute)})
		}},
		{name: "CRL from the future", serial: 3000, want: []error{unavailableErr, ErrStale}, crl: func(t *testing.T, p *testPKI) []byte {
			return makeCRL(t, p, crlSpec{number: 7, thisUpdate: p.now.Add(time.Hour), nextUpdate: p.now.Add(48 * time.Hour)})
		}},
		{name: "signed by another key under the issuer's name", serial: 3000, want: []error{unavailableErr, ErrSignature}, crl: func(t *testing.T, p *testPKI) []byte {
			fake, key := p.impostor(t)
			return makeCRL(t, p, crlSpec{number: 7, issuer: fake, key: key})
		}},
		{name: "another issuer's CRL", serial: 3000, want: []error{unavailableErr, ErrNotAuthorized}, crl: func(t *testing.T, p *testPKI) []byte {
			other := newPKI(t, p.alg, p.now)
			return makeCRL(t, other, crlSpec{number: 7})
		}},
		{name: "tampered", serial: 3000, want: []error{unavailableErr, ErrSignature}, crl: func(t *testing.T, p *testPKI) []byte {
			der := full(t, p)
			der[len(der)-5] ^= 1
			return der
		}},
		{name: "tampered entry", serial: 2001, want: []error{unavailableErr}, crl: func(t *testing.T, p *testPKI) []byte {
			der := full(t, p)
			crl, err := ParseCRL(der)
			require.NoError(t, err)
			// Change the first serial's last byte inside the signed part.
			i := indexOf(der, signature.SerialBytes(big.NewInt(2001)))
			require.Positive(t, i)
			der[i+1] ^= 1
			_ = crl
			return der
		}},
		{name: "a delta CRL where a full one is expected", serial: 3000, want: []error{unavailableErr, ErrScope}, crl: func(t *testing.T, p *testPKI) []byte {
			return makeCRL(t, p, crlSpec{number: 8, deltaBase: big.NewInt(7)})
		}},
		{name: "CA-only CRL", serial: 3000, want: []error{unavailableErr, ErrScope}, crl: func(t *testing.T, p *testPKI) []byte {
			return makeCRL(t, p, crlSpec{number: 7, extra: []pkix.Extension{{Id: oidIssuingDistPoint, Critical: true, Value: []byte{0x30, 0x03, 0x82, 0x01, 0xff}}}})
		}},
		{name: "reasons-partitioned CRL", serial: 3000, want: []error{unavailableErr, ErrScope}, crl: func(t *testing.T, p *testPKI) []byte {
			return makeCRL(t, p, crlSpec{number: 7, extra: []pkix.Extension{{Id: oidIssuingDistPoint, Critical: true, Value: []byte{0x30, 0x04, 0x83, 0x02, 0x07, 0x80}}}})
		}},
		{name: "user-only CRL", serial: 3000, crl: func(t *testing.T, p *testPKI) []byte {
			return makeCRL(t, p, crlSpec{number: 7, extra: []pkix.Extension{{Id: oidIssuingDistPoint, Critical: true, Value: []byte{0x30, 0x03, 0x81, 0x01, 0xff}}}})
		}},
		{name: "unknown critical extension", serial: 3000, want: []error{unavailableErr, ErrMalformed}, crl: func(t *testing.T, p *testPKI) []byte {
			return makeCRL(t, p, crlSpec{number: 7, extra: []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3}, Critical: true, Value: []byte{5, 0}}}})
		}},
		{name: "PEM", serial: 2002, want: []error{signature.ErrRevoked}, reason: 6, crl: func(t *testing.T, p *testPKI) []byte {
			return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: full(t, p)})
		}},
		{name: "HTTP 500", serial: 3000, want: []error{unavailableErr, ErrFetch}, handler: func(t *testing.T, p *testPKI) http.HandlerFunc {
			return func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) }
		}},
		{name: "timeout", serial: 3000, want: []error{unavailableErr, ErrFetch, context.DeadlineExceeded}, handler: func(t *testing.T, p *testPKI) http.HandlerFunc {
			return hangHandler(t)
		}, cfg: func(c *Config) { c.CRLTimeout = 50 * time.Millisecond }},
		{name: "oversized", serial: 3000, want: []error{unavailableErr, ErrTooLarge}, crl: full, cfg: func(c *Config) { c.MaxCRLSize = 100 }},
		{name: "malformed DER", serial: 3000, want: []error{unavailableErr, ErrMalformed}, handler: func(t *testing.T, p *testPKI) http.HandlerFunc {
			return bytesHandler([]byte("<html>not a CRL</html>"))
		}},
	}
}

func indexOf(b, sub []byte) int {
	for i := 0; i+len(sub) <= len(b); i++ {
		if string(b[i:i+len(sub)]) == string(sub) {
			return i
		}
	}
	return -1
}

func TestCRLCases(t *testing.T) {
	for _, alg := range []string{"rsa", "ecdsa", "gost"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			clock := newClock(t)
			p := newPKI(t, alg, clock.Now())
			for _, tc := range crlCases() {
				t.Run(tc.name, func(t *testing.T) {
					srv := newServer(t)
					if tc.handler != nil {
						srv.handle(tc.handler(t, p))
					} else {
						srv.handle(bytesHandler(tc.crl(t, p)))
					}
					audit := &auditLog{}
					cfg := Config{Mode: CRLOnly, Now: clock.Now, Audit: audit}
					if tc.cfg != nil {
						tc.cfg(&cfg)
					}
					c := newChecker(t, cfg)
					leaf := p.leaf(t, tc.serial, "", srv.URL, "")
					st, err := c.CheckRevocation(context.Background(), leaf, p.ca)
					ev := audit.last(t)
					if tc.want == nil {
						require.NoError(t, err)
						assert.Equal(t, StatusGood, st.Status)
						assert.Equal(t, SourceCRL, st.Source)
						assert.True(t, ev.Allowed)
						return
					}
					require.Error(t, err)
					assert.False(t, ev.Allowed)
					for _, w := range tc.want {
						assert.ErrorIs(t, err, w)
					}
					if tc.want[0] == signature.ErrRevoked {
						assert.Equal(t, StatusRevoked, st.Status)
						assert.Equal(t, tc.reason, st.Reason)
						assert.Equal(t, SourceCRL, ev.Attrs["source"])
						assert.Equal(t, StatusRevoked, ev.Attrs["status"])
					} else {
						var ce *CheckError
						require.ErrorAs(t, err, &ce)
						assert.Equal(t, SourceCRL, ce.Source)
					}
				})
			}
		})
	}
}

// TestCRLDelta: a delta CRL adds revocations and takes a held certificate
// off hold; when the certificate names a delta CRL, it is required.
func TestCRLDelta(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	fullSrv, deltaSrv := newServer(t), newServer(t)
	at := clock.Now().Add(-24 * time.Hour)
	fullSrv.handle(bytesHandler(makeCRL(t, p, crlSpec{number: 10,
		entries: []x509.RevocationListEntry{revoked(1, 6, at), revoked(4, 1, at)}})))
	deltaSrv.handle(bytesHandler(makeCRL(t, p, crlSpec{number: 11, deltaBase: big.NewInt(10),
		entries: []x509.RevocationListEntry{revoked(1, reasonRemoveFromCRL, clock.Now()), revoked(2, 1, clock.Now())}})))
	c := newChecker(t, Config{Mode: CRLOnly, Now: clock.Now})
	check := func(serial int64) error {
		_, err := c.CheckRevocation(context.Background(), p.leaf(t, serial, "", fullSrv.URL, deltaSrv.URL), p.ca)
		return err
	}
	require.NoError(t, check(1), "hold released by the delta")
	require.ErrorIs(t, check(2), signature.ErrRevoked, "revoked since the full CRL")
	require.NoError(t, check(3))
	require.ErrorIs(t, check(4), signature.ErrRevoked, "revoked in the full CRL")

	// Without the delta, the full CRL alone is not enough.
	deltaSrv.handle(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", http.StatusBadGateway) })
	c2 := newChecker(t, Config{Mode: CRLOnly, Now: clock.Now})
	_, err := c2.CheckRevocation(context.Background(), p.leaf(t, 3, "", fullSrv.URL, deltaSrv.URL), p.ca)
	require.ErrorIs(t, err, unavailableErr)
	require.ErrorIs(t, err, ErrFetch)

	// A delta built on a newer base than the full CRL we have.
	deltaSrv.handle(bytesHandler(makeCRL(t, p, crlSpec{number: 13, deltaBase: big.NewInt(12)})))
	c3 := newChecker(t, Config{Mode: CRLOnly, Now: clock.Now})
	_, err = c3.CheckRevocation(context.Background(), p.leaf(t, 3, "", fullSrv.URL, deltaSrv.URL), p.ca)
	require.ErrorIs(t, err, ErrScope)

	// The full CRL may name the delta itself (freshestCRL extension).
	fullSrv.handle(bytesHandler(makeCRL(t, p, crlSpec{number: 10, freshest: deltaSrv.URL})))
	deltaSrv.handle(bytesHandler(makeCRL(t, p, crlSpec{number: 11, deltaBase: big.NewInt(10),
		entries: []x509.RevocationListEntry{revoked(5, 1, clock.Now())}})))
	c4 := newChecker(t, Config{Mode: CRLOnly, Now: clock.Now})
	_, err = c4.CheckRevocation(context.Background(), p.leaf(t, 5, "", fullSrv.URL, ""), p.ca)
	require.ErrorIs(t, err, signature.ErrRevoked)
}

// TestCRLSingleFlightCold: 100 concurrent checks (of different
// certificates) with no CRL held make exactly one download.
func TestCRLSingleFlightCold(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	srv := newServer(t)
	der := makeCRL(t, p, crlSpec{number: 1, entries: []x509.RevocationListEntry{revoked(13, 1, clock.Now())}})
	release := make(chan struct{})
	srv.handle(func(w http.ResponseWriter, _ *http.Request) {
		<-release
		_, _ = w.Write(der)
	})
	c := newChecker(t, Config{Mode: CRLOnly, Now: clock.Now})
	leaves := make([]*x509.Certificate, 100)
	for i := range leaves {
		leaves[i] = p.leaf(t, int64(i), "", srv.URL, "")
	}
	var wg sync.WaitGroup
	errs := make([]error, len(leaves))
	for i, l := range leaves {
		wg.Go(func() { _, errs[i] = c.CheckRevocation(context.Background(), l, p.ca) })
	}
	require.Eventually(t, func() bool { return srv.hits.Load() == 1 }, 5*time.Second, time.Millisecond)
	close(release)
	wg.Wait()
	for i, err := range errs {
		if i == 13 {
			require.ErrorIs(t, err, signature.ErrRevoked)
		} else {
			require.NoError(t, err, i)
		}
	}
	assert.Equal(t, int64(1), srv.hits.Load())
}

// TestCRLBackgroundRefresh: once the held CRL is due for refresh, checks
// keep answering from it while one background download runs; afterwards
// the new CRL is used.
func TestCRLBackgroundRefresh(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	srv := newServer(t)
	first := makeCRL(t, p, crlSpec{number: 1, nextUpdate: clock.Now().Add(7 * 24 * time.Hour)})
	second := makeCRL(t, p, crlSpec{number: 2, nextUpdate: clock.Now().Add(7 * 24 * time.Hour),
		entries: []x509.RevocationListEntry{revoked(77, 1, clock.Now())}})
	srv.handle(bytesHandler(first))
	c := newChecker(t, Config{Mode: CRLOnly, Now: clock.Now, CRLRefresh: time.Hour})
	leaf := p.leaf(t, 77, "", srv.URL, "")
	_, err := c.CheckRevocation(context.Background(), leaf, p.ca)
	require.NoError(t, err)
	require.Equal(t, int64(1), srv.hits.Load())

	clock.Advance(30 * time.Minute)
	_, err = c.CheckRevocation(context.Background(), leaf, p.ca)
	require.NoError(t, err)
	require.Equal(t, int64(1), srv.hits.Load(), "not due yet")

	release := make(chan struct{})
	srv.handle(func(w http.ResponseWriter, _ *http.Request) {
		<-release
		_, _ = w.Write(second)
	})
	clock.Advance(31 * time.Minute)
	for range 20 {
		_, err = c.CheckRevocation(context.Background(), leaf, p.ca)
		require.NoError(t, err, "answered from the held CRL while the refresh runs")
	}
	require.Eventually(t, func() bool { return srv.hits.Load() == 2 }, 5*time.Second, time.Millisecond)
	close(release)
	require.Eventually(t, func() bool {
		_, err := c.CheckRevocation(context.Background(), leaf, p.ca)
		return err != nil
	}, 5*time.Second, time.Millisecond)
	_, err = c.CheckRevocation(context.Background(), leaf, p.ca)
	require.ErrorIs(t, err, signature.ErrRevoked)
	assert.Equal(t, int64(2), srv.hits.Load(), "one background download")
}

// TestCRLRollbackRefused: a refresh that serves an older CRL (lower
// cRLNumber) is refused and the newer one kept.
func TestCRLRollbackRefused(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	srv := newServer(t)
	newer := makeCRL(t, p, crlSpec{number: 5, nextUpdate: clock.Now().Add(2 * time.Hour),
		entries: []x509.RevocationListEntry{revoked(8, 1, clock.Now())}})
	older := makeCRL(t, p, crlSpec{number: 4, nextUpdate: clock.Now().Add(48 * time.Hour)})
	srv.handle(bytesHandler(newer))
	c := newChecker(t, Config{Mode: CRLOnly, Now: clock.Now, CRLRefresh: time.Minute})
	leaf := p.leaf(t, 8, "", srv.URL, "")
	_, err := c.CheckRevocation(context.Background(), leaf, p.ca)
	require.ErrorIs(t, err, signature.ErrRevoked)
	srv.handle(bytesHandler(older))
	clock.Advance(2 * time.Minute)
	_, err = c.CheckRevocation(context.Background(), leaf, p.ca) // starts the refresh
	require.ErrorIs(t, err, signature.ErrRevoked)
	require.Eventually(t, func() bool { return srv.hits.Load() == 2 }, 5*time.Second, time.Millisecond)
	c.bg.Wait()
	_, err = c.CheckRevocation(context.Background(), leaf, p.ca)
	require.ErrorIs(t, err, signature.ErrRevoked, "the older CRL did not replace the newer one")
	// Once the newer CRL has expired, the older one cannot be used either.
	clock.Advance(3 * time.Hour)
	_, err = c.CheckRevocation(context.Background(), leaf, p.ca)
	require.ErrorIs(t, err, ErrStale)
}

// TestCRLExpiredHeldIsRefetched: past nextUpdate the held CRL is not used;
// the next check downloads synchronously.
func TestCRLExpiredHeldIsRefetched(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	srv := newServer(t)
	srv.handle(bytesHandler(makeCRL(t, p, crlSpec{number: 1, nextUpdate: clock.Now().Add(time.Hour)})))
	c := newChecker(t, Config{Mode: CRLOnly, Now: clock.Now})
	leaf := p.leaf(t, 1, "", srv.URL, "")
	_, err := c.CheckRevocation(context.Background(), leaf, p.ca)
	require.NoError(t, err)
	clock.Advance(2 * time.Hour)
	_, err = c.CheckRevocation(context.Background(), leaf, p.ca)
	require.ErrorIs(t, err, ErrStale, "the server still serves the expired CRL")
	srv.handle(bytesHandler(makeCRL(t, p, crlSpec{number: 2, thisUpdate: clock.Now().Add(-time.Minute),
		nextUpdate: clock.Now().Add(time.Hour), entries: []x509.RevocationListEntry{revoked(1, 6, clock.Now())}})))
	hits := srv.hits.Load()
	for range 10 {
		_, err = c.CheckRevocation(context.Background(), leaf, p.ca)
		require.ErrorIs(t, err, ErrStale, "the failure is remembered for a moment")
	}
	assert.Equal(t, hits, srv.hits.Load(), "no download while the failure is held")
	clock.Advance(crlFailureHold)
	_, err = c.CheckRevocation(context.Background(), leaf, p.ca)
	require.ErrorIs(t, err, signature.ErrRevoked)
}

// TestCRLOutdatedDelta: a delta CRL older than the full CRL is not applied:
// its removeFromCRL must not release a certificate the newer full CRL holds.
func TestCRLOutdatedDelta(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	fullSrv, deltaSrv := newServer(t), newServer(t)
	fullSrv.handle(bytesHandler(makeCRL(t, p, crlSpec{number: 12,
		entries: []x509.RevocationListEntry{revoked(1, 6, clock.Now())}})))
	deltaSrv.handle(bytesHandler(makeCRL(t, p, crlSpec{number: 11, deltaBase: big.NewInt(10),
		entries: []x509.RevocationListEntry{revoked(1, reasonRemoveFromCRL, clock.Now())}})))
	c := newChecker(t, Config{Mode: CRLOnly, Now: clock.Now})
	_, err := c.CheckRevocation(context.Background(), p.leaf(t, 1, "", fullSrv.URL, deltaSrv.URL), p.ca)
	require.ErrorIs(t, err, signature.ErrRevoked)
}

// TestLocationsCapped: a certificate naming many responders makes at most
// maxLocations requests.
func TestLocationsCapped(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	srv := newServer(t)
	srv.handle(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) })
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "many"},
		NotBefore: clock.Now().Add(-time.Hour), NotAfter: clock.Now().Add(time.Hour)}
	for i := range 10 {
		tmpl.OCSPServer = append(tmpl.OCSPServer, fmt.Sprintf("%s/ocsp/%d", srv.URL, i))
	}
	leaf := issue(t, tmpl, p.ca, p.responderKey, p.caKey)
	c := newChecker(t, Config{Mode: OCSPOnly, Now: clock.Now})
	_, err := c.CheckRevocation(context.Background(), leaf, p.ca)
	require.ErrorIs(t, err, ErrFetch)
	assert.Equal(t, int64(maxLocations), srv.hits.Load())
}

func TestStaticCRL(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	other := newPKI(t, "ecdsa", clock.Now())
	der := makeCRL(t, p, crlSpec{number: 3, entries: []x509.RevocationListEntry{revoked(31, 6, clock.Now())}})
	_, err := New(Config{CRLs: []StaticCRL{{CRL: der, Issuer: other.ca}}})
	require.ErrorIs(t, err, ErrConfig)
	require.ErrorIs(t, err, ErrNotAuthorized)

	srv := newServer(t) // must never be asked
	c := newChecker(t, Config{Mode: CRLOnly, Now: clock.Now, CRLs: []StaticCRL{{CRL: der, Issuer: p.ca}}})
	_, err = c.CheckRevocation(context.Background(), p.leaf(t, 31, "", srv.URL, srv.URL), p.ca)
	require.ErrorIs(t, err, signature.ErrRevoked)
	_, err = c.CheckRevocation(context.Background(), p.leaf(t, 32, "", srv.URL, srv.URL), p.ca)
	require.NoError(t, err)
	assert.Equal(t, int64(0), srv.hits.Load())

	// An older CRL does not replace it; a tampered one is refused.
	require.ErrorIs(t, c.AddCRL(makeCRL(t, p, crlSpec{number: 2}), p.ca), ErrStale)
	bad := append([]byte(nil), der...)
	bad[len(bad)-3] ^= 1
	require.ErrorIs(t, c.AddCRL(bad, p.ca), ErrSignature)
	// A static delta takes 31 off hold.
	delta := makeCRL(t, p, crlSpec{number: 4, deltaBase: big.NewInt(3),
		entries: []x509.RevocationListEntry{revoked(31, reasonRemoveFromCRL, clock.Now())}})
	require.NoError(t, c.AddCRL(delta, p.ca))
	_, err = c.CheckRevocation(context.Background(), p.leaf(t, 31, "", "", ""), p.ca)
	require.NoError(t, err)

	// Expired static CRLs deny.
	clock.Advance(48 * time.Hour)
	_, err = c.CheckRevocation(context.Background(), p.leaf(t, 32, "", "", ""), p.ca)
	require.ErrorIs(t, err, ErrStale)
}

// TestOCSPThenCRL: the default mode falls back to the CRL only when OCSP
// gives no usable answer; definitive OCSP answers are final.
func TestOCSPThenCRL(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	ocspSrv, crlSrv := newServer(t), newServer(t)
	crlSrv.handle(bytesHandler(makeCRL(t, p, crlSpec{number: 1, entries: []x509.RevocationListEntry{revoked(2, 1, clock.Now())}})))
	c := newChecker(t, Config{Now: clock.Now})

	ocspSrv.handle(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) })
	st, err := c.CheckRevocation(context.Background(), p.leaf(t, 1, ocspSrv.URL, crlSrv.URL, ""), p.ca)
	require.NoError(t, err)
	assert.Equal(t, SourceCRL, st.Source)
	_, err = c.CheckRevocation(context.Background(), p.leaf(t, 2, ocspSrv.URL, crlSrv.URL, ""), p.ca)
	require.ErrorIs(t, err, signature.ErrRevoked)

	ocspSrv.handle(ocspHandler(t, func(req *parsedRequest) []byte {
		s := goodSpec(p, req)
		s.status = StatusUnknown
		return buildResponse(t, s)
	}))
	_, err = c.CheckRevocation(context.Background(), p.leaf(t, 3, ocspSrv.URL, crlSrv.URL, ""), p.ca)
	require.ErrorIs(t, err, signature.ErrRevocationUnknown, "unknown denies; no CRL fallback")

	ocspSrv.handle(ocspHandler(t, func(req *parsedRequest) []byte {
		s := goodSpec(p, req)
		s.status, s.reason = StatusRevoked, 6
		return buildResponse(t, s)
	}))
	st, err = c.CheckRevocation(context.Background(), p.leaf(t, 4, ocspSrv.URL, crlSrv.URL, ""), p.ca)
	require.ErrorIs(t, err, signature.ErrRevoked)
	assert.Equal(t, SourceOCSP, st.Source)

	// Both unavailable: the error names both.
	crlSrv.handle(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) })
	ocspSrv.handle(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) })
	c2 := newChecker(t, Config{Now: clock.Now})
	_, err = c2.CheckRevocation(context.Background(), p.leaf(t, 5, ocspSrv.URL, crlSrv.URL, ""), p.ca)
	var ue *UnavailableError
	require.ErrorAs(t, err, &ue)
	require.Len(t, ue.Attempts, 2)
	assert.Equal(t, ocspSrv.URL, ue.Attempts[0].URL)
	assert.Equal(t, crlSrv.URL, ue.Attempts[1].URL)
}

// TestResponderWithoutNoCheck: a delegated responder certificate without
// id-pkix-ocsp-nocheck is itself checked against the issuer's CRL.
func TestResponderWithoutNoCheck(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	ocspSrv, crlSrv := newServer(t), newServer(t)
	key := p.newKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(700), Subject: pkix.Name{CommonName: "checked responder"},
		NotBefore: clock.Now().Add(-time.Hour), NotAfter: clock.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}, CRLDistributionPoints: []string{crlSrv.URL}}
	responder := issue(t, tmpl, p.ca, key, p.caKey)
	ocspSrv.handle(ocspHandler(t, func(req *parsedRequest) []byte {
		s := goodSpec(p, req)
		s.sign, s.signer, s.embed = key, responder, []*x509.Certificate{responder}
		return buildResponse(t, s)
	}))
	crlSrv.handle(bytesHandler(makeCRL(t, p, crlSpec{number: 1})))
	c := newChecker(t, Config{Mode: OCSPOnly, Now: clock.Now})
	_, err := c.CheckRevocation(context.Background(), p.leaf(t, 1, ocspSrv.URL, "", ""), p.ca)
	require.NoError(t, err)

	crlSrv.handle(bytesHandler(makeCRL(t, p, crlSpec{number: 2, entries: []x509.RevocationListEntry{revoked(700, 1, clock.Now())}})))
	c2 := newChecker(t, Config{Mode: OCSPOnly, Now: clock.Now})
	_, err = c2.CheckRevocation(context.Background(), p.leaf(t, 2, ocspSrv.URL, "", ""), p.ca)
	require.ErrorIs(t, err, ErrNotAuthorized)
	require.ErrorIs(t, err, unavailableErr)
	require.NotErrorIs(t, err, signature.ErrRevoked, "the leaf is not revoked; its answer is unusable")
}

func TestInsecureSoftFail(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	srv := newServer(t)
	srv.handle(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) })
	audit := &auditLog{}
	c := newChecker(t, Config{Now: clock.Now, InsecureSoftFail: true, Audit: audit})
	st, err := c.CheckRevocation(context.Background(), p.leaf(t, 1, srv.URL, srv.URL, ""), p.ca)
	require.NoError(t, err)
	assert.Equal(t, StatusUnchecked, st.Status)
	ev := audit.last(t)
	assert.Equal(t, "revocation_unchecked", ev.Code)
	assert.Equal(t, StatusUnchecked, ev.Attrs["status"])
	assert.Contains(t, ev.Attrs["error"], "503")

	// Neither a forged certificate nor bad input is waived.
	evil := newPKI(t, "ecdsa", clock.Now())
	forged := issue(t, &x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "x"},
		NotBefore: clock.Now(), NotAfter: clock.Now().Add(time.Hour), OCSPServer: []string{srv.URL}},
		&x509.Certificate{Subject: p.ca.Subject, SubjectKeyId: []byte{1}}, evil.caKey, evil.caKey)
	_, err = c.CheckRevocation(context.Background(), forged, p.ca)
	require.ErrorIs(t, err, ErrNotIssuedBy)
	_, err = c.CheckRevocation(context.Background(), nil, p.ca)
	require.ErrorIs(t, err, ErrInvalidInput)

	// Revoked still denies under soft-fail.
	crlSrv := newServer(t)
	crlSrv.handle(bytesHandler(makeCRL(t, p, crlSpec{number: 1, entries: []x509.RevocationListEntry{revoked(2, 1, clock.Now())}})))
	_, err = c.CheckRevocation(context.Background(), p.leaf(t, 2, srv.URL, crlSrv.URL, ""), p.ca)
	require.ErrorIs(t, err, signature.ErrRevoked)
}

func TestConfigValidation(t *testing.T) {
	for name, cfg := range map[string]Config{
		"mode":         {Mode: Mode(9)},
		"timeout":      {Timeout: -1},
		"skew":         {Skew: -time.Second},
		"size":         {MaxCRLSize: -1},
		"nonce short":  {NonceSize: 4},
		"nonce long":   {NonceSize: 64},
		"ldap url":     {CRLURLs: []string{"ldap://x/crl"}},
		"relative url": {OCSPURLs: []string{"/ocsp"}},
	} {
		_, err := New(cfg)
		assert.ErrorIs(t, err, ErrConfig, name)
	}
	c, err := New(Config{})
	require.NoError(t, err)
	assert.Equal(t, DefaultTimeout, c.cfg.Timeout)
	assert.Equal(t, DefaultSkew, c.cfg.Skew)
	assert.Equal(t, DefaultNonceSize, c.cfg.NonceSize)
	assert.Equal(t, OCSPThenCRL, c.cfg.Mode)
	assert.False(t, c.cfg.InsecureSoftFail)
	require.NoError(t, c.Close())
	_, err = c.CheckRevocation(context.Background(), &x509.Certificate{SerialNumber: big.NewInt(1)}, &x509.Certificate{})
	require.ErrorIs(t, err, ErrClosed)
	require.ErrorIs(t, err, unavailableErr)
}

func TestInvalidInput(t *testing.T) {
	c := newChecker(t, Config{})
	_, err := c.CheckRevocation(context.Background(), nil, nil)
	require.ErrorIs(t, err, ErrInvalidInput)
	require.ErrorIs(t, err, unavailableErr)
	_, err = c.CheckRevocation(context.Background(), &x509.Certificate{}, &x509.Certificate{})
	require.ErrorIs(t, err, ErrInvalidInput)
}

func TestAuditSubject(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	audit := &auditLog{}
	c := newChecker(t, Config{Now: clock.Now, Audit: audit, AuditSubject: true,
		CRLs: []StaticCRL{{CRL: makeCRL(t, p, crlSpec{number: 1}), Issuer: p.ca}}})
	_, err := c.CheckRevocation(context.Background(), p.leaf(t, 1, "", "", ""), p.ca)
	// OCSP has no responder; the static CRL answers.
	require.NoError(t, err)
	ev := audit.last(t)
	assert.Contains(t, ev.Attrs["subject"], "IIN123456789011")
	assert.Equal(t, SourceCRL, ev.Attrs["source"])
	assert.Equal(t, StatusGood, ev.Attrs["status"])
	assert.Equal(t, 1, audit.count(), "one event per decision")
	assert.Equal(t, "01", ev.Attrs["serial"], "serials as signature.FormatSerial prints them")

	// A serial starting with a zero octet keeps it (as the NCA lists it).
	_, err = c.CheckRevocation(context.Background(), p.leaf(t, 0x0FF06211DC82BEB0, "", "", ""), p.ca)
	require.NoError(t, err)
	assert.Equal(t, "0FF06211DC82BEB0", audit.last(t).Attrs["serial"])
}

// TestGOSTShapes: the GOST test material really takes the GOST paths: the
// CRL has the NCA shape the stdlib refuses, the OCSP response a GOST
// signature that package gost verifies too.
func TestGOSTShapes(t *testing.T) {
	p := newPKI(t, "gost", testEpoch)
	der := makeCRL(t, p, crlSpec{number: 1, entries: []x509.RevocationListEntry{revoked(5, 6, testEpoch)}})
	_, err := x509.ParseRevocationList(der)
	require.Error(t, err)
	crl, err := ParseCRL(der)
	require.NoError(t, err)
	assert.Equal(t, oidGOST2015512, crl.SignatureAlgorithm)
	require.NoError(t, crl.CheckSignatureFrom(p.ca))
	require.ErrorIs(t, crl.CheckSignatureFrom(newPKI(t, "gost", testEpoch).ca), ErrNotAuthorized)

	resp := buildResponse(t, respSpec{status: StatusGood, reason: -1, issuer: p.ca, serial: big.NewInt(5),
		thisUpdate: testEpoch, sign: p.responderKey, signer: p.responder, embed: []*x509.Certificate{p.responder},
		nonce: nonceValue([]byte("12345678"))})
	r, err := ParseOCSPResponse(resp)
	require.NoError(t, err)
	assert.Equal(t, oidGOST2015512, r.SignatureAlgorithm)
	require.NoError(t, gost.CheckOCSPSignature(resp, p.responder))
	require.NoError(t, checkSignature(p.responder, r.SignatureAlgorithm, r.TBSResponseData, r.Signature))
	require.ErrorIs(t, checkSignature(p.ca, r.SignatureAlgorithm, r.TBSResponseData, r.Signature), ErrSignature)
}

// TestCloseWhileChecking: Close during concurrent checks neither panics nor
// lets a check pass that should not; afterwards everything is refused.
func TestCloseWhileChecking(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	srv := newServer(t)
	srv.handle(bytesHandler(makeCRL(t, p, crlSpec{number: 1, entries: []x509.RevocationListEntry{revoked(2, 1, clock.Now())}})))
	c, err := New(Config{Mode: CRLOnly, Now: clock.Now, CRLRefresh: time.Nanosecond})
	require.NoError(t, err)
	good, bad := p.leaf(t, 1, "", srv.URL, ""), p.leaf(t, 2, "", srv.URL, "")
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			leaf := good
			if i%2 == 1 {
				leaf = bad
			}
			_, err := c.CheckRevocation(context.Background(), leaf, p.ca)
			if i%2 == 1 {
				assert.Error(t, err, "a revoked certificate is never accepted")
			} else if err != nil {
				assert.ErrorIs(t, err, ErrClosed)
			}
		})
		if i == 25 {
			require.NoError(t, c.Close())
		}
	}
	wg.Wait()
	_, err = c.CheckRevocation(context.Background(), good, p.ca)
	require.ErrorIs(t, err, ErrClosed)
	require.NoError(t, c.Close(), "Close is idempotent")
}

// TestCRLCacheKeyedByKind: the CRLs held in memory are keyed by kind (full
// or delta) as well as by location. A delta CRL held for one certificate
// must never serve as the full CRL of another certificate whose
// distribution point names the same location: the delta lacks the
// revocations of the full CRL, so that would report a revoked certificate
// good (fail-open, depending on what was checked before).
func TestCRLCacheKeyedByKind(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	fullSrv, deltaSrv := newServer(t), newServer(t)
	at := clock.Now().Add(-24 * time.Hour)
	fullSrv.handle(bytesHandler(makeCRL(t, p, crlSpec{number: 10,
		entries: []x509.RevocationListEntry{revoked(4, 1, at)}})))
	deltaSrv.handle(bytesHandler(makeCRL(t, p, crlSpec{number: 11, deltaBase: big.NewInt(10)})))

	// A certificate whose distribution point is the delta's location
	// (misissued, or a hostile CA): on a fresh checker the delta is
	// refused where a full CRL is expected.
	odd := p.leaf(t, 4, "", deltaSrv.URL, "")
	fresh := newChecker(t, Config{Mode: CRLOnly, Now: clock.Now})
	_, err := fresh.CheckRevocation(context.Background(), odd, p.ca)
	require.ErrorIs(t, err, unavailableErr)
	require.ErrorIs(t, err, ErrScope)

	// The same answer after the delta was downloaded and held for a
	// well-formed certificate: history must not change the decision.
	c := newChecker(t, Config{Mode: CRLOnly, Now: clock.Now})
	_, err = c.CheckRevocation(context.Background(), p.leaf(t, 3, "", fullSrv.URL, deltaSrv.URL), p.ca)
	require.NoError(t, err)
	_, err = c.CheckRevocation(context.Background(), p.leaf(t, 4, "", fullSrv.URL, deltaSrv.URL), p.ca)
	require.ErrorIs(t, err, signature.ErrRevoked)
	st, err := c.CheckRevocation(context.Background(), odd, p.ca)
	require.ErrorIs(t, err, unavailableErr, "a held delta CRL answered as a full CRL (status %q)", st.Status)
	require.ErrorIs(t, err, ErrScope)
	assert.NotEqual(t, StatusGood, st.Status)
}

// TestCRLDeltaSameLocationAsFull: a certificate whose freshest-CRL (delta)
// location equals its distribution point gets the full CRL back where a
// delta is expected. That is refused (the delta is required and there is
// none), never a panic; and a held full CRL is not used as a delta.
func TestCRLDeltaSameLocationAsFull(t *testing.T) {
	clock := newClock(t)
	p := newPKI(t, "ecdsa", clock.Now())
	srv := newServer(t)
	srv.handle(bytesHandler(makeCRL(t, p, crlSpec{number: 10,
		entries: []x509.RevocationListEntry{revoked(4, 1, clock.Now().Add(-time.Hour))}})))
	c := newChecker(t, Config{Mode: CRLOnly, Now: clock.Now})
	for _, serial := range []int64{3, 4} {
		var err error
		require.NotPanics(t, func() {
			_, err = c.CheckRevocation(context.Background(), p.leaf(t, serial, "", srv.URL, srv.URL), p.ca)
		})
		require.ErrorIs(t, err, unavailableErr)
		require.ErrorIs(t, err, ErrScope)
	}
	// The same with the delta location configured instead.
	c2 := newChecker(t, Config{Mode: CRLOnly, Now: clock.Now, DeltaCRLURLs: []string{srv.URL}})
	require.NotPanics(t, func() {
		_, err := c2.CheckRevocation(context.Background(), p.leaf(t, 3, "", srv.URL, ""), p.ca)
		require.ErrorIs(t, err, ErrScope)
	})
}
