//go:build !unix

package lambda

import (
	"os"
	"os/exec"
)

// isolate does nothing where there are no process groups.
func isolate(cmd *exec.Cmd) {}

// terminateProcess kills the worker: without signals there is no graceful stop.
func terminateProcess(p *os.Process) { killProcess(p) }

func killProcess(p *os.Process) { _ = p.Kill() }
