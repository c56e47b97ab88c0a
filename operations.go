package switchboard

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/switchboardhq/switchboard/internal/admin"
	"github.com/switchboardhq/switchboard/internal/app"
	"github.com/switchboardhq/switchboard/internal/config"
	"github.com/switchboardhq/switchboard/internal/dashboard"
	"github.com/switchboardhq/switchboard/internal/metrics"
)

// WithoutMetrics turns the API's metrics off. They are on by default and cost little
// (docs/performance.md); this exists to measure that cost. Metric then returns an error.
func WithoutMetrics() Option { return func(o *options) { o.noMetrics = true } }

// MetricOptions choose the statistic, period and route of Metric, as CDK's MetricOptions do for
// WebSocketStage.metric (statistic, period, dimensionsMap).
type MetricOptions struct {
	// Statistic is "Sum", "Average", "Minimum", "Maximum", "SampleCount" or a percentile "pNN"
	// ("p50", "p99", "p99.9"); CDK's aliases ("avg", "min", "max", "n") work too, in any case.
	// Default "Average", CDK's default.
	Statistic string
	// Period is how far back from now the statistic looks: default five minutes (CDK's), at
	// most three hours. Its start is accurate to ten seconds.
	Period time.Duration
	// Route limits the statistic to one route key (the Route dimension); the stage needs
	// detailed metrics (Stage.DetailedMetrics, config stage.detailedMetrics). Default: the
	// whole stage.
	Route string
}

// ErrNoData is returned (errors.Is) by Metric for an Average, Minimum, Maximum or percentile of
// a period without datapoints; Sum and SampleCount are 0 then.
var ErrNoData = metrics.ErrNoData

// Metric returns a statistic of one of API Gateway's CloudWatch metrics for the stage, over the
// last Period (CDK's WebSocketStage.metric): "ConnectCount", "MessageCount",
// "IntegrationError", "ClientError", "ExecutionError" or "IntegrationLatency" (in milliseconds,
// as CloudWatch reports it). It is computed from the same counters and histogram that /metrics
// shows (docs/operations.md has the counting rules).
func (a *API) Metric(name string, opts MetricOptions) (float64, error) {
	return a.app.Metric(name, metrics.MetricOptions(opts))
}

// DeploymentID is the id of the deployment in force: the one Deploy returned, or that the last
// applied config reload logged.
func (a *API) DeploymentID() string { return a.app.DeploymentID() }

// AutoDeploy reports whether the deployed config has stage.autoDeploy on: config file changes
// are then applied as they are saved (WatchConfig), otherwise on Reload (SIGHUP for serve).
func (a *API) AutoDeploy() bool { return a.app.AutoDeploy() }

// Reload's errors for APIs it cannot reload.
var (
	errNoFile   = errors.New("reload: the API was not loaded from a config file")
	errTemplate = errors.New("reload: the APIs of a template are not reloaded; restart to apply a changed template")
)

// Reload reads the API's config file again and deploys it, as a new API Gateway deployment:
// routes added, removed or retargeted, defaults.function, the authorizer, throttling, access
// logs, stage variables and the limits of new connections. Open connections stay open and their
// next message uses the new routes. A file with mistakes changes nothing: each problem is logged
// with its file:line and returned. Changes that need a restart (the listen address, stage name,
// node id, the API's identity, custom domain, admin address) are logged and left as they are.
// It returns the new deployment's id.
func (a *API) Reload(ctx context.Context) (string, error) {
	return a.reload(ctx, "reload")
}

func (a *API) reload(ctx context.Context, why string) (string, error) {
	path := a.app.Config().File
	switch {
	case a.fromTemplate:
		a.app.LogRejected(errTemplate, why)
		return "", errTemplate
	case path == "":
		return "", errNoFile
	}
	cfg, err := config.Load(path)
	if err == nil && len(a.opts.handlers) > 0 {
		for key, h := range a.opts.handlers {
			cfg.Routes[key] = goRoute(key, h, cfg.Routes[key])
		}
		err = config.Validate(cfg)
	}
	if err == nil {
		err = applyNATS(cfg, a.opts) // --nats, as at start: not a change
	}
	if err == nil {
		err = cfg.Unsupported(app.Supported)
	}
	if err != nil {
		a.app.LogRejected(err, why)
		return "", err
	}
	return a.app.Apply(ctx, cfg, why)
}

// WatchConfig watches the API's config file, reading it every interval (one second when 0),
// and deploys each change (as Reload does) while stage.autoDeploy is on, until ctx ends. It
// does nothing for an API defined in Go or by a template.
func (a *API) WatchConfig(ctx context.Context, interval time.Duration) {
	path := a.app.Config().File
	if path == "" || a.fromTemplate {
		return
	}
	w := config.NewWatcher(path)
	w.Watch(ctx, interval, func() {
		if a.AutoDeploy() {
			_, _ = a.reload(ctx, "autoDeploy")
		}
	})
}

// AdminAddress is the config's server.admin: where `switchboard serve` serves the admin
// endpoints unless --admin says otherwise; "" for none.
func (a *API) AdminAddress() string { return a.app.Config().Server.Admin }

// Admin serves the admin endpoints of one or more APIs: GET /metrics (the Prometheus text
// format: API Gateway's metrics and Switchboard's own for every API, labelled by api and stage,
// and the Go and process collectors), /healthz, /readyz, and the live dashboard at /
// (docs/dashboard.md), which can send messages to connections and close them. It has no
// authentication: serve it on a private listener of its own, never on the APIs' listener
// (`switchboard serve --admin`).
type Admin struct {
	h    *admin.Handler
	dash *dashboard.Handler // nil without APIs
}

// NewAdmin returns the admin handler of apis, with the dashboard of every one of them at /.
// /readyz answers 503 until SetReady.
func NewAdmin(apis ...*API) (*Admin, error) {
	var regs []*metrics.Registry
	for _, a := range apis {
		if r := a.app.Metrics(); r != nil {
			regs = append(regs, r)
		}
	}
	g, err := metrics.NewGatherer(regs...)
	if err != nil {
		return nil, err
	}
	var logger *slog.Logger
	if len(apis) > 0 && apis[0].opts != nil {
		logger = apis[0].opts.logger
	}
	ad := &Admin{h: admin.New(admin.Options{Gatherer: g, Logger: logger})}
	if len(apis) > 0 {
		views := make([]dashboard.API, len(apis))
		for i, a := range apis {
			views[i] = a.app.DashboardAPI()
		}
		ad.dash = dashboard.New(dashboard.Options{APIs: views, Logger: logger})
		ad.h.Mount("/", ad.dash)
	}
	return ad, nil
}

// Close ends the dashboard's live streams and stops its recording of frames; the endpoints
// still answer. Call it before closing the admin listener's server gracefully, whose Shutdown
// would otherwise wait for the streams.
func (ad *Admin) Close() {
	if ad.dash != nil {
		ad.dash.Close()
	}
}

// Handler is the admin endpoints' http.Handler.
func (ad *Admin) Handler() http.Handler { return ad.h }

// SetReady makes /readyz answer 200 (once the APIs serve), unless draining has begun.
func (ad *Admin) SetReady() { ad.h.SetReady() }

// SetDraining makes /readyz answer 503 from now on: call it when a shutdown begins, before
// the drain, so that load balancers stop sending new clients.
func (ad *Admin) SetDraining() { ad.h.SetDraining() }

// Mount adds a page to the admin listener (http.ServeMux patterns; the dashboard has "/", every
// path the admin endpoints do not take, so a page goes under a path of its own).
func (ad *Admin) Mount(pattern string, h http.Handler) { ad.h.Mount(pattern, h) }
