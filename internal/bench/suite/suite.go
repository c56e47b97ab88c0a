package suite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Options configure Run. Zero fields take the defaults stated on each.
type Options struct {
	// Root is the repository root (the directory holding go.mod). Required.
	Root string
	// OutDir receives <date>.md and the profiles in <date>/. Default: <Root>/bench/results for
	// the full suite, a new temporary directory for Smoke.
	OutDir string
	// CacheDir holds the npm install of serverless-offline. Default: <Root>/bench/.cache.
	CacheDir string
	// Smoke runs the short version: small connection counts, one-second rows, no
	// serverless-offline. Default false (the full suite).
	Smoke bool
	// ServerlessOffline runs the serverless-offline baseline (installing it with npm into
	// CacheDir when missing). Default: true for the full suite; Smoke ignores it.
	ServerlessOffline *bool
	// Only, when not empty, names the parts to run (idle, gateway, metrics, cluster, broadcast,
	// functions, cold-starts, serverless-offline); the budget lines of the others are "not run". Default:
	// all.
	Only []string
	// Progress receives one line per step. Default: discard.
	Progress io.Writer
	// Now is the clock of the report's date and timings. Default time.Now.
	Now func() time.Time
}

// Result is a finished run: the report and where it was written.
type Result struct {
	Report   *Report
	Markdown string // the report's Markdown text
	Path     string // the Markdown file
}

// Run builds the binaries, runs every row and writes the report. It returns an error when the
// suite itself failed (a build, a server that does not start, a load generator that fails), after
// writing whatever report it has; rows that cannot run here are "not run", not errors, and missed
// budgets are never errors.
func Run(ctx context.Context, opts Options) (*Result, error) {
	s, err := newSuite(opts)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(s.binDir)
	for _, name := range opts.Only {
		if !slices.ContainsFunc(s.steps(), func(st step) bool { return st.name == name }) {
			return nil, fmt.Errorf("-only: no part named %q (idle, gateway, metrics, cluster, broadcast, functions, cold-starts, serverless-offline)", name)
		}
	}

	s.progress("building binaries")
	if s.bin, err = build(ctx, s.opts.Root, s.binDir); err != nil {
		return nil, err
	}
	started := s.now()
	s.rep.Started = started
	s.rep.Machine = describeMachine(ctx, s.fileLimit)

	var runErrs []error
	for _, step := range s.steps() {
		if ctx.Err() != nil {
			runErrs = append(runErrs, ctx.Err())
			break
		}
		if len(s.opts.Only) > 0 && !slices.Contains(s.opts.Only, step.name) {
			continue
		}
		if err := step.run(ctx); err != nil {
			runErrs = append(runErrs, err)
			s.progress("error: %v", err)
		}
	}
	s.rep.Elapsed = s.now().Sub(started)
	s.rep.Budgets = judge(s.rep, s.plan)

	md := s.rep.Markdown()
	path := filepath.Join(s.outDir, s.stamp+".md")
	if err := os.WriteFile(path, []byte(md), 0o644); err != nil {
		runErrs = append(runErrs, fmt.Errorf("write report: %w", err))
	}
	res := &Result{Report: s.rep, Markdown: md, Path: path}
	return res, errors.Join(runErrs...)
}

// suite is one run's state.
type suite struct {
	opts      Options
	now       func() time.Time
	stamp     string // the report's file name without .md: the date
	outDir    string
	profDir   string // <outDir>/<stamp>
	binDir    string
	bin       binaries
	fileLimit fileLimit
	plan      plan
	rep       *Report
	echoRuns  map[int]*load // the bare echo's round-trip runs by C, baselines of several rows
	nodeRows  map[int]*Row  // the Node.js rows by C, which the serverless-offline runs complete
}

func newSuite(opts Options) (*suite, error) {
	if opts.Root == "" {
		return nil, errors.New("suite: Options.Root is required")
	}
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("suite: %w", err)
	}
	opts.Root = root
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	if opts.CacheDir == "" {
		opts.CacheDir = filepath.Join(root, "bench", ".cache")
	}
	s := &suite{opts: opts, now: opts.Now, echoRuns: map[int]*load{}}
	if s.now == nil {
		s.now = time.Now
	}
	s.stamp = s.now().UTC().Format("2006-01-02")
	if opts.Smoke {
		s.stamp = "smoke-" + s.stamp
	}
	s.outDir = opts.OutDir
	switch {
	case s.outDir != "":
	case opts.Smoke:
		if s.outDir, err = os.MkdirTemp("", "switchboard-bench-smoke-"); err != nil {
			return nil, fmt.Errorf("suite: %w", err)
		}
	default:
		s.outDir = filepath.Join(root, "bench", "results")
	}
	s.profDir = filepath.Join(s.outDir, s.stamp)
	if err := os.MkdirAll(s.profDir, 0o755); err != nil {
		return nil, fmt.Errorf("suite: %w", err)
	}
	if s.binDir, err = os.MkdirTemp("", "switchboard-bench-bin-"); err != nil {
		return nil, fmt.Errorf("suite: %w", err)
	}
	s.fileLimit = raiseFileLimit()
	s.plan = fullPlan
	if opts.Smoke {
		s.plan = smokePlan
	}
	s.plan.serverlessOffline = !opts.Smoke && (opts.ServerlessOffline == nil || *opts.ServerlessOffline)
	s.rep = &Report{Smoke: opts.Smoke, Title: s.stamp}
	return s, nil
}

// progress prints one progress line.
func (s *suite) progress(format string, a ...any) {
	fmt.Fprintf(s.opts.Progress, "bench: "+format+"\n", a...)
}
