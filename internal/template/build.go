package template

import (
	"errors"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/switchboardhq/switchboard/internal/config"
)

// apiOut is one API being translated: a tree in the config file's shape whose nodes carry the
// template's positions, where each config key came from, and each function's code directory.
type apiOut struct {
	tree *yaml.Node
	// origins maps a config key path ("routes.$connect.function.timeout") to the template key
	// path it came from ("Resources.OnConnect.Properties.Timeout") and the file that holds it
	// (the template, or the --env-vars file).
	origins map[string]origin
	// roots maps "routes.<key>" and "authorizer" to the code directory of its function.
	roots map[string]string
}

type origin struct{ file, key string }

func newAPIOut(at *yaml.Node) *apiOut {
	return &apiOut{tree: mapping(at), origins: map[string]origin{}, roots: map[string]string{}}
}

// child returns the mapping under key of m, creating it at the position of at.
func child(m *yaml.Node, key string, at *yaml.Node) *yaml.Node {
	if _, v := lookup(m, key); v != nil {
		return v
	}
	c := mapping(at)
	put(m, key, at, c)
	return c
}

// set puts key: v into the mapping m at config path path+"."+key, remembering that it came
// from the template key from.
func (a *apiOut) set(m *yaml.Node, path, key string, keyAt, v *yaml.Node, o origin) {
	if v == nil {
		return
	}
	put(m, key, keyAt, v)
	a.origins[joinKey(path, key)] = o
}

// joinKey appends a key to a config key path.
func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// finish decodes each API's tree with the config package, citing problems at the template's
// lines under the template's keys, and assembles the Result.
func (t *tmpl) finish(apis []*apiOut) (*Result, error) {
	res := &Result{}
	for _, a := range apis {
		cfg, err := config.FromTree(t.file, a.tree)
		if err != nil {
			var ps config.Problems
			if !errors.As(err, &ps) {
				return nil, err
			}
			for _, p := range ps {
				t.probs.addProblem(a.remap(p, t.file))
			}
			continue
		}
		for key, r := range cfg.Routes {
			if r.Target.Function != nil {
				r.Target.Function.Root = a.roots["routes."+key]
			}
		}
		if f := cfg.Authorizer.Target.Function; f != nil {
			f.Root = a.roots["authorizer"]
		}
		res.APIs = append(res.APIs, cfg)
	}
	if err := t.probs.err(); err != nil {
		return nil, err
	}
	for _, id := range t.order {
		why, listed := t.notRun[id]
		if !listed || why == "" {
			continue
		}
		r := t.resources[id]
		res.NotRun = append(res.NotRun, Resource{LogicalID: id, Type: r.typ, File: t.file, Line: r.key.Line, Why: why})
	}
	res.Notes = t.notes
	return res, nil
}

// remap rewrites a problem found by the config checks to name the template key (and file) the
// value came from, found by the longest config key path that has an origin.
func (a *apiOut) remap(p config.Problem, file string) config.Problem {
	p.File = file
	for k := p.Key; k != ""; k = parentKey(k) {
		if o, ok := a.origins[k]; ok {
			if o.file != "" {
				p.File = o.file
			}
			p.Key = o.key
			return p
		}
	}
	return p
}

// parentKey strips the last segment of a config key path (config's rule).
func parentKey(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}
