package bench

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// The histogram is HDR-style log-linear: values below 2*subBuckets nanoseconds get one bucket each;
// above that, every power of two is split into subBuckets equal buckets. Reporting a bucket's
// midpoint is then within 1/(2*subBuckets) ≈ 0.4% of the true value.
const (
	subBucketBits = 7
	subBuckets    = 1 << subBucketBits
	// maxBits bounds the values kept apart: 2^43 ns is about 2.4 hours, far beyond any bound a run
	// has; larger values land in the last bucket.
	maxBits      = 43
	maxTrackable = 1<<maxBits - 1
	numBuckets   = (maxBits - subBucketBits + 1) * subBuckets
)

// histogram records durations concurrently without locks: every record is a few atomic adds.
type histogram struct {
	counts [numBuckets]atomic.Int64
	total  atomic.Int64
	sum    atomic.Int64
	min    atomic.Int64 // valid when total > 0
	max    atomic.Int64
}

func newHistogram() *histogram {
	h := &histogram{}
	h.min.Store(math.MaxInt64)
	return h
}

// bucketIndex maps a value to its bucket: idx = e*subBuckets + (v >> e), where e is how far v must
// be shifted right to fit in 2*subBuckets.
func bucketIndex(v uint64) int {
	if v > maxTrackable {
		v = maxTrackable
	}
	e := bits.Len64(v) - (subBucketBits + 1)
	if e < 0 {
		e = 0
	}
	return e*subBuckets + int(v>>uint(e))
}

// bucketBounds returns the smallest value in bucket idx and the bucket's width.
func bucketBounds(idx int) (lower, width int64) {
	if idx < 2*subBuckets {
		return int64(idx), 1
	}
	e := idx/subBuckets - 1
	m := int64(idx - e*subBuckets)
	return m << uint(e), 1 << uint(e)
}

// record adds one observation; negative durations count as zero.
func (h *histogram) record(d time.Duration) {
	v := int64(d)
	if v < 0 {
		v = 0
	}
	h.counts[bucketIndex(uint64(v))].Add(1)
	h.total.Add(1)
	h.sum.Add(v)
	for cur := h.min.Load(); v < cur && !h.min.CompareAndSwap(cur, v); cur = h.min.Load() {
	}
	for cur := h.max.Load(); v > cur && !h.max.CompareAndSwap(cur, v); cur = h.max.Load() {
	}
}

// histSnapshot is a point-in-time copy of a histogram that quantiles are computed from.
type histSnapshot struct {
	counts []int64
	total  int64
	sum    int64
	min    int64 // exact for a full snapshot, bucket-derived for one made by since
	max    int64
}

// snapshot copies the counters. Concurrent records may be half-visible; that only matters for the
// live progress line, which is approximate by nature.
func (h *histogram) snapshot() histSnapshot {
	s := histSnapshot{counts: make([]int64, numBuckets)}
	for i := range h.counts {
		s.counts[i] = h.counts[i].Load()
		s.total += s.counts[i]
	}
	s.sum = h.sum.Load()
	s.min, s.max = h.min.Load(), h.max.Load()
	if s.total == 0 {
		s.min, s.max = 0, 0
	}
	return s
}

// since returns the observations recorded after prev was taken. Its min and max come from the
// buckets, so they are as accurate as the quantiles.
func (s histSnapshot) since(prev histSnapshot) histSnapshot {
	d := histSnapshot{counts: make([]int64, numBuckets), sum: s.sum - prev.sum}
	lo, hi := -1, -1
	for i := range s.counts {
		d.counts[i] = s.counts[i] - prev.counts[i]
		if d.counts[i] > 0 {
			if lo < 0 {
				lo = i
			}
			hi = i
		}
		d.total += d.counts[i]
	}
	if d.total > 0 {
		d.min, _ = bucketBounds(lo)
		l, w := bucketBounds(hi)
		d.max = l + w - 1
	}
	return d
}

// quantile returns the nearest-rank q-quantile (0 < q ≤ 1) as the midpoint of the bucket holding
// that rank, clamped to [min, max] so that quantiles never exceed the maximum; the top rank is
// the maximum itself.
func (s histSnapshot) quantile(q float64) time.Duration {
	if s.total == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(s.total)))
	rank = max(1, min(rank, s.total))
	if rank == s.total {
		return time.Duration(s.max) // the top rank is the maximum, exact in a full snapshot
	}
	var seen int64
	for i, c := range s.counts {
		seen += c
		if seen >= rank {
			lower, width := bucketBounds(i)
			v := lower + (width-1)/2
			return time.Duration(max(s.min, min(v, s.max)))
		}
	}
	return time.Duration(s.max)
}

// mean returns the arithmetic mean of the observations.
func (s histSnapshot) mean() time.Duration {
	if s.total == 0 {
		return 0
	}
	return time.Duration(s.sum / s.total)
}
