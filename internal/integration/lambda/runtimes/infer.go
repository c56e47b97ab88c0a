package runtimes

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// candidate is a file or directory that would make a handler belong to a runtime.
type candidate struct {
	kind Kind
	path string // relative to the root, slash-separated, as shown in errors
}

// infer finds which runtime's files exist for spec.Handler under spec.Root:
//   - Go when the handler is a directory holding .go files, or a .go file;
//   - Node.js when <dir>/<file>{,.js,.mjs,.cjs,.ts,.mts,.cts} is a file for handler
//     "dir/file.export";
//   - Python when <dir>/<file>.py or <dir>/<file>/__init__.py exists.
//
// No match, or matches for more than one runtime, is an error that names every path tried.
func infer(spec Spec) (Kind, error) {
	if strings.TrimSpace(spec.Handler) == "" {
		return "", fmt.Errorf("handler is empty")
	}
	var tried []string
	var found []candidate
	for _, c := range candidates(spec.Handler) {
		tried = append(tried, c.path)
		if matches(spec.Root, c) {
			found = append(found, c)
		}
	}
	switch kinds := distinctKinds(found); len(kinds) {
	case 1:
		return kinds[0], nil
	case 0:
		return "", fmt.Errorf("handler %q: no handler file found under %s (tried %s); check the path or set runtime",
			spec.Handler, spec.Root, strings.Join(tried, ", "))
	default:
		var names []string
		for _, c := range found {
			names = append(names, fmt.Sprintf("%s (%s)", c.path, c.kind))
		}
		return "", fmt.Errorf("handler %q: ambiguous, found %s; set runtime to choose",
			spec.Handler, strings.Join(names, " and "))
	}
}

// candidates lists, for each runtime, the paths that would hold the handler's code.
func candidates(handler string) []candidate {
	h := path.Clean(filepath.ToSlash(handler))
	var cs []candidate
	if strings.HasSuffix(h, ".go") {
		cs = append(cs, candidate{Go, h})
	} else {
		cs = append(cs, candidate{Go, h + "/"})
	}
	if nh, err := parseNodeHandler(h); err == nil {
		for _, ext := range nodeExtensions { // node.go: the order Lambda's Node.js runtime tries
			cs = append(cs, candidate{Node, path.Join(nh.moduleRoot, nh.module+ext)})
		}
	}
	if module, _, ok := splitPythonHandler(h); ok {
		dir, base := path.Split(module)
		file := dir + strings.ReplaceAll(base, ".", "/")
		cs = append(cs, candidate{Python, file + ".py"}, candidate{Python, file + "/__init__.py"})
	}
	return cs
}

// matches reports whether c exists under root: a regular file, or for a Go package directory, a
// directory holding at least one .go file.
func matches(root string, c candidate) bool {
	p := filepath.FromSlash(c.path)
	if !filepath.IsAbs(p) {
		p = filepath.Join(root, p)
	}
	info, err := os.Stat(p)
	if err != nil {
		return false
	}
	if !info.IsDir() {
		return info.Mode().IsRegular()
	}
	if c.kind != Go {
		return false
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") {
			return true
		}
	}
	return false
}

func distinctKinds(found []candidate) []Kind {
	var kinds []Kind
	for _, c := range found {
		seen := false
		for _, k := range kinds {
			seen = seen || k == c.kind
		}
		if !seen {
			kinds = append(kinds, c.kind)
		}
	}
	return kinds
}

// splitPythonHandler splits a Python handler the way Lambda's Python runtime does: at the last
// dot. "src/connect.main" is module "src/connect", function "main".
func splitPythonHandler(handler string) (module, function string, ok bool) {
	i := strings.LastIndex(handler, ".")
	if i <= 0 || i == len(handler)-1 || strings.Contains(handler[i:], "/") {
		return "", "", false
	}
	return handler[:i], handler[i+1:], true
}
