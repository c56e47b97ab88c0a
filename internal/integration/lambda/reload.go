package lambda

import (
	"context"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/internal/integration/lambda/runtimes"
)

// Live reload settings.
const (
	// pollInterval is how often the handler's sources are checked for changes.
	pollInterval = 500 * time.Millisecond
	// maxWatchedFiles caps the files looked at per check, so a source directory that is a whole
	// project cannot make the check expensive.
	maxWatchedFiles = 10000
)

// skippedDirs are never walked when fingerprinting a source directory.
var skippedDirs = map[string]bool{"node_modules": true, "__pycache__": true, "vendor": true}

// generation is one Prepare of the handler. Workers belong to the generation that started them;
// when the sources change a new generation replaces it and the old workers retire.
type generation struct {
	num         int
	prepared    *runtimes.Prepared // nil when err is set
	err         error              // Prepare failed: invocations fail with it until the sources change
	sources     []string           // what is watched
	fingerprint string             // of sources, when Prepare started
}

// prepareError is the invocation failure of a generation whose Prepare failed: like a deployed
// function whose init fails, every invocation fails with it.
func (g *generation) prepareError() error {
	return &HandlerError{Type: ErrorTypePrepare, Message: g.err.Error(), Init: true}
}

// prepare runs runtimes.Prepare. prev is the generation it replaces (nil for the first) and fp
// the fingerprint of prev's sources taken before the call, so an edit made during a build is
// seen by the next check.
func (f *Function) prepare(ctx context.Context, prev *generation, fp string) *generation {
	g := &generation{num: 1}
	if prev != nil {
		g.num = prev.num + 1
		g.sources = prev.sources
	} else {
		g.sources = []string{f.root}
	}
	start := time.Now()
	p, err := runtimes.Prepare(ctx, runtimes.Spec{
		Root: f.root, Handler: f.handler, Runtime: f.runtime, CacheDir: f.cacheDir,
		MemoryMB: f.memoryMB, Layers: f.layers, Environment: f.fnEnv, Logger: f.log.With("function", f.name),
	})
	if err != nil {
		g.err = err
		if prev == nil {
			fp = fingerprint(g.sources)
		}
		g.fingerprint = fp
		return g
	}
	g.prepared = p
	if prev == nil || !slices.Equal(p.Sources, prev.sources) {
		fp = fingerprint(p.Sources)
	}
	g.sources, g.fingerprint = p.Sources, fp
	f.log.Debug("handler prepared", "function", f.name, "runtime", p.Runtime, "generation", g.num,
		"took", time.Since(start).Round(time.Millisecond))
	return g
}

// generation returns the current generation, preparing the first one if needed.
func (f *Function) currentGeneration(ctx context.Context) (*generation, error) {
	f.mu.Lock()
	g := f.gen
	f.mu.Unlock()
	if g != nil {
		return g, nil
	}
	f.prepMu.Lock()
	defer f.prepMu.Unlock()
	f.mu.Lock()
	g = f.gen
	f.mu.Unlock()
	if g != nil {
		return g, nil
	}
	g = f.prepare(ctx, nil, "")
	if g.err != nil && ctx.Err() != nil {
		return nil, ctx.Err() // cancelled: try again next time
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, errClosed
	}
	f.gen = g
	return g, nil
}

// startWatching starts the live-reload poller the first time the function is used.
func (f *Function) startWatching() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.watching || f.closed {
		return
	}
	f.watching = true
	f.bg.Add(1)
	go f.watch()
}

func (f *Function) watch() {
	defer f.bg.Done()
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		select {
		case <-f.ctx.Done():
			return
		case <-t.C:
			f.reloadIfChanged()
		}
	}
}

// reloadIfChanged prepares a new generation when the sources changed, and retires the idle
// workers of the old one (busy ones retire when their invocation ends).
func (f *Function) reloadIfChanged() {
	f.mu.Lock()
	g := f.gen
	f.mu.Unlock()
	if g == nil {
		return
	}
	fp := fingerprint(g.sources)
	if fp == g.fingerprint {
		return
	}
	f.prepMu.Lock()
	defer f.prepMu.Unlock()
	f.log.Info("handler changed; reloading", "function", f.name)
	ng := f.prepare(f.ctx, g, fp)
	if f.ctx.Err() != nil {
		return
	}
	f.mu.Lock()
	f.gen = ng
	idle := f.idle
	f.idle = nil
	for _, w := range idle {
		w.idleTimer.Stop()
		w.state = stateStopping
	}
	f.mu.Unlock()
	for _, w := range idle {
		go w.stop()
	}
	if ng.err != nil {
		f.log.Error("reload failed; invocations fail until the handler is fixed", "function", f.name, "error", ng.err)
		return
	}
	f.log.Info("handler reloaded", "function", f.name, "generation", ng.num)
}

// fingerprint summarises the names, sizes and modification times of the files under paths
// (directories are walked, skipping hidden directories, node_modules, __pycache__ and vendor).
func fingerprint(paths []string) string {
	h := fnv.New64a()
	files := 0
	for _, root := range paths {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				fmt.Fprintf(h, "%s:error\n", p)
				return nil
			}
			if d.IsDir() {
				if p != root && (strings.HasPrefix(d.Name(), ".") || skippedDirs[d.Name()]) {
					return filepath.SkipDir
				}
				return nil
			}
			if files++; files > maxWatchedFiles {
				return filepath.SkipAll
			}
			if info, err := d.Info(); err == nil {
				fmt.Fprintf(h, "%s:%d:%d\n", p, info.Size(), info.ModTime().UnixNano())
			}
			return nil
		})
		if err != nil {
			fmt.Fprintf(h, "%s:%v\n", root, err)
		}
		if _, err := os.Stat(root); err != nil {
			fmt.Fprintf(h, "%s:missing\n", root)
		}
	}
	return fmt.Sprintf("%x", h.Sum64())
}
