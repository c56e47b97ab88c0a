package config

import (
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// decoder turns a yaml.Node tree into a Config. It never stops at a mistake: every problem is
// recorded with the position of its key and decoding goes on with the next key.
type decoder struct {
	src   *source
	probs Problems
	// bad holds the key paths whose values could not be decoded; the semantic checks stay quiet
	// about them and everything under them, so that one mistake is reported once.
	bad map[string]bool
	// pairs of each mapping already flattened (merge keys resolved, duplicates reported), and the
	// mappings being flattened right now (to catch a mapping that merges itself).
	flat     map[*yaml.Node][]keyValue
	flatting map[*yaml.Node]bool
	// expanded counts the nodes reached through aliases and merge keys, and sizes memoizes the
	// size of each aliased subtree. Past maxExpansion the file is refused (the YAML form of a
	// "billion laughs"), tooBig is set and decoding stops reporting.
	expanded int
	sizes    map[*yaml.Node]int
	tooBig   bool
}

// maxExpansion bounds the nodes that aliases and merge keys may bring in, far above what any
// real config uses.
const maxExpansion = 100_000

// keyValue is one entry of a mapping.
type keyValue struct{ key, value *yaml.Node }

// field decodes the value of one known key; path is the key's dotted path.
type field func(path string, v *yaml.Node)

// fields are the known keys of a mapping.
type fields map[string]field

func newDecoder(src *source) *decoder {
	return &decoder{
		src:      src,
		bad:      make(map[string]bool),
		flat:     make(map[*yaml.Node][]keyValue),
		flatting: make(map[*yaml.Node]bool),
		sizes:    make(map[*yaml.Node]int),
	}
}

// deref follows an alias (`*anchor`) to the node it names, charging the size of that node
// against the expansion budget; it returns nil once the budget is spent.
func (d *decoder) deref(n *yaml.Node) *yaml.Node {
	if n == nil || n.Kind != yaml.AliasNode {
		return n
	}
	target := resolve(n)
	if !d.charge(n, target) {
		return nil
	}
	return target
}

// charge adds the size of target, reached from the alias or merge key at, to the expansion
// budget, and reports whether the budget still holds.
func (d *decoder) charge(at, target *yaml.Node) bool {
	if d.tooBig {
		return false
	}
	d.expanded += d.treeSize(target)
	if d.expanded > maxExpansion {
		d.problemAt(at, "", "aliases and merge keys expand the file to more than %d values; write the repeated parts out", maxExpansion)
		d.tooBig = true
		return false
	}
	return true
}

// treeSize counts the nodes of the tree under n, counting an alias in it as one node.
func (d *decoder) treeSize(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	if s, ok := d.sizes[n]; ok {
		return s
	}
	s := 1
	if n.Kind != yaml.AliasNode {
		for _, c := range n.Content {
			s += d.treeSize(c)
		}
	}
	d.sizes[n] = s
	return s
}

// problemAt records a problem at the position of node n.
func (d *decoder) problemAt(n *yaml.Node, key, format string, args ...any) {
	if d.tooBig {
		return
	}
	d.probs = append(d.probs, Problem{
		File: d.src.file, Line: n.Line, Column: n.Column, Key: key,
		Message: fmt.Sprintf(format, args...),
	})
}

// invalid records that the value of path is unusable, at the position of its key.
func (d *decoder) invalid(path, format string, args ...any) {
	d.bad[path] = true
	if d.tooBig {
		return
	}
	at, _ := d.src.lookup(path)
	d.probs = append(d.probs, Problem{
		File: d.src.file, Line: at.line, Column: at.col, Key: path,
		Message: fmt.Sprintf(format, args...),
	})
}

// wrongType records that the value of path has the wrong shape.
func (d *decoder) wrongType(path string, v *yaml.Node, want string) {
	d.invalid(path, "must be %s, got %s", want, describe(v))
}

// covers reports whether a semantic problem about path is already explained by a decoding
// problem about path or one of its ancestors.
func (d *decoder) covers(path string) bool {
	for p := path; p != ""; p = parentPath(p) {
		if d.bad[p] {
			return true
		}
	}
	return false
}

// record notes where path was written.
func (d *decoder) record(path string, n *yaml.Node) {
	d.src.pos[path] = position{line: n.Line, col: n.Column}
}

// noteZero marks path as written with a numeric value of 0.
func (d *decoder) noteZero(path string) {
	at := d.src.pos[path]
	at.zero = true
	d.src.pos[path] = at
}

// mapping decodes a mapping with a fixed set of keys: it records each key's position, reports
// unknown keys (with a suggestion) and hands each known key's value to its field. A null value
// counts as an empty mapping.
func (d *decoder) mapping(path string, n *yaml.Node, fs fields) {
	entries, ok := d.entries(path, n, "a mapping")
	if !ok {
		return
	}
	for _, e := range entries {
		name := e.key.Value
		f, known := fs[name]
		if !known {
			if path == "" && strings.HasPrefix(name, "x-") {
				continue // top-level extension keys hold YAML anchors and are ignored
			}
			d.problemAt(e.key, path, "%s", unknownKey(name, fs.names()))
			continue
		}
		f(joinPath(path, name), e.value)
	}
}

// entries returns the entries of the mapping n (for maps whose keys are data: routes,
// environment, variables), recording the position of each key. It reports a value that is not a
// mapping as wanting want; a null value has no entries.
func (d *decoder) entries(path string, n *yaml.Node, want string) ([]keyValue, bool) {
	n = d.deref(n)
	if isNull(n) {
		return nil, false
	}
	if n.Kind != yaml.MappingNode {
		d.wrongType(path, n, want)
		return nil, false
	}
	kvs := d.pairs(path, n)
	for _, e := range kvs {
		d.record(joinPath(path, e.key.Value), e.key)
	}
	return kvs, true
}

// pairs flattens a mapping: explicit keys first, then the keys brought in by YAML merge keys
// (`<<: *anchor`) that are not already present. Duplicate keys are reported once per mapping.
func (d *decoder) pairs(path string, n *yaml.Node) []keyValue {
	if kvs, done := d.flat[n]; done {
		return kvs
	}
	if d.flatting[n] {
		d.problemAt(n, path, "a merge key (<<) includes the mapping it is part of")
		return nil
	}
	d.flatting[n] = true
	defer delete(d.flatting, n)

	seen := make(map[string]*yaml.Node)
	var out []keyValue
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge":
			merges = append(merges, v)
		case k.Kind != yaml.ScalarNode:
			d.problemAt(k, path, "keys must be plain strings, got %s", describe(k))
		case seen[k.Value] != nil:
			d.problemAt(k, path, "duplicate key %q (first defined on line %d)", k.Value, seen[k.Value].Line)
		default:
			seen[k.Value] = k
			out = append(out, keyValue{k, v})
		}
	}
	for _, m := range merges {
		for _, from := range mergeSources(m) {
			if !d.charge(m, from) {
				break
			}
			if from.Kind != yaml.MappingNode {
				d.problemAt(from, path, "a merge key (<<) must refer to a mapping or a list of mappings, got %s", describe(from))
				continue
			}
			for _, e := range d.pairs(path, from) {
				if seen[e.key.Value] == nil {
					seen[e.key.Value] = e.key
					out = append(out, e)
				}
			}
		}
	}
	d.flat[n] = out
	return out
}

// mergeSources returns the mappings named by the value of a merge key.
func mergeSources(v *yaml.Node) []*yaml.Node {
	v = resolve(v)
	if v.Kind != yaml.SequenceNode {
		return []*yaml.Node{v}
	}
	out := make([]*yaml.Node, 0, len(v.Content))
	for _, item := range v.Content {
		out = append(out, resolve(item))
	}
	return out
}

// names lists the known keys, sorted.
func (fs fields) names() []string {
	out := make([]string, 0, len(fs))
	for k := range fs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// resolve follows an alias (`*anchor`) to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}
