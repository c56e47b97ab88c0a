package app

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/switchboardhq/switchboard/internal/apigw"
	"github.com/switchboardhq/switchboard/internal/config"
	"github.com/switchboardhq/switchboard/internal/dashboard"
	"github.com/switchboardhq/switchboard/internal/metrics"
	"github.com/switchboardhq/switchboard/internal/wsserver"
)

// DashboardAPI is the App as the admin dashboard sees it.
func (a *App) DashboardAPI() dashboard.API { return dashboardAPI{a} }

// dashboardAPI adapts an App to dashboard.API.
type dashboardAPI struct{ a *App }

var _ dashboard.API = dashboardAPI{}

func (d dashboardAPI) Connections() apigw.Connections { return d.a.Connections() }
func (d dashboardAPI) Directory() apigw.Directory     { return d.a.Directory() }
func (d dashboardAPI) ConnectionCount() int           { return d.a.ws.Len() }

func (d dashboardAPI) Traffic() (metrics.Snapshot, bool) {
	if d.a.metrics == nil {
		return metrics.Snapshot{}, false
	}
	return d.a.metrics.Snapshot(), true
}

func (d dashboardAPI) SetTap(t dashboard.Tap) {
	if t == nil {
		d.a.SetFrameTap(nil)
		return
	}
	d.a.SetFrameTap(frameTap{t})
}

// frameTap passes the WebSocket server's frames to a dashboard.Tap.
type frameTap struct{ t dashboard.Tap }

func (f frameTap) Frame(fr *wsserver.Frame) {
	f.t.Frame(fr.ConnectionID, fr.Inbound, fr.Binary, fr.Data, fr.At)
}
func (f frameTap) Opened(id string) { f.t.Opened(id) }
func (f frameTap) Closed(id string) { f.t.Closed(id) }

// Info describes the deployed API: its routes and the settings a person debugging it looks for.
// Secrets stay out: stage variables are named without their values, URLs lose their passwords.
func (d dashboardAPI) Info() dashboard.Info {
	a := d.a
	cfg := a.Config()
	info := dashboard.Info{Name: cfg.Name, ID: cfg.APIID, Stage: cfg.Stage.Name, URL: a.URL(),
		ManagementEndpoint: a.ManagementEndpoint(), DeploymentID: a.DeploymentID()}
	for _, key := range a.RouteKeys() {
		r, _ := a.Route(key)
		info.Routes = append(info.Routes, dashboard.Route{Key: key, Target: d.target(key, r.Target),
			ReturnResponse: r.ReturnResponse, IAM: r.IAM})
	}
	set := func(name, value string) {
		info.Settings = append(info.Settings, dashboard.Setting{Name: name, Value: value})
	}
	onOff := func(b bool) string {
		if b {
			return "on"
		}
		return "off"
	}
	set("API", cfg.Name+" ("+cfg.APIID+")")
	if cfg.File != "" {
		set("Config file", cfg.File)
	}
	set("Stage", cfg.Stage.Name)
	set("WebSocket URL", a.URL())
	set("Management endpoint", a.ManagementEndpoint()+"/@connections/{connectionId}")
	if u := a.CustomDomainURL(); u != "" {
		set("Custom domain URL", u)
	}
	set("Region and account", cfg.Region+", "+cfg.AccountID)
	set("Deployment", a.DeploymentID()+", autoDeploy "+onOff(cfg.Stage.AutoDeploy))
	set("Route selection", cfg.RouteSelectionExpression)
	auth := string(cfg.Authorizer.Type)
	if auth == "" {
		auth = string(config.AuthorizerNone)
	}
	if cfg.Authorizer.Name != "" {
		auth += " (" + cfg.Authorizer.Name + ")"
	}
	set("Authorizer", auth)
	if t := cfg.Stage.Throttle; t.RateLimit > 0 || t.BurstLimit > 0 {
		set("Throttle", fmt.Sprintf("%g requests/s, burst %d", t.RateLimit, t.BurstLimit))
	} else {
		set("Throttle", "off")
	}
	set("Detailed metrics", onOff(cfg.Stage.DetailedMetrics))
	l := cfg.Limits
	set("Message size", bytesText(l.MaxMessageBytes)+" per message, "+bytesText(l.MaxFrameBytes)+" per frame")
	set("Timeouts", "idle "+l.IdleTimeout.String()+", connection "+l.MaxConnectionDuration.String()+
		", integration "+l.IntegrationTimeout.String()+", write "+l.WriteTimeout.String())
	set("Send queue", bytesText(l.SendQueueBytes)+" per connection")
	set("Binary messages", string(l.BinaryMessages))
	if cfg.AccessLog.Enabled {
		dest := cfg.AccessLog.Destination
		if dest == "" {
			dest = "the log"
		}
		set("Access log", "on, to "+dest)
	} else {
		set("Access log", "off")
	}
	if len(cfg.ConnectionTags) > 0 {
		set("Connection tags", strings.Join(slices.Sorted(maps.Keys(cfg.ConnectionTags)), ", "))
	}
	if len(cfg.Stage.Variables) > 0 {
		set("Stage variables", strings.Join(slices.Sorted(maps.Keys(cfg.Stage.Variables)), ", ")+" (values hidden)")
	}
	if cfg.Cluster.NATS != "" {
		set("Cluster", redactURLs(cfg.Cluster.NATS)+", "+strconv.Itoa(a.ClusterNodes())+" nodes")
	}
	return info
}

// target describes what handles a route.
func (d dashboardAPI) target(key string, t config.Target) string {
	switch t.Kind {
	case config.TargetFunction:
		if f, ok := d.a.routeFunction(key); ok {
			return "function " + f.cfg.Handler
		}
		if t.Function != nil {
			return "function " + t.Function.Handler
		}
		return "function"
	case config.TargetURL:
		return "url " + redactURLs(t.URL)
	case config.TargetGo:
		return "Go handler"
	default:
		return "none (mock)"
	}
}

// Functions describes the deployed routes' functions and the authorizer's.
func (d dashboardAPI) Functions() []dashboard.Function {
	a := d.a
	var fns []*function
	for _, key := range a.RouteKeys() {
		if f, ok := a.routeFunction(key); ok && !slices.Contains(fns, f) {
			fns = append(fns, f)
		}
	}
	a.mu.Lock()
	if a.auth != nil {
		if f, ok := a.auth.inv.(*function); ok {
			fns = append(fns, f)
		}
	}
	a.mu.Unlock()
	out := make([]dashboard.Function, 0, len(fns))
	for _, f := range fns {
		df := dashboard.Function{Name: f.name, Route: f.route, Handler: f.cfg.Handler, Runtime: f.cfg.Runtime}
		if f.authorizer {
			df.Route = ""
		}
		if fn := f.fn.Load(); fn != nil {
			st := fn.Status()
			df.Started, df.MaxConcurrency = true, st.MaxConcurrency
			df.Workers = make([]dashboard.Worker, len(st.Workers))
			for i, w := range st.Workers {
				df.Workers[i] = dashboard.Worker(w)
			}
			df.Logs = make([]dashboard.LogLine, len(st.Logs))
			for i, l := range st.Logs {
				df.Logs[i] = dashboard.LogLine(l)
			}
		}
		out = append(out, df)
	}
	return out
}

// bytesText renders a size in bytes as KiB or MiB when exact.
func bytesText(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.Itoa(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.Itoa(n>>10) + " KiB"
	default:
		return strconv.Itoa(n) + " B"
	}
}

// redactURLs hides the user information (a password, or a NATS token) of a comma-separated
// list of URLs.
func redactURLs(s string) string {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		if u, err := url.Parse(strings.TrimSpace(p)); err == nil && u.User != nil {
			u.User = url.User("xxxxx")
			parts[i] = u.String()
		}
	}
	return strings.Join(parts, ",")
}
