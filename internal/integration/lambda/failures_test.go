package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/integration"
)

// asHandlerError extracts the *HandlerError of err or fails the test.
func asHandlerError(t *testing.T, err error) *HandlerError {
	t.Helper()
	var he *HandlerError
	if !errors.As(err, &he) {
		t.Fatalf("error %v (%T) is not a *HandlerError", err, err)
	}
	return he
}

// failureLogged reports whether an "invocation failed" record names the function, the request
// and has stderr containing stderrPart.
func failureLogged(f *testFunction, stderrPart string) bool {
	for _, r := range f.log.find("invocation failed") {
		if r.attrs["function"] == f.name && r.attrs["requestId"] != "" && strings.Contains(r.attrs["stderr"], stderrPart) {
			return true
		}
	}
	return false
}

func TestTimeoutKillsAndReplacesTheWorker(t *testing.T) {
	for _, hc := range echoHandlers {
		t.Run(hc.name, func(t *testing.T) {
			obs := &countingObserver{}
			f := newTestFunction(t, hc, func(o *Options) { o.Config.Timeout = time.Second; o.Observer = obs })
			before := invokeEcho(t, f.Function, map[string]any{"echo": "warm"})
			err := invokeErr(t, f.Function, map[string]any{"sleepMs": 60000}, time.Minute)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("timed-out invocation: %v, want DeadlineExceeded", err)
			}
			if he := asHandlerError(t, err); he.Type != ErrorTypeTimeout || !strings.Contains(he.Message, "Task timed out after 1.00 seconds") {
				t.Errorf("timeout error = %+v", he)
			}
			if len(f.log.find("Task timed out after 1.00 seconds", "function", f.name)) != 1 {
				t.Error(`no "Task timed out after 1.00 seconds" log line`)
			}
			after := invokeEcho(t, f.Function, map[string]any{"echo": "again"})
			if after.PID == before.PID {
				t.Errorf("the timed-out worker %d still serves", before.PID)
			}
			eventually(t, 30*time.Second, "the hung worker to be gone", func() bool { return f.workerCount() == 1 })
			eventually(t, 10*time.Second, "the observer to hear 3 invocations", func() bool { return obs.invoked.Load() == 3 })
			if obs.failed.Load() != 1 || obs.timedOut.Load() != 1 || obs.coldStarts.Load() != 2 || obs.throttled.Load() != 0 {
				t.Errorf("observer heard failed %d, timed out %d, cold starts %d, throttled %d; want 1, 1, 2, 0",
					obs.failed.Load(), obs.timedOut.Load(), obs.coldStarts.Load(), obs.throttled.Load())
			}
		})
	}
}

// countingObserver counts what an Observer hears.
type countingObserver struct {
	invoked, failed, timedOut, coldStarts, throttled atomic.Int64
}

func (o *countingObserver) Invoked(_ time.Duration, failed, timedOut bool) {
	o.invoked.Add(1)
	if failed {
		o.failed.Add(1)
	}
	if timedOut {
		o.timedOut.Add(1)
	}
}
func (o *countingObserver) ColdStart(time.Duration) { o.coldStarts.Add(1) }
func (o *countingObserver) Throttled()              { o.throttled.Add(1) }

func TestContextDeadlineBoundsTheInvocation(t *testing.T) {
	f := newTestFunction(t, goEcho, nil) // function timeout 10 s
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := f.Invoke(ctx, messageEvent(`{"echo":"deadline"}`))
	if err != nil {
		t.Fatal(err)
	}
	var r echoReply
	if err := json.Unmarshal([]byte(resp.Body), &r); err != nil {
		t.Fatal(err)
	}
	if r.DeadlineInMS <= 0 || r.DeadlineInMS > 5000 {
		t.Errorf("handler's deadline in %d ms; want within the context's 5 s", r.DeadlineInMS)
	}

	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = f.Invoke(ctx, messageEvent(`{"sleepMs":60000}`))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("invocation past the context deadline: %v, want DeadlineExceeded", err)
	}
	eventually(t, 30*time.Second, "the hung worker to be killed", func() bool {
		return len(f.log.find("Task timed out after")) == 1
	})
}

func TestCrashIsContained(t *testing.T) {
	for _, hc := range echoHandlers {
		t.Run(hc.name, func(t *testing.T) {
			f := newTestFunction(t, hc, nil)
			before := invokeEcho(t, f.Function, map[string]any{"echo": "warm"})
			err := invokeErr(t, f.Function, map[string]any{"exit": 3}, time.Minute)
			he := asHandlerError(t, err)
			if he.Type != ErrorTypeExit || !strings.Contains(he.Message, "exit status 3") {
				t.Errorf("crash error = %+v, want Runtime.ExitError with exit status 3", he)
			}
			if !failureLogged(f, "exiting with 3") {
				t.Error("the failure log does not carry the worker's stderr tail")
			}
			if after := invokeEcho(t, f.Function, map[string]any{"echo": "again"}); after.PID == before.PID || after.Echo != "again" {
				t.Errorf("after the crash: %+v", after)
			}
		})
	}
}

func TestPanicIsAnErrorAndTheWorkerIsReplaced(t *testing.T) {
	f := newTestFunction(t, goEcho, nil)
	err := invokeErr(t, f.Function, map[string]any{"panic": "boom"}, time.Minute)
	if he := asHandlerError(t, err); he.Message != "boom" || len(he.StackTrace) == 0 {
		t.Errorf("panic error = %+v, want message boom with a stack trace", he)
	}
	invokeEcho(t, f.Function, map[string]any{"echo": "after panic"})
}

func TestHandlerErrorKeepsTheWorker(t *testing.T) {
	for _, hc := range echoHandlers {
		t.Run(hc.name, func(t *testing.T) {
			f := newTestFunction(t, hc, nil)
			before := invokeEcho(t, f.Function, map[string]any{"echo": "warm"})
			err := invokeErr(t, f.Function, map[string]any{"fail": "Unauthorized"}, time.Minute)
			he := asHandlerError(t, err)
			if he.Message != "Unauthorized" || he.Type == "" || he.Init {
				t.Errorf("handler error = %+v, want errorMessage Unauthorized", he)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Error("a handler error wraps DeadlineExceeded")
			}
			if after := invokeEcho(t, f.Function, map[string]any{"echo": "again"}); after.PID != before.PID {
				t.Errorf("handler error replaced the worker: pid %d, want %d", after.PID, before.PID)
			}
		})
	}
}

func TestInitExitIsAnInitError(t *testing.T) {
	f := newTestFunction(t, handlerCase{name: "initexit", root: "testdata/go", handler: "initexit"}, nil)
	err := invokeErr(t, f.Function, map[string]any{}, time.Minute)
	he := asHandlerError(t, err)
	if !he.Init || he.Type != ErrorTypeExit {
		t.Errorf("init failure = %+v, want an init Runtime.ExitError", he)
	}
	found := false
	for _, r := range f.log.find("worker failed to initialise", "function", f.name) {
		found = found || strings.Contains(r.attrs["stderr"], "TABLE_NAME is not set")
	}
	if !found {
		t.Error("the init failure log does not carry the worker's stderr")
	}
	// Every invocation retries the init, as Lambda does; with the variable set it succeeds.
	ok := newTestFunction(t, handlerCase{name: "initexit", root: "testdata/go", handler: "initexit"}, func(o *Options) {
		o.Config.Environment = map[string]string{"TABLE_NAME": "connections"}
	})
	resp, err := ok.Invoke(context.Background(), messageEvent(`{}`))
	if err != nil || resp.Body != "connections" {
		t.Errorf("with TABLE_NAME set: %+v, %v", resp, err)
	}
}

func TestInitErrorReportedThroughTheRuntimeAPI(t *testing.T) {
	f := newTestFunction(t, handlerCase{name: "initerror", root: "testdata/go", handler: "initerror"}, nil)
	for i := 0; i < 2; i++ { // each invocation starts a new worker, which fails again
		err := invokeErr(t, f.Function, map[string]any{}, time.Minute)
		he := asHandlerError(t, err)
		if !he.Init || he.Type != "Runtime.ImportModuleError" || he.Message != "Cannot find module 'missing-dependency'" {
			t.Errorf("init error = %+v", he)
		}
		if len(he.StackTrace) != 1 {
			t.Errorf("stack trace = %q", he.StackTrace)
		}
	}
	eventually(t, 30*time.Second, "failed workers to go", func() bool { return f.workerCount() == 0 })
}

func TestNonJSONResultIsABadResponse(t *testing.T) {
	f := newTestFunction(t, handlerCase{name: "raw", root: "testdata/go", handler: "rawresponse"}, nil)
	if _, err := f.InvokeRaw(context.Background(), []byte(`{}`)); !errors.Is(err, integration.ErrBadResponse) {
		t.Errorf("InvokeRaw: %v, want ErrBadResponse", err)
	}
	if _, err := f.Invoke(context.Background(), messageEvent(`{}`)); !errors.Is(err, integration.ErrBadResponse) {
		t.Errorf("Invoke: %v, want ErrBadResponse", err)
	}
	if len(f.log.find("invocation returned a result that is not JSON", "function", f.name)) != 2 {
		t.Error("the bad results were not logged")
	}
}

func TestMemoryLimitKillsTheWorker(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc: memory limits are not enforced here")
	}
	f := newTestFunction(t, goEcho, func(o *Options) { o.Config.MemoryMB = 64 })
	before := invokeEcho(t, f.Function, map[string]any{"env": []string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE"}})
	if before.Env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] != "64" {
		t.Errorf("AWS_LAMBDA_FUNCTION_MEMORY_SIZE = %q, want 64", before.Env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
	}
	err := invokeErr(t, f.Function, map[string]any{"allocMb": 256, "sleepMs": 30000}, time.Minute)
	if he := asHandlerError(t, err); he.Type != ErrorTypeOutOfMemory {
		t.Errorf("over the limit: %+v, want Runtime.OutOfMemory", he)
	}
	var reports []record
	eventually(t, 10*time.Second, "the REPORT of the killed invocation", func() bool {
		reports = f.log.find("REPORT RequestId:")
		return len(reports) == 2
	})
	if last := reports[len(reports)-1].msg; !strings.Contains(last, "Status: error\tError Type: Runtime.OutOfMemory") ||
		!strings.Contains(last, "Memory Size: 64 MB") {
		t.Errorf("REPORT of the killed invocation: %q", last)
	}
	if after := invokeEcho(t, f.Function, map[string]any{"echo": "after"}); after.PID == before.PID {
		t.Errorf("the killed worker %d still serves", before.PID)
	}
}
