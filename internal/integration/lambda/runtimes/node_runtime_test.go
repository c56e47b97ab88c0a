package runtimes_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/switchboardhq/switchboard/internal/integration/lambda/runtimes"
)

// messageRecorder is a slog.Handler that keeps the messages logged.
type messageRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *messageRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *messageRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *messageRecorder) WithGroup(string) slog.Handler            { return r }
func (r *messageRecorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	r.msgs = append(r.msgs, rec.Message)
	r.mu.Unlock()
	return nil
}

func (r *messageRecorder) count(prefix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.msgs {
		if strings.HasPrefix(m, prefix) {
			n++
		}
	}
	return n
}

// TestNodeRuntimeRunsOnItsMajorVersion runs a nodejs22.x handler on Node.js 22 (the machine's, or
// the pinned release installed from the npm registry into the cache, which the tests keep across
// runs) and checks that a second Prepare installs nothing, with Lambda's flags for Node.js 22.
func TestNodeRuntimeRunsOnItsMajorVersion(t *testing.T) {
	t.Parallel()
	needNode(t)
	// The end-to-end tests' cache, kept across runs: one Node.js 22 install per machine serves
	// both (installs are serialized across processes).
	cache := filepath.Join(os.TempDir(), "switchboard-functions-test-cache")
	logs := &messageRecorder{}
	prepare := func() *runtimes.Prepared {
		t.Helper()
		p, err := runtimes.Prepare(context.Background(), runtimes.Spec{
			Root: filepath.Join("testdata", "node"), Handler: "version/handler.handler", Runtime: "nodejs22.x",
			CacheDir: cache, Logger: slog.New(logs),
		})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := prepare()
	installs := logs.count("installing Node.js")
	if p2 := prepare(); p2.Launch.Path != p.Launch.Path || logs.count("installing Node.js") != installs {
		t.Errorf("a second Prepare used %s and logged %d installs, want %s and no new install", p2.Launch.Path, logs.count("installing Node.js"), p.Launch.Path)
	}
	if p.RuntimeName != "nodejs22.x" || !strings.HasPrefix(p.Version, "v22.") {
		t.Errorf("prepared %s on %s", p.RuntimeName, p.Version)
	}
	var got struct {
		Version  string
		ExecArgv []string
		Path     string
	}
	interpDecode(t, startInterpWorker(t, newInterpAPI(t), p, "version/handler.handler").invoke(t, map[string]any{}), &got)
	if !strings.HasPrefix(got.Version, "v22.") {
		t.Errorf("process.version = %q, want v22.*", got.Version)
	}
	for _, flag := range []string{"--no-experimental-require-module", "--no-experimental-detect-module"} {
		if !slices.Contains(got.ExecArgv, flag) {
			t.Errorf("execArgv %q lacks %s, which Lambda sets for Node.js 22", got.ExecArgv, flag)
		}
	}
	if first, _, _ := strings.Cut(got.Path, ":"); first != filepath.Dir(p.Launch.Path) {
		t.Errorf("PATH starts with %q, want the runtime's node directory %q", first, filepath.Dir(p.Launch.Path))
	}
}

func TestUnsupportedRuntimesAreRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ dir, runtime, handler, want string }{
		{"node", "nodejs16.x", "esm/handler.handler", "nodejs18.x, nodejs20.x, nodejs22.x, nodejs24.x"},
		{"node", "nodejs", "no/such.handler", ""}, // no version: the default, then the missing handler
		{"python", "python2.7", "app/handlers/ws.connect", "python3.8 or newer"},
		{"python", "python3.7", "app/handlers/ws.connect", "python3.8 or newer"},
		{"node", "java21", "esm/handler.handler", "unknown runtime"},
	} {
		_, err := interpPrepare(t, tc.dir, tc.runtime, tc.handler, t.TempDir())
		var pe *runtimes.PropError
		if tc.want == "" {
			if err == nil || errors.As(err, &pe) {
				t.Errorf("runtime %q with a missing handler: %v, want a handler error", tc.runtime, err)
			}
			continue
		}
		if !errors.As(err, &pe) || pe.Prop != "runtime" || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("runtime %q: error %v, want a runtime error naming %q", tc.runtime, err, tc.want)
		}
	}
}

// TestPythonRuntimeVersion runs python3.X on that Python when there is one and, for a version no
// interpreter has, falls back to the default Python with one warning per run.
func TestPythonRuntimeVersion(t *testing.T) {
	t.Parallel()
	needPython(t)
	logs := &messageRecorder{}
	prepare := func(runtime string) *runtimes.Prepared {
		t.Helper()
		p, err := runtimes.Prepare(context.Background(), runtimes.Spec{
			Root: filepath.Join("testdata", "python"), Handler: "app/handlers/ws.connect", Runtime: runtime,
			CacheDir: t.TempDir(), Logger: slog.New(logs),
		})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	def := prepare("")
	if want := "python" + def.Version; def.RuntimeName != want {
		t.Errorf("a Python handler without a runtime runs as %q, want %q (its interpreter's version)", def.RuntimeName, want)
	}
	same := prepare("python" + def.Version)
	if same.Version != def.Version || logs.count("no python") != 0 {
		t.Errorf("runtime python%s ran on %s (warnings: %d)", def.Version, same.Version, logs.count("no python"))
	}
	for range 2 {
		p := prepare("python3.99")
		if p.RuntimeName != "python3.99" || p.Version != def.Version {
			t.Errorf("python3.99 prepared as %s on %s, want the default interpreter (%s)", p.RuntimeName, p.Version, def.Version)
		}
	}
	if n := logs.count("no python3.99 found"); n != 1 {
		t.Errorf("the fallback for python3.99 was logged %d times, want once", n)
	}
}
