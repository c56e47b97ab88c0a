package template

import "gopkg.in/yaml.v3"

// mergeGlobals applies SAM's Globals.Function to a function's Properties as SAM does: a property
// the function does not set comes from Globals; mappings (Environment.Variables, Tags) are merged,
// the function winning on a conflict; lists (Layers) are concatenated, Globals' first; any other
// value (and an intrinsic function) is the function's.
func mergeGlobals(globals, props *yaml.Node) *yaml.Node {
	props = deref(props)
	if props == nil || props.Kind != yaml.MappingNode {
		if props != nil && props.Kind != yaml.ScalarNode {
			return props // not a mapping: reported when evaluated
		}
		return globals
	}
	return mergeNodes(globals, props)
}

// mergeNodes merges g (from Globals) under own (the resource's).
func mergeNodes(g, own *yaml.Node) *yaml.Node {
	g, own = deref(g), deref(own)
	_, gCall := asCall(g, false)
	_, ownCall := asCall(own, false)
	switch {
	case g == nil:
		return own
	case own == nil:
		return g
	case gCall || ownCall:
		return own
	case g.Kind == yaml.MappingNode && own.Kind == yaml.MappingNode:
		out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: own.Line, Column: own.Column}
		for _, e := range entries(own) {
			_, gv := lookup(g, e.key.Value)
			out.Content = append(out.Content, e.key, mergeNodes(gv, e.value))
		}
		for _, e := range entries(g) {
			if k, _ := lookup(own, e.key.Value); k == nil {
				out.Content = append(out.Content, e.key, e.value)
			}
		}
		return out
	case g.Kind == yaml.SequenceNode && own.Kind == yaml.SequenceNode:
		out := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: own.Line, Column: own.Column}
		out.Content = append(append(out.Content, g.Content...), own.Content...)
		return out
	}
	return own
}
