// Command server is the Switchboard side of the benchmark suite (bench/suite): one API built with
// the public Go API, switchboard.New, whose routes are what the suite measures.
//
//	$connect     in-process; counts the connection, answers 200
//	$disconnect  in-process; uncounts it
//	echo         in-process two-way route: the reply is the message body
//	post         in-process; echoes the body with api.PostToConnection (no HTTP)
//	sdkpost      in-process; echoes the body with a real aws-sdk-go-v2 ApiGatewayManagementApi
//	             client, an HTTP POST to this API's own @connections endpoint
//	goecho       with -functions: a Go Lambda handler run by a function worker, two-way
//	nodepost     with -functions: a Node.js Lambda handler run by a function worker that echoes
//	             through @connections with @aws-sdk/client-apigatewaymanagementapi
//
// It prints one JSON line on stdout, {"url","management","debug"}, and serves until SIGINT or
// SIGTERM. The debug address serves /debug/pprof/ and /stats (see statsHandler) on loopback.
//
// By default the API serves itself (API.StartOn, what `switchboard serve` does); with -plain it is
// mounted with API.Handler in a plain net/http server of this program's own, the other way the Go
// API offers (it cannot run function routes, which need the API's own listener).
//
// With -nats-embed or -nats (and -node) the API is a node of a cluster (docs/cluster.md); with
// -post-to the sdkpost route posts to another node's management endpoint, which forwards the
// call to this node over NATS: the cross-node @connections path.
//
//	go run ./bench/server -listen 127.0.0.1:0 -debug 127.0.0.1:0 [-functions bench/functions] [-plain]
//	    [-nats-embed 127.0.0.1:0 | -nats URL] [-node NAME] [-post-to URL]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/switchboardhq/switchboard"
)

func main() {
	var o options
	flag.StringVar(&o.listen, "listen", "127.0.0.1:0", "address of the WebSocket API (port 0 picks a free port)")
	flag.StringVar(&o.debug, "debug", "127.0.0.1:0", "loopback address of /debug/pprof/ and /stats")
	flag.StringVar(&o.functions, "functions", "", "directory holding go/echo and node/handler.js: adds the goecho and nodepost function routes")
	flag.IntVar(&o.workers, "workers", 0, "reserved concurrency of each function route (0 = the function runtime's default)")
	flag.BoolVar(&o.plain, "plain", false, "serve API.Handler from a plain net/http server instead of API.StartOn")
	flag.BoolVar(&o.metrics, "metrics", true, "keep metrics (the default, as switchboard serve does); -metrics=false measures their cost")
	flag.StringVar(&o.logLevel, "log-level", "warn", "log level: debug, info, warn or error")
	flag.StringVar(&o.nats, "nats", "", "join the API's cluster on the NATS server at this URL")
	flag.StringVar(&o.natsEmbed, "nats-embed", "", "run a NATS server with JetStream on HOST:PORT in this process and join it")
	flag.StringVar(&o.node, "node", "", "node id (server.nodeId) in the cluster")
	flag.StringVar(&o.postTo, "post-to", "", "management endpoint the sdkpost route posts to (default: this API's own)")
	flag.Parse()
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "server: -log-level: %v\n", err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout, logger); err != nil {
		logger.Error("benchmark server failed", "err", err)
		os.Exit(1)
	}
}

// options are the command line.
type options struct {
	listen, debug string
	functions     string
	workers       int
	plain         bool
	metrics       bool
	logLevel      string
	// nats, natsEmbed and node make the API a node of a cluster; postTo sends sdkpost's
	// @connections calls to another node (cross-node rows).
	nats, natsEmbed, node, postTo string
}

// addresses is the line printed on start-up.
type addresses struct {
	URL        string `json:"url"`            // the stage's ws:// URL
	Management string `json:"management"`     // the @connections endpoint
	Debug      string `json:"debug"`          // http:// base of /debug/pprof/ and /stats
	NATS       string `json:"nats,omitempty"` // with -nats-embed: the URL other nodes join
}

// run builds the API, serves it and the debug endpoints until ctx ends, and shuts down.
func run(ctx context.Context, o options, out io.Writer, logger *slog.Logger) error {
	dln, err := net.Listen("tcp", o.debug)
	if err != nil {
		return fmt.Errorf("listen for debug endpoints: %w", err)
	}
	defer dln.Close()
	if ip := dln.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
		return fmt.Errorf("debug address %s is not loopback", dln.Addr())
	}

	h := &handlers{}
	routes, err := h.routes(o.functions, o.workers)
	if err != nil {
		return err
	}
	apiOpts := []switchboard.Option{switchboard.WithLogger(logger)}
	if !o.metrics {
		apiOpts = append(apiOpts, switchboard.WithoutMetrics())
	}
	addrs := addresses{NATS: o.nats}
	if o.natsEmbed != "" {
		dir, err := os.MkdirTemp("", "bench-nats")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		ns, err := switchboard.StartNATS(o.natsEmbed, dir, logger)
		if err != nil {
			return err
		}
		defer ns.Shutdown() // after the API's shutdown (deferred later, run first)
		addrs.NATS = ns.URL()
	}
	api, err := switchboard.New(switchboard.Props{
		Name:    "bench",
		Stage:   switchboard.Stage{Name: stageName},
		Routes:  routes,
		Cluster: switchboard.Cluster{NATS: addrs.NATS, NodeID: o.node},
	}, apiOpts...)
	if err != nil {
		return fmt.Errorf("define API: %w", err)
	}
	if o.plain {
		if o.functions != "" {
			return errors.New("-plain cannot run function routes")
		}
		ln, err := net.Listen("tcp", o.listen)
		if err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		srv := &http.Server{Handler: api.Handler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		addrs.URL = "ws://" + ln.Addr().String() + "/" + stageName
		addrs.Management = "http://" + ln.Addr().String() + "/" + stageName
	} else {
		if err := api.StartOn(ctx, o.listen); err != nil {
			return fmt.Errorf("start API: %w", err)
		}
		addrs.URL, addrs.Management = api.URL(), api.ManagementEndpoint()
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := api.Shutdown(sctx); err != nil {
			logger.Warn("shutdown incomplete", "err", err)
		}
	}()
	postTo := addrs.Management // the management endpoint is known once the API listens
	if o.postTo != "" {
		postTo = o.postTo
	}
	h.attach(api, postTo)

	dsrv := &http.Server{Handler: debugMux(h), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = dsrv.Serve(dln) }()
	defer dsrv.Close()

	addrs.Debug = "http://" + dln.Addr().String()
	if err := json.NewEncoder(out).Encode(addrs); err != nil {
		return fmt.Errorf("print addresses: %w", err)
	}
	<-ctx.Done()
	return nil
}

// stageName is the stage of the benchmark API: URLs end in /bench.
const stageName = "bench"
