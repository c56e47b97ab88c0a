//go:build unix

package lambda

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// isolate puts the worker in its own process group, so that signals reach the processes it
// starts too.
func isolate(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// signalGroup sends sig to p and then to the process group p leads. p goes first because
// os.Process knows when it has been reaped, so a recycled process id is never signalled.
func signalGroup(p *os.Process, sig syscall.Signal) {
	if err := p.Signal(sig); errors.Is(err, os.ErrProcessDone) {
		return
	}
	_ = syscall.Kill(-p.Pid, sig)
}

func terminateProcess(p *os.Process) { signalGroup(p, syscall.SIGTERM) }

func killProcess(p *os.Process) { signalGroup(p, syscall.SIGKILL) }
