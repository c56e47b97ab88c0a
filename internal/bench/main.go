package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"
)

// Exit codes of Main.
const (
	exitOK        = 0 // the run completed without errors
	exitRunErrors = 1 // the run completed, but with errors (or no connection succeeded)
	exitUsage     = 2 // bad arguments, a refused target, or a run that could not start
)

// fdHeadroom is how many descriptors besides the connections the process is assumed to need.
const fdHeadroom = 64

// Main runs `switchboard bench`: args are the arguments after "bench" (flags and one URL). The
// report goes to stdout (a table, or one JSON object with --json); the progress line, warnings
// and errors go to stderr. It returns the process exit code: 0 for a clean run, 1 for a run with
// errors, 2 for bad arguments or a refused target. Cancelling ctx ends the run early; the partial
// results are still printed.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseArgs(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, new(flagSyntaxError)):
		return exitUsage // the flag package has printed the problem and the usage
	case err != nil:
		for line := range strings.SplitSeq(err.Error(), "\n") {
			fmt.Fprintf(stderr, "switchboard bench: %s\n", line)
		}
		fmt.Fprintln(stderr, "(see switchboard bench -h)")
		return exitUsage
	}

	var notes []string
	limit, err := raiseFileLimit()
	if err != nil {
		notes = append(notes, err.Error())
	}
	if limit > 0 && uint64(cfg.conns)+fdHeadroom > limit {
		notes = append(notes, fmt.Sprintf("%d connections exceed the open-file limit %d: expect %s errors (raise the hard limit: ulimit -Hn)",
			cfg.conns, limit, kindDialFileLimit))
	}
	if envelope := len(newMessageBuilder(cfg.action, 0).appendMessage(nil, 1, time.Now().UnixNano())); !cfg.idle && cfg.fanout == "" && cfg.size < envelope {
		notes = append(notes, fmt.Sprintf("--size %d is below the message envelope: messages are at least %d bytes", cfg.size, envelope))
	}
	for _, n := range notes {
		fmt.Fprintf(stderr, "switchboard bench: %s\n", n)
	}

	runCtx, cancel := context.WithTimeout(ctx, cfg.maxDuration)
	defer cancel()
	sources := cfg.sources
	addr, err := cfg.target.resolve(runCtx, len(sources) == 0 || sources[0].Is4())
	if err != nil {
		fmt.Fprintf(stderr, "switchboard bench: %v\n", err)
		return exitUsage
	}
	if sources == nil {
		sources = autoSourceIPs(addr.Addr(), cfg.conns)
	}
	if len(sources) > 0 && sources[0].Is4() != addr.Addr().Is4() {
		fmt.Fprintf(stderr, "switchboard bench: source addresses and target %s are of different address families\n", addr.Addr())
		return exitUsage
	}

	r := newRunner(cfg, newDialer(addr, sources, cfg.timeout))
	tm := r.run(runCtx, stderr)
	rep := r.report(tm, addrStrings(sources), limit, notes)

	if cfg.json {
		err = rep.writeJSON(stdout)
	} else {
		err = rep.writeTable(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "switchboard bench: write report: %v\n", err)
		return exitRunErrors
	}
	if rep.errorTotal() > 0 || rep.Connect.OK == 0 {
		return exitRunErrors
	}
	return exitOK
}

// flagSyntaxError is a command line the flag package rejected (and already explained).
type flagSyntaxError struct{ err error }

func (e flagSyntaxError) Error() string { return e.err.Error() }
func (e flagSyntaxError) Unwrap() error { return e.err }

func addrStrings(as []netip.Addr) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.String()
	}
	return out
}
