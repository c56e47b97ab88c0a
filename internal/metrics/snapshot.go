package metrics

import (
	"slices"
	"strings"
	"time"
)

// Snapshot is a Registry's counters at one moment, for a live view (the admin dashboard): take
// two and Sub the earlier from the later to see what happened in between.
type Snapshot struct {
	// Stage counts the whole stage: every route's events and the route-less ones.
	Stage Counts
	// Routes are the per-route series, by route key; only those that have seen an event while
	// detailed metrics were on.
	Routes []Counts
	// Detailed reports whether per-route series are on now.
	Detailed bool
	// Dropped counts messages not sent because a connection's send queue was full.
	Dropped uint64
	// Functions are the functions' counters, by name.
	Functions []FunctionCounts
}

// Counts are one series' counters and latency histogram: cumulative in a Snapshot, a difference
// after Sub.
type Counts struct {
	// Route is the route key; "" for the stage.
	Route             string
	Connects          uint64 // ConnectCount
	Messages          uint64 // MessageCount: messages in and out
	IntegrationErrors uint64 // IntegrationError
	ClientErrors      uint64 // ClientError, throttled requests included
	ExecutionErrors   uint64 // ExecutionError
	Throttled         uint64 // requests refused by the stage's throttle
	Latency           Latency
}

// Latency is the state of a latency histogram (IntegrationLatency's buckets and sum).
type Latency struct {
	buckets []uint64 // per bucket, +Inf last; nil when empty
	sum     int64    // nanoseconds
}

// FunctionCounts are one function's counters (Lambda's Invocations, Errors, Throttles).
type FunctionCounts struct {
	Name        string
	Invocations uint64
	Errors      uint64 // timeouts included
	Timeouts    uint64
	Throttles   uint64
	ColdStarts  uint64
	Duration    Latency
}

// Snapshot reads every counter. It takes no lock the message path takes, and costs a few
// atomic loads per series.
func (r *Registry) Snapshot() Snapshot {
	s := Snapshot{Detailed: r.detailed.Load(), Dropped: r.dropped.Load()}
	s.Stage = r.whole.snapshot()
	for _, rs := range *r.routes.Load() {
		c := rs.snapshot()
		s.Stage.add(c)
		s.Routes = append(s.Routes, c)
	}
	slices.SortFunc(s.Routes, func(a, b Counts) int { return strings.Compare(a.Route, b.Route) })
	for _, f := range *r.functions.Load() {
		d := f.duration.read(false)
		s.Functions = append(s.Functions, FunctionCounts{
			Name:        f.name,
			Invocations: f.invocations.Load(),
			Errors:      f.errors.Load(),
			Timeouts:    f.timeouts.Load(),
			Throttles:   f.throttles.Load(),
			ColdStarts:  f.coldStarts.Load(),
			Duration:    Latency{buckets: d.buckets, sum: d.sum},
		})
	}
	slices.SortFunc(s.Functions, func(a, b FunctionCounts) int { return strings.Compare(a.Name, b.Name) })
	return s
}

// snapshot reads the series.
func (s *Series) snapshot() Counts {
	h := s.latency.read(false)
	return Counts{
		Route:             s.route,
		Connects:          s.counts[cConnect].Load(),
		Messages:          s.counts[cMessage].Load(),
		IntegrationErrors: s.counts[cIntegrationError].Load(),
		ClientErrors:      s.counts[cClientError].Load(),
		ExecutionErrors:   s.counts[cExecutionError].Load(),
		Throttled:         s.counts[cThrottled].Load(),
		Latency:           Latency{buckets: h.buckets, sum: h.sum},
	}
}

// add adds o's counts to c's.
func (c *Counts) add(o Counts) {
	c.Connects += o.Connects
	c.Messages += o.Messages
	c.IntegrationErrors += o.IntegrationErrors
	c.ClientErrors += o.ClientErrors
	c.ExecutionErrors += o.ExecutionErrors
	c.Throttled += o.Throttled
	c.Latency = c.Latency.plus(o.Latency, 1)
}

// Sub returns what happened between earlier and c: each count minus earlier's (0 where earlier
// is larger, as after a restart).
func (c Counts) Sub(earlier Counts) Counts {
	sub := func(a, b uint64) uint64 {
		if b > a {
			return 0
		}
		return a - b
	}
	return Counts{
		Route:             c.Route,
		Connects:          sub(c.Connects, earlier.Connects),
		Messages:          sub(c.Messages, earlier.Messages),
		IntegrationErrors: sub(c.IntegrationErrors, earlier.IntegrationErrors),
		ClientErrors:      sub(c.ClientErrors, earlier.ClientErrors),
		ExecutionErrors:   sub(c.ExecutionErrors, earlier.ExecutionErrors),
		Throttled:         sub(c.Throttled, earlier.Throttled),
		Latency:           c.Latency.Sub(earlier.Latency),
	}
}

// Errors is the sum of the three error counts.
func (c Counts) Errors() uint64 { return c.IntegrationErrors + c.ClientErrors + c.ExecutionErrors }

// plus returns l with sign times o's buckets and sum added.
func (l Latency) plus(o Latency, sign int64) Latency {
	if o.buckets == nil {
		return l
	}
	out := Latency{buckets: make([]uint64, nBuckets), sum: l.sum + sign*o.sum}
	copy(out.buckets, l.buckets)
	for i, b := range o.buckets {
		if sign < 0 {
			out.buckets[i] -= min(b, out.buckets[i])
		} else {
			out.buckets[i] += b
		}
	}
	out.sum = max(out.sum, 0)
	return out
}

// Sub returns the observations made between earlier and l.
func (l Latency) Sub(earlier Latency) Latency { return l.plus(earlier, -1) }

// Count is the number of observations.
func (l Latency) Count() uint64 {
	var n uint64
	for _, b := range l.buckets {
		n += b
	}
	return n
}

// Mean is the average observation; ok is false when there is none.
func (l Latency) Mean() (d time.Duration, ok bool) {
	n := l.Count()
	if n == 0 {
		return 0, false
	}
	return time.Duration(l.sum / int64(n)), true
}

// Quantile estimates the q-quantile (0 ≤ q ≤ 1) from the buckets, as Prometheus's
// histogram_quantile does; ok is false when there are no observations.
func (l Latency) Quantile(q float64) (d time.Duration, ok bool) {
	v, ok := quantile(q, l.buckets, noMin, noMax)
	return time.Duration(v), ok
}
