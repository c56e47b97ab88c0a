package template

import (
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// Functions: AWS::Serverless::Function and AWS::Lambda::Function, read into the config's function
// props. The code directory (SAM's CodeUri, a CDK asset) becomes the function's root: Lambda
// unpacks the code there, so the handler string is relative to it.

// functionProps are the function properties Switchboard reads; the others are noted.
var functionProps = []string{"Handler", "Runtime", "CodeUri", "Code", "MemorySize", "Timeout",
	"Environment", "Layers", "Policies", "ReservedConcurrentExecutions", "FunctionName", "PackageType"}

// function translates the function resource r for the config path path ("routes.x.function"),
// returning the function props and the absolute code directory; nil when it cannot run (reported).
func (t *tmpl) function(r *resource, path string, o *apiOut) (*yaml.Node, string) {
	props := t.props(r)
	base := "Resources." + r.id + ".Properties"
	from := func(k string) origin { return origin{key: base + "." + k} }
	t.notesFor(r, props, functionProps...)
	if isUnresolved(props) {
		t.probs.add(t.file, r.key, base, "%s", props.Value)
		return nil, ""
	}
	if k, v := lookup(props, "PackageType"); v != nil && v.Value == "Image" {
		t.probs.add(t.file, k, base+".PackageType", "container image functions cannot run in Switchboard: it runs Node.js, Python and Go code from a directory")
		return nil, ""
	}
	root, ok := t.codeDir(r, props, base)
	if !ok {
		return nil, ""
	}
	f := mapping(r.key)

	rk, rv := lookup(props, "Runtime")
	runtime, _ := text(rv)
	var family string
	switch {
	case strings.HasPrefix(runtime, "nodejs"):
		family = "nodejs"
	case strings.HasPrefix(runtime, "python"):
		family = "python"
	case runtime == "go1.x" || strings.HasPrefix(runtime, "provided"):
		family = "go"
	case rv == nil:
		t.probs.add(t.file, r.key, base+".Runtime", "a function needs a Runtime (nodejs*, python*, go1.x or provided.* for Go)")
		return nil, ""
	default:
		t.probs.add(t.file, rk, base+".Runtime", "runtime %s cannot run in Switchboard: it runs Node.js (nodejs*), Python (python*) and Go (go1.x, provided.* with Go sources)", kindName(rv))
		return nil, ""
	}
	o.set(f, path, "runtime", rk, rv, from("Runtime"))

	hk, hv := lookup(props, "Handler")
	switch {
	case family == "go":
		// The handler names the binary Lambda runs (bootstrap, or the go1.x executable); locally
		// the code directory is the main package, built as Switchboard builds Go handlers.
		if !hasGoFiles(root) {
			t.probs.add(t.file, rk, base+".Runtime", "runtime %s: %s holds no Go source files; Switchboard runs Go functions from their main package (point CodeUri at it)", runtime, t.rel(root))
			return nil, ""
		}
		at := hk
		if at == nil {
			at = rk
		}
		o.set(f, path, "handler", at, str(".", at), from("Handler"))
	case hv == nil:
		t.probs.add(t.file, r.key, base+".Handler", "a %s function needs a Handler such as app.handler", family)
		return nil, ""
	default:
		o.set(f, path, "handler", hk, t.scalar(hv, base+".Handler"), from("Handler"))
	}
	if k, v := lookup(props, "MemorySize"); v != nil {
		o.set(f, path, "memory", k, t.scalar(v, base+".MemorySize"), from("MemorySize"))
	}
	if k, v := lookup(props, "Timeout"); v != nil {
		o.set(f, path, "timeout", k, t.scalar(v, base+".Timeout"), from("Timeout"))
	}
	if k, v := lookup(props, "ReservedConcurrentExecutions"); v != nil {
		o.set(f, path, "reservedConcurrency", k, t.scalar(v, base+".ReservedConcurrentExecutions"), from("ReservedConcurrentExecutions"))
	}
	env := t.environment(r, props, base, path+".environment", o)
	if env != nil {
		o.set(f, path, "environment", env, env, from("Environment.Variables"))
	}
	if k, v := lookup(props, "Layers"); v != nil {
		if layers := t.layers(r, k, v, base); layers != nil {
			o.set(f, path, "layers", k, layers, from("Layers"))
		}
	}
	if k, v := lookup(props, "Policies"); v != nil {
		if perms := t.policies(r, v, base+".Policies"); len(perms.Content) > 0 {
			o.set(f, path, "permissions", k, perms, from("Policies"))
		}
	}
	return f, root
}

// codeDir returns the absolute directory of the function's code.
func (t *tmpl) codeDir(r *resource, props *yaml.Node, base string) (string, bool) {
	var rel string
	var at *yaml.Node
	switch r.typ {
	case "AWS::Serverless::Function":
		k, v := lookup(props, "CodeUri")
		switch {
		case v == nil:
			if ik, _ := lookup(props, "InlineCode"); ik != nil {
				t.probs.add(t.file, ik, base+".InlineCode", "inline code is not supported: put the code in a directory and set CodeUri")
			} else {
				t.probs.add(t.file, r.key, base+".CodeUri", "a function needs CodeUri: the directory of its code")
			}
			return "", false
		case isUnresolved(v):
			t.probs.add(t.file, v, base+".CodeUri", "%s", v.Value)
			return "", false
		case !isScalar(v):
			t.probs.add(t.file, k, base+".CodeUri", "code in S3 cannot run locally: set CodeUri to the directory of the code (as before `sam package`)")
			return "", false
		}
		rel, at = v.Value, k
	default: // AWS::Lambda::Function
		k, v := lookup(props, "Code")
		asset, _ := text(get(get(r.node, "Metadata"), "aws:asset:path"))
		switch {
		case asset != "":
			rel, at = asset, k
			if at == nil {
				at = r.key
			}
		case get(v, "ZipFile") != nil:
			t.probs.add(t.file, k, base+".Code.ZipFile", "inline code is not supported: put the code in a directory (CDK: lambda.Code.fromAsset)")
			return "", false
		case get(v, "ImageUri") != nil:
			t.probs.add(t.file, k, base+".Code.ImageUri", "container image functions cannot run in Switchboard")
			return "", false
		default:
			if k == nil {
				k = r.key
			}
			t.probs.add(t.file, k, base+".Code", "code in S3 cannot run locally: run the template that `cdk synth` writes (its assets carry aws:asset:path metadata), or use AWS::Serverless::Function with a local CodeUri")
			return "", false
		}
	}
	dir := rel
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(t.dir, filepath.FromSlash(rel))
	}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		if err == nil && strings.HasSuffix(strings.ToLower(dir), ".zip") {
			t.probs.add(t.file, at, base, "%s is a .zip file: give the directory of the code instead", rel)
		} else {
			t.probs.add(t.file, at, base, "the code directory %s does not exist (resolved to %s)", rel, dir)
		}
		return "", false
	}
	return dir, true
}

// hasGoFiles reports whether dir holds a .go file.
func hasGoFiles(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") {
			return true
		}
	}
	return false
}

// rel returns dir relative to the template's directory, for messages.
func (t *tmpl) rel(dir string) string {
	if r, err := filepath.Rel(t.dir, dir); err == nil {
		return r
	}
	return dir
}

// environment returns the function's Environment.Variables with the --env-vars file's values.
func (t *tmpl) environment(r *resource, props *yaml.Node, base, path string, o *apiOut) *yaml.Node {
	ek, ev := lookup(props, "Environment")
	vars := get(ev, "Variables")
	var out *yaml.Node
	if ev != nil {
		out = mapping(ek)
		for _, e := range entries(ev) {
			if e.key.Value != "Variables" {
				t.note(e.key, base+".Environment."+e.key.Value, "has no effect in Switchboard")
			}
		}
		for _, e := range entries(vars) {
			v := e.value
			if isUnresolved(v) {
				t.probs.add(t.file, v, base+".Environment.Variables."+e.key.Value, "%s; give the variable's value in an --env-vars file", v.Value)
				continue
			}
			o.set(out, path, e.key.Value, e.key, v, origin{key: base + ".Environment.Variables." + e.key.Value})
		}
	}
	name, _ := text(get(props, "FunctionName"))
	for _, set := range t.envVarsFor(r.id, name) {
		if out == nil {
			out = mapping(r.key)
		}
		for _, e := range entries(set.vars) {
			replace(out, e.key.Value, e.key, e.value)
			o.origins[joinKey(path, e.key.Value)] = origin{file: t.opts.EnvVarsFile, key: set.key + "." + e.key.Value}
		}
	}
	return out
}

// replace sets key: v in the mapping m, replacing an existing entry.
func replace(m *yaml.Node, key string, keyAt, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	put(m, key, keyAt, v)
}

// layers returns the function's layers: a layer of the template with local content as its
// directory (absolute), any other layer as its ARN.
func (t *tmpl) layers(r *resource, k, v *yaml.Node, base string) *yaml.Node {
	raw := deref(get(r.raw, "Layers"))
	if !isSeq(v) {
		t.probs.add(t.file, k, base+".Layers", "must be a list of layers, got %s", kindName(v))
		return nil
	}
	out := seq(k)
	for i, item := range v.Content {
		if isUnresolved(item) {
			t.probs.add(t.file, item, base+".Layers", "%s", item.Value)
			continue
		}
		if raw != nil && raw.Kind == yaml.SequenceNode && i < len(raw.Content) {
			if c, ok := asCall(raw.Content[i], false); ok && c.fn == "Ref" {
				if lr := t.resources[deref(c.arg).Value]; lr != nil {
					if dir := t.layerDir(lr); dir != "" {
						t.notRun[lr.id] = ""
						out.Content = append(out.Content, str(dir, item))
						continue
					}
				}
			}
		}
		out.Content = append(out.Content, item)
	}
	return out
}

// layerDir returns the local directory of a layer of the template, or "".
func (t *tmpl) layerDir(r *resource) string {
	var rel string
	switch r.typ {
	case "AWS::Serverless::LayerVersion":
		rel, _ = text(get(t.props(r), "ContentUri"))
	case "AWS::Lambda::LayerVersion":
		rel, _ = text(get(get(r.node, "Metadata"), "aws:asset:path"))
	}
	if rel == "" {
		return ""
	}
	if !filepath.IsAbs(rel) {
		rel = filepath.Join(t.dir, filepath.FromSlash(rel))
	}
	return rel
}

// policies reads SAM's Policies (or nothing for AWS::Lambda::Function, whose role is a separate
// resource) as permissions: inline policy statements become permission statements; managed
// policies and SAM policy templates are noted, since locally only the @connections API checks
// credentials (and every function may call it, as SST grants).
func (t *tmpl) policies(r *resource, v *yaml.Node, key string) *yaml.Node {
	out := seq(v)
	items := []*yaml.Node{v}
	if isSeq(v) {
		items = v.Content
	}
	for _, item := range items {
		switch {
		case isScalar(item):
			t.note(item, key, "managed policy %s is not applied locally: a function's local credentials may call the @connections API (docs/templates.md)", item.Value)
		case isMap(item) && get(item, "Statement") != nil:
			stmts := get(item, "Statement")
			list := []*yaml.Node{stmts}
			if isSeq(stmts) {
				list = stmts.Content
			}
			for _, s := range list {
				if t.managementGrant(s) {
					continue // what every function may do locally (and synth's default statement)
				}
				if p := t.statement(s, key); p != nil {
					out.Content = append(out.Content, p)
				}
			}
		case isMap(item):
			for _, e := range entries(item) {
				t.note(e.key, key, "SAM policy template %s is not applied locally: a function's local credentials may call the @connections API (docs/templates.md)", e.key.Value)
			}
		}
	}
	return out
}

// statement turns an IAM policy statement into a permission statement.
func (t *tmpl) statement(s *yaml.Node, key string) *yaml.Node {
	if !isMap(s) {
		t.probs.add(t.file, s, key, "a policy statement must be a mapping with Effect, Action and Resource, got %s", kindName(s))
		return nil
	}
	p := mapping(s)
	for _, e := range entries(s) {
		switch e.key.Value {
		case "Effect":
			put(p, "effect", e.key, e.value)
		case "Action":
			put(p, "actions", e.key, e.value)
		case "Resource":
			put(p, "resources", e.key, e.value)
		case "Sid":
		default:
			t.note(e.key, key, "%s in a policy statement is not applied locally", e.key.Value)
		}
	}
	return p
}

// managementGrant reports whether the statement s only allows execute-api:ManageConnections on
// APIs of this template: what Switchboard grants every function anyway.
func (t *tmpl) managementGrant(s *yaml.Node) bool {
	list := func(n *yaml.Node) []string {
		var out []string
		if n == nil {
			return nil
		}
		if isScalar(n) {
			return []string{n.Value}
		}
		for _, it := range n.Content {
			if v, ok := text(it); ok {
				out = append(out, v)
			}
		}
		return out
	}
	effect, _ := text(get(s, "Effect"))
	actions, resources := list(get(s, "Action")), list(get(s, "Resource"))
	if effect != "Allow" || len(actions) != 1 || actions[0] != "execute-api:ManageConnections" || len(resources) == 0 || len(s.Content) > 8 {
		return false
	}
	prefix := "arn:" + t.partition() + ":execute-api:" + t.region() + ":" + t.account() + ":"
	for _, res := range resources {
		id, _, _ := strings.Cut(strings.TrimPrefix(res, prefix), "/")
		if !strings.HasPrefix(res, prefix) || t.apiResourceByID(id) == "" {
			return false
		}
	}
	return true
}
