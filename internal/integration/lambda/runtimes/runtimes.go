// Package runtimes turns a function's handler string into a command that starts a Lambda worker
// process speaking the Lambda Runtime API: a Go package built with `go build`, a Node.js module run
// by Switchboard's bootstrap, or a Python module run by Switchboard's bootstrap.
//
// Use Prepare to resolve, build and describe a handler; run the returned Launch with
// AWS_LAMBDA_RUNTIME_API (and the rest of Lambda's environment) set.
package runtimes

import (
	"context"
	"fmt"
	"log/slog"
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

// Prepare resolves spec.Handler under spec.Root, builds it when the runtime needs a build, and
// returns how to launch a worker. The error names the paths tried when nothing is found.
func Prepare(ctx context.Context, spec Spec) (*Prepared, error) {
	kind, err := KindOf(spec.Runtime)
	if err != nil {
		return nil, err
	}
	if kind == "" {
		kind, err = infer(spec)
		if err != nil {
			return nil, err
		}
	}
	switch kind {
	case Go:
		return prepareGo(ctx, spec)
	case Node:
		return prepareNode(ctx, spec)
	default:
		return preparePython(ctx, spec)
	}
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
