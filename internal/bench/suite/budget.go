package suite

import "fmt"

// Verdict is how a budget line came out.
type Verdict string

// The verdicts.
const (
	Met    Verdict = "met"
	NotMet Verdict = "not met"
	NotRun Verdict = "not run" // the row could not run here (or not at the budget's size)
	Failed Verdict = "error"   // the row failed
)

// Budget is one line of the performance budget with its measured figure.
type Budget struct {
	Line    string // the budget as stated in the issue
	Figure  string // what was measured, with the baseline where there is one
	Verdict Verdict
}

// The budget (issue "Performance", item 3).
const (
	idleBudgetBytes     = 10 << 10 // RSS per idle connection at 100k connections
	idleBudgetConns     = 100_000
	loopThroughputRatio = 0.75 // in-process two-way route vs bare echo, msg/s, at C = 100
	loopP99Ratio        = 1.5  // ... p99 at most this multiple of the bare echo's
	nodeThroughputRatio = 10   // Node.js @connections echo vs serverless-offline, msg/s, at C = 50
	nodeMemoryRatio     = 0.1  // ... with at most this fraction of its memory
	connectBudget       = 5000 // connects/s with an in-process $connect handler
	metricsCostRatio    = 0.97 // in-process two-way route with metrics vs without, msg/s, at C = 100
	awsConnectQuota     = 500  // AWS's default new-connection quota per account and Region
)

// judge evaluates every budget line against the report's rows.
func judge(rep *Report, p plan) []Budget {
	var out []Budget
	out = append(out, judgeIdle(rep.row(fmt.Sprintf("idle-%d", p.idleConns[len(p.idleConns)-1]))))
	loop := rep.row(fmt.Sprintf("loop-inproc-%d", p.budgetConns))
	out = append(out,
		judgeRatio(fmt.Sprintf("In-process two-way route at C = %d: ≥ %.0f%% of the bare echo's messages/s", p.budgetConns, loopThroughputRatio*100),
			loop, throughput, func(r float64) bool { return r >= loopThroughputRatio }, percent),
		judgeRatio(fmt.Sprintf("In-process two-way route at C = %d: p99 ≤ %.1f× the bare echo's", p.budgetConns, loopP99Ratio),
			loop, p99, func(r float64) bool { return r <= loopP99Ratio }, times),
	)
	node := rep.row(fmt.Sprintf("node-%d", p.nodeConns[len(p.nodeConns)-1]))
	out = append(out,
		judgeRatio(fmt.Sprintf("Node.js @connections echo at C = %d: ≥ %d× serverless-offline's messages/s", p.nodeConns[len(p.nodeConns)-1], nodeThroughputRatio),
			node, throughput, func(r float64) bool { return r >= nodeThroughputRatio }, times),
		judgeRatio(fmt.Sprintf("Node.js @connections echo at C = %d: lower p99 than serverless-offline", p.nodeConns[len(p.nodeConns)-1]),
			node, p99, func(r float64) bool { return r < 1 }, times),
		judgeMemory(node),
		judgeConnect(rep.row("connect-switchboard")),
		judgeRatio(fmt.Sprintf("Metrics on cost at most 3%% of the in-process two-way route's messages/s at C = %d", p.budgetConns),
			rep.row(fmt.Sprintf("metrics-%d", p.budgetConns)), throughput, func(r float64) bool { return r >= metricsCostRatio }, percent),
	)
	out = append(out, judgeCluster(rep, p)...)
	return append(out, judgeBroadcast(rep.row(broadcastKey)))
}

func judgeIdle(r *Row) Budget {
	b := Budget{Line: fmt.Sprintf("≤ %s of Switchboard RSS per idle connection at %s connections", kib(idleBudgetBytes), thousands(idleBudgetConns))}
	if v, fig, ok := unusable(r); ok {
		b.Verdict, b.Figure = v, fig
		return b
	}
	rss, _, _ := r.Idle.perConn()
	b.Figure = fmt.Sprintf("%s at %s connections", kib(rss), thousands(r.Idle.Conns))
	switch {
	case r.Idle.Conns < idleBudgetConns:
		b.Verdict = NotRun
		why := r.Note
		if why == "" {
			why = "this run holds fewer connections"
		}
		b.Figure += fmt.Sprintf(" (%s there; not measured at %s: %s)", withinWord(rss <= idleBudgetBytes), thousands(idleBudgetConns), why)
	case rss <= idleBudgetBytes:
		b.Verdict = Met
	default:
		b.Verdict = NotMet
	}
	return b
}

// metric is a figure of a load run and how to print it.
type metric struct {
	of     func(*load) float64
	format func(float64) string
}

var (
	throughput = metric{(*load).msgsPerSec, msgsPerSec}
	p99        = metric{(*load).p99, millis}
)

// judgeRatio compares metric m of the row's Switchboard run with its baseline's.
func judgeRatio(line string, r *Row, m metric, ok func(float64) bool, format func(float64) string) Budget {
	b := Budget{Line: line}
	if v, fig, bad := unusable(r); bad {
		b.Verdict, b.Figure = v, fig
		return b
	}
	if r.Base == nil {
		b.Verdict, b.Figure = NotRun, "no baseline: "+r.Note
		return b
	}
	sub, base := m.of(r.Sub), m.of(r.Base)
	if base <= 0 {
		b.Verdict, b.Figure = Failed, "the baseline measured 0"
		return b
	}
	ratio := sub / base
	b.Figure = fmt.Sprintf("%s (%s vs %s %s)", format(ratio), m.format(sub), m.format(base), r.BaseName)
	b.Verdict = verdictOf(ok(ratio))
	return b
}

func judgeMemory(r *Row) Budget {
	b := Budget{Line: fmt.Sprintf("Node.js @connections echo: ≤ 1/%.0f of serverless-offline's memory", 1/nodeMemoryRatio)}
	if v, fig, bad := unusable(r); bad {
		b.Verdict, b.Figure = v, fig
		return b
	}
	if r.Use == nil || r.Use.Base.RSS == 0 {
		b.Verdict, b.Figure = NotRun, "no baseline: "+r.Note
		return b
	}
	ratio := float64(r.Use.Sub.RSS) / float64(r.Use.Base.RSS)
	b.Figure = fmt.Sprintf("%s (%s for the gateway and its function workers vs %s)", percent(ratio), mib(r.Use.Sub.RSS), mib(r.Use.Base.RSS))
	b.Verdict = verdictOf(ratio <= nodeMemoryRatio)
	return b
}

func judgeConnect(r *Row) Budget {
	b := Budget{Line: fmt.Sprintf("≥ %s connects/s with an in-process $connect handler (AWS's default quota: %d/s)", thousands(connectBudget), awsConnectQuota)}
	if v, fig, bad := unusable(r); bad {
		b.Verdict, b.Figure = v, fig
		return b
	}
	rate := r.Sub.connect().PerSecond
	b.Figure = fmt.Sprintf("%s conn/s", thousands(int64(rate)))
	b.Verdict = verdictOf(rate >= connectBudget)
	return b
}

// unusable reports whether a row has no figure to judge, and the verdict and figure to show.
func unusable(r *Row) (Verdict, string, bool) {
	switch {
	case r == nil:
		return NotRun, "row not in this run", true
	case r.NotRun != "":
		return NotRun, r.NotRun, true
	case r.Err != "":
		return Failed, r.Err, true
	case r.Sub == nil && r.Idle == nil:
		return Failed, "no measurement", true
	}
	return "", "", false
}

func verdictOf(ok bool) Verdict {
	if ok {
		return Met
	}
	return NotMet
}

func withinWord(ok bool) string {
	if ok {
		return "within budget"
	}
	return "over budget"
}
