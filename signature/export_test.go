package signature

// CachedLinks reports how many verified issuer→child links v caches.
func CachedLinks(v *Verifier) int { return v.links.len() }

// RC2DecryptBlock decrypts one RC2 block (for the RFC 2268 vectors).
func RC2DecryptBlock(key []byte, bits int, src []byte) ([]byte, error) {
	c, err := newRC2(key, bits)
	if err != nil {
		return nil, err
	}
	dst := make([]byte, 8)
	c.Decrypt(dst, src)
	return dst, nil
}
