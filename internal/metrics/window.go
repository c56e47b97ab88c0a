package metrics

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultPeriod is Metric's period when MetricOptions.Period is 0: CDK's default.
const DefaultPeriod = 5 * time.Minute

// ErrNoData is returned (wrapped) by Metric for a statistic that has no value because the period
// holds no datapoints: an Average, Minimum, Maximum or percentile of nothing. Sum and
// SampleCount are 0 then.
var ErrNoData = errors.New("no datapoints in the period")

// The metric names Metric knows: API Gateway's CloudWatch metrics for WebSocket APIs.
var metricNames = []string{"ConnectCount", "MessageCount", "IntegrationError", "ClientError", "ExecutionError", "IntegrationLatency"}

// countOf maps a count metric's name to its counter.
var countOf = map[string]int{
	"ConnectCount":     cConnect,
	"MessageCount":     cMessage,
	"IntegrationError": cIntegrationError,
	"ClientError":      cClientError,
	"ExecutionError":   cExecutionError,
}

// MetricOptions choose the statistic, the period and the route of Metric, as CDK's
// MetricOptions (statistic, period, dimensionsMap) do.
type MetricOptions struct {
	// Statistic is Sum, Average, Minimum, Maximum, SampleCount or pNN (p50, p99, p99.9), with
	// CDK's aliases (avg, min, max, n, case-insensitive). Default Average (CDK's).
	Statistic string
	// Period is how far back from now the statistic looks. Default DefaultPeriod; at most the
	// Registry's retention.
	Period time.Duration
	// Route limits the statistic to one route key (the Route dimension); it needs detailed
	// metrics. Default: the whole stage.
	Route string
}

// sample is a series' state at a tick: its cumulative counts, and the smallest and largest
// latency of the interval that ended at the tick.
type sample struct {
	at       time.Time
	cum      *cumulative // shared with the previous sample when nothing changed
	min, max int64
}

// cumulative are a series' counters and latency histogram (without the interval's extremes).
type cumulative struct {
	counts  [nCounts]uint64
	buckets []uint64
	sum     int64
}

func (c *cumulative) equal(o *cumulative) bool {
	return c.counts == o.counts && c.sum == o.sum && slices.Equal(c.buckets, o.buckets)
}

// read returns the series' current values; with reset the latency interval starts over.
func (s *Series) read(reset bool) (*cumulative, int64, int64) {
	c := &cumulative{}
	for i := range s.counts {
		c.counts[i] = s.counts[i].Load()
	}
	h := s.latency.read(reset)
	c.buckets, c.sum = h.buckets, h.sum
	return c, h.min, h.max
}

// Tick records every series' state at now, the history Metric computes from. The owner calls
// it every Options.Resolution.
func (r *Registry) Tick(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.allSeries() {
		c, lo, hi := s.read(true)
		if n := len(s.history); n > 0 && s.history[n-1].cum.equal(c) {
			c = s.history[n-1].cum
		}
		if len(s.history) >= r.capacity {
			copy(s.history, s.history[1:])
			s.history = s.history[:len(s.history)-1]
			s.evicted = true
		}
		s.history = append(s.history, sample{at: now, cum: c, min: lo, max: hi})
	}
}

// window is what a series did over a period: the changes of its counters and histogram, and
// its smallest and largest latency.
type window struct {
	counts   [nCounts]uint64
	buckets  []uint64
	sum      int64
	min, max int64
}

// windowOf computes s's window from the latest sample at or before from (zero when there is
// none: the series began later) to its live values.
func (s *Series) windowOf(from time.Time) (window, error) {
	live, lo, hi := s.read(false)
	w := window{buckets: slices.Clone(live.buckets), sum: live.sum, counts: live.counts, min: lo, max: hi}
	i := len(s.history) - 1
	for i >= 0 && s.history[i].at.After(from) {
		w.min, w.max = min(w.min, s.history[i].min), max(w.max, s.history[i].max)
		i--
	}
	if i < 0 {
		if s.evicted {
			return w, errors.New("the period reaches back further than the history kept")
		}
		return w, nil
	}
	base := s.history[i].cum
	for k := range w.counts {
		w.counts[k] -= base.counts[k]
	}
	for k := range w.buckets {
		w.buckets[k] -= base.buckets[k]
	}
	w.sum -= base.sum
	return w, nil
}

// add merges o into w.
func (w *window) add(o window) {
	for k := range w.counts {
		w.counts[k] += o.counts[k]
	}
	if w.buckets == nil {
		w.buckets = make([]uint64, nBuckets)
	}
	for k := range o.buckets {
		w.buckets[k] += o.buckets[k]
	}
	w.sum += o.sum
	w.min, w.max = min(w.min, o.min), max(w.max, o.max)
}

// Metric computes a statistic of one of API Gateway's metrics (ConnectCount, MessageCount,
// IntegrationError, ClientError, ExecutionError, IntegrationLatency) over the period that ends
// at now, from the same counters and histogram the Prometheus collector reports: Sum is the
// counter's increase, and IntegrationLatency's statistics are in milliseconds, as CloudWatch
// reports them. A count metric counts 1 per occurrence, so its Average, Minimum, Maximum and
// percentiles are 1 when it occurred. Percentiles of IntegrationLatency are interpolated in the
// histogram's buckets (as Prometheus's histogram_quantile does) and clamped to the smallest and
// largest latency seen. The start of the period is accurate to the resolution of Tick.
func (r *Registry) Metric(name string, opts MetricOptions, now time.Time) (float64, error) {
	stat, q, err := parseStatistic(opts.Statistic)
	if err != nil {
		return 0, err
	}
	_, isCount := countOf[name]
	if !isCount && name != "IntegrationLatency" {
		return 0, fmt.Errorf("metric %q: API Gateway's WebSocket metrics are %s", name, strings.Join(metricNames, ", "))
	}
	period := opts.Period
	if period == 0 {
		period = DefaultPeriod
	}
	if period < 0 || period > r.retention {
		return 0, fmt.Errorf("metric %s: period %v: must be more than 0 and at most %v (the history kept)", name, period, r.retention)
	}
	r.mu.Lock()
	var series []*Series
	if opts.Route != "" {
		s, ok := (*r.routes.Load())[opts.Route]
		if !ok && !r.detailed.Load() {
			r.mu.Unlock()
			return 0, fmt.Errorf("metric %s for route %q: per-route metrics need stage.detailedMetrics: true", name, opts.Route)
		}
		if ok {
			series = []*Series{s}
		}
	} else {
		series = r.allSeries()
	}
	total := window{buckets: make([]uint64, nBuckets), min: noMin, max: noMax}
	for _, s := range series {
		w, err := s.windowOf(now.Add(-period))
		if err != nil {
			r.mu.Unlock()
			return 0, fmt.Errorf("metric %s: %w", name, err)
		}
		total.add(w)
	}
	r.mu.Unlock()

	if isCount {
		n := float64(total.counts[countOf[name]])
		switch stat {
		case "Sum", "SampleCount":
			return n, nil
		}
		if n == 0 {
			return 0, fmt.Errorf("metric %s %s: %w", name, opts.Statistic, ErrNoData)
		}
		return 1, nil
	}
	var count uint64
	for _, b := range total.buckets {
		count += b
	}
	const ms = float64(time.Millisecond)
	switch stat {
	case "Sum":
		return float64(total.sum) / ms, nil
	case "SampleCount":
		return float64(count), nil
	}
	if count == 0 {
		return 0, fmt.Errorf("metric %s %s: %w", name, opts.Statistic, ErrNoData)
	}
	switch stat {
	case "Average":
		return float64(total.sum) / float64(count) / ms, nil
	case "Minimum":
		return float64(total.min) / ms, nil
	case "Maximum":
		return float64(total.max) / ms, nil
	}
	v, _ := quantile(q, total.buckets, total.min, total.max)
	return v / ms, nil
}

// parseStatistic returns the canonical name of a statistic ("Sum", "Average", "Minimum",
// "Maximum", "SampleCount" or "p") and, for a percentile, its quantile.
func parseStatistic(s string) (string, float64, error) {
	switch strings.ToLower(s) {
	case "", "average", "avg":
		return "Average", 0, nil
	case "sum":
		return "Sum", 0, nil
	case "minimum", "min":
		return "Minimum", 0, nil
	case "maximum", "max":
		return "Maximum", 0, nil
	case "samplecount", "n":
		return "SampleCount", 0, nil
	}
	if rest, ok := strings.CutPrefix(strings.ToLower(s), "p"); ok {
		if v, err := strconv.ParseFloat(rest, 64); err == nil && v >= 0 && v <= 100 && !math.IsNaN(v) {
			return "p", v / 100, nil
		}
	}
	return "", 0, fmt.Errorf("statistic %q: must be Sum, Average, Minimum, Maximum, SampleCount or pNN (p50, p99, p99.9)", s)
}
