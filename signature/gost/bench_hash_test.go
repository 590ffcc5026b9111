package gost

import (
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"testing"
)

// Hash throughput, beside SHA-256/SHA-512 from the standard library as the
// reference point (b.SetBytes makes `go test -bench` print MB/s).
func benchHash(b *testing.B, h hash.Hash, size int) {
	buf := make([]byte, size)
	out := make([]byte, 0, 64)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		h.Reset()
		h.Write(buf)
		out = h.Sum(out[:0])
	}
}

func BenchmarkHash(b *testing.B) {
	for _, c := range []struct {
		name string
		h    func() hash.Hash
	}{
		{"Streebog512", New512}, {"Streebog256", New256}, {"GOST34311", New34311},
		{"SHA512", sha512.New}, {"SHA256", sha256.New},
	} {
		b.Run(c.name+"/8KiB", func(b *testing.B) { benchHash(b, c.h(), 8192) })
		b.Run(c.name+"/1KiB", func(b *testing.B) { benchHash(b, c.h(), 1024) })
	}
}
