package lambda

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// memoryUsage is what /proc/<pid>/status says about a process's memory, in KiB.
type memoryUsage struct {
	rssKB  int64 // VmRSS: resident now
	peakKB int64 // VmHWM: the resident peak since the process started
}

// readMemory reads a process's resident memory from /proc. It fails where there is no /proc
// (memory limits are then not enforced) and after the process has gone.
func readMemory(pid int) (memoryUsage, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memoryUsage{}, err
	}
	var m memoryUsage
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case bytes.HasPrefix(line, []byte("VmRSS:")):
			m.rssKB = parseKB(line[len("VmRSS:"):])
		case bytes.HasPrefix(line, []byte("VmHWM:")):
			m.peakKB = parseKB(line[len("VmHWM:"):])
		}
	}
	if m.rssKB == 0 && m.peakKB == 0 {
		return m, fmt.Errorf("no memory figures in /proc/%d/status", pid)
	}
	return m, nil
}

// parseKB parses "   12345 kB".
func parseKB(field []byte) int64 {
	f := bytes.Fields(field)
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.ParseInt(string(f[0]), 10, 64)
	return n
}

// megabytes rounds KiB up to whole MiB, as Lambda reports memory.
func megabytes(kb int64) int {
	return int((kb + 1023) / 1024)
}
