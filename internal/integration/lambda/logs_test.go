package lambda

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

var reportLine = regexp.MustCompile(`^REPORT RequestId: ([0-9a-f-]{36})\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t` +
	`Memory Size: 1024 MB\tMax Memory Used: [1-9]\d* MB(\tInit Duration: \d+\.\d\d ms)?$`)

func TestLogsLikeCloudWatch(t *testing.T) {
	for _, hc := range echoHandlers {
		t.Run(hc.name, func(t *testing.T) {
			f := newTestFunction(t, hc, nil)
			cold := invokeEcho(t, f.Function, map[string]any{"print": "hello from the handler"})
			warm := invokeEcho(t, f.Function, map[string]any{"echo": "warm"})

			for i, r := range []echoReply{cold, warm} {
				id := r.RequestID
				if len(f.log.find("START RequestId: "+id+" Version: $LATEST", "function", f.name, "requestId", id)) != 1 {
					t.Errorf("no START line for %s", id)
				}
				// END and REPORT are written right after the result is handed back.
				var reports []record
				eventually(t, 10*time.Second, "the REPORT line of "+id, func() bool {
					reports = f.log.find("REPORT RequestId: "+id, "function", f.name, "requestId", id)
					return len(reports) > 0
				})
				if len(f.log.find("END RequestId: "+id, "function", f.name, "requestId", id)) != 1 || len(reports) != 1 {
					t.Errorf("want one END and one REPORT line for %s", id)
				}
				m := reportLine.FindStringSubmatch(reports[0].msg)
				if m == nil {
					t.Fatalf("REPORT line %q is not in Lambda's format", reports[0].msg)
				}
				if hasInit := m[2] != ""; hasInit != (i == 0) {
					t.Errorf("REPORT of invocation %d: Init Duration present %v, want only on the cold start", i+1, hasInit)
				}
			}
			var streams []string
			eventually(t, 10*time.Second, "the handler's output on stdout and stderr", func() bool {
				streams = nil
				for _, r := range f.log.find("") {
					if strings.Contains(r.msg, "hello from the handler") && r.attrs["requestId"] == cold.RequestID && r.attrs["function"] == f.name {
						streams = append(streams, r.attrs["stream"])
					}
				}
				return len(streams) == 2
			})
			if streams[0] == streams[1] {
				t.Errorf("handler output lines on streams %q, want stdout and stderr", streams)
			}
		})
	}
}

// TestOutputStaysWithItsInvocation: every line a handler prints before it returns is logged under
// its own request id, even when there is so much that the pipes still hold some when the result
// arrives and the next invocation follows at once.
func TestOutputStaysWithItsInvocation(t *testing.T) {
	f := newTestFunction(t, goEcho, nil)
	const lines = 3000
	first := invokeEcho(t, f.Function, map[string]any{"print": strings.Repeat("o", 100), "repeat": lines})
	second := invokeEcho(t, f.Function, map[string]any{"echo": "next"})
	count := map[string]int{}
	for _, r := range f.log.find("") {
		if strings.Contains(r.msg, strings.Repeat("o", 100)) {
			count[r.attrs["requestId"]]++
		}
	}
	if count[first.RequestID] != 2*lines || len(count) != 1 {
		t.Errorf("printed lines by request id: %v; want all %d under the first invocation %s (the second is %s)",
			count, 2*lines, first.RequestID, second.RequestID)
	}
}
