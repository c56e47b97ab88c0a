package metrics

import (
	"math"
	"sync/atomic"
	"time"
)

// bounds are the upper bounds of the latency and duration histograms' buckets, in seconds: from
// 100 µs (an in-process handler) to 15 minutes (Lambda's longest timeout). An observation above
// the last bound falls in the +Inf bucket.
var bounds = []float64{
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
	0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900,
}

// nBuckets counts the buckets, +Inf included.
var nBuckets = len(bounds) + 1

// boundNanos are bounds in nanoseconds, for the hot path's comparisons.
var boundNanos = func() []int64 {
	out := make([]int64, len(bounds))
	for i, b := range bounds {
		out[i] = int64(math.Round(b * 1e9))
	}
	return out
}()

// noMin and noMax are a histogram interval's minimum and maximum before its first observation.
const (
	noMin = math.MaxInt64
	noMax = -1
)

// histogram counts observations of a duration in buckets, with their sum, and the smallest and
// largest observation since the last tick (the window's Minimum and Maximum). Every field is
// updated atomically: observing costs a few atomic adds and never locks.
type histogram struct {
	buckets []atomic.Uint64 // per bucket (not cumulative), +Inf last
	sum     atomic.Int64    // nanoseconds
	min     atomic.Int64    // nanoseconds, this interval; noMin when none
	max     atomic.Int64    // nanoseconds, this interval; noMax when none
}

func newHistogram() *histogram {
	h := &histogram{buckets: make([]atomic.Uint64, nBuckets)}
	h.min.Store(noMin)
	h.max.Store(noMax)
	return h
}

// observe records one duration; a negative one counts as 0.
func (h *histogram) observe(d time.Duration) {
	n := max(int64(d), 0)
	i := 0
	for i < len(boundNanos) && n > boundNanos[i] {
		i++
	}
	h.buckets[i].Add(1)
	h.sum.Add(n)
	for {
		m := h.min.Load()
		if n >= m || h.min.CompareAndSwap(m, n) {
			break
		}
	}
	for {
		m := h.max.Load()
		if n <= m || h.max.CompareAndSwap(m, n) {
			break
		}
	}
}

// histValues is a histogram's state at one moment: cumulative bucket counts and sum, and the
// minimum and maximum of one interval.
type histValues struct {
	buckets  []uint64 // per bucket, not cumulative
	sum      int64    // nanoseconds
	min, max int64    // nanoseconds; noMin / noMax when the interval had none
}

// count is the number of observations.
func (v *histValues) count() uint64 {
	var n uint64
	for _, b := range v.buckets {
		n += b
	}
	return n
}

// read returns the histogram's current values; with reset, the interval's minimum and maximum
// start over (a tick).
func (h *histogram) read(reset bool) histValues {
	v := histValues{buckets: make([]uint64, nBuckets), sum: h.sum.Load()}
	for i := range h.buckets {
		v.buckets[i] = h.buckets[i].Load()
	}
	if reset {
		v.min, v.max = h.min.Swap(noMin), h.max.Swap(noMax)
	} else {
		v.min, v.max = h.min.Load(), h.max.Load()
	}
	return v
}

// quantile estimates the q-quantile (0 ≤ q ≤ 1) of the observations counted in buckets the way
// Prometheus's histogram_quantile does: it finds the bucket holding the rank and interpolates
// linearly inside it (from 0 in the first bucket); a rank in the +Inf bucket gives the highest
// finite bound. The result, in nanoseconds, is clamped to [lo, hi], the smallest and largest
// observations when known. ok is false when there are no observations.
func quantile(q float64, buckets []uint64, lo, hi int64) (float64, bool) {
	var total uint64
	for _, b := range buckets {
		total += b
	}
	if total == 0 {
		return 0, false
	}
	rank := q * float64(total)
	var seen float64
	var v float64
	for i, b := range buckets {
		if i == len(buckets)-1 { // +Inf: up to the largest observation when known
			last := float64(boundNanos[len(boundNanos)-1])
			v = last
			if hi != noMax && float64(hi) > last && b > 0 {
				v = last + (float64(hi)-last)*((rank-seen)/float64(b))
			}
			break
		}
		if float64(b) > 0 && seen+float64(b) >= rank {
			lower := 0.0
			if i > 0 {
				lower = float64(boundNanos[i-1])
			}
			upper := float64(boundNanos[i])
			v = lower + (upper-lower)*((rank-seen)/float64(b))
			break
		}
		seen += float64(b)
	}
	if lo != noMin && v < float64(lo) {
		v = float64(lo)
	}
	if hi != noMax && v > float64(hi) {
		v = float64(hi)
	}
	return v, true
}
