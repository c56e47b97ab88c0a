// Package runtimes turns a function's handler string into a command that starts a Lambda worker
// process speaking the Lambda Runtime API: a Go package built with `go build`, a Node.js module run
// by Switchboard's bootstrap, or a Python module run by Switchboard's bootstrap.
//
// Use Prepare to resolve, build and describe a handler; run the returned Launch with
// AWS_LAMBDA_RUNTIME_API (and the rest of Lambda's environment) set. Prepare also picks the
// language version the runtime names (nodejs18.x to nodejs24.x: the machine's node or a release
// installed from the npm registry into the cache, NodeReleases; python3.X) and lays out the
// function's layers as Lambda does under /opt, in a directory of the cache; a runtime or layer
// that cannot be had is a *PropError.
package runtimes

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// Spec names a handler to prepare.
type Spec struct {
	// Root is the directory handler paths are relative to (the config file's directory); it becomes
	// LAMBDA_TASK_ROOT and the worker's working directory.
	Root string
	// Handler is the handler string, e.g. "src/connect.main" (Node/Python) or "src/connect" (a Go
	// package directory).
	Handler string
	// Runtime is the configured runtime ("nodejs20.x", "python3.12", "go", "provided.al2023", ...);
	// "" infers it from the files found.
	Runtime string
	// CacheDir holds build outputs and downloaded SDKs; it persists across runs.
	CacheDir string
	// MemoryMB is the function's memory size; runtimes that can cap their heap use it.
	MemoryMB int
	// Layers are the function's layers, in order: directories or .zip files, relative to Root
	// unless absolute, laid out as Lambda lays layers out under /opt (see prepareLayers).
	Layers []string
	// Environment is the function's own environment, for the runtime choices that depend on it
	// (NODE_OPTIONS re-enabling a Node.js feature that Lambda disables).
	Environment map[string]string
	// Logger receives build output and progress.
	Logger *slog.Logger
}

// Launch is how to start one worker process.
type Launch struct {
	Path string   // executable
	Args []string // arguments, not including Path
	Dir  string   // working directory
	Env  []string // runtime-specific variables (KEY=VALUE), added to Lambda's environment
}

// Prepared is a handler ready to run.
type Prepared struct {
	// Runtime is the resolved runtime family: "go", "nodejs" or "python".
	Runtime string
	// RuntimeName is Lambda's identifier of the runtime the handler runs as: "nodejs22.x",
	// "python3.12", "provided.al2023" (what AWS_EXECUTION_ENV names, for runtimes that set it).
	RuntimeName string
	// Version is the language runtime's version: Node.js's "v22.23.5", Python's "3.12"; "" for Go.
	Version string
	// Opt is the directory holding the function's layers as Lambda lays them out under /opt, ""
	// without layers.
	Opt string
	// Launch starts a worker.
	Launch Launch
	// Sources are the files and directories whose changes call for a new Prepare (live reload).
	Sources []string
}

// Kind is a runtime family.
type Kind string

// The runtime families.
const (
	Go     Kind = "go"
	Node   Kind = "nodejs"
	Python Kind = "python"
)

// KindOf maps a configured runtime name to its family: "go", "go1.x" and "provided*" are Go,
// "nodejs*" and "node*" are Node.js, "python*" is Python; "" is unknown (infer from files).
func KindOf(runtime string) (Kind, error) {
	switch r := strings.ToLower(runtime); {
	case r == "":
		return "", nil
	case r == "go" || strings.HasPrefix(r, "go1") || strings.HasPrefix(r, "provided"):
		return Go, nil
	case strings.HasPrefix(r, "node"):
		return Node, nil
	case strings.HasPrefix(r, "python"):
		return Python, nil
	default:
		return "", fmt.Errorf("unknown runtime %q (want go, nodejs*, python*)", runtime)
	}
}

// Prepare resolves spec.Handler under spec.Root, builds it when the runtime needs a build, lays out
// its layers, and returns how to launch a worker. The error names the paths tried when nothing is
// found; a runtime that cannot be had or a layer that cannot be laid out is a *PropError.
func Prepare(ctx context.Context, spec Spec) (*Prepared, error) {
	kind, err := KindOf(spec.Runtime)
	if err != nil {
		return nil, &PropError{Prop: "runtime", Err: err}
	}
	if kind == "" {
		kind, err = infer(spec)
		if err != nil {
			return nil, err
		}
	}
	id, err := parseRuntime(spec.Runtime, kind)
	if err != nil {
		return nil, err
	}
	if spec.Logger == nil {
		spec.Logger = slog.New(slog.DiscardHandler)
	}
	// The layout's paths go into the environment of workers that run in the task root.
	if spec.Root, err = filepath.Abs(spec.Root); err != nil {
		return nil, err
	}
	if spec.CacheDir != "" {
		if spec.CacheDir, err = filepath.Abs(spec.CacheDir); err != nil {
			return nil, err
		}
	}
	opt, err := prepareLayers(spec)
	if err != nil {
		return nil, err
	}
	var p *Prepared
	switch kind {
	case Go:
		p, err = prepareGo(ctx, spec)
	case Node:
		p, err = prepareNode(ctx, spec, id, opt)
	default:
		p, err = preparePython(ctx, spec, id, opt)
	}
	if err != nil {
		return nil, err
	}
	if p.RuntimeName == "" {
		p.RuntimeName = id.name
	}
	p.Opt = string(opt)
	p.Launch.Env = withCommonEnv(spec.Root, p.Launch.Env, opt)
	return p, nil
}

// withCommonEnv returns the runtime's variables env with the part of Lambda's environment every
// runtime gets: PATH (the runtime's or the inherited one, with the layers' bin last, where Lambda
// has /opt/bin) and LD_LIBRARY_PATH (the inherited one, then the task root, its lib directory and
// the layers' lib, as Lambda's ends with /var/task:/var/task/lib:/opt/lib).
func withCommonEnv(root string, env []string, opt optDir) []string {
	path, set := lookupPair(env, "PATH")
	if !set {
		path = os.Getenv("PATH")
	}
	if bins := opt.existing("bin"); len(bins) > 0 {
		env = setPair(env, "PATH", joinPaths(append([]string{path}, bins...)))
	}
	if _, set := lookupPair(env, "LD_LIBRARY_PATH"); !set {
		lib := append([]string{os.Getenv("LD_LIBRARY_PATH"), root, filepath.Join(root, "lib")}, opt.existing("lib")...)
		env = setPair(env, "LD_LIBRARY_PATH", joinPaths(lib))
	}
	return env
}

// interpreterPath is PATH with dir first (where Lambda's runtimes have their /var/lang/bin), so
// a handler that runs "node" or "python3" gets the interpreter it runs on.
func interpreterPath(dir string) string {
	return "PATH=" + joinPaths([]string{dir, os.Getenv("PATH")})
}

// joinPaths joins the non-empty entries with the path list separator.
func joinPaths(entries []string) string {
	var out []string
	for _, e := range entries {
		if e != "" {
			out = append(out, e)
		}
	}
	return strings.Join(out, string(os.PathListSeparator))
}

// lookupPair finds key in KEY=VALUE pairs (the last one wins).
func lookupPair(pairs []string, key string) (string, bool) {
	v, found := "", false
	for _, kv := range pairs {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v, found = val, true
		}
	}
	return v, found
}

// setPair sets key in KEY=VALUE pairs, replacing an existing entry.
func setPair(pairs []string, key, value string) []string {
	out := make([]string, 0, len(pairs)+1)
	for _, kv := range pairs {
		if k, _, _ := strings.Cut(kv, "="); k != key {
			out = append(out, kv)
		}
	}
	return append(out, key+"="+value)
}

// Infer returns the runtime family of a handler under root: the configured runtime's (KindOf)
// when runtime is set, else the one whose files are found (see Prepare's inference). It builds
// nothing; `switchboard synth` uses it to pick a Lambda runtime.
func Infer(root, handler, runtime string) (Kind, error) {
	kind, err := KindOf(runtime)
	if err != nil || kind != "" {
		return kind, err
	}
	return infer(Spec{Root: root, Handler: handler})
}
