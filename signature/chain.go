package signature

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"time"
)

// Chain bounds.
const (
	// maxChainLength bounds a path (signer included).
	maxChainLength = 8
	// maxCandidates bounds the issuer candidates tried for one chain, so a
	// CMS stuffed with look-alike certificates cannot make path building
	// expensive.
	maxCandidates = 32
)

// linkKey names a verified issuer→child signature: SHA-256 of the child's
// DER followed by SHA-256 of the issuer's DER.
type linkKey [64]byte

func newLinkKey(child, issuer *certEntry) linkKey {
	var k linkKey
	copy(k[:32], child.hash[:])
	copy(k[32:], issuer.hash[:])
	return k
}

// checkLink verifies that issuer signed child, once: a verified link is
// cached (bounded), so a repeated login does not re-verify the chain's
// signatures. Validity and constraints are checked on every use, not
// cached.
func (v *Verifier) checkLink(child, issuer *certEntry) error {
	k := newLinkKey(child, issuer)
	if _, ok := v.links.get(k); ok {
		return nil
	}
	if err := checkCertSignature(child, issuer); err != nil {
		if errors.Is(err, ErrUnsupportedAlgorithm) {
			return err
		}
		return fmt.Errorf("%w: bad certificate signature: %w", ErrChainUntrusted, err)
	}
	v.links.put(k, struct{}{})
	return nil
}

// checkValidity checks a certificate's validity period at now.
func checkValidity(e *certEntry, now time.Time) error {
	if now.Before(e.cert.NotBefore) {
		return fmt.Errorf("%w: valid from %s", ErrCertificateNotYetValid, e.cert.NotBefore.UTC().Format(time.RFC3339))
	}
	if now.After(e.cert.NotAfter) {
		return fmt.Errorf("%w: valid until %s", ErrCertificateExpired, e.cert.NotAfter.UTC().Format(time.RFC3339))
	}
	return nil
}

// checkExtensions refuses unhandled critical extensions and name
// constraints (which this verifier does not evaluate).
func checkExtensions(e *certEntry) error {
	if len(e.cert.UnhandledCriticalExtensions) > 0 {
		return fmt.Errorf("%w: unhandled critical extension %s", ErrChainUntrusted, e.cert.UnhandledCriticalExtensions[0])
	}
	c := e.cert
	if len(c.PermittedDNSDomains)+len(c.ExcludedDNSDomains)+len(c.PermittedIPRanges)+len(c.ExcludedIPRanges)+
		len(c.PermittedEmailAddresses)+len(c.ExcludedEmailAddresses)+len(c.PermittedURIDomains)+len(c.ExcludedURIDomains) > 0 {
		return fmt.Errorf("%w: name constraints are not supported", ErrChainUntrusted)
	}
	return nil
}

// checkIssuer checks a certificate that issues the one below it. depth is
// its index in the path (1 for the signer's issuer).
func checkIssuer(e *certEntry, depth int, now time.Time) error {
	if err := checkValidity(e, now); err != nil {
		return err
	}
	if !e.cert.BasicConstraintsValid || !e.cert.IsCA {
		return fmt.Errorf("%w: basic constraints do not mark it as a CA", ErrNotCA)
	}
	if limit := maxPathLen(e.cert); limit >= 0 && depth-1 > limit {
		return fmt.Errorf("%w: path length constraint %d exceeded", ErrNotCA, limit)
	}
	if e.cert.KeyUsage == 0 {
		return fmt.Errorf("%w: issuer without keyUsage", ErrKeyUsage)
	}
	if e.cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return fmt.Errorf("%w: issuer without keyCertSign", ErrKeyUsage)
	}
	return checkExtensions(e)
}

// maxPathLen returns the pathLenConstraint, or -1 when there is none.
func maxPathLen(c *x509.Certificate) int {
	if c.MaxPathLen > 0 || c.MaxPathLenZero {
		return c.MaxPathLen
	}
	return -1
}

// errRank orders refusals by how much they tell: when every candidate path
// fails, the most telling error is reported.
func errRank(err error) int {
	switch {
	case errors.Is(err, ErrCertificateExpired), errors.Is(err, ErrCertificateNotYetValid):
		return 4
	case errors.Is(err, ErrNotCA), errors.Is(err, ErrKeyUsage):
		return 3
	case errors.Is(err, ErrUnsupportedAlgorithm):
		return 2
	case errors.Is(err, ErrChainUntrusted):
		return 1
	}
	return 0
}

// pathBuilder searches a path from a signer to a configured root.
type pathBuilder struct {
	v      *Verifier
	pool   []*certEntry // certificates from the CMS
	now    time.Time
	budget int
	best   error
}

// fail records a refusal about e, the certificate at index i of the path.
func (b *pathBuilder) fail(i int, e *certEntry, err error) {
	err = &CertificateError{Index: i, Serial: e.serial, Subject: e.cn, Err: err}
	if b.best == nil || errRank(err) > errRank(b.best) {
		b.best = err
	}
}

// candidates returns the possible issuers of cur: configured roots first,
// then configured intermediates, then the CMS's certificates; never a
// certificate already on the path.
func (b *pathBuilder) candidates(cur *certEntry, path []*certEntry) []*certEntry {
	var out []*certEntry
	seen := func(e *certEntry) bool {
		for _, p := range path {
			if p.hash == e.hash {
				return true
			}
		}
		for _, o := range out {
			if o.hash == e.hash {
				return true
			}
		}
		return false
	}
	match := func(e *certEntry) bool {
		if !bytes.Equal(e.cert.RawSubject, cur.cert.RawIssuer) {
			return false
		}
		aki, ski := cur.cert.AuthorityKeyId, e.cert.SubjectKeyId
		return len(aki) == 0 || len(ski) == 0 || bytes.Equal(aki, ski)
	}
	for _, e := range b.v.issuers[string(cur.cert.RawIssuer)] {
		if match(e) && !seen(e) {
			out = append(out, e)
		}
	}
	for _, e := range b.pool {
		if match(e) && !seen(e) {
			out = append(out, e)
		}
	}
	return out
}

func (b *pathBuilder) extend(path []*certEntry) []*certEntry {
	cur := path[len(path)-1]
	if len(path) >= maxChainLength {
		b.fail(len(path)-1, cur, fmt.Errorf("%w: chain longer than %d", ErrChainUntrusted, maxChainLength))
		return nil
	}
	cands := b.candidates(cur, path)
	if len(cands) == 0 {
		b.fail(len(path)-1, cur, fmt.Errorf("%w: no configured root or intermediate issued it", ErrChainUntrusted))
		return nil
	}
	for _, c := range cands {
		if b.budget--; b.budget < 0 {
			b.fail(len(path), c, fmt.Errorf("%w: too many candidate issuers", ErrChainUntrusted))
			return nil
		}
		if err := b.v.checkLink(cur, c); err != nil {
			// The signature on cur does not verify with c's key.
			b.fail(len(path)-1, cur, err)
			continue
		}
		if err := checkIssuer(c, len(path), b.now); err != nil {
			b.fail(len(path), c, err)
			continue
		}
		next := append(path[:len(path):len(path)], c)
		if _, root := b.v.roots[c.hash]; root {
			return next
		}
		if full := b.extend(next); full != nil {
			return full
		}
	}
	return nil
}

// buildChain returns the verified path [signer, …, root]. The signer's own
// validity and extensions are checked here too; its purpose is not.
func (v *Verifier) buildChain(leaf *certEntry, pool []*certEntry, now time.Time) ([]*certEntry, error) {
	if err := checkValidity(leaf, now); err != nil {
		return nil, &CertificateError{Index: 0, Serial: leaf.serial, Subject: leaf.cn, Err: err}
	}
	if err := checkExtensions(leaf); err != nil {
		return nil, &CertificateError{Index: 0, Serial: leaf.serial, Subject: leaf.cn, Err: err}
	}
	if _, root := v.roots[leaf.hash]; root {
		return nil, &CertificateError{Index: 0, Serial: leaf.serial, Subject: leaf.cn,
			Err: fmt.Errorf("%w: a trust anchor cannot sign", ErrKeyUsage)}
	}
	b := &pathBuilder{v: v, pool: pool, now: now, budget: maxCandidates}
	if path := b.extend([]*certEntry{leaf}); path != nil {
		return path, nil
	}
	if b.best == nil {
		return nil, ErrChainUntrusted
	}
	return nil, b.best
}
