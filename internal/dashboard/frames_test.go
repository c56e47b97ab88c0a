package dashboard

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func testRecorder(opts Options) (*recorder, *budget, func(time.Duration)) {
	now := time.Unix(1700000000, 0)
	var mu sync.Mutex
	opts.Now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	opts.Frames = orDefault(opts.Frames, DefaultFrames)
	opts.FrameBytes = orDefault(opts.FrameBytes, DefaultFrameBytes)
	opts.Linger = orDefault(opts.Linger, DefaultLinger)
	b := &budget{maxBytes: int64(orDefault(opts.MaxBytes, DefaultMaxBytes)), maxRings: int64(orDefault(opts.MaxConnections, DefaultMaxConnections))}
	advance := func(d time.Duration) {
		mu.Lock()
		now = now.Add(d)
		mu.Unlock()
	}
	return newRecorder(&opts, b), b, advance
}

func TestRingKeepsTheLatestFramesCut(t *testing.T) {
	r, b, _ := testRecorder(Options{Frames: 3, FrameBytes: 8})
	for i := range 5 {
		r.Frame("c", i%2 == 0, false, []byte(fmt.Sprint("frame-", i)), time.Now())
	}
	frames, ok := r.frames("c", 0)
	if !ok || len(frames) != 3 || frames[0].Seq != 3 || frames[2].Seq != 5 || frames[2].Data != "frame-4" {
		t.Fatalf("frames %+v, want the last 3", frames)
	}
	if newer, _ := r.frames("c", 4); len(newer) != 1 || newer[0].Seq != 5 {
		t.Errorf("frames after 4: %+v", newer)
	}
	if n := b.bytes.Load(); n != 3*7 {
		t.Errorf("budget counts %d bytes, want 21 (three frames of 7)", n)
	}

	r.Frame("c", true, false, []byte("ééééé"), time.Now()) // 10 bytes: cut at 8, between runes
	frames, _ = r.frames("c", 5)
	if f := frames[0]; f.Data != "éééé" || !f.Truncated || f.Size != 10 {
		t.Errorf("a long text frame was kept as %+v", f)
	}
	r.Frame("c", false, true, []byte(strings.Repeat("\x01", 20)), time.Now())
	frames, _ = r.frames("c", 6)
	if f := frames[0]; f.Data != "AQEBAQEBAQE=" || !f.Truncated || f.Size != 20 || !f.Binary {
		t.Errorf("a long binary frame was kept as %+v", f)
	}
	if _, ok := r.frames("other", 0); ok {
		t.Error("a connection without frames has a ring")
	}
}

func TestRingsAreBoundedAndForgotten(t *testing.T) {
	r, b, advance := testRecorder(Options{MaxBytes: 10, MaxConnections: 2, Linger: time.Minute})
	r.Opened("a")
	r.Frame("a", true, false, []byte("12345678"), time.Now())
	r.Frame("a", true, false, []byte("12345678"), time.Now()) // over the byte budget: kept without data
	frames, _ := r.frames("a", 0)
	if len(frames) != 2 || frames[0].Data != "12345678" || frames[1].Data != "" || !frames[1].Truncated || frames[1].Size != 8 {
		t.Errorf("frames %+v, want the second without its data", frames)
	}
	r.Frame("b", true, false, nil, time.Now())
	r.Frame("c", true, false, []byte("x"), time.Now()) // a third connection: over MaxConnections
	if _, ok := r.frames("c", 0); ok {
		t.Error("a third connection got a ring past MaxConnections 2")
	}
	if b.rings.Load() != 2 || b.bytes.Load() != 8 {
		t.Errorf("budget: %d rings %d bytes, want 2 and 8", b.rings.Load(), b.bytes.Load())
	}

	r.Closed("a")
	advance(30 * time.Second)
	r.sweep(r.opts.Now())
	if _, ok := r.frames("a", 0); !ok {
		t.Fatal("a closed connection's frames were forgotten before Linger")
	}
	advance(31 * time.Second)
	r.Opened("d") // sweeps (the last sweep was over a second ago)
	if _, ok := r.frames("a", 0); ok {
		t.Error("a closed connection's frames outlived Linger")
	}
	if b.rings.Load() != 2 || b.bytes.Load() != 0 {
		t.Errorf("after the sweep: %d rings %d bytes, want 2 (b, d) and 0", b.rings.Load(), b.bytes.Load())
	}
	r.reset()
	if b.rings.Load() != 0 || b.bytes.Load() != 0 {
		t.Errorf("after reset: %d rings %d bytes", b.rings.Load(), b.bytes.Load())
	}
}

// TestRecorderUnderConcurrentFrames: the budget's counts match what the rings hold after many
// goroutines record, close and sweep at once (run with -race).
func TestRecorderUnderConcurrentFrames(t *testing.T) {
	r, b, advance := testRecorder(Options{Frames: 4, FrameBytes: 16, MaxBytes: 1000, MaxConnections: 20, Linger: time.Millisecond})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 300 {
				id := fmt.Sprint("conn-", (g*7+i)%30)
				r.Frame(id, i%2 == 0, false, []byte(strings.Repeat("x", i%40)), time.Now())
				if i%50 == 0 {
					r.Closed(id)
					advance(time.Second)
					r.maybeSweep()
				}
			}
		}()
	}
	wg.Wait()
	var rings, bytes int64
	for i := range r.shards {
		for _, g := range r.shards[i].rings {
			rings++
			for _, f := range g.frames {
				bytes += int64(f.kept)
			}
		}
	}
	if rings != b.rings.Load() || bytes != b.bytes.Load() || rings > 20 || bytes > 1000 {
		t.Errorf("rings hold %d rings and %d bytes; the budget counts %d and %d (bounds 20, 1000)", rings, bytes, b.rings.Load(), b.bytes.Load())
	}
}

// BenchmarkRecorderFrame is the cost the tap adds to each frame on the message path: 100-byte
// frames over 1,000 connections from parallel goroutines.
func BenchmarkRecorderFrame(b *testing.B) {
	r, _, _ := testRecorder(Options{})
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = fmt.Sprintf("conn-%04d", i)
	}
	data := []byte(strings.Repeat("x", 100))
	at := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			r.Frame(ids[i%len(ids)], i%2 == 0, false, data, at)
			i += 7
		}
	})
}
