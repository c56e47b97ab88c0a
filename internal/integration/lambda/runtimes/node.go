package runtimes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/switchboardhq/switchboard/internal/integration/lambda/runtimes/bootstrap"
)

// NodeEnv names the environment variable that sets the machine's Node.js executable (a path or a
// name looked up in PATH). Default: "node" from PATH. It runs the handlers whose runtime is of its
// major version; the others run on a Node.js that Switchboard installs (see findNode).
const NodeEnv = "SWITCHBOARD_NODE"

// Node.js source file extensions, in the order Lambda's Node.js runtime tries them; the TypeScript
// ones come last and are bundled with esbuild before running.
var nodeExtensions = []string{"", ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts"}

// nodeHandler is a Node.js handler string split the way Lambda's runtime splits it:
// "src/ws/connect.handlers.main" is module root "src/ws/", module "connect", export "handlers.main".
type nodeHandler struct {
	moduleRoot string
	module     string
	export     string
}

func parseNodeHandler(handler string) (nodeHandler, error) {
	if strings.Contains(handler, "..") {
		return nodeHandler{}, fmt.Errorf("must not contain '..' (Lambda rejects it as a malformed handler name)")
	}
	s := strings.TrimRight(handler, "/")
	cut := strings.LastIndex(s, "/") + 1
	file := s[cut:]
	module, export, ok := strings.Cut(file, ".")
	if !ok || module == "" || export == "" {
		return nodeHandler{}, fmt.Errorf("want <path/module>.<export>, such as src/connect.main")
	}
	return nodeHandler{moduleRoot: s[:cut], module: module, export: export}, nil
}

// nodeEntry is the file a Node.js handler string resolves to.
type nodeEntry struct {
	path string // absolute path of the file (or directory, or node_modules package) found
	// analyzable is true for a regular file with a known extension, which esbuild can read.
	analyzable bool
	typescript bool
	esm        bool // the module loads (or, for TypeScript, is bundled) as an ES module
}

// findNodeEntry looks for the handler's module as Lambda does: the extensionless path, .js, .mjs,
// .cjs (then, Switchboard's addition, .ts, .mts, .cts), and finally a package of that name in
// node_modules. The error names every path tried.
func findNodeEntry(root string, h nodeHandler) (nodeEntry, error) {
	dir := filepath.FromSlash(h.moduleRoot)
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	base := filepath.Join(dir, h.module)
	var tried []string
	for _, ext := range nodeExtensions {
		p := base + ext
		tried = append(tried, p)
		fi, err := os.Stat(p)
		if err != nil {
			continue
		}
		e := nodeEntry{path: p, analyzable: ext != "" && fi.Mode().IsRegular()}
		switch ext {
		case ".mjs", ".mts":
			e.esm = true
		case ".js", ".ts":
			e.esm = packageTypeIsModule(filepath.Dir(p))
		}
		e.typescript = strings.HasSuffix(ext, "ts")
		if e.typescript && !e.analyzable {
			continue // a directory named like a TypeScript file
		}
		return e, nil
	}
	for _, nm := range []string{filepath.Join(root, "node_modules", h.module), filepath.Join(dir, "node_modules", h.module)} {
		tried = append(tried, nm)
		if fileExists(nm) {
			return nodeEntry{path: nm}, nil
		}
	}
	return nodeEntry{}, fmt.Errorf("no Node.js module found; tried %s", strings.Join(tried, ", "))
}

// packageTypeIsModule reports whether the nearest package.json at or above dir has
// "type": "module", stopping at a node_modules directory, as Node.js and Lambda decide how to
// load a .js file.
func packageTypeIsModule(dir string) bool {
	for _, d := range ancestors(dir) {
		if filepath.Base(d) == "node_modules" {
			return false
		}
		if data, err := os.ReadFile(filepath.Join(d, "package.json")); err == nil {
			var pkg struct {
				Type string `json:"type"`
			}
			return json.Unmarshal(data, &pkg) == nil && pkg.Type == "module"
		}
	}
	return false
}

// nearestFile returns the first dir/name found walking up from dir, or "".
func nearestFile(dir, name string) string {
	for _, d := range ancestors(dir) {
		if p := filepath.Join(d, name); fileExists(p) {
			return p
		}
	}
	return ""
}

// ancestors returns dir and each of its parent directories, nearest first.
func ancestors(dir string) []string {
	dirs := []string{dir}
	for parent := filepath.Dir(dir); parent != dir; parent = filepath.Dir(dir) {
		dir = parent
		dirs = append(dirs, dir)
	}
	return dirs
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// prepareNode resolves a Node.js handler, finds the Node.js of its runtime (installing it when
// needed), bundles the handler when it is TypeScript, provides the AWS SDK for JavaScript v3
// packages it imports but its project lacks, and describes how to run Switchboard's Node.js
// bootstrap on it with Lambda's module paths (layers first, then the SDK, then the task root).
func prepareNode(ctx context.Context, spec Spec, id runtimeID, opt optDir) (_ *Prepared, err error) {
	defer func() {
		var pe *PropError
		if err != nil && !errors.As(err, &pe) {
			err = fmt.Errorf("prepare Node.js handler %q: %w", spec.Handler, err)
		}
	}()
	if spec, err = resolveSpec(spec); err != nil {
		return nil, err
	}
	root, log := spec.Root, spec.Logger
	h, err := parseNodeHandler(spec.Handler)
	if err != nil {
		return nil, err
	}
	entry, err := findNodeEntry(root, h)
	if err != nil {
		return nil, err
	}
	node, err := findNode(ctx, spec.CacheDir, id, log)
	if err != nil {
		return nil, err
	}
	bootDir, err := writeBootstrap(spec.CacheDir, "node", bootstrap.Node())
	if err != nil {
		return nil, err
	}

	var build nodeBuild
	var bundle string
	switch {
	case entry.typescript:
		bundle = bundlePath(spec.CacheDir, entry)
		build, err = buildNode(entry, root, node.major, bundle)
		if err != nil {
			return nil, err
		}
		log.Debug("bundled TypeScript handler", "handler", spec.Handler, "source", entry.path, "bundle", bundle)
	case entry.analyzable:
		// A build that fails here (a syntax error, say) is reported by the bootstrap at start-up,
		// as Lambda reports it; only the SDK detection and the precise source list are lost.
		if build, err = buildNode(entry, root, node.major, ""); err != nil {
			log.Warn("cannot analyze Node.js handler; @aws-sdk/* packages will not be provided", "handler", spec.Handler, "err", err)
			build = nodeBuild{}
		}
	}

	launch := Launch{
		Path: node.path,
		Dir:  root,
		Args: []string{"--enable-source-maps"},
		Env:  []string{interpreterPath(filepath.Dir(node.path)), "LAMBDA_RUNTIME_DIR=" + bootDir},
	}
	if spec.MemoryMB > 0 {
		launch.Args = append(launch.Args, nodeHeapArgs(spec.MemoryMB)...)
	}
	launch.Args = append(launch.Args, lambdaNodeFlags(node, spec.Environment["NODE_OPTIONS"])...)
	if bundle != "" {
		launch.Env = append(launch.Env, "SWITCHBOARD_NODE_HANDLER_FILE="+bundle)
	}
	// Lambda's NODE_PATH: /opt/nodejs/node{major}/node_modules, /opt/nodejs/node_modules, the
	// runtime's node_modules (here: the provided SDK), /var/task.
	layerModules := opt.existing(fmt.Sprintf("nodejs/node%d/node_modules", node.major), "nodejs/node_modules")
	nodePath := slices.Clone(layerModules)
	var layerParents, sdkParents []string
	for _, dir := range layerModules {
		// A URL of a file in the directory holding node_modules resolves packages from it.
		layerParents = append(layerParents, fileURL(filepath.Join(filepath.Dir(dir), "package.json")))
	}
	if len(build.sdkPackages) > 0 {
		sdk, err := provideNodeSDK(ctx, spec.CacheDir, entry, bundle != "", build.sdkPackages, log)
		if err != nil {
			return nil, err
		}
		nodePath = append(nodePath, sdk.nodePath...)
		// ES module imports do not search NODE_PATH: they need the resolution hooks, which run
		// on a loader thread of their own (about 10 MB), so a handler that only require()s the
		// SDK goes without them. (A package of the project's that imports @aws-sdk/* on its own
		// is not analyzed, as the SDK provision as a whole only follows the project's files.)
		if entry.esm || build.sdkDynamicImport {
			sdkParents = sdk.parents
		}
	}
	nodePath = append(nodePath, root)
	launch.Env = append(launch.Env, "NODE_PATH="+strings.Join(nodePath, string(os.PathListSeparator)))
	if len(layerParents) > 0 || len(sdkParents) > 0 {
		for name, parents := range map[string][]string{"SWITCHBOARD_NODE_LAYER_PARENTS": layerParents, "SWITCHBOARD_NODE_SDK_PARENTS": sdkParents} {
			if len(parents) > 0 {
				data, err := json.Marshal(parents)
				if err != nil {
					return nil, err
				}
				launch.Env = append(launch.Env, name+"="+string(data))
			}
		}
		launch.Args = append(launch.Args, "--import", fileURL(filepath.Join(bootDir, "resolve-register.mjs")))
	}
	launch.Args = append(launch.Args, filepath.Join(bootDir, "bootstrap.mjs"), spec.Handler)

	return &Prepared{Runtime: string(Node), RuntimeName: id.name, Version: node.version, Launch: launch,
		Sources: nodeSources(entry, build)}, nil
}

// lambdaNodeFlags are the flags with which Lambda turns off experimental Node.js features that
// upstream Node.js enables by default, for the node that runs: require() of ES modules (Node.js 20
// and 22) and module syntax detection (Node.js 22). A flag that nodeOptions (the function's
// NODE_OPTIONS) re-enables is left out, as Lambda leaves it out. Releases older than the feature
// do not know the flag and get none.
func lambdaNodeFlags(node nodeExe, nodeOptions string) []string {
	var flags []string
	add := func(flag string) {
		if !strings.Contains(nodeOptions, strings.Replace(flag, "--no-", "--", 1)) {
			flags = append(flags, flag)
		}
	}
	switch {
	case node.major == 20 && node.minor >= 17: // --experimental-require-module arrived in 20.17
		add("--no-experimental-require-module")
	case node.major == 22:
		add("--no-experimental-require-module")
		add("--no-experimental-detect-module")
	}
	return flags
}

// nodeHeapArgs sizes V8's heap for a function of memoryMB: the old generation may use 90% of it
// (so that the worker fails with a heap error before the memory limit kills it) and each of the
// young generation's semi-spaces memoryMB/256 MB, at least 1 and at most V8's default of 16. Lambda
// sizes both from the memory setting too; the young generation is kept smaller here because
// workers share one machine: at the default 1024 MB a semi-space is 4 MB, which saved about 24 MB
// of RSS per busy worker of the benchmark's @connections echo at no measurable CPU cost
// (docs/performance.md).
func nodeHeapArgs(memoryMB int) []string {
	return []string{
		fmt.Sprintf("--max-old-space-size=%d", max(memoryMB*9/10, 16)),
		fmt.Sprintf("--max-semi-space-size=%d", min(max(memoryMB/256, 1), 16)),
	}
}

// nodeSources lists what live reload watches: the files esbuild read (outside node_modules) plus
// the package.json and tsconfig.json that govern them, or, when there was no build, the handler's
// directory tree.
func nodeSources(entry nodeEntry, build nodeBuild) []string {
	if len(build.inputs) == 0 {
		if entry.analyzable {
			return []string{filepath.Dir(entry.path)}
		}
		return []string{entry.path}
	}
	sources := append([]string(nil), build.inputs...)
	for _, name := range []string{"package.json", "tsconfig.json"} {
		if p := nearestFile(filepath.Dir(entry.path), name); p != "" {
			sources = append(sources, p)
		}
	}
	return sources
}

// fileURL turns an absolute path into a file: URL, the form `node --import` and module resolution
// parents need on every platform.
func fileURL(p string) string {
	slashed := filepath.ToSlash(p)
	if !strings.HasPrefix(slashed, "/") {
		slashed = "/" + slashed // a Windows drive path: file:///C:/...
	}
	return (&url.URL{Scheme: "file", Path: slashed}).String()
}
