package revocation

import (
	"context"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/strongauth/strongauth/signature"
)

// OCSP cache entries. The key is the SHA-256 CertID (issuer name and key
// hashes and the serial), so entries written by one instance serve every
// instance sharing the store. The value is a versioned binary record:
//
//	version(1) status(1) reason(1, int8) revokedAt thisUpdate nextUpdate
//	producedAt validUntil (each int64 big-endian Unix seconds,
//	math.MinInt64 for none) len(responder)(2) responder
//
// A record of another version, a malformed one or one past validUntil is a
// cache miss. Only verified good and revoked answers are stored.
const cacheVersion = 1

const (
	cacheGood    = 1
	cacheRevoked = 2
)

func (c *Checker) ocspCacheKey(ii *issuerInfo, serial []byte) string {
	return c.cfg.CachePrefix + "ocsp:v1:" + ii.ocspKey + hex.EncodeToString(serial)
}

func encodeEntry(st signature.RevocationStatus, validUntil time.Time) []byte {
	b := make([]byte, 0, 3+5*8+2+len(st.Responder))
	b = append(b, cacheVersion)
	if st.Status == StatusRevoked {
		b = append(b, cacheRevoked)
	} else {
		b = append(b, cacheGood)
	}
	b = append(b, byte(int8(st.Reason)))
	for _, t := range []time.Time{st.RevokedAt, st.ThisUpdate, st.NextUpdate, st.ProducedAt, validUntil} {
		v := int64(math.MinInt64)
		if !t.IsZero() {
			v = t.Unix()
		}
		b = binary.BigEndian.AppendUint64(b, uint64(v))
	}
	resp := st.Responder
	if len(resp) > math.MaxUint16 {
		resp = resp[:math.MaxUint16]
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(resp)))
	return append(b, resp...)
}

var errBadEntry = errors.New("revocation: bad cache entry")

func decodeEntry(b []byte) (st signature.RevocationStatus, validUntil time.Time, err error) {
	const fixed = 3 + 5*8 + 2
	if len(b) < fixed || b[0] != cacheVersion {
		return st, validUntil, errBadEntry
	}
	switch b[1] {
	case cacheGood:
		st.Status = StatusGood
	case cacheRevoked:
		st.Status = StatusRevoked
	default:
		return st, validUntil, errBadEntry
	}
	st.Source = SourceOCSP
	st.Reason = int(int8(b[2]))
	if st.Reason < -1 || st.Reason > 10 {
		return st, validUntil, errBadEntry
	}
	var times [5]time.Time
	for i := range times {
		v := int64(binary.BigEndian.Uint64(b[3+8*i:]))
		if v != math.MinInt64 {
			times[i] = time.Unix(v, 0).UTC()
			if times[i].IsZero() {
				return st, validUntil, errBadEntry // only MinInt64 means "none"
			}
		}
	}
	st.RevokedAt, st.ThisUpdate, st.NextUpdate, st.ProducedAt, validUntil = times[0], times[1], times[2], times[3], times[4]
	n := int(binary.BigEndian.Uint16(b[fixed-2:]))
	if len(b) != fixed+n || validUntil.IsZero() {
		return st, validUntil, errBadEntry
	}
	st.Responder = string(b[fixed:])
	st.Cached = true
	return st, validUntil, nil
}

// cacheGet returns a cached, still valid answer. Any store error is a miss:
// the caller then asks the responder, so a failing cache never grants
// anything.
func (c *Checker) cacheGet(ctx context.Context, key string) (signature.RevocationStatus, bool) {
	b, _, err := c.cache.Get(ctx, key)
	if err != nil {
		return signature.RevocationStatus{}, false
	}
	st, validUntil, err := decodeEntry(b)
	if err != nil || !c.cfg.Now().Before(validUntil) {
		return signature.RevocationStatus{}, false
	}
	return st, true
}

// cachePut stores a verified answer until its validUntil, but for at most
// MaxCacheAge. Failures are ignored (the answer is simply not cached).
func (c *Checker) cachePut(ctx context.Context, key string, st signature.RevocationStatus, validUntil time.Time) {
	now := c.cfg.Now()
	if limit := now.Add(c.cfg.MaxCacheAge); validUntil.After(limit) {
		validUntil = limit
	}
	ttl := validUntil.Sub(now)
	if ttl < time.Second {
		return
	}
	_, _ = c.cache.Put(ctx, key, encodeEntry(st, validUntil), ttl)
}

// Forget drops the cached OCSP answer about cert (issued by issuer), so
// that the next check asks a responder again instead of reusing it until
// its nextUpdate or MaxCacheAge — for a host that learns of a revocation
// first (an incident, a development panel that revokes test keys). With a
// shared Cache (store/redis) it takes effect for every instance. A check
// already in flight may still store the answer it gets. It changes no CRL
// (AddCRL replaces a static one). The error is the store's.
func (c *Checker) Forget(ctx context.Context, cert, issuer *x509.Certificate) error {
	if cert == nil || issuer == nil || cert.SerialNumber == nil {
		return fmt.Errorf("%w: nil certificate", ErrInvalidInput)
	}
	ii, err := c.issuers.get(issuer)
	if err != nil {
		return err
	}
	return c.cache.Delete(ctx, c.ocspCacheKey(ii, signature.SerialBytes(cert.SerialNumber)))
}
