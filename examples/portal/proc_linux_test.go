package main

import "syscall"

// childAttr kills a portal process if the test process dies first.
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
