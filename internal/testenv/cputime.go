//go:build unix

package testenv

import (
	"syscall"
	"time"
)

// CPUTime returns the process's user and system CPU time, for benchmarks
// on a shared machine: beside the wall time of ns/op, the CPU a single-
// threaded benchmark used per operation is the less disturbed measure
// (the collector's work included). It is zero where getrusage fails.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
