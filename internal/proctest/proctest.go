// Package proctest starts the servers that integration tests run as child
// processes (redis-server, postgres): each dies with the test process, its
// output is kept for the failure message, and Start returns only once the
// server answers.
package proctest

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Start starts cmd with its output going to out (which may be nil), the
// Linux parent-death signal set, and calls ready every poll until it
// succeeds. It fails when the process exits first (a port already taken,
// most often) or when timeout passes, after killing it. On success it
// returns a channel closed when the process has exited.
func Start(cmd *exec.Cmd, out *Output, ready func() error, poll, timeout time.Duration) (<-chan struct{}, error) {
	name := cmd.Path
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	if out != nil {
		cmd.Stdout, cmd.Stderr = out, out
	}
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	deadline := time.Now().Add(timeout)
	for {
		err := ready()
		if err == nil {
			return done, nil
		}
		select {
		case <-done:
			return nil, fmt.Errorf("%s exited: %v (its port taken?)", name, cmd.ProcessState)
		case <-time.After(poll):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			return nil, fmt.Errorf("%s not ready within %v: %w", name, timeout, err)
		}
	}
}

// Output is a buffer safe to write from several goroutines (a process's
// pipes, a logger's handlers) while a test reads it.
type Output struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

// String returns everything written.
func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// Tail returns the last n lines written.
func (o *Output) Tail(n int) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	sc := bufio.NewScanner(bytes.NewReader(o.b.Bytes()))
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
