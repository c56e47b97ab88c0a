package runtimes

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/switchboardhq/switchboard/internal/integration/lambda/runtimes/bootstrap"
)

// PythonEnv names the environment variable that sets the Python interpreter for handlers (a path
// or a name looked up in PATH), whatever their runtime's version. Without it the interpreter is
// the active virtualenv's ($VIRTUAL_ENV) when it is of the runtime's version, else chosen among
// python3.X in PATH for a runtime python3.X, /usr/bin/python3, python3 and python in PATH: the
// first of the runtime's version that can import boto3 (Lambda's Python runtimes include boto3; a
// pyenv or Homebrew python3 first in PATH often lacks the distribution's boto3 package), else the
// first of the runtime's version. When none is of the runtime's version, the same choice among
// all of them, with a warning. Python 3.8 or newer is needed.
const PythonEnv = "SWITCHBOARD_PYTHON"

// pythonProbe is the script that reports an interpreter's version, its real executable, and its
// boto3 and botocore versions ("-" for none), without importing them (which would take longer than
// the rest).
const pythonProbe = `import sys, importlib.util
print("%d.%d" % sys.version_info[:2])
print(sys.executable)
def version(name):
    if importlib.util.find_spec(name) is None:
        return "-"
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:
        return "0"
print(version("boto3"))
print(version("botocore"))`

// pythonInterpreter is a probed Python executable.
type pythonInterpreter struct {
	path     string // what workers run: sys.executable when it exists, else the name as found
	real     string // sys.executable, which tells apart names of one interpreter
	version  string // major.minor
	boto3    bool
	botocore string // version, "-" when missing
}

// preparePython resolves a Python handler ("src/connect.main": module src.connect, function
// main), picks the interpreter of its runtime and describes how to run Switchboard's Python
// bootstrap on it, with the layers' python directories on sys.path as on Lambda.
func preparePython(ctx context.Context, spec Spec, id runtimeID, opt optDir) (_ *Prepared, err error) {
	defer func() {
		var pe *PropError
		if err != nil && !errors.As(err, &pe) {
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
	py, err := findPython(ctx, id, log)
	if err != nil {
		return nil, err
	}
	bootDir, err := writeBootstrap(spec.CacheDir, "python", bootstrap.Python())
	if err != nil {
		return nil, err
	}
	name := id.name
	if name == "" {
		name = "python" + py.version
	}
	// Lambda's sys.path: the task root, /opt/python/lib/python3.X/site-packages, /opt/python, then
	// the runtime's own directory (PYTHONPATH=/var/runtime).
	var pythonPath []string
	for _, v := range slices.Compact([]string{py.version, id.python}) {
		if v != "" {
			pythonPath = append(pythonPath, opt.existing("python/lib/python"+v+"/site-packages")...)
		}
	}
	pythonPath = append(pythonPath, opt.existing("python")...)
	pythonPath = append(pythonPath, bootDir)
	launch := Launch{
		Path: py.path,
		Args: []string{"-u", filepath.Join(bootDir, "bootstrap.py"), spec.Handler},
		Dir:  root,
		Env: []string{
			"PYTHONUNBUFFERED=1",
			// No __pycache__ directories written among the sources that live reload watches (on
			// Lambda the task root is read-only too); installed packages keep their compiled files.
			"PYTHONDONTWRITEBYTECODE=1",
			"PYTHONPATH=" + joinPaths(pythonPath),
			"LAMBDA_RUNTIME_DIR=" + bootDir,
			interpreterPath(filepath.Dir(py.path)),
		},
	}
	return &Prepared{Runtime: string(Python), RuntimeName: name, Version: py.version, Launch: launch,
		Sources: []string{filepath.Dir(file)}}, nil
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

// findPython picks the interpreter by the rule documented on PythonEnv. A runtime whose version
// no interpreter has falls back to the best of any version, with a warning once per process.
func findPython(ctx context.Context, id runtimeID, log *slog.Logger) (pythonInterpreter, error) {
	if name := os.Getenv(PythonEnv); name != "" {
		py, err := probePython(ctx, name)
		if err != nil {
			return pythonInterpreter{}, runtimeError("%s=%s: %w", PythonEnv, name, err)
		}
		if id.python != "" && py.version != id.python {
			warnOnce(log, "python-env:"+py.path+":"+id.name, "the interpreter "+PythonEnv+" names is not of the function's runtime",
				"path", py.path, "version", py.version, "runtime", id.name)
		}
		warnNoBoto3(log, py)
		return py, nil
	}
	if venv := os.Getenv("VIRTUAL_ENV"); venv != "" {
		// The active virtualenv holds the project's packages: it wins when it is of the runtime's
		// version, boto3 or not.
		exe := filepath.Join(venv, "bin", "python")
		if runtime.GOOS == "windows" {
			exe = filepath.Join(venv, "Scripts", "python.exe")
		}
		py, err := probePython(ctx, exe)
		switch {
		case err != nil:
			warnOnce(log, "venv:"+venv, "ignoring the active virtualenv's Python", "VIRTUAL_ENV", venv, "err", err)
		case id.python == "" || py.version == id.python:
			warnNoBoto3(log, py)
			return py, nil
		default:
			warnOnce(log, "venv-version:"+venv+":"+id.name, "ignoring the active virtualenv's Python: it is not of the function's runtime",
				"VIRTUAL_ENV", venv, "version", py.version, "runtime", id.name)
		}
	}
	var names []string
	if id.python != "" {
		names = append(names, "python"+id.python)
	}
	names = append(names, "/usr/bin/python3", "python3", "python")
	var found []pythonInterpreter
	var problems []string
	seen := map[string]bool{}
	for _, name := range names {
		py, err := probePython(ctx, name)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if !seen[py.real] {
			seen[py.real] = true
			found = append(found, py)
		}
		if py.boto3 && (id.python == "" || py.version == id.python) {
			break // the choice below would take this one: the rest need not run
		}
	}
	if len(found) == 0 {
		return pythonInterpreter{}, runtimeError("no Python 3.%d+ interpreter found (set %s): %s", minPythonMinor, PythonEnv, strings.Join(problems, "; "))
	}
	// best is the first interpreter match accepts that can import boto3, else the first it accepts.
	best := func(match func(pythonInterpreter) bool) (pythonInterpreter, bool) {
		var first *pythonInterpreter
		for i, py := range found {
			if !match(py) {
				continue
			}
			if py.boto3 {
				return py, true
			}
			if first == nil {
				first = &found[i]
			}
		}
		if first == nil {
			return pythonInterpreter{}, false
		}
		return *first, true
	}
	if id.python != "" {
		if py, ok := best(func(py pythonInterpreter) bool { return py.version == id.python }); ok {
			warnNoBoto3(log, py)
			return py, nil
		}
	}
	py, _ := best(func(pythonInterpreter) bool { return true })
	if id.python != "" {
		warnOnce(log, "python-fallback:"+id.name, "no python"+id.python+" found for runtime "+id.name+"; using another Python (install python"+id.python+" or set "+PythonEnv+")",
			"path", py.path, "version", py.version)
	}
	log.Debug("using Python", "path", py.path, "version", py.version, "botocore", py.botocore)
	warnNoBoto3(log, py)
	return py, nil
}

func warnNoBoto3(log *slog.Logger, py pythonInterpreter) {
	if !py.boto3 {
		warnOnce(log, "no-boto3:"+py.path, "this Python cannot import boto3, which Lambda's Python runtime provides; install it (Debian/Ubuntu: apt-get install python3-boto3) or set "+PythonEnv,
			"path", py.path, "version", py.version)
	}
}

// probePython runs name (a path or a name in PATH) and reports its version, real executable and
// boto3. It fails when the interpreter cannot run or is older than 3.8.
func probePython(ctx context.Context, name string) (pythonInterpreter, error) {
	exe, err := exec.LookPath(name)
	if err != nil {
		return pythonInterpreter{}, err
	}
	out, err := exec.CommandContext(ctx, exe, "-c", pythonProbe).Output()
	if err != nil {
		return pythonInterpreter{}, fmt.Errorf("run %s: %w", exe, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 4 {
		return pythonInterpreter{}, fmt.Errorf("%s: unexpected probe output %q", exe, out)
	}
	major, minor, _ := strings.Cut(lines[0], ".")
	maj, err1 := strconv.Atoi(major)
	mnr, err2 := strconv.Atoi(minor)
	if err1 != nil || err2 != nil {
		return pythonInterpreter{}, fmt.Errorf("%s: unexpected version %q", exe, lines[0])
	}
	if maj < 3 || maj == 3 && mnr < minPythonMinor {
		return pythonInterpreter{}, fmt.Errorf("%s is Python %s; 3.%d or newer is needed", exe, lines[0], minPythonMinor)
	}
	py := pythonInterpreter{path: exe, real: strings.TrimSpace(lines[1]), version: lines[0],
		boto3: strings.TrimSpace(lines[2]) != "-", botocore: strings.TrimSpace(lines[3])}
	// Workers run the interpreter itself: a name found in PATH may be a launcher script (a pyenv
	// shim costs a shell and a version lookup, over 100 ms, at every cold start). A virtualenv's
	// sys.executable is its own bin/python, which keeps the virtualenv.
	if py.real != "" && filepath.IsAbs(py.real) && fileExists(py.real) {
		py.path = py.real
	}
	return py, nil
}
