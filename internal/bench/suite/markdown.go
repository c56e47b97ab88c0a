package suite

import (
	"fmt"
	"strings"
	"time"
)

// Markdown renders the report: machine, budget verdicts, one table per section with each row's
// command lines, the servers, the profiles and notes.
func (rep *Report) Markdown() string {
	var b strings.Builder
	kind := "Full suite (`make bench`)"
	if rep.Smoke {
		kind = "Smoke run (`make bench-smoke`): small sizes and one-second rows, so the figures and verdicts are indicative only"
	}
	fmt.Fprintf(&b, "# Switchboard benchmark: %s\n\n", rep.Title)
	fmt.Fprintf(&b, "%s, started %s, took %s. Every process ran on this one machine: the load generator "+
		"(`switchboard bench`, a separate process) shares the CPUs with the servers it measures.\n\n",
		kind, rep.Started.UTC().Format("2006-01-02 15:04 MST"), seconds(rep.Elapsed))
	b.WriteString(rep.Machine.markdown())

	b.WriteString("\n## Budget\n\n| Budget | Measured | Verdict |\n|---|---|---|\n")
	for _, bu := range rep.Budgets {
		fmt.Fprintf(&b, "| %s | %s | **%s** |\n", cell(bu.Line), cell(bu.Figure), bu.Verdict)
	}

	b.WriteString("\n## Results\n")
	for _, sec := range rep.Sections {
		fmt.Fprintf(&b, "\n### %s\n\n%s\n\n", sec.Title, sec.About)
		b.WriteString("| Row | Switchboard | Baseline | Switchboard / baseline | Command |\n|---|---|---|---|---|\n")
		for _, r := range sec.Rows {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", cell(r.Title), cell(r.figure()), cell(r.baseline()), cell(r.ratio()), r.commands())
		}
		for _, r := range sec.Rows {
			if r.Note != "" {
				fmt.Fprintf(&b, "\n%s: %s\n", r.Title, r.Note)
			}
		}
	}

	if len(rep.Servers) > 0 {
		b.WriteString("\n## Servers\n\nThe rows ran against these (the ports were chosen at random):\n\n")
		for _, s := range rep.Servers {
			fmt.Fprintf(&b, "- `%s`\n", s)
		}
	}
	if len(rep.Profiles) > 0 {
		fmt.Fprintf(&b, "\n## Profiles\n\nIn `%s/` next to this file (not committed; open with `go tool pprof`):\n\n", rep.Title)
		for _, p := range rep.Profiles {
			fmt.Fprintf(&b, "- %s\n", p)
		}
	}
	if len(rep.Notes) > 0 {
		b.WriteString("\n## Notes\n\n")
		for _, n := range rep.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	return b.String()
}

func (m Machine) markdown() string {
	node := m.Node
	if node == "" {
		node = "not installed"
	}
	limit := fmt.Sprintf("open-file limit %d", m.FileLimit.soft)
	if m.FileLimit.raiseErr != nil {
		limit += fmt.Sprintf(" (%v)", m.FileLimit.raiseErr)
	}
	return fmt.Sprintf("**Machine:** %s, %d cores (every Go process at its default GOMAXPROCS, %d), %s RAM, %s, %s, Node.js %s; %s; "+
		"local port range %s.\n", m.CPU, m.Cores, m.Cores, m.Memory, m.Kernel, m.Go, node, limit, m.PortRange)
}

// figure is the Switchboard cell of a row.
func (r *Row) figure() string {
	switch {
	case r.NotRun != "":
		return "not run: " + r.NotRun
	case r.Err != "":
		return "error: " + firstLine(r.Err)
	case r.Cold != nil:
		return r.Cold.figure()
	case r.Idle != nil:
		rss, heap, stack := r.Idle.perConn()
		return fmt.Sprintf("%s RSS per connection (heap %s, stacks %s); %s open: RSS %s after GC (%s before it), %s before any connection",
			kib(rss), kib(heap), kib(stack), thousands(r.Idle.Conns), mib(r.Idle.After.RSS), mib(r.Idle.RawRSS), mib(r.Idle.Before.RSS))
	case r.Sub == nil:
		return "no measurement"
	}
	f := loadFigure(r.Key, r.Sub)
	if u := r.Use; u != nil && u.Sub.RSS > 0 {
		f += fmt.Sprintf("; peak RSS %s in %d processes (the gateway's own: %s)", mib(u.Sub.RSS), u.Sub.Procs, mib(u.Sub.SelfRSS))
		if u.SubReplies > 0 {
			f += fmt.Sprintf("; CPU per message %s: gateway %s, function workers %s", perReply(u.Sub.CPU, u.SubReplies),
				perReply(u.Sub.SelfCPU, u.SubReplies), perReply(u.Sub.CPU-u.Sub.SelfCPU, u.SubReplies))
		}
	}
	return f
}

// baseline is the baseline cell of a row.
func (r *Row) baseline() string {
	switch {
	case r.Idle != nil:
		return "none measured; Centrifugo's default is about 27 KB per connection (reference)"
	case r.Base == nil:
		return "—"
	}
	f := r.BaseName + ": " + loadFigure(r.Key, r.Base)
	if u := r.Use; u != nil && u.Base.RSS > 0 {
		f += fmt.Sprintf("; peak RSS %s in %d processes", mib(u.Base.RSS), u.Base.Procs)
		if u.BaseReplies > 0 {
			f += "; CPU per message " + perReply(u.Base.CPU, u.BaseReplies)
		}
	}
	return f
}

// ratio is the Switchboard / baseline cell of a row.
func (r *Row) ratio() string {
	if r.Sub == nil || r.Base == nil || r.NotRun != "" || r.Err != "" {
		return "—"
	}
	if isConnectRow(r.Key) {
		return ratioOf(r.Sub.connect().PerSecond, r.Base.connect().PerSecond) + " conn/s"
	}
	if r.Key == broadcastKey {
		return fanoutRatio(r.Sub, r.Base)
	}
	s := ratioOf(throughput.of(r.Sub), throughput.of(r.Base)) + " msg/s, p99 " + ratioOf(p99.of(r.Sub), p99.of(r.Base))
	if u := r.Use; u != nil && u.Sub.RSS > 0 && u.Base.RSS > 0 {
		s += ", memory " + ratioOf(float64(u.Sub.RSS), float64(u.Base.RSS))
	}
	return s
}

// commands lists a row's load generator command lines.
func (r *Row) commands() string {
	var parts []string
	if r.Sub != nil {
		parts = append(parts, "`"+r.Sub.Command+"`"+roundsNote(r.Sub))
	}
	if r.Base != nil {
		parts = append(parts, "baseline: `"+r.Base.Command+"`"+roundsNote(r.Base))
	}
	if r.Command != "" {
		parts = append(parts, "`"+r.Command+"`")
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, "<br>")
}

// roundsNote says how many rounds a load had, when more than one.
func roundsNote(l *load) string {
	if len(l.Rounds) < 2 {
		return ""
	}
	return fmt.Sprintf(" ×%d", len(l.Rounds))
}

func isConnectRow(key string) bool {
	return strings.HasPrefix(key, "connect-") || key == "cluster-connect"
}

// loadFigure summarises a load run: connects/s for connect rows, messages/s and latency otherwise.
func loadFigure(key string, l *load) string {
	if key == broadcastKey {
		return fanoutFigure(l)
	}
	if isConnectRow(key) {
		c := l.connect()
		return fmt.Sprintf("%s conn/s (%s in %.2f s; handshake p50 %s, p99 %s)",
			thousands(int64(c.PerSecond)), thousands(c.OK), c.Seconds, millis(c.Latency.P50MS), millis(c.Latency.P99MS))
	}
	return fmt.Sprintf("%s; p50 %s, p99 %s", msgsPerSec(l.msgsPerSec()), millis(l.p50()), millis(l.p99()))
}

// perReply formats CPU time per reply in milliseconds.
func perReply(cpu time.Duration, replies int64) string {
	return millis(float64(cpu) / float64(time.Millisecond) / float64(replies))
}

// ratioOf formats a/b as a percentage below 2 and as a multiple from there.
func ratioOf(a, b float64) string {
	if b <= 0 {
		return "—"
	}
	r := a / b
	if r < 2 {
		return percent(r)
	}
	return times(r)
}

// cell makes text safe for a table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.Join(strings.Fields(s), " ")
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	const max = 300
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
