package bench

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// exactQuantile is the nearest-rank quantile of sorted values.
func exactQuantile(sorted []time.Duration, q float64) time.Duration {
	rank := max(1, int(math.Ceil(q*float64(len(sorted)))))
	return sorted[rank-1]
}

func TestHistogramMatchesExactPercentiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name string
		gen  func() time.Duration
	}{
		// Latency-like: log-normal around 2ms, spanning microseconds to a second.
		{"lognormal", func() time.Duration { return time.Duration(math.Exp(rng.NormFloat64()*1.5 + math.Log(2e6))) }},
		{"uniform", func() time.Duration { return time.Duration(rng.Int64N(int64(50 * time.Millisecond))) }},
		{"small", func() time.Duration { return time.Duration(rng.Int64N(300)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHistogram()
			vals := make([]time.Duration, 100_000)
			var sum time.Duration
			for i := range vals {
				vals[i] = tc.gen()
				sum += vals[i]
				h.record(vals[i])
			}
			slices.Sort(vals)
			s := h.snapshot()
			if s.total != int64(len(vals)) {
				t.Fatalf("total = %d, want %d", s.total, len(vals))
			}
			for _, q := range []float64{0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 1} {
				got, want := s.quantile(q), exactQuantile(vals, q)
				if d := math.Abs(float64(got - want)); d > 0.01*float64(want) && d > 1 {
					t.Errorf("q%v = %v, exact %v (error %.2f%%)", q, got, want, 100*d/float64(want))
				}
			}
			if time.Duration(s.max) != vals[len(vals)-1] || time.Duration(s.min) != vals[0] {
				t.Errorf("min/max = %v/%v, want %v/%v", s.min, s.max, vals[0], vals[len(vals)-1])
			}
			if s.mean() != sum/time.Duration(len(vals)) {
				t.Errorf("mean = %v, want %v", s.mean(), sum/time.Duration(len(vals)))
			}
		})
	}
}

func TestHistogramBucketsAreContiguous(t *testing.T) {
	// Every bucket's range starts right after the previous one ends, and values map back into the
	// bucket that bucketBounds describes.
	next := int64(0)
	for i := range numBuckets {
		lo, w := bucketBounds(i)
		if lo != next {
			t.Fatalf("bucket %d starts at %d, want %d", i, lo, next)
		}
		if bucketIndex(uint64(lo)) != i || bucketIndex(uint64(lo+w-1)) != i {
			t.Fatalf("bucket %d [%d,%d] does not map back", i, lo, lo+w-1)
		}
		next = lo + w
	}
	if next != maxTrackable+1 {
		t.Errorf("buckets end at %d, want %d", next, int64(maxTrackable)+1)
	}
	if bucketIndex(math.MaxUint64) != numBuckets-1 {
		t.Errorf("huge values must land in the last bucket")
	}
}

func TestHistogramEdgeCases(t *testing.T) {
	h := newHistogram()
	if s := h.snapshot(); s.quantile(0.5) != 0 || s.mean() != 0 || s.max != 0 || s.min != 0 {
		t.Errorf("empty histogram: %+v", s)
	}
	h.record(-5)
	h.record(3 * time.Hour) // beyond maxTrackable: kept in the last bucket, max stays exact
	s := h.snapshot()
	if s.min != 0 || time.Duration(s.max) != 3*time.Hour || s.quantile(1) != 3*time.Hour {
		t.Errorf("min %d max %d q1 %v", s.min, s.max, s.quantile(1))
	}
}

func TestHistogramSinceAndConcurrentRecords(t *testing.T) {
	h := newHistogram()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				h.record(time.Duration(g*1000+i) * time.Microsecond)
			}
		})
	}
	wg.Wait()
	first := h.snapshot()
	if first.total != 8000 || time.Duration(first.max) != 7999*time.Microsecond {
		t.Fatalf("total %d max %v", first.total, time.Duration(first.max))
	}
	for range 10 {
		h.record(time.Second)
	}
	d := h.snapshot().since(first)
	if d.total != 10 {
		t.Fatalf("interval total = %d, want 10", d.total)
	}
	if q := d.quantile(0.5); math.Abs(float64(q-time.Second)) > 0.005*float64(time.Second) {
		t.Errorf("interval median = %v, want about 1s", q)
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	h := newHistogram()
	b.RunParallel(func(pb *testing.PB) {
		d := time.Duration(1234567)
		for pb.Next() {
			h.record(d)
			d += 997
		}
	})
}
