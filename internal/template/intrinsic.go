package template

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/switchboardhq/switchboard/internal/config"
)

// The intrinsic function evaluator: CloudFormation's Ref, Fn::* and Condition functions, in their
// JSON form ({"Fn::Join": [...]}) and YAML's short form (!Join [...]), over Parameters, pseudo
// parameters, Conditions, Mappings and the values CloudFormation gives resources. Every mistake
// is a problem at its node; evaluation goes on so that all of them are reported, and is bounded
// in depth and in the number of values it makes, so no template can make it hang.

// noValue is what Ref AWS::NoValue evaluates to: the property or list item is dropped.
var noValue = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!novalue"}

// unresolvedTag tags a value that cannot be known locally (Fn::ImportValue, a reference into a
// cycle); the node's Value says why. Functions given one return it; what Switchboard runs reports
// it where it needs the value.
const unresolvedTag = "!unresolved"

// maxValues bounds the nodes one template may evaluate to (YAML aliases can make a small file
// expand enormously); maxDepth bounds nesting.
const (
	maxValues = 200_000
	maxDepth  = 100
)

// unresolved makes an unresolved value at n's position.
func unresolved(n *yaml.Node, why string) *yaml.Node {
	u := &yaml.Node{Kind: yaml.ScalarNode, Tag: unresolvedTag, Value: why}
	place(u, n)
	return u
}

// isUnresolved reports whether n is an unresolved value.
func isUnresolved(n *yaml.Node) bool { return n != nil && n.Tag == unresolvedTag }

// evaluator evaluates the values of one template.
type evaluator struct {
	t *tmpl
	// params holds the evaluated value of each parameter; pseudo the pseudo parameters'.
	params map[string]*yaml.Node
	pseudo map[string]*yaml.Node
	// condition values, and the conditions being evaluated (to catch a cycle).
	condVal  map[string]bool
	condBusy []string
	made     int  // values made so far
	tooBig   bool // past maxValues: reported once, evaluation gives nothing more
	depth    int
}

// shortForms maps YAML's short-form tags to the function names of the JSON form.
var shortForms = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition", "!GetAtt": "Fn::GetAtt", "!Sub": "Fn::Sub",
	"!Join": "Fn::Join", "!If": "Fn::If", "!Select": "Fn::Select", "!Split": "Fn::Split",
	"!Equals": "Fn::Equals", "!Not": "Fn::Not", "!And": "Fn::And", "!Or": "Fn::Or",
	"!FindInMap": "Fn::FindInMap", "!Base64": "Fn::Base64", "!GetAZs": "Fn::GetAZs",
	"!ImportValue": "Fn::ImportValue", "!Cidr": "Fn::Cidr", "!Length": "Fn::Length",
	"!ToJsonString": "Fn::ToJsonString", "!Transform": "Fn::Transform", "!ForEach": "Fn::ForEach",
}

// functions are the intrinsic functions known by name, for "did you mean" and for telling an
// intrinsic from an ordinary one-key mapping.
var functions = []string{
	"Ref", "Fn::GetAtt", "Fn::Sub", "Fn::Join", "Fn::If", "Fn::Select", "Fn::Split", "Fn::Equals",
	"Fn::Not", "Fn::And", "Fn::Or", "Fn::FindInMap", "Fn::Base64", "Fn::GetAZs", "Fn::ImportValue",
	"Fn::Cidr", "Fn::Length", "Fn::ToJsonString", "Fn::Transform", "Fn::ForEach",
}

// conditionFunctions may appear only in Conditions and in the conditions of Fn::If.
var conditionFunctions = []string{"Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition"}

// call is an intrinsic function call: its name, the node that holds it (for positions) and its
// argument.
type call struct {
	fn  string
	at  *yaml.Node
	arg *yaml.Node
}

// asCall recognises an intrinsic function call: a node with a short-form tag, or a mapping whose
// only key is Ref or Fn::*. Condition is a call only where conditions are expected.
func asCall(n *yaml.Node, inCondition bool) (call, bool) {
	n = deref(n)
	if n == nil {
		return call{}, false
	}
	if tag := n.Tag; strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") && tag != unresolvedTag && tag != noValue.Tag {
		arg := *n
		switch n.Kind {
		case yaml.ScalarNode:
			arg.Tag = "!!str"
		case yaml.SequenceNode:
			arg.Tag = "!!seq"
		case yaml.MappingNode:
			arg.Tag = "!!map"
		}
		fn, ok := shortForms[tag]
		if !ok {
			fn = tag // reported as unknown
		}
		return call{fn: fn, at: n, arg: &arg}, true
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 {
		k := n.Content[0].Value
		if k == "Ref" || strings.HasPrefix(k, "Fn::") || (inCondition && k == "Condition") {
			return call{fn: k, at: n.Content[0], arg: n.Content[1]}, true
		}
	}
	return call{}, false
}

// problem records a problem at n under key.
func (e *evaluator) problem(n *yaml.Node, key, format string, args ...any) {
	e.t.probs.add(e.t.file, n, key, format, args...)
}

// count charges one value against the budget and reports whether there is budget left.
func (e *evaluator) count(at *yaml.Node, key string) bool {
	if e.tooBig {
		return false
	}
	if e.made++; e.made > maxValues {
		e.tooBig = true
		e.problem(at, key, "the template evaluates to more than %d values (through YAML aliases or intrinsic functions); write it out", maxValues)
		return false
	}
	return true
}

// eval evaluates n, found under key (a path such as "Resources.Fn.Properties.Environment"),
// returning a new tree of plain values: nil when n is nil or on an error (reported), noValue for
// Ref AWS::NoValue, and unresolved values where the template names what cannot be known here.
func (e *evaluator) eval(n *yaml.Node, key string) *yaml.Node {
	n = deref(n)
	if n == nil || !e.count(n, key) {
		return nil
	}
	if e.depth >= maxDepth {
		e.problem(n, key, "values are nested more than %d levels deep", maxDepth)
		return nil
	}
	e.depth++
	defer func() { e.depth-- }()

	if c, ok := asCall(n, false); ok {
		return e.call(c, key)
	}
	switch n.Kind {
	case yaml.MappingNode:
		out := mapping(n)
		for _, en := range entries(n) {
			if en.key.Kind != yaml.ScalarNode {
				e.problem(en.key, key, "keys must be strings")
				continue
			}
			v := e.eval(en.value, key+"."+en.key.Value)
			if v == nil || v == noValue {
				continue
			}
			out.Content = append(out.Content, str(en.key.Value, en.key), v)
		}
		return out
	case yaml.SequenceNode:
		out := seq(n)
		for i, item := range n.Content {
			v := e.eval(item, fmt.Sprintf("%s[%d]", key, i))
			if v == nil || v == noValue {
				continue
			}
			out.Content = append(out.Content, v)
		}
		return out
	default:
		c := *n
		c.Anchor = ""
		return &c
	}
}

// call evaluates one intrinsic function.
func (e *evaluator) call(c call, key string) *yaml.Node {
	switch c.fn {
	case "Ref":
		return e.ref(c, key)
	case "Fn::GetAtt":
		return e.getAtt(c, key)
	case "Fn::Sub":
		return e.sub(c, key)
	case "Fn::Join":
		return e.join(c, key)
	case "Fn::If":
		return e.fnIf(c, key)
	case "Fn::Select":
		return e.selectFn(c, key)
	case "Fn::Split":
		return e.split(c, key)
	case "Fn::FindInMap":
		return e.findInMap(c, key)
	case "Fn::Base64":
		v := e.stringArg(c, c.arg, key)
		if v == nil || isUnresolved(v) {
			return v
		}
		return str(base64.StdEncoding.EncodeToString([]byte(v.Value)), c.at)
	case "Fn::GetAZs":
		v := e.stringArg(c, c.arg, key)
		if v == nil || isUnresolved(v) {
			return v
		}
		region := v.Value
		if region == "" {
			region = e.pseudo["AWS::Region"].Value
		}
		return seq(c.at, str(region+"a", c.at), str(region+"b", c.at), str(region+"c", c.at))
	case "Fn::ImportValue":
		v := e.stringArg(c, c.arg, key)
		if v == nil || isUnresolved(v) {
			return v
		}
		return unresolved(c.at, fmt.Sprintf("Fn::ImportValue %q reads an export of another stack, which cannot be known locally", v.Value))
	case "Fn::Cidr":
		if args := e.args(c, key, 3); args != nil {
			return unresolved(c.at, "Fn::Cidr is not computed locally")
		}
		return nil
	case "Fn::Length":
		v := e.eval(c.arg, key)
		if v == nil || isUnresolved(v) {
			return v
		}
		if !isSeq(v) {
			e.problem(c.at, key, "Fn::Length takes a list, got %s", kindName(v))
			return nil
		}
		return num(len(v.Content), c.at)
	case "Fn::ToJsonString":
		v := e.eval(c.arg, key)
		if v == nil || isUnresolved(v) {
			return v
		}
		b, err := json.Marshal(plain(v))
		if err != nil {
			e.problem(c.at, key, "Fn::ToJsonString: %v", err)
			return nil
		}
		return str(string(b), c.at)
	case "Fn::Transform", "Fn::ForEach":
		e.problem(c.at, key, "%s (a CloudFormation macro) is not supported: expand the template first, e.g. with `sam validate` or `aws cloudformation package`", c.fn)
		return nil
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or":
		e.problem(c.at, key, "%s is a condition function: use it in Conditions or as the condition of Fn::If", c.fn)
		return nil
	}
	hint := ""
	names := functions
	if strings.HasPrefix(c.fn, "!") {
		names = keysOf(shortForms)
	}
	if s := config.Suggest(c.fn, names); s != "" {
		hint = fmt.Sprintf(" (did you mean %s?)", s)
	}
	e.problem(c.at, key, "unknown intrinsic function %s%s", c.fn, hint)
	return nil
}

// args evaluates the argument of c as a list of exactly n items (n < 0: any number), reporting
// anything else; nil on a problem.
func (e *evaluator) args(c call, key string, n int) []*yaml.Node {
	a := deref(c.arg)
	if _, isCall := asCall(a, false); isCall || a == nil || a.Kind != yaml.SequenceNode {
		e.problem(c.at, key, "%s takes a list of %d values, got %s", c.fn, n, kindName(a))
		return nil
	}
	if n >= 0 && len(a.Content) != n {
		e.problem(c.at, key, "%s takes a list of %d values, got %d", c.fn, n, len(a.Content))
		return nil
	}
	return a.Content
}

// stringArg evaluates n, an argument of c, to a string scalar; nil (reported) when it is not
// one. Numbers and booleans count as strings, as in CloudFormation.
func (e *evaluator) stringArg(c call, n *yaml.Node, key string) *yaml.Node {
	v := e.eval(n, key)
	if v == nil || isUnresolved(v) {
		return v
	}
	if !isScalar(v) {
		e.problem(c.at, key, "%s needs a string here, got %s", c.fn, kindName(v))
		return nil
	}
	return v
}

// listArg evaluates n, an argument of c, to a list.
func (e *evaluator) listArg(c call, n *yaml.Node, key string) *yaml.Node {
	v := e.eval(n, key)
	if v == nil || isUnresolved(v) {
		return v
	}
	if !isSeq(v) {
		e.problem(c.at, key, "%s needs a list here, got %s", c.fn, kindName(v))
		return nil
	}
	return v
}

// ref evaluates Ref: a parameter, a pseudo parameter or a resource.
func (e *evaluator) ref(c call, key string) *yaml.Node {
	a := deref(c.arg)
	name, ok := text(a)
	if !ok || a.Kind != yaml.ScalarNode {
		e.problem(c.at, key, "Ref takes the name of a parameter or resource, got %s", kindName(a))
		return nil
	}
	return e.refName(name, c.at, key)
}

// refName is the value of Ref name, written at at.
func (e *evaluator) refName(name string, at *yaml.Node, key string) *yaml.Node {
	if name == "AWS::NoValue" {
		return noValue
	}
	if v, ok := e.pseudo[name]; ok {
		return relocate(v, at)
	}
	if v, ok := e.params[name]; ok {
		if v == nil {
			return nil // the parameter's own problem is reported
		}
		return relocate(v, at)
	}
	if r, ok := e.t.resources[name]; ok {
		if !r.active {
			e.problem(at, key, "Ref %s: the resource is not created (its Condition %s is false)", name, r.condition)
			return nil
		}
		return e.t.refValue(r, at)
	}
	e.problem(at, key, "Ref %s: no parameter or resource of that name%s", name, e.t.hint(name, true))
	return nil
}

// relocate copies v with the position of at, so that a problem about a parameter's value cites
// where it is used.
func relocate(v, at *yaml.Node) *yaml.Node {
	c := *v
	place(&c, at)
	return &c
}

// getAtt evaluates Fn::GetAtt [LogicalId, Attribute] or "LogicalId.Attribute".
func (e *evaluator) getAtt(c call, key string) *yaml.Node {
	a := deref(c.arg)
	var id, attr string
	switch {
	case a != nil && a.Kind == yaml.ScalarNode:
		var ok bool
		if id, attr, ok = strings.Cut(a.Value, "."); !ok || id == "" || attr == "" {
			e.problem(c.at, key, "Fn::GetAtt takes LogicalId.Attribute, got %s", kindName(a))
			return nil
		}
	case a != nil && a.Kind == yaml.SequenceNode && len(a.Content) == 2:
		idNode := deref(a.Content[0])
		if s, ok := text(idNode); ok && idNode.Kind == yaml.ScalarNode {
			id = s
		} else {
			e.problem(c.at, key, "Fn::GetAtt: the logical id must be a string, got %s", kindName(idNode))
			return nil
		}
		av := e.stringArg(c, a.Content[1], key)
		if av == nil || isUnresolved(av) {
			return av
		}
		attr = av.Value
	default:
		e.problem(c.at, key, "Fn::GetAtt takes [LogicalId, Attribute] or LogicalId.Attribute, got %s", kindName(a))
		return nil
	}
	return e.attribute(id, attr, c.at, key)
}

// attribute is the value of Fn::GetAtt id.attr written at at.
func (e *evaluator) attribute(id, attr string, at *yaml.Node, key string) *yaml.Node {
	r, ok := e.t.resources[id]
	if !ok {
		e.problem(at, key, "Fn::GetAtt %s.%s: no resource named %s%s", id, attr, id, e.t.hint(id, false))
		return nil
	}
	if !r.active {
		e.problem(at, key, "Fn::GetAtt %s.%s: the resource is not created (its Condition %s is false)", id, attr, r.condition)
		return nil
	}
	v, err := e.t.attValue(r, attr, at)
	if err != nil {
		e.problem(at, key, "Fn::GetAtt %s.%s: %v", id, attr, err)
		return nil
	}
	return v
}

// sub evaluates Fn::Sub "text ${Var} ${Res.Attr} ${!Literal}" or [text, {Var: value}].
func (e *evaluator) sub(c call, key string) *yaml.Node {
	a := deref(c.arg)
	var tmplNode *yaml.Node
	vars := map[string]*yaml.Node{}
	switch {
	case a != nil && a.Kind == yaml.ScalarNode:
		tmplNode = a
	case a != nil && a.Kind == yaml.SequenceNode && len(a.Content) == 2:
		tmplNode = deref(a.Content[0])
		m := deref(a.Content[1])
		if m == nil || m.Kind != yaml.MappingNode {
			e.problem(c.at, key, "Fn::Sub: the second item must be a mapping of variables, got %s", kindName(m))
			return nil
		}
		for _, en := range entries(m) {
			v := e.stringArg(c, en.value, key)
			if v == nil {
				return nil
			}
			vars[en.key.Value] = v
		}
	default:
		e.problem(c.at, key, "Fn::Sub takes a string or [string, {variables}], got %s", kindName(a))
		return nil
	}
	if tmplNode == nil || tmplNode.Kind != yaml.ScalarNode {
		e.problem(c.at, key, "Fn::Sub: the template must be a string, got %s", kindName(tmplNode))
		return nil
	}
	var b strings.Builder
	s := tmplNode.Value
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			e.problem(c.at, key, "Fn::Sub: %q has a ${ without its closing }", short(tmplNode.Value))
			return nil
		}
		name := s[i+2 : i+end]
		s = s[i+end+1:]
		if strings.HasPrefix(name, "!") {
			b.WriteString("${" + name[1:] + "}")
			continue
		}
		name = strings.TrimSpace(name)
		var v *yaml.Node
		if val, ok := vars[name]; ok {
			v = val
		} else if id, attr, dotted := strings.Cut(name, "."); dotted && e.params[name] == nil && e.pseudo[name] == nil {
			v = e.attribute(id, attr, c.at, key)
		} else {
			v = e.refName(name, c.at, key)
		}
		if v == nil {
			return nil
		}
		if isUnresolved(v) {
			return v
		}
		if v == noValue || !isScalar(v) {
			e.problem(c.at, key, "Fn::Sub: ${%s} is %s, not a string", name, kindName(v))
			return nil
		}
		b.WriteString(v.Value)
	}
	return str(b.String(), c.at)
}

// join evaluates Fn::Join [delimiter, [values]].
func (e *evaluator) join(c call, key string) *yaml.Node {
	args := e.args(c, key, 2)
	if args == nil {
		return nil
	}
	d := e.stringArg(c, args[0], key)
	list := e.listArg(c, args[1], key)
	if d == nil || list == nil {
		return nil
	}
	if isUnresolved(d) {
		return d
	}
	if isUnresolved(list) {
		return list
	}
	parts := make([]string, 0, len(list.Content))
	for _, item := range list.Content {
		if isUnresolved(item) {
			return item
		}
		s, ok := text(item)
		if !ok {
			e.problem(c.at, key, "Fn::Join: every item must be a string, got %s", kindName(item))
			return nil
		}
		parts = append(parts, s)
	}
	return str(strings.Join(parts, d.Value), c.at)
}

// fnIf evaluates Fn::If [condition, then, else]; only the branch taken is evaluated.
func (e *evaluator) fnIf(c call, key string) *yaml.Node {
	args := e.args(c, key, 3)
	if args == nil {
		return nil
	}
	name, ok := text(deref(args[0]))
	if !ok {
		e.problem(c.at, key, "Fn::If: the first item must name a condition, got %s", kindName(deref(args[0])))
		return nil
	}
	v, ok := e.condition(name, c.at, key)
	if !ok {
		return nil
	}
	if v {
		return e.eval(args[1], key)
	}
	return e.eval(args[2], key)
}

// selectFn evaluates Fn::Select [index, list].
func (e *evaluator) selectFn(c call, key string) *yaml.Node {
	args := e.args(c, key, 2)
	if args == nil {
		return nil
	}
	iv := e.stringArg(c, args[0], key)
	list := e.listArg(c, args[1], key)
	if iv == nil || list == nil {
		return nil
	}
	if isUnresolved(iv) {
		return iv
	}
	if isUnresolved(list) {
		return list
	}
	i, err := strconv.Atoi(iv.Value)
	if err != nil || i < 0 || i >= len(list.Content) {
		e.problem(c.at, key, "Fn::Select: index %s is not within the list of %d", iv.Value, len(list.Content))
		return nil
	}
	return list.Content[i]
}

// split evaluates Fn::Split [delimiter, string].
func (e *evaluator) split(c call, key string) *yaml.Node {
	args := e.args(c, key, 2)
	if args == nil {
		return nil
	}
	d := e.stringArg(c, args[0], key)
	s := e.stringArg(c, args[1], key)
	if d == nil || s == nil {
		return nil
	}
	if isUnresolved(d) {
		return d
	}
	if isUnresolved(s) {
		return s
	}
	if d.Value == "" {
		e.problem(c.at, key, "Fn::Split: the delimiter must not be empty")
		return nil
	}
	out := seq(c.at)
	for _, part := range strings.Split(s.Value, d.Value) {
		if !e.count(c.at, key) {
			return nil
		}
		out.Content = append(out.Content, str(part, c.at))
	}
	return out
}

// findInMap evaluates Fn::FindInMap [MapName, TopLevelKey, SecondLevelKey] (and the
// AWS::LanguageExtensions form with a fourth item {DefaultValue: v}).
func (e *evaluator) findInMap(c call, key string) *yaml.Node {
	a := deref(c.arg)
	if a == nil || a.Kind != yaml.SequenceNode || (len(a.Content) != 3 && len(a.Content) != 4) {
		e.problem(c.at, key, "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey], got %s", kindName(a))
		return nil
	}
	var names [3]string
	for i := range 3 {
		v := e.stringArg(c, a.Content[i], key)
		if v == nil || isUnresolved(v) {
			return v
		}
		names[i] = v.Value
	}
	var def *yaml.Node
	if len(a.Content) == 4 {
		_, def = lookup(a.Content[3], "DefaultValue")
		if def == nil {
			e.problem(c.at, key, "Fn::FindInMap: the fourth item must be {DefaultValue: value}")
			return nil
		}
	}
	m := get(e.t.mappings, names[0])
	if m == nil {
		if def != nil {
			return e.eval(def, key)
		}
		e.problem(c.at, key, "Fn::FindInMap: no mapping named %s in Mappings", names[0])
		return nil
	}
	top := get(m, names[1])
	v := get(top, names[2])
	if v == nil {
		if def != nil {
			return e.eval(def, key)
		}
		e.problem(c.at, key, "Fn::FindInMap: mapping %s has no %s.%s", names[0], names[1], names[2])
		return nil
	}
	return relocate(e.eval(v, key), c.at)
}

// condition returns the value of the named condition, evaluating it once; ok is false when it
// does not exist or cannot be evaluated (reported).
func (e *evaluator) condition(name string, at *yaml.Node, key string) (value, ok bool) {
	if v, done := e.condVal[name]; done {
		return v, true
	}
	def, exists := e.t.conditions[name]
	if !exists {
		e.problem(at, key, "no condition named %s in Conditions%s", name, hintFrom(name, keysOf(e.t.conditions)))
		return false, false
	}
	if i := slices.Index(e.condBusy, name); i >= 0 {
		e.problem(at, key, "the conditions form a cycle: %s", strings.Join(append(slices.Clone(e.condBusy[i:]), name), " → "))
		return false, false
	}
	e.condBusy = append(e.condBusy, name)
	v, ok := e.evalCondition(def, "Conditions."+name)
	e.condBusy = e.condBusy[:len(e.condBusy)-1]
	if ok {
		e.condVal[name] = v
	}
	return v, ok
}

// evalCondition evaluates a condition function (Fn::Equals, Fn::Not, Fn::And, Fn::Or, or the
// Condition function naming another condition).
func (e *evaluator) evalCondition(n *yaml.Node, key string) (bool, bool) {
	if !e.count(n, key) {
		return false, false
	}
	if e.depth >= maxDepth {
		e.problem(n, key, "conditions are nested more than %d levels deep", maxDepth)
		return false, false
	}
	e.depth++
	defer func() { e.depth-- }()
	c, isCall := asCall(n, true)
	if !isCall {
		if b, ok := truthy(deref(n)); ok { // a literal true/false, as CloudFormation accepts
			return b, true
		}
		e.problem(deref(n), key, "a condition must be Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition, got %s", kindName(deref(n)))
		return false, false
	}
	switch c.fn {
	case "Condition":
		name, ok := text(deref(c.arg))
		if !ok {
			e.problem(c.at, key, "Condition takes the name of a condition, got %s", kindName(deref(c.arg)))
			return false, false
		}
		return e.condition(name, c.at, key)
	case "Fn::Equals":
		args := e.args(c, key, 2)
		if args == nil {
			return false, false
		}
		a, b := e.eval(args[0], key), e.eval(args[1], key)
		if a == nil || b == nil {
			return false, false
		}
		for _, v := range []*yaml.Node{a, b} {
			if isUnresolved(v) {
				e.problem(c.at, key, "Fn::Equals cannot be decided: %s", v.Value)
				return false, false
			}
		}
		return canonical(a) == canonical(b), true
	case "Fn::Not":
		args := e.args(c, key, 1)
		if args == nil {
			return false, false
		}
		v, ok := e.evalCondition(args[0], key)
		return !v, ok
	case "Fn::And", "Fn::Or":
		args := e.args(c, key, -1)
		if args == nil {
			return false, false
		}
		if len(args) < 2 || len(args) > 10 {
			e.problem(c.at, key, "%s takes 2 to 10 conditions, got %d", c.fn, len(args))
			return false, false
		}
		and := c.fn == "Fn::And"
		result, allOK := and, true
		for _, arg := range args {
			v, ok := e.evalCondition(arg, key)
			allOK = allOK && ok
			if and {
				result = result && v
			} else {
				result = result || v
			}
		}
		return result, allOK
	case "Fn::If", "Fn::FindInMap", "Ref":
		v := e.call(c, key)
		if v == nil {
			return false, false
		}
		if b, ok := truthy(v); ok {
			return b, true
		}
		e.problem(c.at, key, "%s must give true or false here, got %s", c.fn, kindName(v))
		return false, false
	}
	e.problem(c.at, key, "%s is not a condition function (want Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition)", c.fn)
	return false, false
}

// canonical renders a value for comparison: scalars as their text, lists and mappings as JSON.
func canonical(n *yaml.Node) string {
	if isScalar(n) {
		return n.Value
	}
	b, _ := json.Marshal(plain(n))
	return string(b)
}

// plain converts an evaluated tree to Go values (for JSON): scalars stay strings except numbers
// and booleans, which become json.Number and bool.
func plain(n *yaml.Node) any {
	switch {
	case n == nil:
		return nil
	case n.Kind == yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for _, en := range entries(n) {
			m[en.key.Value] = plain(en.value)
		}
		return m
	case n.Kind == yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, item := range n.Content {
			l = append(l, plain(item))
		}
		return l
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		if _, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return json.Number(n.Value)
		}
	case "!!bool":
		b, _ := truthy(n)
		return b
	case "!!null":
		return nil
	}
	return n.Value
}

// keysOf returns the keys of m, sorted.
func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// hintFrom returns ` (did you mean "X"?)` for the closest of names, or "".
func hintFrom(name string, names []string) string {
	if s := config.Suggest(name, names); s != "" {
		return fmt.Sprintf(" (did you mean %s?)", s)
	}
	return ""
}
