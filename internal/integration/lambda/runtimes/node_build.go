package runtimes

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// nodeBuild is what an esbuild run over a handler found.
type nodeBuild struct {
	// inputs are the absolute paths of the source files read, outside node_modules.
	inputs []string
	// sdkPackages are the @aws-sdk/* packages imported anywhere in the bundle (left external),
	// sorted and unique.
	sdkPackages []string
	// sdkDynamicImport is set when one of them is loaded with a dynamic import(), which resolves
	// as an ES module import even in a CommonJS file.
	sdkDynamicImport bool
}

// esmRequireBanner gives an ES module bundle a require function, so CommonJS dependencies bundled
// into it can still require Node.js built-ins and the external @aws-sdk/* packages. esbuild
// renames any top-level `require` of the user's own so the two never clash.
const esmRequireBanner = `import { createRequire as __switchboardCreateRequire } from "node:module"; const require = __switchboardCreateRequire(import.meta.url);`

// bundlePath is where the bundle of a TypeScript entry goes: one directory per source file, the
// bundle named after the module with .mjs or .cjs to match its format.
func bundlePath(cacheDir string, entry nodeEntry) string {
	sum := sha256.Sum256([]byte(entry.path))
	name := strings.TrimSuffix(filepath.Base(entry.path), filepath.Ext(entry.path))
	ext := ".cjs"
	if entry.esm {
		ext = ".mjs"
	}
	return filepath.Join(cacheDir, "node-build", hex.EncodeToString(sum[:])[:16], name+ext)
}

// buildNode runs esbuild over entry. With outfile set it bundles everything but Node.js built-ins
// and @aws-sdk/* and writes the bundle to outfile (atomically) with an inline source map; with
// outfile empty it only follows the project's own imports (packages stay external) to analyze
// them. Build errors come back as one error listing file:line:column: message.
func buildNode(entry nodeEntry, root string, nodeMajor int, outfile string) (nodeBuild, error) {
	format := api.FormatCommonJS
	if entry.esm {
		format = api.FormatESModule
	}
	opts := api.BuildOptions{
		EntryPoints:   []string{entry.path},
		AbsWorkingDir: root,
		Bundle:        true,
		Platform:      api.PlatformNode,
		Format:        format,
		Engines:       []api.Engine{{Name: api.EngineNode, Version: strconv.Itoa(nodeMajor)}},
		External:      []string{"@aws-sdk/*"},
		Metafile:      true,
		LogLevel:      api.LogLevelSilent,
		Outfile:       outfile,
	}
	if outfile == "" {
		// Analysis only: the project's own files matter; packages are left to Node.js.
		opts.Packages = api.PackagesExternal
	} else {
		opts.Sourcemap = api.SourceMapInline
		if entry.esm {
			opts.Banner = map[string]string{"js": esmRequireBanner}
		}
	}
	result := api.Build(opts)
	if len(result.Errors) > 0 {
		return nodeBuild{}, buildError(root, result.Errors)
	}
	build, err := readMetafile(root, result.Metafile)
	if err != nil {
		return nodeBuild{}, err
	}
	if outfile == "" {
		return build, nil
	}
	if len(result.OutputFiles) != 1 {
		return nodeBuild{}, fmt.Errorf("esbuild produced %d output files for %s, want 1", len(result.OutputFiles), entry.path)
	}
	if err := os.MkdirAll(filepath.Dir(outfile), 0o755); err != nil {
		return nodeBuild{}, err
	}
	if err := writeFileAtomic(outfile, result.OutputFiles[0].Contents); err != nil {
		return nodeBuild{}, fmt.Errorf("write bundle: %w", err)
	}
	return build, nil
}

// buildError joins esbuild's messages into one error, each as "file:line:column: text".
func buildError(root string, messages []api.Message) error {
	lines := make([]string, 0, len(messages))
	for _, m := range messages {
		text := m.Text
		if loc := m.Location; loc != nil {
			file := loc.File
			if !filepath.IsAbs(file) {
				file = filepath.Join(root, file)
			}
			text = fmt.Sprintf("%s:%d:%d: %s", file, loc.Line, loc.Column+1, m.Text)
			if loc.LineText != "" {
				text += "\n    " + loc.LineText
			}
		}
		lines = append(lines, text)
	}
	return errors.New("build failed:\n" + strings.Join(lines, "\n"))
}

// sdkPackageRE matches an AWS SDK for JavaScript v3 package name (with an optional subpath).
var sdkPackageRE = regexp.MustCompile(`^(@aws-sdk/[a-z0-9][a-z0-9._-]*)(/.*)?$`)

// readMetafile extracts the inputs and the external @aws-sdk/* imports from esbuild's metafile.
func readMetafile(root, metafile string) (nodeBuild, error) {
	var meta struct {
		Inputs map[string]struct {
			Imports []struct {
				Path     string `json:"path"`
				Kind     string `json:"kind"`
				External bool   `json:"external"`
			} `json:"imports"`
		} `json:"inputs"`
	}
	if err := json.Unmarshal([]byte(metafile), &meta); err != nil {
		return nodeBuild{}, fmt.Errorf("read esbuild metafile: %w", err)
	}
	var build nodeBuild
	for input, info := range meta.Inputs {
		p := filepath.FromSlash(input)
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		if !slices.Contains(strings.Split(filepath.ToSlash(p), "/"), "node_modules") {
			build.inputs = append(build.inputs, p)
		}
		for _, imp := range info.Imports {
			if m := sdkPackageRE.FindStringSubmatch(imp.Path); imp.External && m != nil {
				build.sdkPackages = append(build.sdkPackages, m[1])
				build.sdkDynamicImport = build.sdkDynamicImport || imp.Kind == "dynamic-import"
			}
		}
	}
	slices.Sort(build.inputs)
	slices.Sort(build.sdkPackages)
	build.sdkPackages = slices.Compact(build.sdkPackages)
	return build, nil
}
