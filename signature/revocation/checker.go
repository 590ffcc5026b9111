package revocation

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/strongauth/strongauth/auth"
	"github.com/strongauth/strongauth/signature"
	"github.com/strongauth/strongauth/store"
	"github.com/strongauth/strongauth/store/memory"
)

// EventRevocation is the audit event type of a revocation decision. Its
// Attrs: "serial" (hex), "issuer" (the CA's name), "source" ("ocsp", "crl"
// or "none"), "status" (good, revoked, unknown, unavailable or unchecked),
// "reason" (of a revocation), "cached" ("true" for a cached OCSP answer),
// "error" (the operator message of a failure: URLs, times, causes) and,
// only with Config.AuditSubject, "subject".
const EventRevocation = "revocation_checked"

// Checker checks certificates against OCSP responders and CRLs. It
// implements signature.RevocationChecker. It is safe for concurrent use;
// create it with New and stop its background work with Close.
type Checker struct {
	cfg      Config
	cache    store.Store
	ownCache *memory.Store

	issuers    issuerCache
	ocspFlight flight[signature.RevocationStatus]
	crls       crlStore

	bgMu   sync.Mutex // orders spawn and Close
	bg     sync.WaitGroup
	closed atomic.Bool
}

// spawn runs fn in a goroutine that Close waits for; after Close it
// refuses.
func (c *Checker) spawn(fn func()) bool {
	c.bgMu.Lock()
	defer c.bgMu.Unlock()
	if c.closed.Load() {
		return false
	}
	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
		fn()
	}()
	return true
}

var _ signature.RevocationChecker = (*Checker)(nil)

// New validates cfg and returns a Checker. Static CRLs in cfg.CRLs are
// verified against their issuers here.
func New(cfg Config) (*Checker, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	c := &Checker{cfg: cfg, cache: cfg.Cache}
	for i, s := range cfg.CRLs {
		if err := c.AddCRL(s.CRL, s.Issuer); err != nil {
			return nil, fmt.Errorf("%w: static CRL %d: %w", ErrConfig, i, err)
		}
	}
	if c.cache == nil {
		c.ownCache = memory.New(memory.Config{Now: cfg.Now})
		c.cache = c.ownCache
	}
	return c, nil
}

// Close stops background CRL refreshes, waits for running downloads and
// closes the private cache. Checks after Close fail with ErrClosed.
func (c *Checker) Close() error {
	c.bgMu.Lock()
	already := c.closed.Swap(true)
	c.bgMu.Unlock()
	if already {
		return nil
	}
	c.bg.Wait()
	if c.ownCache != nil {
		return c.ownCache.Close()
	}
	return nil
}

// CheckRevocation implements signature.RevocationChecker: it returns a nil
// error only for a certificate positively found good. A revoked certificate
// (any reason, certificateHold included) gives a *StatusError wrapping
// signature.ErrRevoked, an "unknown" OCSP answer one wrapping
// signature.ErrRevocationUnknown, and no usable answer a *CheckError or
// *UnavailableError wrapping signature.ErrRevocationUnavailable, naming
// every check that could not be completed and why. Every decision is
// audited.
func (c *Checker) CheckRevocation(ctx context.Context, cert, issuer *x509.Certificate) (signature.RevocationStatus, error) {
	st, err := c.check(ctx, cert, issuer)
	if err != nil && c.cfg.InsecureSoftFail && softFailable(err) {
		st = signature.RevocationStatus{Source: "none", Status: StatusUnchecked, Reason: -1}
		c.audit(ctx, cert, issuer, st, err, true)
		return st, nil
	}
	c.audit(ctx, cert, issuer, st, err, false)
	return st, err
}

// softFailable reports an error that InsecureSoftFail may waive: no usable
// answer from the sources. A definitive answer, bad input, a certificate
// its issuer did not sign and a closed checker are never waived.
func softFailable(err error) bool {
	if !errors.Is(err, signature.ErrRevocationUnavailable) {
		return false
	}
	for _, never := range []error{signature.ErrRevoked, signature.ErrRevocationUnknown, ErrInvalidInput, ErrNotIssuedBy, ErrClosed} {
		if errors.Is(err, never) {
			return false
		}
	}
	return true
}

func (c *Checker) check(ctx context.Context, cert, issuer *x509.Certificate) (signature.RevocationStatus, error) {
	var none signature.RevocationStatus
	if c.closed.Load() {
		return none, &CheckError{Source: "none", Err: ErrClosed}
	}
	if cert == nil || issuer == nil || cert.SerialNumber == nil {
		return none, &CheckError{Source: "none", Err: ErrInvalidInput}
	}
	if !bytes.Equal(cert.RawIssuer, issuer.RawSubject) {
		return none, &CheckError{Source: "none", Err: ErrNotIssuedBy}
	}
	ii, err := c.issuers.get(issuer)
	if err != nil {
		return none, &CheckError{Source: "none", Err: err}
	}
	var attempts []*CheckError
	if c.cfg.Mode != CRLOnly {
		st, err := c.checkOCSP(ctx, cert, issuer, ii, signature.SerialBytes(cert.SerialNumber))
		if err == nil || !errors.Is(err, signature.ErrRevocationUnavailable) {
			return st, err
		}
		attempts = appendAttempts(attempts, err)
		if c.cfg.Mode == OCSPOnly {
			return none, unavailable(attempts)
		}
	}
	st, err := c.checkCRL(ctx, cert, issuer, ii)
	if err == nil || !errors.Is(err, signature.ErrRevocationUnavailable) {
		return st, err
	}
	return none, unavailable(appendAttempts(attempts, err))
}

// appendAttempts flattens a check's failure into the attempt list.
func appendAttempts(list []*CheckError, err error) []*CheckError {
	var ue *UnavailableError
	var ce *CheckError
	switch {
	case errors.As(err, &ue):
		return append(list, ue.Attempts...)
	case errors.As(err, &ce):
		return append(list, ce)
	}
	return append(list, &CheckError{Source: "none", Err: err})
}

func unavailable(attempts []*CheckError) error {
	if len(attempts) == 1 {
		return attempts[0]
	}
	return &UnavailableError{Attempts: attempts}
}

// audit reports one decision. Nothing secret is in it: the serial and
// issuer of a certificate are public, the subject only if the host asked.
// softFailed marks an InsecureSoftFail acceptance of err.
func (c *Checker) audit(ctx context.Context, cert, issuer *x509.Certificate, st signature.RevocationStatus, err error, softFailed bool) {
	if c.cfg.Audit == nil {
		return
	}
	attrs := map[string]string{"source": st.Source, "status": st.Status}
	if cert != nil && cert.SerialNumber != nil {
		attrs["serial"] = signature.SerialHex(signature.SerialBytes(cert.SerialNumber))
		if c.cfg.AuditSubject {
			attrs["subject"] = cert.Subject.String()
		}
	}
	if issuer != nil {
		attrs["issuer"] = issuer.Subject.String()
	}
	if st.Status == StatusRevoked {
		attrs["reason"] = ReasonString(st.Reason)
	}
	if st.Cached {
		attrs["cached"] = "true"
	}
	code := ""
	if err != nil {
		attrs["error"] = err.Error()
	}
	switch {
	case softFailed:
		code = "revocation_unchecked"
	case err != nil:
		switch {
		case errors.Is(err, signature.ErrRevoked):
			code = "revoked"
		case errors.Is(err, signature.ErrRevocationUnknown):
			code = "revocation_unknown"
		default:
			code = "revocation_unavailable"
			attrs["status"] = "unavailable"
			if attrs["source"] == "" {
				attrs["source"] = "none"
			}
		}
	}
	c.cfg.Audit.Audit(ctx, auth.Event{
		Type:    EventRevocation,
		Flow:    auth.FlowRefFrom(ctx), // set by the engine when a login checks
		Time:    c.cfg.Now(),
		Code:    code,
		Allowed: err == nil || softFailed,
		Attrs:   attrs,
	})
}
