//go:build linux

package proctest

import "syscall"

// sysProcAttr makes the server die with the test process, even when that
// is killed without cleaning up.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
