package revocation

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/strongauth/strongauth/signature"
)

// maxCRLSources bounds the number of distinct (kind, location, issuer)
// triples whose CRLs are held in memory.
const maxCRLSources = 256

// crlHeld is a verified CRL held in memory with its refresh time.
type crlHeld struct {
	crl       *CRL
	refreshAt time.Time
}

// crlSlot holds the current CRL of one (kind, location, issuer) triple —
// kind being full or delta, so that a delta CRL is never answered where a
// full CRL is expected or the reverse, whatever was checked before.
// Readers load it without locks; a download replaces it.
type crlSlot struct {
	cur     atomic.Pointer[crlHeld]
	retryAt atomic.Int64 // Unix nanoseconds: no background refresh before
	// failed holds the error of the last failed download that a check
	// waited for, answered to checks until its time passes.
	failed atomic.Pointer[crlFailure]
}

type crlFailure struct {
	err   error
	until time.Time
}

// crlFailureHold is how long a failed CRL download is answered from memory
// instead of being retried: with a server down, checks fail at once
// instead of each waiting for a timeout.
const crlFailureHold = 10 * time.Second

// crlStore holds the downloaded CRLs shared by every check, and the static
// ones the host supplied.
type crlStore struct {
	mu     sync.Mutex
	slots  map[string]*crlSlot
	flight flight[*crlHeld]

	staticMu sync.RWMutex
	static   map[string]*staticCRLs // keyed by issuerInfo.id
}

type staticCRLs struct{ full, delta *CRL }

// slot returns the slot of key; it makes one only if create is set.
func (s *crlStore) slot(key string, create bool) (*crlSlot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sl, ok := s.slots[key]; ok || !create {
		return sl, nil
	}
	if len(s.slots) >= maxCRLSources {
		return nil, fmt.Errorf("%w: more than %d CRL sources", ErrNoSource, maxCRLSources)
	}
	if s.slots == nil {
		s.slots = make(map[string]*crlSlot)
	}
	sl := &crlSlot{}
	s.slots[key] = sl
	return sl, nil
}

func (s *crlStore) staticFor(id string) (full, delta *CRL) {
	s.staticMu.RLock()
	defer s.staticMu.RUnlock()
	if st := s.static[id]; st != nil {
		return st.full, st.delta
	}
	return nil, nil
}

// AddCRL verifies a CRL (DER or PEM) against its issuer and adds it to the
// static CRLs: from then on the issuer's certificates are checked against
// the static CRLs only (nothing is downloaded for them). A CRL replaces a
// static one of the same kind (full or delta) unless it has a lower
// cRLNumber. Validity times are checked at each use, not here.
func (c *Checker) AddCRL(data []byte, issuer *x509.Certificate) error {
	if issuer == nil {
		return fmt.Errorf("%w: nil issuer", ErrInvalidInput)
	}
	crl, err := ParseCRL(data)
	if err != nil {
		return err
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return err
	}
	if crl.Indirect {
		return fmt.Errorf("%w: indirect CRL", ErrScope)
	}
	ii, err := c.issuers.get(issuer)
	if err != nil {
		return err
	}
	shrink(crl)
	s := &c.crls
	s.staticMu.Lock()
	defer s.staticMu.Unlock()
	if s.static == nil {
		s.static = make(map[string]*staticCRLs)
	}
	st := s.static[ii.id]
	if st == nil {
		st = &staticCRLs{}
		s.static[ii.id] = st
	}
	p := &st.full
	if crl.IsDelta() {
		p = &st.delta
	}
	if *p != nil && (*p).Number != nil && crl.Number != nil && crl.Number.Cmp((*p).Number) < 0 {
		return fmt.Errorf("%w: CRL number %v is older than the loaded %v", ErrStale, crl.Number, (*p).Number)
	}
	*p = crl
	return nil
}

// shrink drops what a verified CRL no longer needs, so that the downloaded
// body is not kept alive by sub-slices.
func shrink(crl *CRL) {
	crl.Raw, crl.TBS, crl.Signature = nil, nil, nil
	crl.Issuer = bytes.Clone(crl.Issuer)
	crl.AuthorityKeyID = bytes.Clone(crl.AuthorityKeyID)
}

// crlCurrent checks a CRL's validity times at now.
func (c *Checker) crlCurrent(crl *CRL, now time.Time) error {
	skew := c.cfg.Skew
	switch {
	case crl.NextUpdate.IsZero():
		return fmt.Errorf("%w: CRL has no nextUpdate", ErrStale)
	case crl.ThisUpdate.After(now.Add(skew)):
		return fmt.Errorf("%w: CRL thisUpdate %s is in the future", ErrStale, stamp(crl.ThisUpdate))
	case now.After(crl.NextUpdate.Add(skew)):
		return fmt.Errorf("%w: CRL expired at %s", ErrStale, stamp(crl.NextUpdate))
	}
	return nil
}

// crlCovers checks that a CRL's scope includes cert.
func crlCovers(crl *CRL, cert *x509.Certificate, delta bool) error {
	if crl.Indirect {
		return fmt.Errorf("%w: indirect CRL", ErrScope)
	}
	idp := crl.IssuingDistributionPoint
	if idp == nil {
		return nil
	}
	switch {
	case idp.IndirectCRL:
		return fmt.Errorf("%w: indirect CRL", ErrScope)
	case idp.OnlySomeReasons:
		return fmt.Errorf("%w: CRL covers only some reasons", ErrScope)
	case idp.OnlyContainsAttributeCerts:
		return fmt.Errorf("%w: attribute-certificate CRL", ErrScope)
	case idp.OnlyContainsCACerts && !cert.IsCA:
		return fmt.Errorf("%w: CRL covers CA certificates only", ErrScope)
	case idp.OnlyContainsUserCerts && cert.IsCA:
		return fmt.Errorf("%w: CRL covers end-entity certificates only", ErrScope)
	}
	if !delta && len(idp.URLs) > 0 && len(cert.CRLDistributionPoints) > 0 &&
		!slices.ContainsFunc(idp.URLs, func(u string) bool { return slices.Contains(cert.CRLDistributionPoints, u) }) {
		return fmt.Errorf("%w: CRL partition differs from the certificate's distribution points", ErrScope)
	}
	return nil
}

// verifyCRL verifies a freshly downloaded CRL.
func (c *Checker) verifyCRL(crl *CRL, issuer *x509.Certificate, wantDelta bool, now time.Time) error {
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return err
	}
	if crl.IsDelta() != wantDelta {
		if wantDelta {
			return fmt.Errorf("%w: a full CRL where a delta CRL was expected", ErrScope)
		}
		return fmt.Errorf("%w: a delta CRL where a full CRL was expected", ErrScope)
	}
	return c.crlCurrent(crl, now)
}

// crlFromURL returns the current CRL from one location: the one held in
// memory if it is still valid (starting a background refresh when it is
// due), otherwise a download shared by every waiting check.
//
// Before anything is downloaded for a certificate, its signature by the
// issuer is checked: a location named by a forged certificate is never
// fetched.
func (c *Checker) crlFromURL(ctx context.Context, url string, cert, issuer *x509.Certificate, ii *issuerInfo, delta bool) (*CRL, error) {
	key := crlSlotKey(url, ii, delta)
	now := c.cfg.Now()
	slot, _ := c.crls.slot(key, false)
	if slot != nil {
		if h := slot.cur.Load(); h != nil && h.crl.IsDelta() == delta && c.crlCurrent(h.crl, now) == nil {
			if !now.Before(h.refreshAt) && now.UnixNano() >= slot.retryAt.Load() {
				c.startCRLDownload(ctx, key, slot, url, issuer, delta, true)
			}
			return h.crl, nil
		}
		if f := slot.failed.Load(); f != nil && now.Before(f.until) {
			return nil, f.err
		}
	}
	if err := checkIssuedBy(cert, issuer); err != nil {
		return nil, err
	}
	slot, err := c.crls.slot(key, true)
	if err != nil {
		return nil, err
	}
	call := c.startCRLDownload(ctx, key, slot, url, issuer, delta, false)
	h, err := call.wait(ctx)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return nil, fmt.Errorf("%w: %w", ErrFetch, err)
		}
		return nil, err
	}
	return h.crl, nil
}

// crlSlotKey names the slot (and the single flight) of one location's CRL
// of one kind for one issuer.
func crlSlotKey(url string, ii *issuerInfo, delta bool) string {
	kind := "full\x00"
	if delta {
		kind = "delta\x00"
	}
	return kind + url + "\x00" + ii.id
}

// startCRLDownload starts (or joins) the single download of one location.
// A download that finds a current CRL already held (stored by a flight that
// ended after the caller looked) returns it — for a refresh, only when that
// CRL is not due for refresh itself.
func (c *Checker) startCRLDownload(ctx context.Context, key string, slot *crlSlot, url string,
	issuer *x509.Certificate, delta, refresh bool) *call[*crlHeld] {
	call := c.crls.flight.start(key, c.spawn, func() (*crlHeld, error) {
		if h := slot.cur.Load(); h != nil && h.crl.IsDelta() == delta && c.crlCurrent(h.crl, c.cfg.Now()) == nil &&
			(!refresh || c.cfg.Now().Before(h.refreshAt)) {
			// Held and current — and, for a refresh, no longer due: a
			// check that saw the previous CRL due started this flight
			// after another refresh had replaced it.
			return h, nil
		}
		h, err := c.downloadCRL(context.WithoutCancel(ctx), slot, url, issuer, delta)
		now := c.cfg.Now()
		if err != nil {
			slot.retryAt.Store(now.Add(c.retryBackoff()).UnixNano())
			if !refresh {
				slot.failed.Store(&crlFailure{err: err, until: now.Add(crlFailureHold)})
			}
			return nil, err
		}
		slot.failed.Store(nil)
		slot.cur.Store(h)
		return h, nil
	})
	return call
}

func (c *Checker) retryBackoff() time.Duration { return min(c.cfg.CRLRefresh, time.Minute) }

func (c *Checker) downloadCRL(ctx context.Context, slot *crlSlot, url string, issuer *x509.Certificate, delta bool) (*crlHeld, error) {
	body, err := c.fetch(ctx, url, nil, "", "application/pkix-crl", c.cfg.CRLTimeout, c.cfg.MaxCRLSize)
	if err != nil {
		return nil, err
	}
	crl, err := ParseCRL(body)
	if err != nil {
		return nil, err
	}
	now := c.cfg.Now()
	if err := c.verifyCRL(crl, issuer, delta, now); err != nil {
		return nil, err
	}
	if old := slot.cur.Load(); old != nil && old.crl.Number != nil && crl.Number != nil &&
		crl.Number.Cmp(old.crl.Number) < 0 {
		return nil, fmt.Errorf("%w: CRL number %v is older than the held %v", ErrStale, crl.Number, old.crl.Number)
	}
	shrink(crl)
	refreshAt := now.Add(c.cfg.CRLRefresh)
	if ninety := crl.ThisUpdate.Add(crl.NextUpdate.Sub(crl.ThisUpdate) * 9 / 10); ninety.Before(refreshAt) {
		refreshAt = ninety
	}
	if floor := now.Add(c.retryBackoff()); refreshAt.Before(floor) {
		refreshAt = floor
	}
	return &crlHeld{crl: crl, refreshAt: refreshAt}, nil
}

// crlURLs returns the full-CRL locations for cert.
func (c *Checker) crlURLs(cert *x509.Certificate) []string {
	if len(c.cfg.CRLURLs) > 0 {
		return c.cfg.CRLURLs
	}
	return httpURLs(cert.CRLDistributionPoints)
}

// deltaURLs returns the delta-CRL locations for cert and its full CRL.
func (c *Checker) deltaURLs(cert *x509.Certificate, full *CRL) []string {
	if len(c.cfg.DeltaCRLURLs) > 0 {
		return c.cfg.DeltaCRLURLs
	}
	out := freshestCRLURLs(cert)
	for _, u := range full.FreshestCRL {
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return httpURLs(out)
}

// firstCRL tries the locations in order and returns the first usable CRL.
func (c *Checker) firstCRL(ctx context.Context, urls []string, cert, issuer *x509.Certificate, ii *issuerInfo, delta bool) (*CRL, error) {
	kind := "CRL"
	if delta {
		kind = "delta CRL"
	}
	if len(urls) == 0 {
		return nil, checkErr(SourceCRL, "", ErrNoSource, "no %s location for the certificate", kind)
	}
	var attempts []*CheckError
	for _, u := range urls {
		crl, err := c.crlFromURL(ctx, u, cert, issuer, ii, delta)
		if err == nil {
			err = crlCovers(crl, cert, delta)
		}
		if err == nil {
			return crl, nil
		}
		attempts = append(attempts, &CheckError{Source: SourceCRL, URL: u, Err: err})
	}
	if len(attempts) == 1 {
		return nil, attempts[0]
	}
	return nil, &UnavailableError{Attempts: attempts}
}

// checkCRL establishes the status of cert from its issuer's full CRL and,
// when the certificate or the CRL names one (or one is configured), its
// delta CRL, which is then required.
func (c *Checker) checkCRL(ctx context.Context, cert, issuer *x509.Certificate, ii *issuerInfo) (signature.RevocationStatus, error) {
	serial := signature.SerialBytes(cert.SerialNumber)
	now := c.cfg.Now()
	full, delta := c.crls.staticFor(ii.id)
	if full != nil {
		if err := c.crlCurrent(full, now); err != nil {
			return signature.RevocationStatus{}, &CheckError{Source: SourceCRL, URL: "static", Err: err}
		}
		if err := crlCovers(full, cert, false); err != nil {
			return signature.RevocationStatus{}, &CheckError{Source: SourceCRL, URL: "static", Err: err}
		}
		if delta != nil {
			err := c.crlCurrent(delta, now)
			if err == nil {
				err = crlCovers(delta, cert, true)
			}
			if err != nil {
				return signature.RevocationStatus{}, &CheckError{Source: SourceCRL, URL: "static delta", Err: err}
			}
		}
	} else {
		var err error
		if full, err = c.firstCRL(ctx, c.crlURLs(cert), cert, issuer, ii, false); err != nil {
			return signature.RevocationStatus{}, err
		}
		if urls := c.deltaURLs(cert, full); len(urls) > 0 {
			if delta, err = c.firstCRL(ctx, urls, cert, issuer, ii, true); err != nil {
				return signature.RevocationStatus{}, err
			}
		}
	}
	st := signature.RevocationStatus{
		Source:     SourceCRL,
		Status:     StatusGood,
		Reason:     -1,
		ThisUpdate: full.ThisUpdate,
		NextUpdate: full.NextUpdate,
		Responder:  ii.name,
	}
	// Whatever supplied them, a full CRL must not be a delta and the reverse
	// (the slots are keyed by kind; this keeps a decision from ever resting
	// on a CRL of the wrong kind).
	if full.IsDelta() {
		return signature.RevocationStatus{}, checkErr(SourceCRL, "", ErrScope, "a delta CRL where a full CRL was expected")
	}
	entry, revoked := full.lookup(serial)
	if delta != nil {
		switch {
		case !delta.IsDelta():
			return signature.RevocationStatus{}, checkErr(SourceCRL, "", ErrScope, "a full CRL where a delta CRL was expected")
		case full.Number == nil || delta.Number == nil:
			return signature.RevocationStatus{}, checkErr(SourceCRL, "", ErrScope,
				"a full and a delta CRL without CRL numbers cannot be combined")
		case delta.DeltaBase.Cmp(full.Number) > 0:
			return signature.RevocationStatus{}, checkErr(SourceCRL, "", ErrScope,
				"the full CRL %v is older than the delta CRL's base %v", full.Number, delta.DeltaBase)
		case delta.Number.Cmp(full.Number) <= 0:
			// The full CRL is at least as new as the delta: the delta
			// has nothing newer (and its removals may be outdated).
			delta = nil
		}
	}
	if delta != nil {
		if d, ok := delta.lookup(serial); ok {
			if d.Reason == reasonRemoveFromCRL {
				revoked = false
			} else {
				entry, revoked = d, true
			}
		}
		st.ThisUpdate = delta.ThisUpdate
		if delta.NextUpdate.Before(st.NextUpdate) {
			st.NextUpdate = delta.NextUpdate
		}
	}
	if revoked {
		st.Status, st.Reason, st.RevokedAt = StatusRevoked, entry.Reason, entry.RevokedAt
		return st, &StatusError{Status: st}
	}
	return st, nil
}
