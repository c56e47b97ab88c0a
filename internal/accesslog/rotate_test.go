package accesslog

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	slices.Sort(out)
	return out
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFileRotatesDailyAndExpires(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	day := func(d int, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }
	clk := &clock{t: day(20, 10)}
	// A file from an earlier run the day before, and one rotated long ago.
	if err := os.WriteFile(path, []byte("from the 19th\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, day(19, 23), day(19, 23)); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(dir, "access.2026-11-01.log")
	if err := os.WriteFile(old, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	unrelated := filepath.Join(dir, "other.2026-11-01.log")
	if err := os.WriteFile(unrelated, []byte("not ours\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	f, err := OpenFile(path, 1, clk.now, nil) // one_day
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// At start-up: the 19th's file was rotated under its day; the 1st's is past one day's retention.
	if got, want := files(t, dir), []string{"access.2026-11-19.log", "access.log", "other.2026-11-01.log"}; !slices.Equal(got, want) {
		t.Fatalf("after start-up: %v, want %v", got, want)
	}
	if _, err := f.Write([]byte("on the 20th\n")); err != nil {
		t.Fatal(err)
	}
	clk.set(day(21, 0).Add(time.Second))
	if _, err := f.Write([]byte("on the 21st\n")); err != nil {
		t.Fatal(err)
	}
	// The 19th's file ended at the 20th 00:00, a day before: gone at this rotation.
	if got, want := files(t, dir), []string{"access.2026-11-20.log", "access.log", "other.2026-11-01.log"}; !slices.Equal(got, want) {
		t.Fatalf("after the first rotation: %v, want %v", got, want)
	}
	if got := read(t, filepath.Join(dir, "access.2026-11-20.log")); got != "on the 20th\n" {
		t.Errorf("rotated file holds %q", got)
	}
	if got := read(t, path); got != "on the 21st\n" {
		t.Errorf("live file holds %q", got)
	}
	// The 20th's file is kept for a day after the 20th ended...
	clk.set(day(21, 23))
	if _, err := f.Write([]byte("late on the 21st\n")); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(files(t, dir), "access.2026-11-20.log") {
		t.Fatal("the 20th's file went before its retention")
	}
	// ... and deleted at the rotation after that.
	clk.set(day(22, 1))
	if _, err := f.Write([]byte("on the 22nd\n")); err != nil {
		t.Fatal(err)
	}
	if got, want := files(t, dir), []string{"access.2026-11-21.log", "access.log", "other.2026-11-01.log"}; !slices.Equal(got, want) {
		t.Fatalf("after the second rotation: %v, want %v", got, want)
	}
}

func TestFileForeverKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access")
	clk := &clock{t: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	f, err := OpenFile(path, 0, clk.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for d := 0; d < 5; d++ {
		clk.set(time.Date(2026, 1, 1+d, 12, 0, 0, 0, time.UTC))
		if _, err := f.Write([]byte("x\n")); err != nil {
			t.Fatal(err)
		}
	}
	if got := files(t, dir); len(got) != 5 || got[0] != "access" || !strings.HasPrefix(got[1], "access.2026-01-01") {
		t.Fatalf("files %v: want four rotated (no extension) and the live one", got)
	}
}
