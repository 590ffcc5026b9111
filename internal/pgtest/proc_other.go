//go:build !linux

package pgtest

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }
