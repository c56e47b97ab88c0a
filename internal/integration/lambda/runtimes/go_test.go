package runtimes

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
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

// TestOldGoBuildsArePruned: a build superseded by a newer one of the same package stays for an
// hour after its last use and then goes; a build of another package stays until unused for 30
// days; reusing a build counts as a use.
func TestOldGoBuildsArePruned(t *testing.T) {
	root := writeModule(t, map[string]string{
		"src/connect/main.go": "package main\n\nfunc main() { println(1) }\n",
	})
	cache := t.TempDir()
	first := prepareGoHandler(t, root, "src/connect", cache)
	firstDir := filepath.Dir(first.Launch.Path)
	if err := os.WriteFile(filepath.Join(root, "src/connect/main.go"), []byte("package main\n\nfunc main() { println(2) }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	second := prepareGoHandler(t, root, "src/connect", cache)
	secondDir := filepath.Dir(second.Launch.Path)
	if secondDir == firstDir {
		t.Fatal("changed sources reused the old build")
	}
	if _, err := os.Stat(first.Launch.Path); err != nil {
		t.Fatalf("the superseded build went at once: %v", err)
	}

	// Builds of other packages: one unused for 2 hours, one for 31 days.
	other := func(key string, unused time.Duration) string {
		d := filepath.Join(cache, "go", key)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, goBuildPackageFile), []byte("/elsewhere/handler"), 0o644); err != nil {
			t.Fatal(err)
		}
		setUnused(t, d, unused)
		return d
	}
	recent := other("0123456789abcdef0123456789abcdef", 2*time.Hour)
	stale := other("fedcba9876543210fedcba9876543210", 31*24*time.Hour)
	setUnused(t, firstDir, 2*time.Hour)
	setUnused(t, secondDir, 2*time.Hour) // reusing it below must count as a use

	if p := prepareGoHandler(t, root, "src/connect", cache); p.Launch.Path != second.Launch.Path {
		t.Fatalf("reuse built %s, want %s", p.Launch.Path, second.Launch.Path)
	}
	for _, c := range []struct {
		dir  string
		kept bool
	}{{firstDir, false}, {secondDir, true}, {recent, true}, {stale, false}} {
		_, err := os.Stat(c.dir)
		if kept := err == nil; kept != c.kept {
			t.Errorf("%s kept = %v, want %v", c.dir, kept, c.kept)
		}
	}
	if info, err := os.Stat(secondDir); err == nil && time.Since(info.ModTime()) > time.Minute {
		t.Errorf("the reused build's last use is %v ago, want now", time.Since(info.ModTime()))
	}
}

// setUnused dates a build directory's last use unused ago.
func setUnused(t *testing.T, dir string, unused time.Duration) {
	t.Helper()
	at := time.Now().Add(-unused)
	if err := os.Chtimes(dir, at, at); err != nil {
		t.Fatal(err)
	}
}
