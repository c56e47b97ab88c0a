package runtimes

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// goBuildTags are the tags every Go handler is built with: lambda.norpc leaves out aws-lambda-go's
// legacy go1.x RPC mode, as for Lambda's provided.al2023 runtime.
const goBuildTags = "lambda.norpc"

// goEnvKeys are the variables, besides the sources, that change what `go build` produces.
var goEnvKeys = []string{"GOFLAGS", "GOEXPERIMENT", "GOAMD64", "GOARM64", "GOOS", "GOARCH"}

// goListFormat prints one line per non-standard package the handler depends on (the handler
// itself last): kind, name, dir, "local" for code that is not in the module cache, go.mod path,
// module@version and the embedded files; and a "#" line with the build context for the handler.
const goListFormat = `{{if not .DepOnly}}#{{context.GOOS}} {{context.GOARCH}} {{context.Compiler}} ` +
	`{{range context.ReleaseTags}}{{.}} {{end}}{{"\n"}}{{end}}` +
	`{{if not .Standard}}{{if .DepOnly}}dep{{else}}root{{end}}{{"\t"}}{{.Name}}{{"\t"}}{{.Dir}}{{"\t"}}` +
	`{{if .Module}}{{if or .Module.Main (and .Module.Replace (not .Module.Replace.Version))}}local{{end}}` +
	`{{"\t"}}{{.Module.GoMod}}{{"\t"}}{{.Module.Path}}@{{.Module.Version}}{{else}}local{{"\t"}}{{"\t"}}{{end}}` +
	`{{"\t"}}{{join .EmbedFiles "|"}}{{"\n"}}{{end}}`

// prepareGo resolves spec.Handler to a Go main package, builds it with `go build` (CGO_ENABLED=0,
// -tags lambda.norpc) into CacheDir/go/<hash>/bootstrap unless a build of the same sources is
// already there, and launches the binary. The hash covers the files of every package of the
// handler that lives outside the module cache, the go.mod and go.sum files, the versions of the
// other modules, the Go release and the variables that change a build.
func prepareGo(ctx context.Context, spec Spec) (*Prepared, error) {
	log := spec.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if spec.CacheDir == "" {
		return nil, fmt.Errorf("Go handler %q: no cache directory for the build", spec.Handler)
	}
	dir, err := goPackageDir(spec.Root, spec.Handler)
	if err != nil {
		return nil, err
	}
	pkg, err := goList(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("Go handler %q: %w", spec.Handler, err)
	}
	key, err := pkg.hash()
	if err != nil {
		return nil, fmt.Errorf("Go handler %q: hash sources: %w", spec.Handler, err)
	}
	builds := filepath.Join(spec.CacheDir, "go")
	out := filepath.Join(builds, key, "bootstrap")
	if _, err := os.Stat(out); err == nil {
		log.Debug("reusing Go build", "handler", spec.Handler, "binary", out)
		now := time.Now()
		_ = os.Chtimes(filepath.Dir(out), now, now) // its last use, for pruneGoBuilds
	} else {
		log.Info("building Go handler", "handler", spec.Handler, "dir", dir)
		if err := goBuild(ctx, dir, out); err != nil {
			return nil, fmt.Errorf("Go handler %q: %w", spec.Handler, err)
		}
	}
	pruneGoBuilds(builds, key, dir, time.Now(), log)
	return &Prepared{
		Runtime: string(Go),
		Launch:  Launch{Path: out, Dir: spec.Root, Env: []string{"LAMBDA_RUNTIME_DIR=" + filepath.Dir(out)}},
		Sources: pkg.sources(),
	}, nil
}

// goPackageDir returns the absolute directory of the Go package a handler names: a directory
// ("src/connect", "./functions/connect") or a .go file in it ("src/connect/main.go").
func goPackageDir(root, handler string) (string, error) {
	p := filepath.FromSlash(handler)
	if !filepath.IsAbs(p) {
		p = filepath.Join(root, p)
	}
	p, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("Go handler %q: %w", handler, err)
	}
	if strings.HasSuffix(p, ".go") {
		info, err := os.Stat(p)
		if err != nil || info.IsDir() {
			return "", fmt.Errorf("Go handler %q: %s is not a Go file", handler, p)
		}
		return filepath.Dir(p), nil
	}
	info, err := os.Stat(p)
	if err != nil || !info.IsDir() {
		return "", fmt.Errorf("Go handler %q: %s is not a package directory", handler, p)
	}
	return p, nil
}

// goPackage is what `go list -deps` says about a handler package.
type goPackage struct {
	context string      // GOOS, GOARCH, compiler and release tags
	deps    []goDepLine // every non-standard package, the handler last
}

type goDepLine struct {
	root    bool
	name    string
	dir     string
	local   bool
	goMod   string
	module  string
	embeds  []string
	rawLine string
}

// goList runs `go list -deps` in dir with the flags of the build.
func goList(ctx context.Context, dir string) (*goPackage, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-deps", "-tags", goBuildTags, "-f", goListFormat, ".")
	cmd.Dir = dir
	cmd.Env = goCommandEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list in %s: %w: %s", dir, err, strings.TrimSpace(stderr.String()))
	}
	pkg := &goPackage{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			pkg.context = line
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 7 {
			continue
		}
		d := goDepLine{root: f[0] == "root", name: f[1], dir: f[2], local: f[3] == "local",
			goMod: f[4], module: f[5], rawLine: line}
		if f[6] != "" {
			d.embeds = strings.Split(f[6], "|")
		}
		pkg.deps = append(pkg.deps, d)
	}
	if len(pkg.deps) == 0 || !pkg.deps[len(pkg.deps)-1].root {
		return nil, fmt.Errorf("go list in %s: no package found", dir)
	}
	if root := pkg.deps[len(pkg.deps)-1]; root.name != "main" {
		return nil, fmt.Errorf("package in %s is %q, not a main package (it must call lambda.Start from main)", dir, root.name)
	}
	return pkg, nil
}

// sources are the directories of the handler's local packages and their go.mod and go.sum files.
func (p *goPackage) sources() []string {
	seen := map[string]bool{}
	var out []string
	add := func(path string) {
		if path != "" && !seen[path] {
			seen[path] = true
			out = append(out, path)
		}
	}
	for _, d := range p.deps {
		if !d.local {
			continue
		}
		add(d.dir)
		if d.goMod != "" {
			add(d.goMod)
			add(filepath.Join(filepath.Dir(d.goMod), "go.sum"))
		}
	}
	return out
}

// hash is the cache key of a build: see prepareGo.
func (p *goPackage) hash() (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "tags=%s cgo=0\n%s\n", goBuildTags, p.context)
	for _, k := range goEnvKeys {
		fmt.Fprintf(h, "%s=%s\n", k, os.Getenv(k))
	}
	for _, d := range p.deps {
		fmt.Fprintf(h, "%s\n", d.rawLine)
		if !d.local {
			continue
		}
		if err := hashDirFiles(h, d.dir); err != nil {
			return "", err
		}
		for _, e := range d.embeds {
			if err := hashFile(h, filepath.Join(d.dir, e)); err != nil {
				return "", err
			}
		}
	}
	for _, src := range p.sources() {
		if strings.HasSuffix(src, "go.mod") || strings.HasSuffix(src, "go.sum") {
			if err := hashFile(h, src); err != nil && !errors.Is(err, os.ErrNotExist) {
				return "", err
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// hashDirFiles writes the names and contents of the regular files directly in dir to h.
func hashDirFiles(h io.Writer, dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if err := hashFile(h, filepath.Join(dir, n)); err != nil {
			return err
		}
	}
	return nil
}

func hashFile(h io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(h, "file %s\n", path)
	_, err = io.Copy(h, f)
	return err
}

// goBuild builds the main package in dir to out, through a temporary file so that a concurrent
// build of the same sources never leaves a half-written binary behind.
func goBuild(ctx context.Context, dir, out string) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return fmt.Errorf("create build directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "bootstrap-*.tmp")
	if err != nil {
		return fmt.Errorf("create build output: %w", err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpName)
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", goBuildTags, "-o", tmpName, ".")
	cmd.Dir = dir
	cmd.Env = goCommandEnv()
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build in %s: %w\n%s", dir, err, strings.TrimSpace(string(output)))
	}
	// The package directory, for pruneGoBuilds; written first, so a build is never without it.
	if err := os.WriteFile(filepath.Join(filepath.Dir(out), goBuildPackageFile), []byte(dir), 0o644); err != nil {
		return fmt.Errorf("record build source: %w", err)
	}
	if err := os.Rename(tmpName, out); err != nil {
		return fmt.Errorf("install build output: %w", err)
	}
	return nil
}

// How long Go builds are kept in the cache (CacheDir/go/<key>/). A build's directory's
// modification time is its last use: its build, or a Prepare that reused it.
const (
	// goBuildSupersededAfter: a build of the same package as a newer one (the sources changed,
	// during live reload say) is removed once unused this long. Until then an undo still finds
	// it, and a second Switchboard running the older sources can still start workers from it.
	goBuildSupersededAfter = time.Hour
	// goBuildUnusedAfter: any build is removed once unused this long.
	goBuildUnusedAfter = 30 * 24 * time.Hour
	// goBuildPackageFile names the file in a build's directory that holds the package directory
	// it was built from.
	goBuildPackageFile = "package"
)

// pruneGoBuilds removes builds in builds (CacheDir/go) that are not current (the build named key,
// of the package in dir) and either were made from the same package and have not been used for
// goBuildSupersededAfter, or have not been used for goBuildUnusedAfter. Without pruning, every
// edit of a handler during live reload would leave a binary behind for good. Errors are logged.
func pruneGoBuilds(builds, key, dir string, now time.Time, log *slog.Logger) {
	pruneCache(builds, now, log, func(name string, unused time.Duration) bool {
		if name == key || !isBuildKey(name) {
			return false
		}
		src, _ := os.ReadFile(filepath.Join(builds, name, goBuildPackageFile))
		return unused >= goBuildUnusedAfter || string(src) == dir && unused >= goBuildSupersededAfter
	})
}

// isBuildKey reports whether name looks like a build key (hash): 32 lowercase hex digits.
func isBuildKey(name string) bool {
	if len(name) != 32 {
		return false
	}
	for _, c := range name {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// goCommandEnv is the developer's environment with cgo off, so the binary is static like the ones
// deployed to Lambda; the developer's other Go settings (GOFLAGS, GOPROXY, ...) are kept.
func goCommandEnv() []string {
	return append(os.Environ(), "CGO_ENABLED=0")
}
