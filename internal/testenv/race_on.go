//go:build race

package testenv

// Race reports whether the race detector is on: it allocates on its own,
// so tests that count allocations leave the count alone then.
const Race = true
