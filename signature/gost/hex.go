package gost

// Helpers for the hexadecimal constants of this package. They accept only
// the compile-time constants below (checked by the test vectors), so they
// do no error handling.

func nibble(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	default:
		return c - '0'
	}
}

// hexUint64 parses up to 16 hex digits.
func hexUint64(s string) uint64 {
	var v uint64
	for i := range len(s) {
		v = v<<4 | uint64(nibble(s[i]))
	}
	return v
}

// unhex decodes a hex string; an odd length is read as if left-padded with 0.
func unhex(s string) []byte {
	if len(s)%2 == 1 {
		s = "0" + s
	}
	b := make([]byte, len(s)/2)
	for i := range b {
		b[i] = nibble(s[2*i])<<4 | nibble(s[2*i+1])
	}
	return b
}
