package signature

// CachedLinks reports how many verified issuer→child links v caches.
func CachedLinks(v *Verifier) int { return v.links.len() }
