package lambda

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/config"
	"github.com/switchboardhq/switchboard/internal/integration"
)

func TestEcho(t *testing.T) {
	for _, hc := range echoHandlers {
		t.Run(hc.name, func(t *testing.T) {
			f := newTestFunction(t, hc, nil)
			r := invokeEcho(t, f.Function, map[string]any{"echo": "hello, world"})
			if r.Echo != "hello, world" {
				t.Errorf("echo = %q, want %q", r.Echo, "hello, world")
			}
			if r.ConnectionID != "Conn123abcDEF=" || r.RouteKey != "$default" {
				t.Errorf("handler saw connectionId %q routeKey %q, want the event's", r.ConnectionID, r.RouteKey)
			}
			if r.FunctionARN != f.ARN() {
				t.Errorf("invoked function ARN = %q, want %q", r.FunctionARN, f.ARN())
			}
			if r.RequestID == "" || len(f.log.find("START RequestId: "+r.RequestID)) != 1 {
				t.Errorf("request id %q seen by the handler is not the logged one", r.RequestID)
			}
		})
	}
}

func TestInvokeReturnsTheHandlersStatus(t *testing.T) {
	f := newTestFunction(t, goEcho, nil)
	resp, err := f.Invoke(context.Background(), messageEvent("not a command"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 400 || !strings.HasPrefix(resp.Body, "bad command") {
		t.Errorf("response = %d %q, want the handler's 400", resp.StatusCode, resp.Body)
	}
}

func TestInvokeRawReturnsTheResultUnchanged(t *testing.T) {
	f := newTestFunction(t, goEcho, nil)
	out, err := f.InvokeRaw(context.Background(), []byte(`{"requestContext":{"connectionId":"raw"},"body":"{\"echo\":\"x\"}"}`))
	if err != nil {
		t.Fatal(err)
	}
	if !jsonHasKeys(out, "statusCode", "body") {
		t.Errorf("InvokeRaw = %s, want the handler's proxy response JSON", out)
	}
	if _, err := f.InvokeRaw(context.Background(), []byte("not json")); err == nil {
		t.Error("InvokeRaw accepted an event that is not JSON")
	}
}

func TestColdStartThenWarmReuse(t *testing.T) {
	for _, hc := range echoHandlers {
		t.Run(hc.name, func(t *testing.T) {
			f := newTestFunction(t, hc, nil)
			first := invokeEcho(t, f.Function, map[string]any{"echo": "1"})
			for i := 0; i < 3; i++ {
				next := invokeEcho(t, f.Function, map[string]any{"echo": "again"})
				if next.PID != first.PID {
					t.Fatalf("invocation %d ran in pid %d, want the warm worker %d", i+2, next.PID, first.PID)
				}
			}
			if n := f.workerCount(); n != 1 {
				t.Errorf("%d workers for sequential invocations, want 1", n)
			}
		})
	}
}

func TestConcurrencyLimitThrottles(t *testing.T) {
	f := newTestFunction(t, goEcho, func(o *Options) {
		o.MaxConcurrency = 2
		o.QueueTimeout = 50 * time.Millisecond
	})
	// Two slow invocations take both workers.
	var wg sync.WaitGroup
	pids := make([]int, 2)
	for i := range pids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := tryEcho(f.Function, map[string]any{"sleepMs": 2500})
			if err != nil {
				t.Error(err)
			}
			pids[i] = r.PID
		}()
	}
	eventually(t, 30*time.Second, "two invocations to start", func() bool {
		return len(f.log.find("START RequestId:")) == 2
	})
	err := invokeErr(t, f.Function, map[string]any{"echo": "third"}, 10*time.Second)
	if !errors.Is(err, integration.ErrThrottled) {
		t.Errorf("third concurrent invocation: %v, want ErrThrottled", err)
	}
	wg.Wait()
	if pids[0] == pids[1] {
		t.Errorf("both concurrent invocations ran in pid %d, want two workers", pids[0])
	}
	if n := f.workerCount(); n != 2 {
		t.Errorf("%d workers, want the limit 2", n)
	}
	// Capacity is back: the next invocation succeeds on a warm worker.
	if r := invokeEcho(t, f.Function, map[string]any{"echo": "after"}); r.PID != pids[0] && r.PID != pids[1] {
		t.Errorf("invocation after the burst ran in pid %d, want a warm worker %v", r.PID, pids)
	}
}

func TestQueuedInvocationGetsTheNextFreeWorker(t *testing.T) {
	f := newTestFunction(t, goEcho, func(o *Options) {
		o.MaxConcurrency = 1
		o.QueueTimeout = time.Minute
	})
	done := make(chan int, 1)
	go func() {
		r, err := tryEcho(f.Function, map[string]any{"sleepMs": 300})
		if err != nil {
			t.Error(err)
		}
		done <- r.PID
	}()
	eventually(t, 30*time.Second, "the first invocation to start", func() bool {
		return len(f.log.find("START RequestId:")) == 1
	})
	queued := invokeEcho(t, f.Function, map[string]any{"echo": "queued"})
	if first := <-done; queued.PID != first {
		t.Errorf("queued invocation ran in pid %d, want the only worker %d", queued.PID, first)
	}
}

func TestReservedConcurrencyIsTheDefaultLimit(t *testing.T) {
	f, err := New(Options{Name: "f", Config: &config.Function{Handler: "echo", ReservedConcurrency: 3}})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.maxConcurrency != 3 {
		t.Errorf("maxConcurrency = %d, want reservedConcurrency 3", f.maxConcurrency)
	}
	g, err := New(Options{Name: "g", Config: &config.Function{Handler: "echo"}})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if g.maxConcurrency != DefaultMaxConcurrency || g.timeout != DefaultTimeout || g.memoryMB != DefaultMemoryMB {
		t.Errorf("defaults: concurrency %d timeout %v memory %d", g.maxConcurrency, g.timeout, g.memoryMB)
	}
}

func TestIdleWorkersAreReaped(t *testing.T) {
	f := newTestFunction(t, goEcho, func(o *Options) { o.IdleTimeout = 100 * time.Millisecond })
	first := invokeEcho(t, f.Function, map[string]any{"echo": "1"})
	eventually(t, 30*time.Second, "the idle worker to be stopped", func() bool { return f.workerCount() == 0 })
	if again := invokeEcho(t, f.Function, map[string]any{"echo": "2"}); again.PID == first.PID {
		t.Errorf("invocation after the idle timeout ran in the reaped worker %d", first.PID)
	}
}

func TestCloseStopsWorkersAndFailsLaterInvocations(t *testing.T) {
	f := newTestFunction(t, goEcho, nil)
	invokeEcho(t, f.Function, map[string]any{"echo": "1"})
	slow := make(chan error, 1)
	go func() {
		_, err := f.Invoke(context.Background(), messageEvent(`{"sleepMs": 60000}`))
		slow <- err
	}()
	eventually(t, 30*time.Second, "the slow invocation to start", func() bool {
		return len(f.log.find("START RequestId:")) == 2
	})
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if n := f.workerCount(); n != 0 {
		t.Errorf("%d workers after Close", n)
	}
	if err := <-slow; err == nil {
		t.Error("the invocation running at Close succeeded")
	}
	if _, err := f.Invoke(context.Background(), messageEvent(`{}`)); err == nil {
		t.Error("Invoke after Close succeeded")
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestNewRejectsIncompleteOptions(t *testing.T) {
	for name, opts := range map[string]Options{
		"no name":    {Config: &config.Function{Handler: "echo"}},
		"no config":  {Name: "f"},
		"no handler": {Name: "f", Config: &config.Function{}},
	} {
		if _, err := New(opts); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

func TestStartReportsAMissingHandler(t *testing.T) {
	f, err := New(Options{Name: "missing", Config: &config.Function{Handler: "src/nothing.main"},
		Root: t.TempDir(), CacheDir: testCacheDir})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	err = f.Start(context.Background())
	if err == nil {
		t.Fatal("Start succeeded for a handler that does not exist")
	}
	for _, want := range []string{"src/nothing.js", "src/nothing.py"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Start error %q does not name %s", err, want)
		}
	}
}

// TestCloseStopsWorkersQuietly: Close stops warm workers, whose runtimes drop their pending
// /next as they exit (this one hangs up before it exits, as Node.js's does); that is expected,
// and is not logged as a runtime failure.
func TestCloseStopsWorkersQuietly(t *testing.T) {
	f := newTestFunction(t, goEcho, func(o *Options) {
		o.Config.Environment = map[string]string{"ECHO_DROP_ON_SIGTERM": "1"}
	})
	invokeEcho(t, f.Function, map[string]any{"echo": "1"})
	eventually(t, 30*time.Second, "the worker to wait for its next event", func() bool {
		return len(f.log.find("END RequestId:")) == 1
	})
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if n := f.workerCount(); n != 0 {
		t.Fatalf("%d workers after Close", n)
	}
	if got := f.log.find("runtime dropped its request"); len(got) > 0 {
		t.Errorf("Close logged %q %v", got[0].msg, got[0].attrs)
	}
}
