package runtimes

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// NodeSDKVersion is the AWS SDK for JavaScript v3 release that Switchboard provides to Node.js
// handlers, as Lambda's Node.js runtime provides one: a handler may import or require @aws-sdk/*
// packages its project does not install. Each such package is installed once, with npm, into
// <CacheDir>/node-sdk/<NodeSDKVersion>/ at the newest version not later than this release (not
// every package is published in every release of the SDK), and shared by all functions and runs.
const NodeSDKVersion = "3.1169.0"

// nodeSDK says how a worker finds the @aws-sdk/* packages its handler imports.
type nodeSDK struct {
	// nodePath are directories for NODE_PATH, which CommonJS require() searches last.
	nodePath []string
	// parents are file: URLs that sdk-hooks.mjs resolves @aws-sdk/* from, in order, when an ES
	// module import does not resolve on its own (NODE_PATH does not apply to ES modules).
	parents []string
}

// provideNodeSDK makes pkgs resolvable for the handler in entry: packages the handler's project
// installs are used from there (for a bundle, which lives in the cache, by pointing resolution
// back at the project); the rest are installed into the shared SDK cache.
func provideNodeSDK(ctx context.Context, cacheDir string, entry nodeEntry, bundled bool, pkgs []string, log *slog.Logger) (nodeSDK, error) {
	var sdk nodeSDK
	srcDir := filepath.Dir(entry.path)
	if bundled {
		sdk.parents = append(sdk.parents, fileURL(entry.path))
		sdk.nodePath = append(sdk.nodePath, nodeModulesDirs(srcDir)...)
	}
	var missing []string
	for _, pkg := range pkgs {
		if !packageInstalled(srcDir, pkg, true) {
			missing = append(missing, pkg)
		}
	}
	if len(missing) == 0 {
		return sdk, nil
	}
	dir, err := installNodeSDK(ctx, cacheDir, missing, log)
	if err != nil {
		return nodeSDK{}, err
	}
	sdk.parents = append(sdk.parents, fileURL(filepath.Join(dir, "package.json")))
	sdk.nodePath = append(sdk.nodePath, filepath.Join(dir, "node_modules"))
	return sdk, nil
}

// packageInstalled reports whether dir/node_modules/<pkg> holds a package.json, also looking in
// every parent directory when walkUp is set (as Node.js resolution does).
func packageInstalled(dir, pkg string, walkUp bool) bool {
	dirs := []string{dir}
	if walkUp {
		dirs = ancestors(dir)
	}
	for _, d := range dirs {
		if fileExists(filepath.Join(d, "node_modules", filepath.FromSlash(pkg), "package.json")) {
			return true
		}
	}
	return false
}

// nodeModulesDirs lists the node_modules directories that exist at or above dir, nearest first.
func nodeModulesDirs(dir string) []string {
	var dirs []string
	for _, d := range ancestors(dir) {
		if fi, err := os.Stat(filepath.Join(d, "node_modules")); err == nil && fi.IsDir() {
			dirs = append(dirs, filepath.Join(d, "node_modules"))
		}
	}
	return dirs
}

// installNodeSDK makes sure pkgs are installed in the shared SDK cache and returns its directory.
// Installs are serialized across goroutines and processes with a lock file; an install that
// another process finished while this one waited is not repeated.
func installNodeSDK(ctx context.Context, cacheDir string, pkgs []string, log *slog.Logger) (_ string, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("provide AWS SDK for JavaScript %s (%s): %w", NodeSDKVersion, strings.Join(pkgs, ", "), err)
		}
	}()
	dir := filepath.Join(cacheDir, "node-sdk", NodeSDKVersion)
	if len(missingPackages(dir, pkgs)) == 0 {
		return dir, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	unlock, err := lockFile(ctx, filepath.Join(dir, ".install.lock"))
	if err != nil {
		return "", fmt.Errorf("lock the SDK cache: %w", err)
	}
	defer unlock()

	missing := missingPackages(dir, pkgs)
	if len(missing) == 0 {
		return dir, nil
	}
	specs := make([]string, 0, len(missing))
	for _, pkg := range missing {
		specs = append(specs, pkg+"@<="+NodeSDKVersion)
	}
	log.Info("installing AWS SDK for JavaScript packages", "packages", missing, "release", NodeSDKVersion, "dir", dir)
	if err := npmInstall(ctx, dir, "switchboard-node-sdk",
		"AWS SDK for JavaScript v3 packages provided to Lambda handlers by Switchboard", specs); err != nil {
		return "", fmt.Errorf("%w (or add them to the handler's package.json)", err)
	}
	if still := missingPackages(dir, missing); len(still) > 0 {
		return "", fmt.Errorf("npm install finished but %s is not in %s", strings.Join(still, ", "), dir)
	}
	return dir, nil
}

// missingPackages returns the packages of pkgs not installed in dir/node_modules.
func missingPackages(dir string, pkgs []string) []string {
	var missing []string
	for _, pkg := range pkgs {
		if !packageInstalled(dir, pkg, false) {
			missing = append(missing, pkg)
		}
	}
	return missing
}
