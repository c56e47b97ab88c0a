package app

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/switchboardhq/switchboard/internal/config"
)

// lockedLog is a log destination safe for concurrent writes.
type lockedLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedLog) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// TestDeployKeepsUnchangedFunctionsAndRetiresReplacedOnes: a deployment reuses a function whose
// merged props did not change (its workers stay warm), replaces one whose props did (under the
// same name, the old one closed once retired), and a deployment that fails changes nothing.
func TestDeployKeepsUnchangedFunctionsAndRetiresReplacedOnes(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed (scripts/test.sh installs it)")
	}
	yaml := "name: dep\nroutes:\n  env: env.handler\n  other: {type: url, url: 'http://127.0.0.1:1/'}\n"
	cfg := loadConfig(t, map[string]string{"switchboard.yaml": yaml, "env.mjs": envHandler})
	logs := &lockedLog{}
	a, err := New(cfg, Options{CacheDir: testCacheDir(t), Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background(), "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
	fnOf := func() *function {
		f, ok := a.routeFunction("env")
		if !ok {
			t.Fatal("env is not a function route")
		}
		return f
	}
	first := fnOf()
	reload := func(text string) (string, error) {
		t.Helper()
		if err := os.WriteFile(cfg.File, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		next, err := config.Load(cfg.File)
		if err != nil {
			t.Fatal(err)
		}
		return a.Apply(context.Background(), next, "test")
	}

	// The url route changes; the function does not.
	if _, err := reload(strings.Replace(yaml, "127.0.0.1:1/", "127.0.0.1:2/", 1)); err != nil {
		t.Fatal(err)
	}
	if fnOf() != first {
		t.Fatal("an unchanged function was rebuilt")
	}
	// defaults.function changes the function's merged props: a new function, same name.
	withTimeout := "defaults:\n  function: {timeout: 5}\n" + yaml
	if _, err := reload(withTimeout); err != nil {
		t.Fatal(err)
	}
	second := fnOf()
	if second == first || second.name != first.name || second.cfg.Timeout.Seconds() != 5 {
		t.Fatalf("after defaults.function changed: same %v, names %q %q, timeout %v", second == first, first.name, second.name, second.cfg.Timeout)
	}
	a.mu.Lock()
	retiring := len(a.retiring)
	a.mu.Unlock()
	if retiring == 0 {
		t.Fatal("the replaced function is not being retired")
	}

	// A handler that does not exist: the deployment fails with file:line, nothing changes.
	id := a.DeploymentID()
	broken := strings.Replace(withTimeout, "env: env.handler", "env: missing.handler", 1)
	_, err = reload(broken)
	if err == nil || !strings.Contains(err.Error(), filepath.Base(cfg.File)+":5") {
		t.Fatalf("a missing handler: %v, want an error citing switchboard.yaml:5", err)
	}
	if fnOf() != second || a.DeploymentID() != id {
		t.Fatal("a failed deployment changed the stage")
	}
	a.fns.mu.Lock()
	holder := a.fns.names[second.name]
	a.fns.mu.Unlock()
	if holder != second {
		t.Fatal("a failed deployment took the function's name away")
	}
	if !strings.Contains(logs.String(), "config change not applied") {
		t.Errorf("the failed deployment is not logged:\n%s", logs)
	}
	// Draining closes what was retiring.
	if err := a.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	first.mu.Lock()
	closed := first.closed
	first.mu.Unlock()
	if !closed {
		t.Error("the retired function was not closed at shutdown")
	}
}
