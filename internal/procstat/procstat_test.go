package procstat

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"
)

func TestParseVmRSS(t *testing.T) {
	status := "Name:\tserver\nVmPeak:\t  900 kB\nVmRSS:\t   12345 kB\nThreads:\t5\n"
	got, err := parseVmRSS([]byte(status))
	if err != nil || got != 12345*1024 {
		t.Fatalf("parseVmRSS = %d, %v; want %d", got, err, 12345*1024)
	}
	for _, bad := range []string{"Name:\tkthreadd\n", "VmRSS:\t12 MB\n", "VmRSS:\tlots kB\n"} {
		if _, err := parseVmRSS([]byte(bad)); err == nil {
			t.Errorf("parseVmRSS(%q) succeeded", bad)
		}
	}
}

func TestParentOf(t *testing.T) {
	cases := map[string]int{
		"1234 (node) S 77 1234 1234 0 -1":            77,
		"1234 (a (weird) name) R 99 1 1 0":           99,
		"1234 (spaces in ) name) S 5 1 1":            5,
		"1234 (x)":                                   -1,
		"garbage":                                    -1,
		"1234 (x) S notanumber 1":                    -1,
		"1 (systemd) S 0 1 1 0 -1 4194560 1 2 3 4 5": 0,
	}
	for stat, want := range cases {
		got, ok := parentOf([]byte(stat))
		if want < 0 {
			if ok {
				t.Errorf("parentOf(%q) = %d, want failure", stat, got)
			}
			continue
		}
		if !ok || got != want {
			t.Errorf("parentOf(%q) = %d, %v; want %d", stat, got, ok, want)
		}
	}
}

func TestRSSAndTreeRSS(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc")
	}
	self, err := RSS(Self)
	if err != nil || self <= 0 {
		t.Fatalf("RSS(Self) = %d, %v", self, err)
	}
	byPID, err := RSS(os.Getpid())
	if err != nil || byPID <= 0 {
		t.Fatalf("RSS(pid) = %d, %v", byPID, err)
	}

	alone, procs, err := TreeRSS(Self)
	if err != nil || procs < 1 || alone < self/2 {
		t.Fatalf("TreeRSS(Self) = %d in %d processes, %v", alone, procs, err)
	}
	child := exec.Command("sleep", "30")
	if err := child.Start(); err != nil {
		t.Skipf("cannot start a child process: %v", err)
	}
	defer func() {
		_ = child.Process.Kill()
		_ = child.Wait()
	}()
	// The child shows up in /proc once started; poll until it has a resident set.
	for i := 0; ; i++ {
		total, n, err := TreeRSS(Self)
		if err != nil {
			t.Fatal(err)
		}
		if n == procs+1 && total > alone {
			break
		}
		if i == 200 {
			t.Fatalf("TreeRSS never counted the child: %d processes, %d bytes (alone: %d, %d)", n, total, procs, alone)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := RSS(1 << 30); err == nil {
		t.Error("RSS of a process that does not exist succeeded")
	}
}

func TestCPUOf(t *testing.T) {
	stat := "4242 (node (worker)) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 37 0 0 20 0 11 0 100 0 0"
	got, ok := cpuOf([]byte(stat))
	if !ok || got != 287*clockTick {
		t.Fatalf("cpuOf = %v, %v; want %v", got, ok, 287*clockTick)
	}
	if _, ok := cpuOf([]byte("4242 (x) S 1 2 3")); ok {
		t.Error("a short stat line parsed")
	}
}

func TestCPUGrows(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc")
	}
	before, err := CPU(Self)
	if err != nil {
		t.Fatal(err)
	}
	// Spin until the kernel has charged at least two ticks more (bounded: it always gets there).
	for x := 0; ; x++ {
		now, err := TreeCPU(Self)
		if err != nil {
			t.Fatal(err)
		}
		if now >= before+2*clockTick {
			break
		}
		if x > 1<<32 {
			t.Fatal("CPU time never grew")
		}
	}
}

func TestPeakOfSelf(t *testing.T) {
	rss, err := RSS(Self)
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	peak, err := Peak(Self)
	if err != nil || peak < rss || rss <= 0 {
		t.Fatalf("Peak = %d, %v; RSS = %d: the peak must be at least the current RSS", peak, err, rss)
	}
	if _, err := parseStatusBytes([]byte("VmHWM:\t  2048 kB\n"), "VmRSS:"); err == nil {
		t.Fatal("a status without VmRSS parsed")
	}
}
