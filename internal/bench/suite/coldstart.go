package suite

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// coldStart is one runtime's cold starts, from BenchmarkColdStart.
type coldStart struct {
	N          int
	MeanMS     float64
	P50MS      float64
	P90MS      float64
	RuntimeDoc string // what the row's runtime is, for the figure
}

// coldStartRuntimes are BenchmarkColdStart's sub-benchmarks, in order, with the rows' titles.
var coldStartRuntimes = []struct{ name, title string }{
	{"go", "Go (provided.al2023)"},
	{"nodejs-machine", "Node.js, the machine's node (its nodejs<major>.x runtime)"},
	{"nodejs22.x", "Node.js, nodejs22.x (SST's default runtime)"},
	{"python", "Python, the default interpreter"},
}

var (
	benchLineRE = regexp.MustCompile(`^BenchmarkColdStart/(\S+?)-\d+\s+(\d+)\s+(\d+) ns/op\s+([\d.]+) p50-ms\s+([\d.]+) p90-ms`)
	benchSkipRE = regexp.MustCompile(`--- SKIP: BenchmarkColdStart/(\S+)`)
)

// coldStartRows measures function workers' cold starts on cached runtimes with the lambda
// package's BenchmarkColdStart, run as `go test -bench` (it prepares each handler first and times
// only the invocation that starts a worker).
func (s *suite) coldStartRows(ctx context.Context) error {
	sec := s.rep.section("Function worker cold start",
		fmt.Sprintf("An invocation that finds no warm worker, from the call to its result: the worker process starts, its runtime "+
			"initialises (interpreter, Switchboard's bootstrap, the handler module) and asks for the event over the Runtime API, "+
			"and the handler (which echoes) runs. The runtime is already cached (a Go build, a Node.js installed earlier); "+
			"preparing the handler and stopping the worker are not timed. %d cold starts per row, one after the other.", s.plan.coldStarts))
	rows := map[string]*Row{}
	for _, r := range coldStartRuntimes {
		rows[r.name] = sec.add(&Row{Key: "cold-" + r.name, Title: r.title})
	}
	args := []string{"test", "-run", "^$", "-bench", "^BenchmarkColdStart$", "-benchtime", fmt.Sprintf("%dx", s.plan.coldStarts), "./internal/integration/lambda"}
	command := fmt.Sprintf("go test -run '^$' -bench '^BenchmarkColdStart$' -benchtime %dx ./internal/integration/lambda", s.plan.coldStarts)
	s.progress("function worker cold starts")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = s.opts.Root
	out, err := cmd.CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		if m := benchSkipRE.FindStringSubmatch(line); m != nil {
			if r := rows[m[1]]; r != nil {
				r.NotRun = "skipped by the benchmark (the runtime is not available here)"
			}
			continue
		}
		m := benchLineRE.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil || rows[m[1]] == nil {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		ns, _ := strconv.ParseFloat(m[3], 64)
		p50, _ := strconv.ParseFloat(m[4], 64)
		p90, _ := strconv.ParseFloat(m[5], 64)
		rows[m[1]].Cold = &coldStart{N: n, MeanMS: ns / 1e6, P50MS: p50, P90MS: p90}
	}
	for _, r := range sec.Rows {
		r.Command = command
		if r.Cold == nil && r.NotRun == "" {
			r.Err = "no result from the benchmark"
			if err != nil {
				r.Err = fmt.Sprintf("%v: %s", err, lastLines(string(out), 5))
			}
		}
	}
	return sectionErr(sec)
}

// figure is the Switchboard cell of a cold-start row.
func (c *coldStart) figure() string {
	return fmt.Sprintf("p50 %s, p90 %s (mean %s) over %d cold starts", millis(c.P50MS), millis(c.P90MS), millis(c.MeanMS), c.N)
}

// lastLines returns the last n non-empty lines of s.
func lastLines(s string, n int) string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " / ")
}
