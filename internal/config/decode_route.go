package config

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// routes decodes `routes`: route key -> route.
func (d *decoder) routes(path string, v *yaml.Node) map[string]Route {
	entries, ok := d.entries(path, v, "a mapping of route keys to routes")
	if !ok {
		return nil
	}
	out := make(map[string]Route, len(entries))
	for _, e := range entries {
		key := e.key.Value
		out[key] = d.route(joinPath(path, key), key, e.value)
	}
	return out
}

// route decodes one route: a handler string or a mapping with function or url. A route with
// no target is left for the checks to report.
func (d *decoder) route(path, key string, v *yaml.Node) Route {
	r := Route{Key: key}
	v = d.deref(v)
	switch {
	case isNull(v):
	case v.Kind == yaml.MappingNode:
		var typ string
		fs := fields{
			"type":           d.str(&typ),
			"returnResponse": d.boolean(&r.ReturnResponse),
			"auth": func(p string, v *yaml.Node) {
				d.mapping(p, v, fields{"iam": d.boolean(&r.IAM)})
			},
		}
		target := d.targetFields(path, fs)
		d.mapping(path, v, fs)
		r.Target = target(typ)
	default:
		if _, ok := scalarText(v, false); !ok {
			d.wrongType(path, v, `a handler string like "src/connect.main", or a mapping with function or url`)
			return r
		}
		r.Target = Target{Kind: TargetFunction, Function: d.functionValue(joinPath(path, "function"), v)}
	}
	return r
}

// targetFields adds the function and url keys of a route or authorizer mapping to fs, and returns
// the function that builds the target from them (and the route's type) once fs has been decoded.
// Without a type (or with an invalid one, reported here) the kind follows from which key is
// written, even when its value could not be decoded; the checks report a target with both or
// neither.
func (d *decoder) targetFields(path string, fs fields) func(typ string) Target {
	var fn *Function
	var url string
	fs["function"] = func(p string, v *yaml.Node) { fn = d.functionValue(p, v) }
	fs["url"] = d.str(&url)
	return func(typ string) Target { return d.target(path, typ, fn, url) }
}

// target builds a target from its type, function and url keys (see targetFields).
func (d *decoder) target(path, typ string, fn *Function, url string) Target {
	t := Target{Function: fn, URL: url}
	switch typ {
	case "url":
		t.Kind = TargetURL
	case "function":
		t.Kind = TargetFunction
	default:
		if typ != "" {
			d.invalid(joinPath(path, "type"), `must be "function" or "url", got %q`, typ)
		}
		switch {
		case fn != nil || d.src.written(joinPath(path, "function")):
			t.Kind = TargetFunction
		case url != "" || d.src.written(joinPath(path, "url")):
			t.Kind = TargetURL
		}
	}
	return t
}

// functionValue decodes a handler string or a mapping of function props.
func (d *decoder) functionValue(path string, v *yaml.Node) *Function {
	v = d.deref(v)
	if v == nil || v.Kind != yaml.ScalarNode || isNull(v) {
		return d.functionProps(path, v)
	}
	h, ok := scalarText(v, false)
	if !ok {
		d.wrongType(path, v, `a handler string like "src/connect.main" or a mapping of function props`)
		return nil
	}
	if _, written := d.src.pos[path]; !written {
		d.record(path, v)
	}
	d.record(joinPath(path, "handler"), v)
	return &Function{Handler: h}
}

// functionProps decodes a mapping of function props (SST FunctionProps).
func (d *decoder) functionProps(path string, v *yaml.Node) *Function {
	v = d.deref(v)
	if isNull(v) {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		d.wrongType(path, v, "a mapping of function props (handler, runtime, timeout, memory, environment, permissions, layers, reservedConcurrency)")
		return nil
	}
	f := &Function{}
	d.mapping(path, v, fields{
		"handler":             d.str(&f.Handler),
		"runtime":             d.str(&f.Runtime),
		"timeout":             d.duration(&f.Timeout),
		"memory":              d.size(&f.MemoryMB, 1<<20, `a number of MB or a string like "1024 MB" or "2 GB"`),
		"environment":         d.stringMap(&f.Environment),
		"permissions":         func(p string, v *yaml.Node) { f.Permissions = d.permissions(p, v) },
		"layers":              d.stringList(&f.Layers),
		"reservedConcurrency": d.integer(&f.ReservedConcurrency),
	})
	return f
}

// permissions decodes SST permissions: a string ("*", "s3", an action or an ARN), or a list of
// strings and `{effect, actions, resources}` statements.
func (d *decoder) permissions(path string, v *yaml.Node) []Permission {
	v = d.deref(v)
	if isNull(v) {
		return nil
	}
	if s, ok := scalarText(v, false); ok {
		return []Permission{{String: s}}
	}
	if v.Kind != yaml.SequenceNode {
		d.wrongType(path, v, "a permission string or a list of permissions")
		return nil
	}
	out := make([]Permission, 0, len(v.Content))
	for i, item := range v.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		d.record(p, item)
		if item = d.deref(item); item == nil {
			return nil // past the expansion budget
		}
		var perm Permission
		if s, ok := scalarText(item, false); ok {
			perm.String = s
		} else if item.Kind == yaml.MappingNode {
			d.mapping(p, item, fields{
				"effect":    d.str(&perm.Effect),
				"actions":   d.stringList(&perm.Actions),
				"resources": d.stringList(&perm.Resources),
			})
		} else {
			d.wrongType(p, item, `a permission string like "s3" or a statement with effect, actions and resources`)
			continue
		}
		out = append(out, perm)
	}
	return out
}

// authorizer decodes `authorizer`: "none", "iam", or a mapping with a type.
func (d *decoder) authorizer(path string, v *yaml.Node, a *Authorizer) {
	v = d.deref(v)
	switch {
	case isNull(v):
	case v.Kind == yaml.MappingNode:
		var typ string
		fs := fields{
			"type":            d.str(&typ),
			"name":            d.str(&a.Name),
			"identitySource":  d.identitySource(&a.IdentitySource),
			"resultsCacheTtl": d.duration(&a.ResultsCacheTTL),
			"credentialsFile": d.str(&a.CredentialsFile),
		}
		target := d.targetFields(path, fs)
		d.mapping(path, v, fs)
		if typ == "" && !d.bad[joinPath(path, "type")] {
			d.invalid(path, `needs a type: "lambda" or "iam"`)
		}
		a.Type = AuthorizerType(typ)
		a.Target = target("") // the authorizer's type is not its target's
	default:
		s, ok := scalarText(v, false)
		if !ok {
			d.wrongType(path, v, `"none", "iam", or a mapping with type: lambda`)
			return
		}
		a.Type = AuthorizerType(s)
	}
}

// identitySource decodes a list of identity sources, or one string of comma-separated sources
// (AWS's own notation).
func (d *decoder) identitySource(dst *[]string) field {
	list := d.stringList(dst)
	return func(path string, v *yaml.Node) {
		list(path, v)
		if r := resolve(v); r != nil && r.Kind == yaml.ScalarNode && len(*dst) == 1 {
			parts := strings.Split((*dst)[0], ",")
			for i := range parts {
				parts[i] = strings.TrimSpace(parts[i])
			}
			*dst = parts
		}
	}
}
