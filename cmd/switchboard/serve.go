package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/switchboardhq/switchboard"
)

// configFlags collects repeated --config flags.
type configFlags []string

func (c *configFlags) String() string     { return strings.Join(*c, ",") }
func (c *configFlags) Set(v string) error { *c = append(*c, v); return nil }

// serve runs `switchboard serve`: load every API, start them on one listener, print their
// URLs, wait for a signal, drain.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var configs configFlags
	fs.Var(&configs, "config", "config file (YAML or JSON); repeat it to serve several APIs on one listener")
	var tf templateFlags
	tf.register(fs)
	listen := fs.String("listen", "", "HOST:PORT to listen on (default: the first config's server.listen, else 127.0.0.1:3001)")
	adminAddr := fs.String("admin", "", "HOST:PORT of the admin listener: the dashboard at /, /metrics, /healthz, /readyz (default: the first config's server.admin, else none)")
	level := fs.String("log-level", "info", "log level: debug, info, warn, error")
	format := fs.String("log-format", "text", "log format: text or json")
	natsURL := fs.String("nats", "", "join the cluster of each API on the NATS server at URL (nats:// or tls://; overrides cluster.nats)")
	natsEmbed := fs.String("nats-embed", "", "run a NATS server with JetStream in this process on HOST:PORT and join it (other nodes use --nats nats://HOST:PORT)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if (len(configs) == 0 && tf.path == "") || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "switchboard serve: --config FILE (repeat it for several APIs) or --template FILE is required, and it takes no arguments")
		return 2
	}
	if *natsURL != "" && *natsEmbed != "" {
		fmt.Fprintln(stderr, "switchboard serve: use --nats or --nats-embed, not both (the embedding node joins its own server)")
		return 2
	}
	logger, err := newLogger(stderr, *level, *format)
	if err != nil {
		fmt.Fprintln(stderr, "switchboard serve:", err)
		return 2
	}
	if *natsEmbed != "" {
		ns, err := switchboard.StartNATS(*natsEmbed, "", logger)
		if err != nil {
			fmt.Fprintf(stderr, "switchboard serve: %s\n", err)
			return 1
		}
		defer ns.Shutdown() // after the APIs left their clusters
		*natsURL = ns.URL()
		fmt.Fprintf(stdout, "NATS server:          %s\n", ns.URL())
	}

	// SIGHUP deploys the config files again; caught from the start so that it never kills.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	var apis []*switchboard.API
	var errs []error
	// withNATS adds --nats (or the embedded server) to an API's options: every API served
	// joins its own cluster, by its API id, on the process's one NATS connection.
	withNATS := func(opts ...switchboard.Option) []switchboard.Option {
		if *natsURL != "" {
			opts = append(opts, switchboard.WithNATS(*natsURL))
		}
		return opts
	}
	for _, path := range configs {
		l := logger
		if len(configs) > 1 {
			l = logger.With("api", path)
		}
		api, err := switchboard.NewFromFile(path, withNATS(switchboard.WithLogger(l))...)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		apis = append(apis, api)
	}
	sources := append([]string(nil), configs...)
	if tf.path != "" {
		l := logger
		if len(configs) > 0 {
			l = logger.With("api", tf.path)
		}
		tapis, err := switchboard.NewFromTemplate(tf.path, tf.options(), withNATS(switchboard.WithLogger(l))...)
		if err != nil {
			errs = append(errs, err)
		}
		for range tapis {
			sources = append(sources, tf.path)
		}
		apis = append(apis, tapis...)
	}
	if len(errs) > 0 {
		fmt.Fprintf(stderr, "switchboard serve: %s\n", errors.Join(errs...))
		return 1
	}
	gw, err := switchboard.NewGateway(apis...)
	if err != nil {
		fmt.Fprintf(stderr, "switchboard serve: %s\n", err)
		return 1
	}
	adm, stopAdmin, err := startAdmin(*adminAddr, apis, logger, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "switchboard serve: %s\n", err)
		return 1
	}
	defer stopAdmin()
	if err := gw.StartOn(ctx, *listen); err != nil {
		fmt.Fprintf(stderr, "switchboard serve: %s\n", err)
		return 1
	}
	if adm != nil {
		adm.SetReady()
	}
	wctx, stopWatching := context.WithCancel(context.Background())
	defer stopWatching()
	for _, api := range apis {
		go api.WatchConfig(wctx, 0) // applies changes while stage.autoDeploy is on
	}
	go func() {
		for {
			select {
			case <-wctx.Done():
				return
			case <-hup:
				logger.Info("SIGHUP: deploying the config files again")
				for _, api := range apis {
					_, _ = api.Reload(wctx) // logged either way
				}
			}
		}
	}()
	for i, api := range apis {
		if len(apis) > 1 {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			fmt.Fprintf(stdout, "API:                  %s (%s)\n", api.Name(), sources[i])
		}
		printURLs(stdout, api)
	}

	<-ctx.Done()
	if adm != nil {
		adm.SetDraining() // /readyz says 503 before the first client is closed
	}
	stopWatching()
	logger.Info("shutting down: closing connections with 1001 and delivering $disconnect")
	timeout := time.Duration(0)
	for _, api := range apis {
		timeout = max(timeout, api.ShutdownTimeout())
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := gw.Shutdown(sctx); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "switchboard serve: shutdown: %s\n", err)
		return 1
	}
	return 0
}

// startAdmin serves the admin endpoints of apis on addr (the first config's server.admin when
// empty; nothing when neither is set) and prints where. stop closes the listener.
func startAdmin(addr string, apis []*switchboard.API, logger *slog.Logger, stdout io.Writer) (*switchboard.Admin, func(), error) {
	if addr == "" {
		for _, api := range apis {
			if a := api.AdminAddress(); a != "" {
				addr = a
				break
			}
		}
	}
	if addr == "" {
		return nil, func() {}, nil
	}
	adm, err := switchboard.NewAdmin(apis...)
	if err != nil {
		return nil, nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("admin listener: %w", err)
	}
	srv := &http.Server{Handler: adm.Handler(), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go func() { _ = srv.Serve(ln) }()
	fmt.Fprintf(stdout, "Admin:                http://%s (dashboard /, /metrics, /healthz, /readyz)\n", ln.Addr())
	return adm, func() { _ = srv.Close() }, nil
}

// printURLs prints where an API is reached: its stage URL and management endpoint, over HTTPS
// too when the local CA is set up, and through its custom domain when it has one.
func printURLs(w io.Writer, api *switchboard.API) {
	fmt.Fprintf(w, "WebSocket URL:        %s\n", api.URL())
	fmt.Fprintf(w, "Management endpoint:  %s/@connections/{connectionId}\n", api.ManagementEndpoint())
	if https := api.SecureManagementEndpoint(); https != "" {
		// The same port serves wss:// and https:// with a certificate from the local CA.
		fmt.Fprintf(w, "Management endpoint (HTTPS): %s/@connections/{connectionId}\n", https)
		fmt.Fprintf(w, "Local CA:             %s\n", api.CAFile())
	}
	if u := api.CustomDomainURL(); u != "" {
		fmt.Fprintf(w, "Custom domain URL:    %s\n", u)
		fmt.Fprintf(w, "Custom domain management endpoint: %s/@connections/{connectionId}\n", api.CustomDomainManagementEndpoint())
	}
	fmt.Fprintf(w, "Routes:               %s\n", strings.Join(api.Routes(), ", "))
}

// validate runs `switchboard validate`: exit 0 when every file is valid and no two of them
// answer the same host and path, 1 with every problem.
func validate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var configs configFlags
	fs.Var(&configs, "config", "config file (YAML or JSON); repeat it to check APIs served together")
	var tf templateFlags
	tf.register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if (len(configs) == 0 && tf.path == "") || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "switchboard validate: --config FILE (repeat it for several APIs) or --template FILE is required, and it takes no arguments")
		return 2
	}
	if err := switchboard.ValidateAll(configs, tf.path, tf.options()); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	for _, c := range configs {
		fmt.Fprintf(stdout, "%s: valid\n", c)
	}
	if tf.path != "" {
		fmt.Fprintf(stdout, "%s: valid\n", tf.path)
	}
	return 0
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("--log-format must be text or json, not %q", format)
	}
}
