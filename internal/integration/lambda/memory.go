package lambda

import "github.com/switchboardhq/switchboard/internal/procstat"

// memoryUsage is a process's resident memory, in KiB.
type memoryUsage struct {
	rssKB  int64 // VmRSS: resident now
	peakKB int64 // VmHWM: the resident peak since the process started
}

// readMemory reads a process's resident memory from /proc. It fails where there is no /proc
// (memory limits are then not enforced) and after the process has gone.
func readMemory(pid int) (memoryUsage, error) {
	rss, err := procstat.RSS(pid)
	if err != nil {
		return memoryUsage{}, err
	}
	peak, err := procstat.Peak(pid)
	if err != nil {
		return memoryUsage{}, err
	}
	return memoryUsage{rssKB: rss >> 10, peakKB: peak >> 10}, nil
}

// megabytes rounds KiB up to whole MiB, as Lambda reports memory.
func megabytes(kb int64) int {
	return int((kb + 1023) / 1024)
}
