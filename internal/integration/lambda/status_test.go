package lambda

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestStatusShowsWorkersAndOutput: a worker that ran two invocations is listed idle with its
// pid and count, and the lines it printed are kept under their request ids.
func TestStatusShowsWorkersAndOutput(t *testing.T) {
	f := newTestFunction(t, goEcho, nil)
	if st := f.Status(); st.Name != f.name || len(st.Workers) != 0 || len(st.Logs) != 0 || st.MaxConcurrency != DefaultMaxConcurrency {
		t.Fatalf("before any invocation: %+v", st)
	}
	first := invokeEcho(t, f.Function, map[string]any{"print": "status line one"})
	invokeEcho(t, f.Function, map[string]any{"echo": "again"})

	var st Status
	eventually(t, 10*time.Second, "one idle worker with two invocations", func() bool {
		st = f.Status()
		return len(st.Workers) == 1 && st.Workers[0].State == "idle" && st.Workers[0].Invocations == 2
	})
	w := st.Workers[0]
	if w.PID <= 0 || w.Num != 1 || w.Started.IsZero() {
		t.Errorf("worker %+v: want pid, number 1 and a start time", w)
	}
	var streams []string
	for _, l := range st.Logs {
		if strings.HasSuffix(l.Text, "status line one") { // stderr's has a timestamp before it
			if l.RequestID != first.RequestID || l.Worker != 1 || l.At.IsZero() {
				t.Errorf("line %+v: want request %s of worker 1", l, first.RequestID)
			}
			streams = append(streams, l.Stream)
		}
	}
	if len(streams) != 2 || streams[0] == streams[1] {
		t.Errorf("the printed line was kept on streams %q, want stdout and stderr", streams)
	}
}

func TestLogRingKeepsTheLatestLinesCut(t *testing.T) {
	var r logRing
	for i := range LogLines + 7 {
		r.add(LogLine{Text: fmt.Sprint(i)})
	}
	lines := r.lines()
	if len(lines) != LogLines || lines[0].Text != "7" || lines[len(lines)-1].Text != fmt.Sprint(LogLines+6) {
		t.Fatalf("kept %d lines from %q to %q; want %d from 7", len(lines), lines[0].Text, lines[len(lines)-1].Text, LogLines)
	}
	long := strings.Repeat("é", LogLineBytes) // two bytes each: the cut falls inside none
	r.add(LogLine{Text: long})
	got := r.lines()[LogLines-1].Text
	if !strings.HasSuffix(got, "…") || len(got) > LogLineBytes+len("…") || !strings.HasPrefix(long, strings.TrimSuffix(got, "…")) {
		t.Errorf("a long line was kept as %d bytes %q…", len(got), got[:20])
	}
}
