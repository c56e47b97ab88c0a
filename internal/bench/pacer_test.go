package bench

import (
	"testing"
	"time"
)

func TestPacer(t *testing.T) {
	start := time.Unix(1000, 0)
	p := pacer{start: start, rate: 1000}
	for _, tc := range []struct {
		after time.Duration
		due   int64
	}{
		{-time.Second, 0},
		{0, 0},
		{999 * time.Microsecond, 0},
		{time.Millisecond, 1},
		{1500 * time.Millisecond, 1500},
		{10 * time.Second, 10000},
	} {
		if got := p.due(start.Add(tc.after)); got != tc.due {
			t.Errorf("due after %v = %d, want %d", tc.after, got, tc.due)
		}
	}
	if got := p.at(250); !got.Equal(start.Add(250 * time.Millisecond)) {
		t.Errorf("at(250) = %v", got.Sub(start))
	}
	// at and due agree: event n is due exactly at at(n).
	slow := pacer{start: start, rate: 3}
	for n := range int64(10) {
		if got := slow.due(slow.at(n)); got != n {
			t.Errorf("due(at(%d)) = %d", n, got)
		}
	}
}
