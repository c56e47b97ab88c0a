package runtimes

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeModule writes a Go module of its own (no dependencies) with the given files.
func writeModule(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	files["go.mod"] = "module example.com/handlers\n\ngo 1.26\n"
	for name, src := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func prepareGoHandler(t *testing.T, root, handler, cache string) *Prepared {
	t.Helper()
	p, err := Prepare(context.Background(), Spec{Root: root, Handler: handler, CacheDir: cache})
	if err != nil {
		t.Fatalf("Prepare(%q): %v", handler, err)
	}
	return p
}

func TestGoHandlerFormsShareOneBuild(t *testing.T) {
	root := writeModule(t, map[string]string{
		"src/connect/main.go": "package main\n\nfunc main() {}\n",
	})
	cache := t.TempDir()
	first := prepareGoHandler(t, root, "src/connect", cache)
	if first.Runtime != "go" || first.Launch.Dir != root || filepath.Base(first.Launch.Path) != "bootstrap" ||
		!strings.HasPrefix(first.Launch.Path, filepath.Join(cache, "go")+string(filepath.Separator)) {
		t.Fatalf("Prepared = %+v", first)
	}
	info, err := os.Stat(first.Launch.Path)
	if err != nil || info.Mode()&0o111 == 0 {
		t.Fatalf("no executable at %s: %v", first.Launch.Path, err)
	}
	for _, h := range []string{"./src/connect", "src/connect/main.go", filepath.Join(root, "src/connect")} {
		if p := prepareGoHandler(t, root, h, cache); p.Launch.Path != first.Launch.Path {
			t.Errorf("handler %q built %s, want the cached %s", h, p.Launch.Path, first.Launch.Path)
		}
	}
	again, err := os.Stat(first.Launch.Path)
	if err != nil || !again.ModTime().Equal(info.ModTime()) {
		t.Error("unchanged sources were rebuilt")
	}
	want := []string{filepath.Join(root, "src/connect"), filepath.Join(root, "go.mod"), filepath.Join(root, "go.sum")}
	if !slices.Equal(first.Sources, want) {
		t.Errorf("Sources = %q, want %q", first.Sources, want)
	}
}

func TestGoBuildKeyCoversLocalPackages(t *testing.T) {
	root := writeModule(t, map[string]string{
		"cmd/connect/main.go":     "package main\n\nimport \"example.com/handlers/internal/reply\"\n\nfunc main() { println(reply.Text) }\n",
		"internal/reply/reply.go": "package reply\n\nconst Text = \"one\"\n",
	})
	cache := t.TempDir()
	first := prepareGoHandler(t, root, "cmd/connect", cache)
	if !slices.Contains(first.Sources, filepath.Join(root, "internal/reply")) {
		t.Errorf("Sources %q leave out the imported local package", first.Sources)
	}
	lib := filepath.Join(root, "internal/reply/reply.go")
	if err := os.WriteFile(lib, []byte("package reply\n\nconst Text = \"two\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if second := prepareGoHandler(t, root, "cmd/connect", cache); second.Launch.Path == first.Launch.Path {
		t.Error("a change in an imported package did not make a new build")
	}
}

func TestGoPrepareErrors(t *testing.T) {
	root := writeModule(t, map[string]string{
		"lib/lib.go":         "package lib\n",
		"broken/main.go":     "package main\n\nfunc main() { undefined() }\n",
		"fine/main.go":       "package main\n\nfunc main() {}\n",
		"fine/notes/main.md": "",
	})
	cache := t.TempDir()
	for handler, want := range map[string]string{
		"lib":            "not a main package",
		"broken":         "undefined: undefined",
		"missing":        "missing",
		"fine/other.go":  "is not a Go file",
		"lib/missing.go": "is not a Go file",
	} {
		_, err := Prepare(context.Background(), Spec{Root: root, Handler: handler, Runtime: "go", CacheDir: cache})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Prepare(%q) = %v, want an error containing %q", handler, err, want)
		}
	}
	if _, err := Prepare(context.Background(), Spec{Root: root, Handler: "fine", Runtime: "go"}); err == nil {
		t.Error("Prepare without a cache directory succeeded")
	}
}
