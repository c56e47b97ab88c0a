package suite

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/internal/bench"
)

// load is one or more runs of the load generator with the same command line: the rounds of a
// row, interleaved with its baseline's rounds so that both see the same background load.
type load struct {
	Command string          // the command line of each round, for the report
	Rounds  []*bench.Report // the --json output of each round
	Errors  string          // the rounds' error counts in words; "" when all were clean
}

// msgsPerSec is the mean of the rounds' messages/s (the rounds have equal lengths).
func (l *load) msgsPerSec() float64 {
	var sum float64
	for _, r := range l.Rounds {
		sum += r.Messages.PerSecond
	}
	return sum / float64(len(l.Rounds))
}

// p50 and p99 are the medians of the rounds' round-trip percentiles, in milliseconds.
func (l *load) p50() float64 {
	return l.median(func(r *bench.Report) float64 { return r.RoundTrip.P50MS })
}
func (l *load) p99() float64 {
	return l.median(func(r *bench.Report) float64 { return r.RoundTrip.P99MS })
}

// allReplies sums the rounds' replies, warmups included.
func (l *load) allReplies() int64 {
	var n int64
	for _, r := range l.Rounds {
		n += r.Messages.AllReplies
	}
	return n
}

// connect returns the connect phase of the round with the median connects/s.
func (l *load) connect() bench.ConnectStats {
	rounds := slices.Clone(l.Rounds)
	slices.SortFunc(rounds, func(a, b *bench.Report) int { return cmp.Compare(a.Connect.PerSecond, b.Connect.PerSecond) })
	return rounds[len(rounds)/2].Connect
}

func (l *load) median(f func(*bench.Report) float64) float64 {
	vs := make([]float64, len(l.Rounds))
	for i, r := range l.Rounds {
		vs[i] = f(r)
	}
	slices.Sort(vs)
	if n := len(vs); n%2 == 0 {
		return (vs[n/2-1] + vs[n/2]) / 2
	}
	return vs[len(vs)/2]
}

// roundTripArgs are the flags of one round of a round-trip row.
func (s *suite) roundTripArgs(conns int, action, mode string) []string {
	per := s.plan.duration / time.Duration(s.plan.rounds)
	args := []string{"-c", fmt.Sprint(conns), "--action", action,
		"--duration", per.String(), "--warmup", s.plan.warmup.String(),
		"--timeout", s.plan.replyTimeout.String(), "--connect-rate", "0"}
	if mode != "" {
		args = append(args, "--mode", mode)
	}
	return args
}

// interleave runs a row: plan.rounds rounds against subURL, each right after one against baseURL
// with the same flags (no baseline when baseURL is "").
func (s *suite) interleave(ctx context.Context, subURL, baseURL string, args []string) (sub, base *load, err error) {
	return s.interleaveRounds(ctx, subURL, baseURL, args, s.plan.rounds)
}

// interleaveRounds is interleave with a number of rounds of its own.
func (s *suite) interleaveRounds(ctx context.Context, subURL, baseURL string, args []string, rounds int) (sub, base *load, err error) {
	for range rounds {
		if baseURL != "" {
			if base, err = s.runLoad(ctx, base, baseURL, args...); err != nil {
				return nil, nil, err
			}
		}
		if sub, err = s.runLoad(ctx, sub, subURL, args...); err != nil {
			return nil, nil, err
		}
	}
	return sub, base, nil
}

// runLoad runs `switchboard bench --json args... url` and adds its report to l as a round (l nil
// starts a new load). A run that completed with errors (exit 1) still counts, with Errors set;
// a run that could not start (exit 2) or printed no report is an error.
func (s *suite) runLoad(ctx context.Context, l *load, url string, args ...string) (*load, error) {
	argv := append([]string{s.bin.switchboard, "bench"}, args...)
	argv = append(argv, url)
	shown := displayCommand(argv)
	s.progress("  %s", shown)
	argv = append(argv[:len(argv)-1], "--json", url)

	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.WaitDelay = 10 * time.Second
	var stdout bytes.Buffer
	stderr := newTail(20)
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		return nil, fmt.Errorf("%s: %w\n%s", shown, err, stderr)
	}
	var rep bench.Report
	if derr := json.Unmarshal(stdout.Bytes(), &rep); derr != nil {
		return nil, fmt.Errorf("%s: decode its report: %w\n%s", shown, derr, stderr)
	}
	if l == nil {
		l = &load{Command: shown}
	}
	l.Rounds = append(l.Rounds, &rep)
	if err != nil {
		words := errorWords(rep.Errors)
		if words == "" {
			words = "no connection succeeded"
		}
		l.Errors = strings.TrimPrefix(l.Errors+"; "+words, "; ")
	}
	return l, nil
}

// errorWords lists error counts as "reply timeout: 3, closed with code 1011: 1".
func errorWords(errs map[string]int64) string {
	var parts []string
	for k, v := range errs {
		parts = append(parts, fmt.Sprintf("%s: %d", strings.ReplaceAll(k, "_", " "), v))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}
