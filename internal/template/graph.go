package template

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// checkReferences walks every resource's Properties and DependsOn for
// the resources it refers to (Ref, Fn::GetAtt, the variables of Fn::Sub), reports a reference to
// a resource that does not exist, and reports each cycle of references once: CloudFormation
// refuses a template whose resources depend on each other in a circle.
func (t *tmpl) checkReferences() {
	deps := make(map[string][]string, len(t.order))
	for _, id := range t.order {
		r := t.resources[id]
		seen := map[string]bool{}
		add := func(to string) {
			if !seen[to] {
				seen[to] = true
				deps[id] = append(deps[id], to)
			}
		}
		t.collectRefs(r.raw, add, map[*yaml.Node]bool{}, 0)
		if _, dn := lookup(r.node, "DependsOn"); dn != nil {
			items := []*yaml.Node{deref(dn)}
			if deref(dn).Kind == yaml.SequenceNode {
				items = deref(dn).Content
			}
			for _, it := range items {
				name, ok := text(deref(it))
				switch {
				case !ok:
					t.probs.add(t.file, it, "Resources."+id+".DependsOn", "must name resources, got %s", kindName(deref(it)))
				case t.resources[name] == nil:
					t.probs.add(t.file, it, "Resources."+id+".DependsOn", "no resource named %s%s", name, t.hint(name, false))
				default:
					add(name)
				}
			}
		}
	}
	// Depth-first search; a back edge closes a cycle, reported at its first resource.
	const (
		unvisited = iota
		onStack
		finished
	)
	state := map[string]int{}
	var stack []string
	reported := map[string]bool{}
	var visit func(id string)
	visit = func(id string) {
		state[id] = onStack
		stack = append(stack, id)
		for _, to := range deps[id] {
			switch state[to] {
			case unvisited:
				visit(to)
			case onStack:
				i := slices.Index(stack, to)
				cycle := append(slices.Clone(stack[i:]), to)
				key := strings.Join(sortedCopy(stack[i:]), ",")
				if !reported[key] {
					reported[key] = true
					r := t.resources[to]
					t.probs.add(t.file, r.key, "Resources."+to, "a cycle of references: %s (CloudFormation refuses resources that depend on each other in a circle)", strings.Join(cycle, " → "))
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[id] = finished
	}
	for _, id := range t.order {
		if state[id] == unvisited {
			visit(id)
		}
	}
}

// collectRefs calls add for each resource that n refers to, visiting each node once (YAML
// aliases may make a small tree reach the same nodes many times).
func (t *tmpl) collectRefs(n *yaml.Node, add func(string), seen map[*yaml.Node]bool, depth int) {
	n = deref(n)
	if n == nil || depth > maxDepth || seen[n] {
		return
	}
	seen[n] = true
	if c, ok := asCall(n, false); ok {
		arg := deref(c.arg)
		switch c.fn {
		case "Ref":
			if name, ok := text(arg); ok && t.resources[name] != nil {
				add(name)
			}
			return
		case "Fn::GetAtt":
			var id string
			if arg != nil && arg.Kind == yaml.ScalarNode {
				id, _, _ = strings.Cut(arg.Value, ".")
			} else if arg != nil && arg.Kind == yaml.SequenceNode && len(arg.Content) > 0 {
				id, _ = text(deref(arg.Content[0]))
			}
			if t.resources[id] != nil {
				add(id)
			}
		case "Fn::Sub":
			s := arg
			vars := map[string]bool{}
			if arg != nil && arg.Kind == yaml.SequenceNode && len(arg.Content) == 2 {
				s = deref(arg.Content[0])
				for _, e := range entries(arg.Content[1]) {
					vars[e.key.Value] = true
				}
			}
			if s != nil && s.Kind == yaml.ScalarNode {
				for _, name := range subVariables(s.Value) {
					id, _, _ := strings.Cut(name, ".")
					if !vars[name] && t.resources[id] != nil {
						add(id)
					}
				}
			}
		}
	}
	for _, c := range n.Content {
		t.collectRefs(c, add, seen, depth+1)
	}
}

// subVariables lists the ${...} variables of an Fn::Sub string, leaving out ${!Literal}.
func subVariables(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return out
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return out
		}
		if name := s[i+2 : i+end]; !strings.HasPrefix(name, "!") {
			out = append(out, strings.TrimSpace(name))
		}
		s = s[i+end+1:]
	}
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}
