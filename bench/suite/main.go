// Command suite runs Switchboard's benchmark suite (internal/bench/suite) and prints its Markdown
// report; `make bench` and `make bench-smoke` call it.
//
//	go run ./bench/suite            full suite, about five minutes; writes bench/results/<date>.md
//	go run ./bench/suite -smoke     short version for CI, under a minute; writes to a temp dir
//
// It exits 1 when a row failed to run (never for a missed budget) and 2 for bad flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/switchboardhq/switchboard/internal/bench/suite"
)

func main() {
	smoke := flag.Bool("smoke", false, "run the short version (CI)")
	out := flag.String("out", "", "directory for <date>.md and the profiles (default bench/results; a temp dir with -smoke)")
	sls := flag.Bool("serverless-offline", true, "run the serverless-offline baseline (installs it with npm into bench/.cache)")
	only := flag.String("only", "", "comma-separated parts to run: idle, gateway, metrics, cluster, broadcast, functions, cold-starts, serverless-offline (default: all)")
	flag.Parse()
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintf(os.Stderr, "suite: %v\n", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := suite.Run(ctx, suite.Options{
		Root:              root,
		OutDir:            *out,
		Smoke:             *smoke,
		ServerlessOffline: sls,
		Only:              splitList(*only),
		Progress:          os.Stderr,
	})
	if res != nil {
		fmt.Print(res.Markdown)
		fmt.Fprintf(os.Stderr, "suite: report written to %s\n", res.Path)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "suite: %v\n", err)
		os.Exit(1)
	}
}

// moduleRoot finds the directory holding go.mod, from the working directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod in the working directory or above: run from the repository")
		}
		dir = parent
	}
}

// splitList splits a comma-separated flag value; "" is no items.
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
