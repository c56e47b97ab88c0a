package bench

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
)

const (
	maxConnections = 1_000_000
	maxMessageSize = 1 << 20 // the client's read limit
	maxRounds      = 100_000
	maxWorkers     = 4096
)

// config is a validated command line.
type config struct {
	target       target
	conns        int
	connectRate  float64 // dials per second; 0 = unlimited
	size         int
	action       string
	rate         float64 // messages per second over all connections; 0 = closed loop
	duration     time.Duration
	count        int64
	warmup       time.Duration
	mode         string
	json         bool
	sources      []netip.Addr // explicit --source-ips; nil = automatic
	allowRemote  bool
	headers      http.Header
	subprotocols []string
	idle         bool
	fanout       string   // "", fanoutBroadcast or fanoutPosts
	management   *url.URL // the management base of a fan-out run
	rounds       int      // a fan-out run's rounds
	workers      int      // concurrent posts of a posts fan-out
	maxDuration  time.Duration
	timeout      time.Duration
	insecure     bool
}

// headerFlag collects repeated --header "Name: value" flags.
type headerFlag struct{ h http.Header }

func (f *headerFlag) String() string {
	if f == nil || len(f.h) == 0 {
		return ""
	}
	var parts []string
	for k, vs := range f.h {
		for _, v := range vs {
			parts = append(parts, k+": "+v)
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

func (f *headerFlag) Set(s string) error {
	name, value, ok := strings.Cut(s, ":")
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") || strings.ContainsAny(value, "\r\n") {
		return fmt.Errorf("header %q: want \"Name: value\"", s)
	}
	f.h.Add(name, value)
	return nil
}

// parseArgs parses and validates the arguments after "bench". It returns flag.ErrHelp after
// printing the usage for -h, and an error naming every problem found otherwise.
func parseArgs(args []string, stderr io.Writer) (*config, error) {
	cfg := &config{headers: http.Header{}}
	var sourceSpec, subprotocols, management string
	fs := flag.NewFlagSet("switchboard bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.conns, "connections", 10, "number of WebSocket connections to open")
	fs.Var(fs.Lookup("connections").Value, "c", "")
	fs.Float64Var(&cfg.connectRate, "connect-rate", 1000, "connections dialled per second (0 = unlimited)")
	fs.IntVar(&cfg.size, "size", 100, "message size in bytes: the data field pads each JSON message to it")
	fs.StringVar(&cfg.action, "action", "echo", "route action put in each message's action field")
	fs.Float64Var(&cfg.rate, "rate", 0, "messages per second over all connections (0 = closed loop: a connection\nsends its next message when the reply to the previous one arrives)")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long to send after the warmup (0 = until --count)")
	fs.Int64Var(&cfg.count, "count", 0, "total messages to send (0 = no limit); the run ends at --duration or\n--count, whichever comes first")
	fs.DurationVar(&cfg.warmup, "warmup", 0, "send for this long before measuring; warmup messages are not counted")
	fs.StringVar(&cfg.mode, "mode", "echo", "echo: a two-way route replies with a frame; post: the reply is posted\nthrough @connections. Both look the same from the client and are measured alike")
	fs.BoolVar(&cfg.json, "json", false, "print the results as one JSON object on stdout")
	fs.StringVar(&sourceSpec, "source-ips", "", "local `addresses` to dial from, e.g. 127.0.0.1-127.0.0.20 or 127.0.0.1,127.0.0.2;\nautomatic: 127.0.0.1, .2, … one per 20000 connections to an IPv4 loopback target,\nthe kernel's choice otherwise")
	fs.BoolVar(&cfg.allowRemote, "allow-remote", false, "allow targets that are not loopback")
	fs.Var(&headerFlag{cfg.headers}, "header", "add a handshake request `header` given as \"Name: value\"; repeatable")
	fs.StringVar(&subprotocols, "subprotocol", "", "WebSocket subprotocols to offer, comma-separated")
	fs.BoolVar(&cfg.idle, "idle", false, "send nothing: hold the connections open for --duration (memory measurements)")
	fs.StringVar(&cfg.fanout, "fanout", "", "broadcast or posts: send nothing from the clients; instead, --rounds times, send one\n"+
		"message to every connection through the management endpoint, with one POST @broadcast\n"+
		"(broadcast) or a POST @connections/{id} per connection (posts, ids from the list call),\n"+
		"and time until every client has it")
	fs.StringVar(&management, "management", "", "the stage's management `URL` for --fanout (default: the target URL with http(s)://)")
	fs.IntVar(&cfg.rounds, "rounds", 20, "fan-out rounds, one after the other (--fanout)")
	fs.IntVar(&cfg.workers, "workers", 64, "concurrent posts of --fanout posts, on keep-alive connections")
	fs.DurationVar(&cfg.maxDuration, "max-duration", 10*time.Minute, "hard cap on the whole run before the final close; it always stops")
	fs.DurationVar(&cfg.timeout, "timeout", 10*time.Second, "bound on each handshake and on each reply")
	fs.BoolVar(&cfg.insecure, "insecure", false, "do not verify the server's TLS certificate (wss:// with a test certificate)")
	fs.Usage = func() { printUsage(fs) }

	// Flags may come before or after the URL.
	var positional []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, flagSyntaxError{err}
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}

	var problems []error
	add := func(format string, a ...any) { problems = append(problems, fmt.Errorf(format, a...)) }
	switch len(positional) {
	case 0:
		add("missing target URL (switchboard bench [flags] ws://host:port/path)")
	case 1:
		t, err := parseTarget(positional[0], cfg.allowRemote)
		if err != nil {
			problems = append(problems, err)
		}
		cfg.target = t
	default:
		add("want one target URL, got %d: %q", len(positional), positional)
	}
	if cfg.conns < 1 || cfg.conns > maxConnections {
		add("--connections must be between 1 and %d, got %d", maxConnections, cfg.conns)
	}
	if !finiteNonNegative(cfg.connectRate) {
		add("--connect-rate must be a finite number ≥ 0, got %v", cfg.connectRate)
	}
	if cfg.size < 0 || cfg.size > maxMessageSize {
		add("--size must be between 0 and %d bytes, got %d", maxMessageSize, cfg.size)
	}
	if !finiteNonNegative(cfg.rate) {
		add("--rate must be a finite number ≥ 0, got %v", cfg.rate)
	}
	if cfg.count < 0 {
		add("--count must not be negative")
	}
	if cfg.duration < 0 || cfg.warmup < 0 {
		add("--duration and --warmup must not be negative")
	}
	if cfg.duration == 0 && (cfg.count == 0 || cfg.idle) {
		add("--duration 0 needs --count (and --idle needs a duration)")
	}
	if cfg.maxDuration <= 0 || cfg.timeout <= 0 {
		add("--max-duration and --timeout must be positive")
	}
	if cfg.mode != "echo" && cfg.mode != "post" {
		add("--mode must be echo or post, got %q", cfg.mode)
	}
	if cfg.idle && (cfg.count > 0 || cfg.rate > 0) {
		add("--idle sends no messages: drop --count and --rate")
	}
	if cfg.fanout != "" {
		cfg.management = checkFanout(cfg, management, add)
	} else if management != "" {
		add("--management needs --fanout")
	}
	if sourceSpec != "" {
		src, err := parseSourceIPs(sourceSpec)
		if err != nil {
			problems = append(problems, fmt.Errorf("--source-ips: %w", err))
		}
		cfg.sources = src
		if a := cfg.target.addr; err == nil && a.IsValid() && a.Is4() != src[0].Is4() {
			add("--source-ips and the target are of different address families")
		}
	}
	for p := range strings.SplitSeq(subprotocols, ",") {
		if p = strings.TrimSpace(p); p != "" {
			cfg.subprotocols = append(cfg.subprotocols, p)
		}
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	return cfg, nil
}

// checkFanout checks the fan-out flags and returns the management URL: the given one, or the
// target's with its scheme made http(s).
func checkFanout(cfg *config, management string, add func(string, ...any)) *url.URL {
	if cfg.fanout != fanoutBroadcast && cfg.fanout != fanoutPosts {
		add("--fanout must be %s or %s, got %q", fanoutBroadcast, fanoutPosts, cfg.fanout)
	}
	if cfg.idle || cfg.count > 0 || cfg.rate > 0 || cfg.warmup > 0 {
		add("--fanout sends no messages from the clients: drop --idle, --count, --rate and --warmup")
	}
	if cfg.rounds < 1 || cfg.rounds > maxRounds {
		add("--rounds must be between 1 and %d, got %d", maxRounds, cfg.rounds)
	}
	if cfg.workers < 1 || cfg.workers > maxWorkers {
		add("--workers must be between 1 and %d, got %d", maxWorkers, cfg.workers)
	}
	if management == "" {
		if cfg.target.url == nil {
			return nil
		}
		u := *cfg.target.url
		u.Scheme = strings.Replace(u.Scheme, "ws", "http", 1)
		return &u
	}
	u, err := url.Parse(management)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		add("--management must be an http:// or https:// URL, got %q", management)
		return nil
	}
	// The same loopback rule as the target's.
	ws := *u
	ws.Scheme = strings.Replace(u.Scheme, "http", "ws", 1)
	if _, err := parseTarget(ws.String(), cfg.allowRemote); err != nil {
		add("--management: %v", err)
	}
	return u
}

func finiteNonNegative(f float64) bool {
	return f >= 0 && !math.IsInf(f, 1) // NaN fails f >= 0
}

// printUsage prints the synopsis and every flag once, with its aliases and default.
func printUsage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprint(w, `Usage: switchboard bench [flags] URL

Drives a ws:// or wss:// URL with many connections sending {"action":…,"seq":…,"t":…,"data":…}
messages and measuring the round trip to the reply, then prints connects/s, messages/s, latency
percentiles and errors by kind. A progress line goes to stderr once per second. Only loopback
targets are accepted unless --allow-remote is given.

Flags:
`)
	names := map[flag.Value][]string{}
	var order []flag.Value
	fs.VisitAll(func(f *flag.Flag) {
		if _, seen := names[f.Value]; !seen {
			order = append(order, f.Value)
		}
		names[f.Value] = append(names[f.Value], f.Name)
	})
	for _, v := range order {
		ns := names[v]
		slices.SortFunc(ns, func(a, b string) int { return len(a) - len(b) })
		f := fs.Lookup(ns[len(ns)-1])
		typ, usage := flag.UnquoteUsage(f)
		for i, n := range ns {
			ns[i] = "--" + n
			if len(n) == 1 {
				ns[i] = "-" + n
			}
		}
		line := "  " + strings.Join(ns, ", ")
		if typ != "" {
			line += " " + typ
		}
		fmt.Fprintln(w, line)
		fmt.Fprintf(w, "      %s", strings.ReplaceAll(usage, "\n", "\n      "))
		def := f.DefValue
		switch {
		case f.Name == "source-ips":
			def = "automatic"
		case def == "":
			def = "none"
		}
		fmt.Fprintf(w, " (default %s)\n", def)
	}
	fmt.Fprint(w, `
Exit status: 0 when the run had no errors, 1 when it completed with errors (see the errors line),
2 for bad arguments or a refused target.
`)
}
