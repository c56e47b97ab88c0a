package suite

import (
	"fmt"
	"os"
	"strings"
	"syscall"
)

// wantFiles is the open-file limit the 100k-connection row needs in each process (the server
// holds 100k sockets, the load generator as many), with room to spare.
const wantFiles = 1 << 20

// fileLimit is the open-file limit the suite's children inherit.
type fileLimit struct {
	soft, hard uint64
	raiseErr   error // why the hard limit could not be raised to wantFiles; nil when it was
}

// raiseFileLimit raises this process's RLIMIT_NOFILE (inherited by every child) to wantFiles, or
// as far as allowed. Raising the hard limit needs CAP_SYS_RESOURCE (root, outside most
// containers); without it the soft limit is raised to the hard one.
func raiseFileLimit() fileLimit {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fileLimit{raiseErr: fmt.Errorf("getrlimit: %w", err)}
	}
	var fl fileLimit
	if lim.Max < wantFiles {
		want := syscall.Rlimit{Cur: wantFiles, Max: wantFiles}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
			fl.raiseErr = fmt.Errorf("raise the hard open-file limit from %d to %d: %w", lim.Max, uint64(wantFiles), err)
		} else {
			lim = want
		}
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
		_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	fl.soft, fl.hard = lim.Cur, lim.Max
	return fl
}

// maxConns is the largest connection count one process can hold under the limit: what is left
// after the descriptors a server or the load generator needs besides its sockets.
func (fl fileLimit) maxConns() int {
	const headroom = 200
	if fl.soft <= headroom {
		return 0
	}
	return int(min(fl.soft-headroom, 1<<30))
}

// localPortRange reads net.ipv4.ip_local_port_range ("32768\t60999"), for the machine line.
func localPortRange() string {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b)), "–")
}
