package config

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestWatcherSeesContentChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte("name: a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	w := NewWatcher(path)
	if w.Changed() {
		t.Fatal("changed without an edit")
	}
	if err := os.WriteFile(path, []byte("name: a\n"), 0o644); err != nil { // same content
		t.Fatal(err)
	}
	if w.Changed() {
		t.Fatal("rewriting the same content counts as a change")
	}
	// An editor that writes a new file and renames it over the old one.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte("name: b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	if !w.Changed() {
		t.Fatal("a renamed-over file is not a change")
	}
	if w.Changed() {
		t.Fatal("one edit reported twice")
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if w.Changed() {
		t.Fatal("a missing file counts as a change")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan struct{}, 1)
	go w.Watch(ctx, 5*time.Millisecond, func() { got <- struct{}{} })
	if err := os.WriteFile(path, []byte("name: c\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case <-got:
	case <-ctx.Done():
		t.Fatal("Watch did not report the edit")
	}
}
