package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/switchboardhq/switchboard"
)

// serve runs `switchboard serve`: load, start, print the URLs, wait for a signal, drain.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "config file (YAML or JSON); required")
	listen := fs.String("listen", "", "HOST:PORT to listen on (default: the config's server.listen, else 127.0.0.1:3001)")
	level := fs.String("log-level", "info", "log level: debug, info, warn, error")
	format := fs.String("log-format", "text", "log format: text or json")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *configPath == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "switchboard serve: --config FILE is required and takes no arguments")
		return 2
	}
	logger, err := newLogger(stderr, *level, *format)
	if err != nil {
		fmt.Fprintln(stderr, "switchboard serve:", err)
		return 2
	}

	api, err := switchboard.NewFromFile(*configPath, switchboard.WithLogger(logger))
	if err != nil {
		fmt.Fprintf(stderr, "switchboard serve: %s\n", err)
		return 1
	}
	if err := api.StartOn(ctx, *listen); err != nil {
		fmt.Fprintf(stderr, "switchboard serve: %s\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "WebSocket URL:        %s\n", api.URL())
	fmt.Fprintf(stdout, "Management endpoint:  %s/@connections/{connectionId}\n", api.ManagementEndpoint())
	if https := api.SecureManagementEndpoint(); https != "" {
		// The same port serves wss:// and https:// with a certificate from the local CA.
		fmt.Fprintf(stdout, "Management endpoint (HTTPS): %s/@connections/{connectionId}\n", https)
		fmt.Fprintf(stdout, "Local CA:             %s\n", api.CAFile())
	}
	fmt.Fprintf(stdout, "Routes:               %s\n", strings.Join(api.Routes(), ", "))

	<-ctx.Done()
	logger.Info("shutting down: closing connections with 1001 and delivering $disconnect")
	sctx, cancel := context.WithTimeout(context.Background(), api.ShutdownTimeout())
	defer cancel()
	if err := api.Shutdown(sctx); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "switchboard serve: shutdown: %s\n", err)
		return 1
	}
	return 0
}

// validate runs `switchboard validate`: exit 0 when the file is valid, 1 with every problem.
func validate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "config file (YAML or JSON); required")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *configPath == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "switchboard validate: --config FILE is required and takes no arguments")
		return 2
	}
	if err := switchboard.ValidateFile(*configPath); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: valid\n", *configPath)
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
