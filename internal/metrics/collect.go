package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// family is one metric name, with its descriptor with and without the route label: a series of
// a route key carries route, the stage's series does not (so an API without detailed metrics
// has none).
type family struct {
	withRoute, noRoute *prometheus.Desc
}

func newFamily(name, help string) family {
	return family{
		withRoute: prometheus.NewDesc(name, help, []string{"api", "stage", "route"}, nil),
		noRoute:   prometheus.NewDesc(name, help, []string{"api", "stage"}, nil),
	}
}

func (f family) desc(route string) (*prometheus.Desc, []string) {
	if route == "" {
		return f.noRoute, nil
	}
	return f.withRoute, []string{route}
}

// The metric families. API Gateway's are named after its CloudWatch metrics.
var (
	counterFamilies = [nCounts]family{
		cConnect:          newFamily("apigateway_connect_count_total", "ConnectCount: connection requests that reached the $connect route."),
		cMessage:          newFamily("apigateway_message_count_total", "MessageCount: messages from clients, and messages sent to clients by two-way routes and @connections."),
		cIntegrationError: newFamily("apigateway_integration_error_total", "IntegrationError: requests whose integration answered with a status of 400 or more."),
		cClientError:      newFamily("apigateway_client_error_total", "ClientError: requests refused with a 4xx before any integration ran (authorizer, no route, throttling)."),
		cExecutionError:   newFamily("apigateway_execution_error_total", "ExecutionError: requests whose integration or authorizer failed (error, crash, malformed response, timeout)."),
		cThrottled:        newFamily("switchboard_throttled_requests_total", "Requests refused by the stage's throttle (429 on a handshake, close 1008 on a message)."),
	}
	latencyFamily = newFamily("apigateway_integration_latency_seconds", "IntegrationLatency: time from relaying a request to the integration to receiving its response.")

	stageLabels     = []string{"api", "stage"}
	connectionsDesc = prometheus.NewDesc("switchboard_connections", "Open WebSocket connections.", stageLabels, nil)
	droppedDesc     = prometheus.NewDesc("switchboard_dropped_messages_total", "Messages not sent because the connection's send queue was full (LimitExceededException).", stageLabels, nil)
	functionLabels  = []string{"api", "stage", "function"}
	fnInvocations   = prometheus.NewDesc("switchboard_function_invocations_total", "Function invocations that ran (Lambda's Invocations).", functionLabels, nil)
	fnErrors        = prometheus.NewDesc("switchboard_function_errors_total", "Function invocations that failed, timeouts included (Lambda's Errors).", functionLabels, nil)
	fnTimeouts      = prometheus.NewDesc("switchboard_function_timeouts_total", "Function invocations that ran past the function's timeout.", functionLabels, nil)
	fnThrottles     = prometheus.NewDesc("switchboard_function_throttles_total", "Function invocations refused because every worker stayed busy (Lambda's Throttles).", functionLabels, nil)
	fnColdStarts    = prometheus.NewDesc("switchboard_function_cold_starts_total", "Function workers started for an invocation.", functionLabels, nil)
	fnDuration      = prometheus.NewDesc("switchboard_function_duration_seconds", "Time a function's handler ran per invocation (Lambda's Duration).", functionLabels, nil)

	_ prometheus.Collector = (*Registry)(nil)
)

// Describe sends nothing: a Registry is an unchecked collector, because a family's series carry
// the route label or not depending on the route (and several Registries, one per API stage,
// share the families).
func (r *Registry) Describe(chan<- *prometheus.Desc) {}

// Collect sends the current value of every series.
func (r *Registry) Collect(ch chan<- prometheus.Metric) {
	for _, s := range r.allSeries() {
		for i := range nCounts {
			d, route := counterFamilies[i].desc(s.route)
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(s.counts[i].Load()), r.labels(route...)...)
		}
		d, route := latencyFamily.desc(s.route)
		ch <- constHistogram(d, s.latency.read(false), r.labels(route...))
	}
	if f := r.connections.Load(); f != nil {
		ch <- prometheus.MustNewConstMetric(connectionsDesc, prometheus.GaugeValue, float64((*f)()), r.api, r.stage)
	}
	ch <- prometheus.MustNewConstMetric(droppedDesc, prometheus.CounterValue, float64(r.dropped.Load()), r.api, r.stage)
	for _, f := range *r.functions.Load() {
		l := []string{r.api, r.stage, f.name}
		ch <- prometheus.MustNewConstMetric(fnInvocations, prometheus.CounterValue, float64(f.invocations.Load()), l...)
		ch <- prometheus.MustNewConstMetric(fnErrors, prometheus.CounterValue, float64(f.errors.Load()), l...)
		ch <- prometheus.MustNewConstMetric(fnTimeouts, prometheus.CounterValue, float64(f.timeouts.Load()), l...)
		ch <- prometheus.MustNewConstMetric(fnThrottles, prometheus.CounterValue, float64(f.throttles.Load()), l...)
		ch <- prometheus.MustNewConstMetric(fnColdStarts, prometheus.CounterValue, float64(f.coldStarts.Load()), l...)
		ch <- constHistogram(fnDuration, f.duration.read(false), l)
	}
}

// labels returns the api and stage label values followed by extra.
func (r *Registry) labels(extra ...string) []string {
	return append([]string{r.api, r.stage}, extra...)
}

// constHistogram renders histogram values in Prometheus's form: cumulative buckets, seconds.
func constHistogram(d *prometheus.Desc, v histValues, labels []string) prometheus.Metric {
	cum := make(map[float64]uint64, len(bounds))
	var n uint64
	for i, b := range bounds {
		n += v.buckets[i]
		cum[b] = n
	}
	n += v.buckets[len(bounds)]
	return prometheus.MustNewConstHistogram(d, n, float64(v.sum)/1e9, cum, labels...)
}

// NewGatherer returns a Prometheus registry of its own (no global collectors) holding the Go
// runtime's and the process's collectors and regs, one per API stage: what /metrics serves.
func NewGatherer(regs ...*Registry) (*prometheus.Registry, error) {
	g := prometheus.NewRegistry()
	cs := []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	}
	for _, r := range regs {
		cs = append(cs, r)
	}
	for _, c := range cs {
		if err := g.Register(c); err != nil {
			return nil, err
		}
	}
	return g, nil
}
