package runtimes

import (
	"archive/zip"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestZipEntry is a file of a zip that writeTestZip writes.
type TestZipEntry struct {
	Mode    fs.FileMode
	Content string // a symbolic link's target for a link
}

// WriteTestZip writes a zip file with entries (slash-separated name -> entry) and returns its
// path; the external tests use it too.
func WriteTestZip(t *testing.T, entries map[string]TestZipEntry) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "layer.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, e := range entries {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		h.SetMode(e.Mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e.Content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestExtractZipKeepsModesAndLinksInside(t *testing.T) {
	dst := t.TempDir()
	budget := int64(maxLayersBytes)
	src := WriteTestZip(t, map[string]TestZipEntry{
		"bin/tool":          {Mode: 0o755, Content: "#!/bin/sh\necho hi\n"},
		"lib/libx.so.1":     {0o644, "library"},
		"lib/libx.so":       {fs.ModeSymlink | 0o777, "libx.so.1"},
		"python/pkg/a.py":   {0o644, "A = 1"},
		"./nodejs/index.js": {0o644, "x"},
	})
	if err := extractZip(src, dst, &budget); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(filepath.Join(dst, "bin", "tool")); err != nil || info.Mode().Perm()&0o111 == 0 {
		t.Errorf("bin/tool: %v, mode %v; want it executable", err, info.Mode())
	}
	if link, err := os.Readlink(filepath.Join(dst, "lib", "libx.so")); err != nil || link != "libx.so.1" {
		t.Errorf("lib/libx.so links to %q (%v)", link, err)
	}
	if _, err := os.Stat(filepath.Join(dst, "nodejs", "index.js")); err != nil {
		t.Error(err)
	}
}

func TestExtractZipRefusesEntriesOutsideTheLayer(t *testing.T) {
	for name, entries := range map[string]map[string]TestZipEntry{
		"parent":        {"../evil": {0o644, "x"}},
		"nested parent": {"python/../../evil": {0o644, "x"}},
		"absolute":      {"/tmp/evil": {0o644, "x"}},
		"link out":      {"lib/out": {fs.ModeSymlink | 0o777, "../../etc/passwd"}},
		"absolute link": {"lib/abs": {fs.ModeSymlink | 0o777, "/etc/passwd"}},
	} {
		t.Run(name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "layer")
			budget := int64(maxLayersBytes)
			err := extractZip(WriteTestZip(t, entries), dst, &budget)
			if err == nil || !strings.Contains(err.Error(), "outside the layer") {
				t.Fatalf("extractZip: %v, want a refusal", err)
			}
		})
	}
}

func TestExtractZipBoundsTheUnzippedSize(t *testing.T) {
	budget := int64(10)
	err := extractZip(WriteTestZip(t, map[string]TestZipEntry{"big": {0o644, strings.Repeat("x", 100)}}), t.TempDir(), &budget)
	if err != errLayersTooLarge {
		t.Fatalf("extractZip over budget: %v", err)
	}
}

func TestParseRuntime(t *testing.T) {
	for _, c := range []struct {
		name string
		kind Kind
		want runtimeID
	}{
		{"", Node, runtimeID{kind: Node, name: DefaultNodeRuntime, nodeMajor: 22}},
		{"nodejs18.x", Node, runtimeID{kind: Node, name: "nodejs18.x", nodeMajor: 18}},
		{"NodeJS24.x", Node, runtimeID{kind: Node, name: "nodejs24.x", nodeMajor: 24}},
		{"python3.12", Python, runtimeID{kind: Python, name: "python3.12", python: "3.12"}},
		{"", Python, runtimeID{kind: Python}},
		{"", Go, runtimeID{kind: Go, name: "provided.al2023"}},
		{"go", Go, runtimeID{kind: Go, name: "provided.al2023"}},
		{"provided.al2", Go, runtimeID{kind: Go, name: "provided.al2"}},
		{"go1.x", Go, runtimeID{kind: Go, name: "go1.x"}},
	} {
		got, err := parseRuntime(c.name, c.kind)
		if err != nil || got != c.want {
			t.Errorf("parseRuntime(%q, %s) = %+v, %v; want %+v", c.name, c.kind, got, err, c.want)
		}
	}
	for _, bad := range []string{"nodejs16.x", "nodejs26.x", "nodejs22", "node22.x"} {
		if _, err := parseRuntime(bad, Node); err == nil {
			t.Errorf("parseRuntime(%q) accepted it", bad)
		}
	}
}

func TestLambdaNodeFlags(t *testing.T) {
	for _, c := range []struct {
		node    nodeExe
		options string
		want    []string
	}{
		{nodeExe{major: 18, minor: 20}, "", nil},
		{nodeExe{major: 20, minor: 6}, "", nil}, // before require(esm) existed
		{nodeExe{major: 20, minor: 20}, "", []string{"--no-experimental-require-module"}},
		{nodeExe{major: 22, minor: 23}, "", []string{"--no-experimental-require-module", "--no-experimental-detect-module"}},
		{nodeExe{major: 22, minor: 23}, "--enable-source-maps --experimental-require-module", []string{"--no-experimental-detect-module"}},
		{nodeExe{major: 24, minor: 1}, "", nil},
	} {
		if got := lambdaNodeFlags(c.node, c.options); !slices.Equal(got, c.want) {
			t.Errorf("lambdaNodeFlags(v%d.%d, %q) = %q, want %q", c.node.major, c.node.minor, c.options, got, c.want)
		}
	}
}
