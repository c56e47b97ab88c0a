package runtimes

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// npmInstall installs packages (name@version specs) with npm into dir/node_modules. dir gets a
// package.json of its own first (described by description), which keeps npm from installing into
// a project above the cache. Install scripts do not run. The caller holds dir's install lock.
func npmInstall(ctx context.Context, dir, name, description string, specs []string) error {
	npm, err := exec.LookPath("npm")
	if err != nil {
		return fmt.Errorf("npm is needed to install %s: %w", strings.Join(specs, ", "), err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	manifest := filepath.Join(dir, "package.json")
	if !fileExists(manifest) {
		content := fmt.Sprintf("{\"name\": %q, \"private\": true, \"description\": %q}\n", name, description)
		if err := writeFileAtomic(manifest, []byte(content)); err != nil {
			return err
		}
	}
	args := append([]string{"install", "--no-audit", "--no-fund", "--no-update-notifier", "--loglevel=error",
		"--save-exact", "--ignore-scripts"}, specs...)
	cmd := exec.CommandContext(ctx, npm, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm %s: %w\n%s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
