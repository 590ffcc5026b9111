package qr

import (
	"math/rand/v2"
	"testing"
)

// The bit-set penalty equals the module-by-module one.
func TestPenaltyBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{11, 21, 45, 61, 64} {
		for range 50 {
			m := &Matrix{Size: n, Dark: make([]bool, n*n)}
			p := rng.Float64()
			for i := range m.Dark {
				m.Dark[i] = rng.Float64() < p
			}
			if a, b := m.penaltyBits(), m.penaltyModules(); a != b {
				t.Fatalf("size %d: bits %d, modules %d", n, a, b)
			}
		}
	}
}
