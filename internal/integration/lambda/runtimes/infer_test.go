package runtimes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFiles creates empty files (and their directories) under root.
func writeFiles(t *testing.T, root string, names ...string) {
	t.Helper()
	for _, n := range names {
		p := filepath.Join(root, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestInferFindsTheRuntime(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root,
		"functions/connect/main.go",
		"src/connect.ts",
		"src/legacy.cjs",
		"py/handler.py",
		"py/app/handlers.py",
		"py/pkg/__init__.py",
	)
	for handler, want := range map[string]Kind{
		"functions/connect":         Go,
		"./functions/connect":       Go,
		"functions/connect/main.go": Go,
		"src/connect.main":          Node,
		"src/legacy.handlers.main":  Node,
		"py/handler.main":           Python,
		"py/app.handlers.main":      Python,
		"py/pkg.main":               Python,
	} {
		got, err := infer(Spec{Root: root, Handler: handler})
		if err != nil || got != want {
			t.Errorf("infer(%q) = %q, %v; want %q", handler, got, err, want)
		}
	}
}

func TestInferNamesEveryPathTried(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, "src/empty/README.md") // a directory without .go files is not a Go handler
	_, err := infer(Spec{Root: root, Handler: "src/nothing.main"})
	if err == nil {
		t.Fatal("infer found a runtime for a handler with no files")
	}
	for _, p := range []string{"src/nothing.main/", "src/nothing.js", "src/nothing.mjs", "src/nothing.cjs",
		"src/nothing.ts", "src/nothing.mts", "src/nothing.cts", "src/nothing.py", "src/nothing/__init__.py"} {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not name %s", err, p)
		}
	}
	if _, err := infer(Spec{Root: root, Handler: "src/empty"}); err == nil {
		t.Error("a directory without .go files was taken for a Go handler")
	}
	if _, err := infer(Spec{Root: root, Handler: " "}); err == nil {
		t.Error("an empty handler was accepted")
	}
}

func TestInferRefusesToGuessBetweenRuntimes(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, "src/connect.js", "src/connect.py")
	_, err := infer(Spec{Root: root, Handler: "src/connect.main"})
	if err == nil || !strings.Contains(err.Error(), "src/connect.js (nodejs)") || !strings.Contains(err.Error(), "src/connect.py (python)") {
		t.Errorf("ambiguous handler: %v, want an error naming both files", err)
	}
}
