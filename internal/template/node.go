package template

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Templates are read into yaml.Node trees (JSON too, through config.ReadTree), so that every
// value keeps the line and column it was written at; evaluated values are new trees whose nodes
// carry the position of the template node they came from.

// entry is one key and value of a mapping.
type entry struct{ key, value *yaml.Node }

// entries returns the entries of the mapping n (nil for anything else), following aliases and
// leaving merge keys out.
func entries(n *yaml.Node) []entry {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	out := make([]entry, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			continue
		}
		out = append(out, entry{k, n.Content[i+1]})
	}
	return out
}

// lookup returns the key and value nodes of key in the mapping n, or nils.
func lookup(n *yaml.Node, key string) (k, v *yaml.Node) {
	for _, e := range entries(n) {
		if e.key.Value == key {
			return e.key, e.value
		}
	}
	return nil, nil
}

// get returns the value of key in the mapping n, or nil.
func get(n *yaml.Node, key string) *yaml.Node {
	_, v := lookup(n, key)
	return deref(v)
}

// deref follows aliases.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// isMap, isSeq and isScalar tell the kind of an evaluated node.
func isMap(n *yaml.Node) bool { return n != nil && n.Kind == yaml.MappingNode }
func isSeq(n *yaml.Node) bool { return n != nil && n.Kind == yaml.SequenceNode }
func isScalar(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && n.ShortTag() != "!!null"
}

// text returns the string form of a scalar (numbers and booleans as written).
func text(n *yaml.Node) (string, bool) {
	if !isScalar(n) {
		return "", false
	}
	return n.Value, true
}

// str makes a string scalar at the position of at.
func str(s string, at *yaml.Node) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	place(n, at)
	return n
}

// num makes an integer scalar at the position of at.
func num(v int, at *yaml.Node) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(v)}
	place(n, at)
	return n
}

// boolean makes a boolean scalar at the position of at.
func boolean(v bool, at *yaml.Node) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v)}
	place(n, at)
	return n
}

// seq makes a sequence at the position of at.
func seq(at *yaml.Node, items ...*yaml.Node) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items}
	place(n, at)
	return n
}

// mapping makes an empty mapping at the position of at.
func mapping(at *yaml.Node) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	place(n, at)
	return n
}

// put appends key: v to the mapping m, the key at the position of keyAt (v's own when nil).
// A nil v is not added.
func put(m *yaml.Node, key string, keyAt, v *yaml.Node) {
	if v == nil {
		return
	}
	if keyAt == nil {
		keyAt = v
	}
	m.Content = append(m.Content, str(key, keyAt), v)
}

// place gives n the position of at.
func place(n, at *yaml.Node) {
	if at != nil {
		n.Line, n.Column = at.Line, at.Column
	}
}

// truthy reads a boolean scalar the way CloudFormation does ("true"/"false", any case).
func truthy(n *yaml.Node) (bool, bool) {
	s, ok := text(n)
	if !ok {
		return false, false
	}
	switch strings.ToLower(s) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// kindName names what a node is, for messages.
func kindName(n *yaml.Node) string {
	switch {
	case n == nil:
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.ShortTag() == "!!null":
		return "null"
	case n.ShortTag() == "!!bool":
		return "the boolean " + n.Value
	case n.ShortTag() == "!!int" || n.ShortTag() == "!!float":
		return "the number " + n.Value
	default:
		return strconv.Quote(short(n.Value))
	}
}

// short cuts s for a message.
func short(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}
