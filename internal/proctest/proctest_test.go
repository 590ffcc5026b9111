package proctest

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestStart(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	// Ready: the channel closes when the process ends.
	out := &Output{}
	done, err := Start(exec.Command("sh", "-c", "echo started; sleep 0.2"), out, func() error { return nil }, time.Millisecond, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("done never closed")
	}
	if !strings.Contains(out.String(), "started") {
		t.Fatalf("output %q", out.String())
	}
	// The process exits before it is ready.
	_, err = Start(exec.Command("sh", "-c", "exit 3"), nil, func() error { return errors.New("not yet") }, time.Millisecond, 5*time.Second)
	if err == nil || !strings.Contains(err.Error(), "sh exited") {
		t.Fatalf("exit: %v", err)
	}
	// Never ready: killed after the timeout, with the last readiness error.
	cmd := exec.Command("sleep", "30")
	_, err = Start(cmd, nil, func() error { return errors.New("no answer") }, 5*time.Millisecond, 100*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "no answer") || cmd.ProcessState == nil {
		t.Fatalf("timeout: %v (state %v)", err, cmd.ProcessState)
	}
}

func TestOutputTail(t *testing.T) {
	o := &Output{}
	for i := range 50 {
		fmt.Fprintf(o, "line %d\n", i)
	}
	tail := o.Tail(3)
	if tail != "line 47\nline 48\nline 49" {
		t.Fatalf("tail %q", tail)
	}
}
