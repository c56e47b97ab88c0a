package suite

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// binaries are the programs the suite runs, built from the working tree.
type binaries struct {
	switchboard string // cmd/switchboard: the load generator (switchboard bench)
	server      string // bench/server: the Switchboard side
	echo        string // bench/echo: the bare echo baseline
}

// build compiles the three programs into dir with the go command found on PATH.
func build(ctx context.Context, root, dir string) (binaries, error) {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", dir+string(filepath.Separator),
		"./cmd/switchboard", "./bench/server", "./bench/echo")
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return binaries{}, fmt.Errorf("go build: %w\n%s", err, strings.TrimSpace(out.String()))
	}
	return binaries{
		switchboard: filepath.Join(dir, "switchboard"),
		server:      filepath.Join(dir, "server"),
		echo:        filepath.Join(dir, "echo"),
	}, nil
}
