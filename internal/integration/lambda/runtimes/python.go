package runtimes

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"unicode"

	"github.com/switchboardhq/switchboard/internal/integration/lambda/runtimes/bootstrap"
)

// PythonEnv names the environment variable that sets the Python interpreter for handlers (a path
// or a name looked up in PATH). Without it the interpreter is, in order: the active virtualenv's
// ($VIRTUAL_ENV); the first of /usr/bin/python3, python3 and python in PATH that can import boto3
// (Lambda's Python runtime includes boto3, and a pyenv or Homebrew python3 first in PATH often
// lacks the distribution's boto3 package); else the first of those that runs. Python 3.8 or newer
// is needed.
const PythonEnv = "SWITCHBOARD_PYTHON"

// pythonProbe is the script that reports an interpreter's version and whether boto3 is importable.
const pythonProbe = `import sys, importlib.util
print("%d.%d" % sys.version_info[:2])
print(importlib.util.find_spec("boto3") is not None)`

// pythonInterpreter is a probed Python executable.
type pythonInterpreter struct {
	path    string
	version string // major.minor
	boto3   bool
}

// preparePython resolves a Python handler ("src/connect.main": module src.connect, function
// main), picks the interpreter and describes how to run Switchboard's Python bootstrap on it.
func preparePython(ctx context.Context, spec Spec) (_ *Prepared, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("prepare Python handler %q: %w", spec.Handler, err)
		}
	}()
	if spec, err = resolveSpec(spec); err != nil {
		return nil, err
	}
	root, log := spec.Root, spec.Logger
	module, err := parsePythonHandler(spec.Handler)
	if err != nil {
		return nil, err
	}
	file, err := findPythonModule(root, module)
	if err != nil {
		return nil, err
	}
	py, err := findPython(ctx, log)
	if err != nil {
		return nil, err
	}
	bootDir, err := writeBootstrap(spec.CacheDir, "python", bootstrap.Python())
	if err != nil {
		return nil, err
	}
	launch := Launch{
		Path: py.path,
		Args: []string{"-u", filepath.Join(bootDir, "bootstrap.py"), spec.Handler},
		Dir:  root,
		Env: []string{
			"PYTHONUNBUFFERED=1",
			// No __pycache__ directories written among the sources that live reload watches (on
			// Lambda the task root is read-only too); installed packages keep their compiled files.
			"PYTHONDONTWRITEBYTECODE=1",
		},
	}
	return &Prepared{Runtime: string(Python), Launch: launch, Sources: []string{filepath.Dir(file)}}, nil
}

// parsePythonHandler splits a handler string at its last dot, as Lambda's Python runtime does,
// and returns the dotted module name ("src/connect.main" gives "src.connect").
func parsePythonHandler(handler string) (string, error) {
	path, function, ok := splitPythonHandler(handler) // infer.go
	if !ok {
		return "", fmt.Errorf("want <module>.<function>, such as src/connect.main")
	}
	module := strings.ReplaceAll(path, "/", ".")
	for _, part := range strings.Split(module, ".") {
		if !isPythonIdentifier(part) {
			return "", fmt.Errorf("module %q: %q is not a Python identifier", path, part)
		}
	}
	if !isPythonIdentifier(function) {
		return "", fmt.Errorf("function %q is not a Python identifier", function)
	}
	return module, nil
}

func isPythonIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r != '_' && !unicode.IsLetter(r) && (i == 0 || !unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

// findPythonModule finds the file of a dotted module under root: <path>.py or <path>/__init__.py.
// The error names the paths tried.
func findPythonModule(root, module string) (string, error) {
	base := filepath.Join(append([]string{root}, strings.Split(module, ".")...)...)
	tried := []string{base + ".py", filepath.Join(base, "__init__.py")}
	for _, p := range tried {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Python module %s found; tried %s", module, strings.Join(tried, ", "))
}

// findPython picks the interpreter by the rule documented on PythonEnv.
func findPython(ctx context.Context, log *slog.Logger) (pythonInterpreter, error) {
	if name := os.Getenv(PythonEnv); name != "" {
		py, err := probePython(ctx, name)
		if err != nil {
			return pythonInterpreter{}, fmt.Errorf("%s=%s: %w", PythonEnv, name, err)
		}
		warnNoBoto3(log, py)
		return py, nil
	}
	if venv := os.Getenv("VIRTUAL_ENV"); venv != "" {
		exe := filepath.Join(venv, "bin", "python")
		if runtime.GOOS == "windows" {
			exe = filepath.Join(venv, "Scripts", "python.exe")
		}
		py, err := probePython(ctx, exe)
		if err == nil {
			warnNoBoto3(log, py)
			return py, nil
		}
		log.Warn("ignoring the active virtualenv's Python", "VIRTUAL_ENV", venv, "err", err)
	}
	var runnable []pythonInterpreter
	var problems []string
	seen := map[string]bool{}
	for _, name := range []string{"/usr/bin/python3", "python3", "python"} {
		py, err := probePython(ctx, name)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if seen[py.path] {
			continue
		}
		seen[py.path] = true
		if py.boto3 {
			log.Debug("using Python", "path", py.path, "version", py.version)
			return py, nil
		}
		runnable = append(runnable, py)
	}
	if len(runnable) == 0 {
		return pythonInterpreter{}, fmt.Errorf("no Python 3.8+ interpreter found (set %s): %s", PythonEnv, strings.Join(problems, "; "))
	}
	warnNoBoto3(log, runnable[0])
	return runnable[0], nil
}

func warnNoBoto3(log *slog.Logger, py pythonInterpreter) {
	if !py.boto3 {
		log.Warn("this Python cannot import boto3, which Lambda's Python runtime provides; install it (Debian/Ubuntu: apt-get install python3-boto3) or set "+PythonEnv,
			"path", py.path, "version", py.version)
	}
}

// probePython runs name (a path or a name in PATH) and reports its version and whether it can
// import boto3. It fails when the interpreter cannot run or is older than 3.8.
func probePython(ctx context.Context, name string) (pythonInterpreter, error) {
	exe, err := exec.LookPath(name)
	if err != nil {
		return pythonInterpreter{}, err
	}
	out, err := exec.CommandContext(ctx, exe, "-c", pythonProbe).Output()
	if err != nil {
		return pythonInterpreter{}, fmt.Errorf("run %s: %w", exe, err)
	}
	lines := strings.Fields(string(out))
	if len(lines) != 2 {
		return pythonInterpreter{}, fmt.Errorf("%s: unexpected probe output %q", exe, out)
	}
	major, minor, _ := strings.Cut(lines[0], ".")
	maj, err1 := strconv.Atoi(major)
	mnr, err2 := strconv.Atoi(minor)
	if err1 != nil || err2 != nil {
		return pythonInterpreter{}, fmt.Errorf("%s: unexpected version %q", exe, lines[0])
	}
	if maj < 3 || maj == 3 && mnr < 8 {
		return pythonInterpreter{}, fmt.Errorf("%s is Python %s; 3.8 or newer is needed", exe, lines[0])
	}
	return pythonInterpreter{path: exe, version: lines[0], boto3: lines[1] == "True"}, nil
}
