package runtimes

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

func TestWriteBootstrap(t *testing.T) {
	cache := t.TempDir()
	files := fstest.MapFS{"a.mjs": {Data: []byte("one")}, "b.mjs": {Data: []byte("two")}}
	dir, err := writeBootstrap(cache, "node", files)
	if err != nil {
		t.Fatal(err)
	}
	a := filepath.Join(dir, "a.mjs")
	if data, err := os.ReadFile(a); err != nil || string(data) != "one" {
		t.Fatalf("a.mjs = %q, %v; want %q", data, err, "one")
	}
	if fi, err := os.Stat(a); err != nil {
		t.Error(err)
	} else if fi.Mode().Perm() != 0o644 {
		t.Errorf("a.mjs mode = %v, want 0644 (readable by workers running as other users)", fi.Mode().Perm())
	}

	// Rewriting restores a damaged file and keeps the directory.
	if err := os.WriteFile(a, []byte("damaged"), 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := writeBootstrap(cache, "node", files)
	if err != nil || again != dir {
		t.Fatalf("second writeBootstrap = %q, %v; want %q", again, err, dir)
	}
	if data, _ := os.ReadFile(a); string(data) != "one" {
		t.Errorf("a.mjs after rewrite = %q, want %q", data, "one")
	}

	// Different content goes to a different directory, leaving the old one for running workers.
	changed, err := writeBootstrap(cache, "node", fstest.MapFS{"a.mjs": {Data: []byte("three")}, "b.mjs": {Data: []byte("two")}})
	if err != nil || changed == dir {
		t.Errorf("writeBootstrap with new content = %q, %v; want a directory other than %q", changed, err, dir)
	}
}
