package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads the config file at path (YAML, or JSON when the name ends in .json), applies
// defaults and validates it. A config with mistakes yields a Problems error that lists every one
// of them with its file:line:column and key; a file that cannot be read yields a wrapped
// *os.PathError.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes data as a config file called name (used in problem positions, and to tell JSON
// from YAML by a .json suffix), applies defaults and validates it as Load does. On success the
// Config remembers where each key was written, for Unsupported and Position.
func Parse(name string, data []byte) (*Config, error) {
	root, probs := parseDocument(name, data)
	if len(probs) > 0 {
		return nil, probs.asError()
	}
	return FromTree(name, root)
}

// ReadTree parses data into the root node of its one document, as JSON when asJSON is set and as
// YAML otherwise, keeping the line and column of every node (YAML tags such as !Ref stay on their
// nodes); the root is nil when data holds no document. A syntax error is a Problems error citing
// name and the line. Templates (internal/template) read their files with it.
func ReadTree(name string, data []byte, asJSON bool) (*yaml.Node, error) {
	var root *yaml.Node
	var probs Problems
	if asJSON {
		root, probs = parseJSON(name, data)
	} else {
		root, probs = parseYAML(name, data)
	}
	if err := probs.asError(); err != nil {
		return nil, err
	}
	return root, nil
}

// FromTree decodes root, a mapping in the shape of a config file, as Parse decodes a file called
// name: it applies defaults, runs every check and reports each problem at the line and column of
// the node it is about. A translator that builds such a tree from another format, giving each
// node the position of what it came from, gets the config's validation with positions in its own
// file.
func FromTree(name string, root *yaml.Node) (*Config, error) {
	src := &source{file: name, pos: make(map[string]position)}
	d := newDecoder(src)
	c := &Config{File: name}
	d.config(root, c)
	if d.tooBig {
		return nil, d.probs.asError()
	}
	ApplyDefaults(c)
	probs := d.probs
	for _, p := range check(c, src) {
		if !d.covers(p.Key) {
			probs = append(probs, p)
		}
	}
	if err := probs.asError(); err != nil {
		return nil, err
	}
	attachSource(c, src)
	return c, nil
}

// parseDocument parses data into the root node of its single document, which must be a mapping.
func parseDocument(name string, data []byte) (*yaml.Node, Problems) {
	var root *yaml.Node
	var probs Problems
	if strings.HasSuffix(strings.ToLower(name), ".json") {
		root, probs = parseJSON(name, data)
	} else {
		root, probs = parseYAML(name, data)
	}
	if len(probs) > 0 {
		return nil, probs
	}
	if root == nil {
		return nil, Problems{{File: name, Message: "the file is empty: a config needs at least routes"}}
	}
	if root = resolve(root); root.Kind != yaml.MappingNode {
		return nil, Problems{{File: name, Line: root.Line, Column: root.Column,
			Message: fmt.Sprintf("the file must hold a mapping of keys (name, routes, ...), got %s", describe(root))}}
	}
	return root, nil
}

// parseYAML parses the one YAML document in data; its root is nil when data holds none.
func parseYAML(name string, data []byte) (*yaml.Node, Problems) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return nil, nil
	} else if err != nil {
		return nil, Problems{syntaxProblem(name, err)}
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		return nil, Problems{{File: name, Line: next.Line, Column: next.Column,
			Message: "the file holds more than one YAML document; a config is one document"}}
	} else if !errors.Is(err, io.EOF) {
		return nil, Problems{syntaxProblem(name, err)}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// yamlErrorLine matches the position yaml.v3 puts in its syntax errors.
var yamlErrorLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// syntaxProblem turns a yaml.v3 syntax error into a Problem, keeping its line when it has one.
func syntaxProblem(name string, err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	p := Problem{File: name, Message: "invalid YAML: " + msg}
	if m := yamlErrorLine.FindStringSubmatch(msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		p.Message = "invalid YAML: " + m[2]
	}
	if strings.Contains(msg, "did not find expected alphabetic or numeric character") {
		// yaml.v3 gives no line for a bad alias; the usual cause is a wildcard domain.
		p.Message += ` (a value starting with "*" is an alias in YAML: quote a wildcard domain, customDomain: "*.example.com")`
	}
	return p
}
