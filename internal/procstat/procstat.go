// Package procstat reads the resident memory and CPU time of Linux processes from /proc: the
// function workers' memory limit and REPORT lines, and the benchmark suite's figures.
//
// Use RSS for one process (VmRSS of /proc/<pid>/status), Peak for its resident peak (VmHWM),
// TreeRSS for a process and all its
// descendants (a server together with the worker processes it started), and CPU and TreeCPU for
// the CPU time they have used. On systems without /proc they return an error.
package procstat

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Self is the pid argument that names the calling process.
const Self = 0

// RSS returns the resident set size of process pid (Self for the caller) in bytes.
func RSS(pid int) (int64, error) {
	data, err := os.ReadFile(procPath(pid, "status"))
	if err != nil {
		return 0, fmt.Errorf("read RSS: %w", err)
	}
	return parseStatusBytes(data, "VmRSS:")
}

// Peak returns the highest resident set size process pid has had (VmHWM), in bytes.
func Peak(pid int) (int64, error) {
	data, err := os.ReadFile(procPath(pid, "status"))
	if err != nil {
		return 0, fmt.Errorf("read peak RSS: %w", err)
	}
	return parseStatusBytes(data, "VmHWM:")
}

// TreeRSS returns the summed resident set size of pid and every descendant alive at the time of
// the call, and how many processes were counted. Processes that exit while it runs are skipped.
// Shared pages (a binary's text mapped by several processes) are counted once per process, as
// `ps` and `top` count them.
func TreeRSS(pid int) (total int64, procs int, err error) {
	return sumTree(pid, RSS)
}

// clockTick is the unit of the CPU times in /proc/<pid>/stat (USER_HZ, 100 on every Linux
// architecture).
const clockTick = 10 * time.Millisecond

// CPU returns the CPU time (user and system) process pid (Self for the caller) has used so far.
func CPU(pid int) (time.Duration, error) {
	stat, err := os.ReadFile(procPath(pid, "stat"))
	if err != nil {
		return 0, fmt.Errorf("read CPU time: %w", err)
	}
	cpu, ok := cpuOf(stat)
	if !ok {
		return 0, fmt.Errorf("read CPU time: unexpected %s", procPath(pid, "stat"))
	}
	return cpu, nil
}

// TreeCPU returns the CPU time used so far by pid and every descendant alive at the time of the
// call. Descendants that have exited are not counted, so compare two readings only across a
// period in which the tree's processes stayed the same.
func TreeCPU(pid int) (time.Duration, error) {
	total, _, err := sumTree(pid, CPU)
	return total, err
}

// sumTree adds up read over pid and its live descendants, and counts the processes read. An
// error reading pid itself is returned; descendants that cannot be read (they exited) are
// skipped.
func sumTree[T int64 | time.Duration](pid int, read func(int) (T, error)) (total T, procs int, err error) {
	if pid == Self {
		pid = os.Getpid()
	}
	children, err := childMap()
	if err != nil {
		return 0, 0, err
	}
	if total, err = read(pid); err != nil {
		return 0, 0, err
	}
	procs = 1
	for queue := children[pid]; len(queue) > 0; queue = queue[1:] {
		p := queue[0]
		queue = append(queue, children[p]...)
		if v, err := read(p); err == nil {
			total += v
			procs++
		}
	}
	return total, procs, nil
}

// cpuOf reads utime + stime (fields 14 and 15) of a /proc/<pid>/stat line.
func cpuOf(stat []byte) (time.Duration, bool) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	fields := bytes.Fields(stat[i+1:]) // fields[0] is field 3, the state
	if len(fields) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(string(fields[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(fields[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * clockTick, true
}

// childMap maps every live pid's parent to its children, from /proc/<pid>/stat.
func childMap() (map[int][]int, error) {
	dirs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil || len(dirs) == 0 {
		return nil, fmt.Errorf("list processes: no /proc")
	}
	out := map[int][]int{}
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join(d, "stat"))
		if err != nil {
			continue // exited meanwhile
		}
		if ppid, ok := parentOf(stat); ok {
			out[ppid] = append(out[ppid], pid)
		}
	}
	return out, nil
}

// parentOf reads the ppid field of a /proc/<pid>/stat line: "pid (comm) state ppid ...". comm
// may contain spaces and parentheses, so the fields are counted from its last ')'.
func parentOf(stat []byte) (int, bool) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	fields := bytes.Fields(stat[i+1:])
	if len(fields) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(string(fields[1]))
	return ppid, err == nil
}

// parseVmRSS finds the VmRSS line ("VmRSS:   123456 kB") of a /proc/<pid>/status file.
func parseVmRSS(status []byte) (int64, error) { return parseStatusBytes(status, "VmRSS:") }

// parseStatusBytes finds the line of key ("VmRSS:", "VmHWM:") in a /proc/<pid>/status file and
// returns its kB figure in bytes.
func parseStatusBytes(status []byte, key string) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		rest, found := bytes.CutPrefix(sc.Bytes(), []byte(key))
		if !found {
			continue
		}
		num, unit, _ := bytes.Cut(bytes.TrimSpace(rest), []byte(" "))
		kb, err := strconv.ParseInt(string(num), 10, 64)
		if err != nil || string(bytes.TrimSpace(unit)) != "kB" {
			return 0, fmt.Errorf("unexpected %s line %q", key, sc.Text())
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("no %s line (a kernel thread, or not Linux)", key)
}

func procPath(pid int, file string) string {
	if pid == Self {
		return "/proc/self/" + file
	}
	return "/proc/" + strconv.Itoa(pid) + "/" + file
}
