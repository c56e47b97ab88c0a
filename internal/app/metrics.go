package app

import (
	"errors"
	"time"

	"github.com/switchboardhq/switchboard/internal/integration/lambda"
	"github.com/switchboardhq/switchboard/internal/metrics"
	"github.com/switchboardhq/switchboard/internal/wsserver"
)

// newMetrics creates the App's metrics registry, nil with Options.NoMetrics.
func (a *App) newMetrics() *metrics.Registry {
	if a.opts.NoMetrics {
		return nil
	}
	return metrics.New(metrics.Options{API: a.cfg.APIID, Stage: a.cfg.Stage.Name, Detailed: a.cfg.Stage.DetailedMetrics})
}

// Metrics is the App's metrics registry (a prometheus.Collector), nil when metrics are off.
func (a *App) Metrics() *metrics.Registry { return a.metrics }

// Metric computes a statistic of one of API Gateway's metrics over the period that ends now
// (see metrics.Registry.Metric).
func (a *App) Metric(name string, opts metrics.MetricOptions) (float64, error) {
	if a.metrics == nil {
		return 0, errMetricsOff
	}
	return a.metrics.Metric(name, opts, a.opts.Now())
}

// errMetricsOff is Metric's error when the App runs without metrics.
var errMetricsOff = errors.New("metrics are off (Options.NoMetrics)")

// startTicker records the metrics' history every resolution, until the App drains.
func (a *App) startTicker() {
	if a.metrics == nil || a.ticker != nil {
		return
	}
	stop := make(chan struct{})
	a.ticker = stop
	go func() {
		t := time.NewTicker(metrics.DefaultResolution)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				a.metrics.Tick(a.opts.Now())
			}
		}
	}()
}

// stopTicker stops what startTicker started.
func (a *App) stopTicker() {
	if a.ticker != nil {
		close(a.ticker)
		a.ticker = nil
	}
}

// wsObserver is what the WebSocket server reports to, nil when metrics are off.
func (a *App) wsObserver() wsserver.Observer {
	if a.metrics == nil {
		return nil
	}
	return wsMetrics{a.metrics}
}

// wsMetrics passes the WebSocket server's reports on to the metrics registry.
type wsMetrics struct{ r *metrics.Registry }

var requestKinds = [...]metrics.Kind{
	wsserver.RequestConnect:    metrics.KindConnect,
	wsserver.RequestMessage:    metrics.KindMessage,
	wsserver.RequestDisconnect: metrics.KindDisconnect,
}

var outcomes = [...]metrics.Outcome{
	wsserver.OutcomeOK:               metrics.OK,
	wsserver.OutcomeClientError:      metrics.ClientError,
	wsserver.OutcomeThrottled:        metrics.Throttled,
	wsserver.OutcomeIntegrationError: metrics.IntegrationError,
	wsserver.OutcomeExecutionError:   metrics.ExecutionError,
}

func (m wsMetrics) Request(r wsserver.Request) {
	m.r.Request(metrics.Request{Kind: requestKinds[r.Kind], Route: r.Route, Reached: r.Reached,
		Outcome: outcomes[r.Outcome], Latency: r.Latency})
}
func (m wsMetrics) Sent(route string) { m.r.Sent(route) }
func (m wsMetrics) Dropped()          { m.r.Dropped() }

// functionObserver is what a function reports to, nil when metrics are off.
func (a *App) functionObserver(name string) lambda.Observer {
	if a.metrics == nil {
		return nil
	}
	return fnMetrics{a.metrics.Function(name)}
}

// fnMetrics passes a function's reports on to its metrics.
type fnMetrics struct{ f *metrics.Function }

func (m fnMetrics) Invoked(d time.Duration, failed, timedOut bool) { m.f.Invoked(d, failed, timedOut) }
func (m fnMetrics) ColdStart(time.Duration)                        { m.f.ColdStart() }
func (m fnMetrics) Throttled()                                     { m.f.Throttled() }

var (
	_ wsserver.Observer = wsMetrics{}
	_ lambda.Observer   = fnMetrics{}
)
