package suite

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// Machine describes where the suite ran.
type Machine struct {
	CPU       string // model name from /proc/cpuinfo
	Cores     int    // runtime.NumCPU: what GOMAXPROCS defaults to in every Go process
	Kernel    string // uname -sr
	Go        string // the toolchain that built the binaries
	Memory    string // MemTotal from /proc/meminfo
	Node      string // node --version, or "" when Node.js is missing
	FileLimit fileLimit
	PortRange string // net.ipv4.ip_local_port_range
}

func describeMachine(ctx context.Context, fl fileLimit) Machine {
	return Machine{
		CPU:       procField("/proc/cpuinfo", "model name"),
		Cores:     runtime.NumCPU(),
		Kernel:    commandOutput(ctx, "uname", "-sr"),
		Go:        commandOutput(ctx, "go", "env", "GOVERSION"),
		Memory:    memTotal(procField("/proc/meminfo", "MemTotal")),
		Node:      commandOutput(ctx, "node", "--version"),
		FileLimit: fl,
		PortRange: localPortRange(),
	}
}

// memTotal turns /proc/meminfo's "24684096 kB" into "23.5 GiB".
func memTotal(field string) string {
	num, unit, _ := strings.Cut(field, " ")
	kb, err := strconv.ParseFloat(num, 64)
	if err != nil || unit != "kB" {
		return field
	}
	return fmt.Sprintf("%.1f GiB", kb/(1<<20))
}

// procField returns the value of the first "key: value" line of a /proc file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return "unknown"
}

// commandOutput runs a command and returns its trimmed output, "" when it fails.
func commandOutput(ctx context.Context, name string, args ...string) string {
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
