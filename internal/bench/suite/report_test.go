package suite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/bench"
)

// roundLoad is a load of one round per (messages/s, p99 ms) pair.
func roundLoad(cmd string, rounds ...[2]float64) *load {
	l := &load{Command: cmd}
	for _, r := range rounds {
		l.Rounds = append(l.Rounds, &bench.Report{
			Messages:  bench.MessageStats{PerSecond: r[0]},
			RoundTrip: bench.Latency{P50MS: r[1] / 4, P99MS: r[1]},
		})
	}
	return l
}

func connectLoad(perSecond float64) *load {
	return &load{Command: "switchboard bench --idle", Rounds: []*bench.Report{{Connect: bench.ConnectStats{OK: 10000, PerSecond: perSecond, Seconds: 10000 / perSecond}}}}
}

func TestLoadAggregatesRounds(t *testing.T) {
	l := roundLoad("c", [2]float64{100, 9}, [2]float64{200, 1}, [2]float64{300, 5})
	if got := l.msgsPerSec(); got != 200 {
		t.Errorf("msgsPerSec = %v, want the mean 200", got)
	}
	if got := l.p99(); got != 5 {
		t.Errorf("p99 = %v, want the median 5", got)
	}
	even := roundLoad("c", [2]float64{1, 2}, [2]float64{1, 4})
	if got := even.p99(); got != 3 {
		t.Errorf("p99 of two rounds = %v, want 3", got)
	}
}

// testReport is a report with every row the budget looks at.
func testReport(idleConns int64, idleRSS int64, sub, base *load, node *Row, connect float64) *Report {
	rep := &Report{Title: "2026-11-21", Started: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC), Elapsed: 5 * time.Minute}
	idle := rep.section("Idle memory", "about idle")
	idle.add(&Row{Key: "idle-100000", Title: "100,000 idle connections", Note: "the open-file limit is 20000",
		Idle: &idleResult{Wanted: 100_000, Conns: idleConns, Before: serverStats{RSS: 10 << 20}, After: serverStats{RSS: 10<<20 + idleConns*idleRSS}, RawRSS: 1 << 30}})
	conn := rep.section("Connect rate", "about connects")
	conn.add(&Row{Key: "connect-switchboard", Title: "10,000 connects", Sub: connectLoad(connect), Base: connectLoad(connect / 2), BaseName: "bare echo"})
	loop := rep.section("Round trip", "about round trips")
	loop.add(&Row{Key: "loop-inproc-100", Title: "C = 100", Sub: sub, Base: base, BaseName: "bare echo"})
	nodeSec := rep.section("Node", "about node")
	nodeSec.add(node)
	return rep
}

// metricsRow adds the metrics-cost row: msg/s with metrics on and off.
func metricsRow(rep *Report, on, off float64) {
	rep.section("Metrics cost", "about metrics").add(&Row{Key: "metrics-100", Title: "C = 100, metrics on", BaseName: "metrics off",
		Sub: roundLoad("on", [2]float64{on, 9}), Base: roundLoad("off", [2]float64{off, 9})})
}

// withCluster adds the cluster rows: cross-node and same-node msg/s and p99, and the connect
// rates with records in KV and alone.
func withCluster(rep *Report, cross, same [2]float64, connect, alone float64) *Report {
	sec := rep.section(clusterSectionTitle, "about the cluster")
	sec.add(&Row{Key: "cluster-post", Title: "cross-node", Sub: roundLoad("b", cross), Base: roundLoad("a", same), BaseName: "same node"})
	sec.add(&Row{Key: "cluster-connect", Title: "connects", Sub: connectLoad(connect), Base: connectLoad(alone), BaseName: "Switchboard alone"})
	return rep
}

// fanoutLoad is a fan-out run of one round per (server ms, delivered ms) pair, each sending to conns.
func fanoutLoad(via string, conns int64, rounds ...[2]float64) *load {
	f := &bench.FanoutStats{Via: via, Listed: conns, ListMS: 12}
	for _, r := range rounds {
		f.Rounds = append(f.Rounds, bench.FanoutRound{ServerMS: r[0], RequestMS: r[0] + 1, DeliveredMS: r[1], Sent: conns, Received: conns})
	}
	return &load{Command: "switchboard bench --fanout " + via, Rounds: []*bench.Report{{Fanout: f}}}
}

// withBroadcast adds the broadcast row: its rounds' server and delivery times, and the POST
// loop's as the baseline.
func withBroadcast(rep *Report, conns int64, rounds ...[2]float64) *Report {
	rep.section("Broadcast", "about broadcasts").add(&Row{Key: broadcastKey, Title: "broadcast", BaseName: "POST loop",
		Sub: fanoutLoad("broadcast", conns, rounds...), Base: fanoutLoad("posts", conns, [2]float64{0, 900}, [2]float64{0, 1100})})
	return rep
}

func verdicts(bs []Budget) []Verdict {
	out := make([]Verdict, len(bs))
	for i, b := range bs {
		out[i] = b.Verdict
	}
	return out
}

func TestJudge(t *testing.T) {
	good := testReport(100_000, 9<<10,
		roundLoad("sb", [2]float64{40000, 9}), roundLoad("echo", [2]float64{50000, 7}),
		&Row{Key: "node-50", Title: "C = 50", BaseName: "serverless-offline",
			Sub: roundLoad("sb", [2]float64{3000, 30}), Base: roundLoad("sls", [2]float64{200, 400}),
			Use: &rowUse{Sub: treeUse{RSS: 100 << 20, SelfRSS: 30 << 20}, Base: treeUse{RSS: 2000 << 20}}},
		6000)
	metricsRow(good, 40000, 40400)
	withCluster(good, [2]float64{6000, 1.5}, [2]float64{8000, 1.2}, 3000, 5000)
	withBroadcast(good, 10_000, [2]float64{20, 60}, [2]float64{99, 150}, [2]float64{30, 70})
	got := verdicts(judge(good, fullPlan))
	want := []Verdict{Met, Met, Met, Met, Met, Met, Met, Met, Met, Met, Met, Met}
	if strings.Join(toStrings(got), ",") != strings.Join(toStrings(want), ",") {
		t.Fatalf("verdicts = %v, want %v", got, want)
	}

	bad := testReport(100_000, 11<<10,
		roundLoad("sb", [2]float64{30000, 12}), roundLoad("echo", [2]float64{50000, 7}),
		&Row{Key: "node-50", Title: "C = 50", BaseName: "serverless-offline",
			Sub: roundLoad("sb", [2]float64{1000, 500}), Base: roundLoad("sls", [2]float64{200, 400}),
			Use: &rowUse{Sub: treeUse{RSS: 400 << 20}, Base: treeUse{RSS: 2000 << 20}}},
		4000)
	metricsRow(bad, 30000, 40000)
	withCluster(bad, [2]float64{3000, 2.5}, [2]float64{8000, 1.2}, 1500, 5000)
	withBroadcast(bad, 10_000, [2]float64{20, 60}, [2]float64{100, 150}, [2]float64{30, 70})
	got = verdicts(judge(bad, fullPlan))
	want = []Verdict{NotMet, NotMet, NotMet, NotMet, NotMet, NotMet, NotMet, NotMet, NotMet, NotMet, NotMet, NotMet}
	if strings.Join(toStrings(got), ",") != strings.Join(toStrings(want), ",") {
		t.Fatalf("verdicts = %v, want %v", got, want)
	}
}

func TestJudgeRowsThatCouldNotRun(t *testing.T) {
	rep := testReport(19_800, 9<<10,
		roundLoad("sb", [2]float64{40000, 9}), nil,
		&Row{Key: "node-50", Title: "C = 50", NotRun: "function routes not available"},
		6000)
	rep.row("loop-inproc-100").Err = "load generator errors: reply timeout: 3"
	bs := judge(rep, fullPlan)
	got := verdicts(bs)
	want := []Verdict{NotRun, Failed, Failed, NotRun, NotRun, NotRun, Met, NotRun, NotRun, NotRun, NotRun, NotRun}
	if strings.Join(toStrings(got), ",") != strings.Join(toStrings(want), ",") {
		t.Fatalf("verdicts = %v, want %v", got, want)
	}
	if !strings.Contains(bs[0].Figure, "9.0 KiB at 19,800 connections (within budget there") ||
		!strings.Contains(bs[0].Figure, "open-file limit") {
		t.Errorf("idle figure %q should give the measurement and why 100,000 was not reached", bs[0].Figure)
	}
	if !strings.Contains(bs[3].Figure, "function routes not available") {
		t.Errorf("node figure %q should say why", bs[3].Figure)
	}
}

func TestJudgeBroadcastAtFewerConnections(t *testing.T) {
	rep := withBroadcast(&Report{}, 500, [2]float64{2, 6}, [2]float64{3, 7}, [2]float64{4, 8})
	b := judgeBroadcast(rep.row(broadcastKey))
	if b.Verdict != NotRun {
		t.Errorf("verdict at 500 connections = %s, want %s", b.Verdict, NotRun)
	}
	for _, want := range []string{"p99 4.00 ms (p50 3.00 ms, max 4.00 ms) at 500 connections", "within budget there", "the POST loop: 900 ms"} {
		if !strings.Contains(b.Figure, want) {
			t.Errorf("figure %q lacks %q", b.Figure, want)
		}
	}
}

func TestFanoutMergesRuns(t *testing.T) {
	a, b := fanoutLoad("broadcast", 10, [2]float64{1, 2}), fanoutLoad("broadcast", 10, [2]float64{3, 4}, [2]float64{5, 6})
	a.Rounds = append(a.Rounds, b.Rounds...)
	f := a.fanout()
	if len(f.Rounds) != 3 || f.Via != "broadcast" {
		t.Fatalf("merged %+v, want the 3 broadcast rounds", f)
	}
	if got := f.Summary().Server; got != (bench.Spread{P50: 3, P99: 5, Max: 5}) {
		t.Errorf("server spread = %+v", got)
	}
	if (&load{Rounds: []*bench.Report{{}}}).fanout() != nil {
		t.Error("a load without fan-out figures should have none")
	}
}

func toStrings(vs []Verdict) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func TestMarkdown(t *testing.T) {
	rep := testReport(100_000, 9<<10,
		roundLoad("switchboard bench -c 100 ws://127.0.0.1:1/bench", [2]float64{40000, 9}, [2]float64{42000, 8}),
		roundLoad("switchboard bench -c 100 ws://127.0.0.1:2/", [2]float64{50000, 7}, [2]float64{52000, 7}),
		&Row{Key: "node-50", Title: "C = 50", NotRun: "Node.js is not installed"},
		6000)
	withBroadcast(rep, 10_000, [2]float64{20, 60}, [2]float64{40, 80})
	rep.Machine = Machine{CPU: "Test CPU", Cores: 2, Kernel: "Linux 6.18", Go: "go1.26.8", Memory: "24 GB", FileLimit: fileLimit{soft: 20000, hard: 20000}, PortRange: "32768–60999"}
	rep.Budgets = judge(rep, fullPlan)
	rep.Servers = []string{"go run ./bench/server -listen 127.0.0.1:0"}
	rep.Profiles = []string{"cpu.pprof: a profile"}
	md := rep.Markdown()
	for _, want := range []string{
		"# Switchboard benchmark: 2026-11-21",
		"Test CPU, 2 cores",
		"| Budget | Measured | Verdict |",
		"**met**",
		"`switchboard bench -c 100 ws://127.0.0.1:1/bench` ×2<br>baseline: `switchboard bench -c 100 ws://127.0.0.1:2/` ×2",
		"41,000 msg/s; p50 2.12 ms, p99 8.50 ms", // means and medians of the two rounds
		"bare echo: 51,000 msg/s; p50 1.75 ms, p99 7.00 ms",
		"80% msg/s, p99 121%",
		"not run: Node.js is not installed",
		"6,000 conn/s",
		"- `go run ./bench/server -listen 127.0.0.1:0`",
		"- cpu.pprof: a profile",
		"9.0 KiB RSS per connection",
		"server time p50 20.0 ms, p99 40.0 ms, max 40.0 ms; all delivered p50 60.0 ms",
		"POST loop: 10,000 POSTs a round answered in p50 1.00 ms",
		"7% of the time to deliver to all (p50)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	// Every table row has the same number of cells as its header.
	for line := range strings.SplitSeq(md, "\n") {
		if strings.HasPrefix(line, "| ") && strings.Count(line, " | ") != 4 && strings.Count(line, " | ") != 2 {
			t.Errorf("malformed table row: %s", line)
		}
	}
}

func TestFormatting(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 100000: "100,000", -1234567: "-1,234,567"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
	for _, c := range []struct {
		a, b float64
		want string
	}{{3, 4, "75%"}, {1.5, 1, "150%"}, {30, 3, "10×"}, {5, 2, "2.50×"}, {1, 0, "—"}} {
		if got := ratioOf(c.a, c.b); got != c.want {
			t.Errorf("ratioOf(%v, %v) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
	for ms, want := range map[float64]string{0.0412: "0.041 ms", 8.514: "8.51 ms", 12.34: "12.3 ms", 452.6: "453 ms"} {
		if got := millis(ms); got != want {
			t.Errorf("millis(%v) = %q, want %q", ms, got, want)
		}
	}
	if got := cell("a | b\nc"); got != `a \| b c` {
		t.Errorf("cell = %q", got)
	}
}

func TestDisplayCommand(t *testing.T) {
	got := displayCommand([]string{"/tmp/x/switchboard", "bench", "-c", "100", "--header", "X-Test: a b", "ws://127.0.0.1:1/bench"})
	want := "switchboard bench -c 100 --header 'X-Test: a b' ws://127.0.0.1:1/bench"
	if got != want {
		t.Errorf("displayCommand = %q, want %q", got, want)
	}
	if got := displayCommand([]string{"/tmp/x/server", "-plain"}); got != "go run ./bench/server -plain" {
		t.Errorf("displayCommand = %q", got)
	}
	if got := shellQuote("it's"); got != `'it'\''s'` {
		t.Errorf("shellQuote = %q", got)
	}
}

func TestTailKeepsLastLines(t *testing.T) {
	tl := newTail(2)
	_, _ = tl.Write([]byte("one\ntwo\nth"))
	_, _ = tl.Write([]byte("ree\nfour"))
	if got := tl.String(); got != "  three\n  four" {
		t.Errorf("tail = %q", got)
	}
	if got := newTail(3).String(); got != "  (no output)" {
		t.Errorf("empty tail = %q", got)
	}
}

func TestErrorWords(t *testing.T) {
	got := errorWords(map[string]int64{"reply_timeout": 3, "closed_with_code_1011": 1})
	if got != "closed with code 1011: 1, reply timeout: 3" {
		t.Errorf("errorWords = %q", got)
	}
}

func TestInstalledVersions(t *testing.T) {
	dir := t.TempDir()
	write := func(name, version string) {
		p := filepath.Join(dir, "node_modules", filepath.FromSlash(name), "package.json")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(`{"name":"`+name+`","version":"`+version+`"}`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]string{"serverless": "3.40.0", "@aws-sdk/client-x": "3.1.0"}
	if installedVersions(dir, want) {
		t.Fatal("nothing installed, yet reported installed")
	}
	write("serverless", "3.40.0")
	write("@aws-sdk/client-x", "3.0.9")
	if installedVersions(dir, want) {
		t.Fatal("a wrong version counted as installed")
	}
	write("@aws-sdk/client-x", "3.1.0")
	if !installedVersions(dir, want) {
		t.Fatal("exact versions not recognised")
	}
}

func TestNodeRowUsage(t *testing.T) {
	r := &Row{Key: "node-50", Title: "C = 50", BaseName: "serverless-offline",
		Sub:  roundLoad("sb", [2]float64{600, 100}),
		Base: roundLoad("sls", [2]float64{300, 200}),
		Use: &rowUse{
			Sub:         treeUse{RSS: 150 << 20, Procs: 3, SelfRSS: 30 << 20, CPU: 5 * time.Second, SelfCPU: time.Second},
			SubReplies:  2000,
			Base:        treeUse{RSS: 2000 << 20, Procs: 1, CPU: 10 * time.Second},
			BaseReplies: 1000,
		}}
	if got, want := r.figure(), "peak RSS 150 MiB in 3 processes (the gateway's own: 30 MiB); CPU per message 2.50 ms: gateway 0.500 ms, function workers 2.00 ms"; !strings.Contains(got, want) {
		t.Errorf("figure %q lacks %q", got, want)
	}
	if got, want := r.baseline(), "peak RSS 2000 MiB in 1 processes; CPU per message 10.0 ms"; !strings.Contains(got, want) {
		t.Errorf("baseline %q lacks %q", got, want)
	}
	if got := r.ratio(); got != "2.00× msg/s, p99 50%, memory 8%" {
		t.Errorf("ratio %q", got)
	}
}

func TestMemTotal(t *testing.T) {
	for in, want := range map[string]string{"24684096 kB": "23.5 GiB", "unknown": "unknown", "12 MB": "12 MB"} {
		if got := memTotal(in); got != want {
			t.Errorf("memTotal(%q) = %q, want %q", in, got, want)
		}
	}
}
