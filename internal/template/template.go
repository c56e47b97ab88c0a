package template

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/switchboardhq/switchboard/internal/config"
)

// Options configure Load.
type Options struct {
	// Parameters override the template's parameter defaults (`--parameter-overrides Key=Value`).
	// AWS::Region, AWS::AccountId and AWS::StackName set those pseudo parameters. For a
	// serverless.yml they are the `${opt:Key}` options (stage, region, ...).
	Parameters map[string]string
	// EnvVarsFile is a SAM CLI `--env-vars` file: {"LogicalId": {"VAR": "value"}, "Parameters":
	// {"VAR": "value"}}; "" for none.
	EnvVarsFile string
	// LookupEnv reads the process environment for serverless.yml's `${env:VAR}`; nil means
	// os.LookupEnv.
	LookupEnv func(string) (string, bool)
}

// Result is what Load makes of a template.
type Result struct {
	// APIs are the WebSocket APIs of the template, each on its first stage, validated as a config
	// file is; problems cite the template's lines.
	APIs []*config.Config
	// NotRun lists the resources Switchboard does not run (tables, queues, roles, REST APIs,
	// functions no WebSocket route uses, ...), each with its line.
	NotRun []Resource
	// Notes are settings Switchboard reads but that have no local effect (an IAM role, a
	// certificate ARN, tracing, ...), each with its line and key.
	Notes []config.Problem
}

// Resource is a resource of the template.
type Resource struct {
	LogicalID, Type string
	File            string
	Line            int
	// Why says why it is not run, when it is not.
	Why string
}

// pseudoDefaults are the pseudo parameters' local values; AWS::Region and AWS::AccountId are
// Switchboard's defaults, AWS::StackName SAM CLI's local stack name.
func pseudoDefaults() map[string]string {
	return map[string]string{
		"AWS::Region":    config.DefaultRegion,
		"AWS::AccountId": config.DefaultAccountID,
		"AWS::StackName": "local",
	}
}

// cdkStackName returns the stack name that `cdk deploy` would use for a template of a cdk.out
// directory (its manifest.json names each stack's template), or "".
func cdkStackName(templatePath string) string {
	base := filepath.Base(templatePath)
	if !strings.HasSuffix(base, ".template.json") {
		return ""
	}
	data, err := os.ReadFile(filepath.Join(filepath.Dir(templatePath), "manifest.json"))
	if err != nil {
		return ""
	}
	var m struct {
		Artifacts map[string]struct {
			Type       string `json:"type"`
			Properties struct {
				TemplateFile string `json:"templateFile"`
				StackName    string `json:"stackName"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	if json.Unmarshal(data, &m) != nil {
		return ""
	}
	for id, a := range m.Artifacts {
		if a.Type == "aws:cloudformation:stack" && a.Properties.TemplateFile == base {
			if a.Properties.StackName != "" {
				return a.Properties.StackName
			}
			return id
		}
	}
	return ""
}

// tmpl is one template being read.
type tmpl struct {
	file  string // the path as given, for problems
	dir   string // its directory, absolute
	opts  Options
	probs *problems
	ev    *evaluator
	root  *yaml.Node

	resources  map[string]*resource
	order      []string // logical ids in file order
	conditions map[string]*yaml.Node
	mappings   *yaml.Node
	globals    *yaml.Node // Globals.Function
	apiIDs     map[string]string
	notes      []config.Problem
	notRun     map[string]string // logical id -> why it is not run ("" when run)
	env        *envFile          // the --env-vars file
}

// resource is one entry of Resources.
type resource struct {
	id, typ   string
	key       *yaml.Node // the logical id as written
	node      *yaml.Node // the resource's mapping
	raw       *yaml.Node // its Properties as written (Globals merged for SAM functions)
	condition string
	active    bool
	props     *yaml.Node // evaluated Properties (see tmpl.props)
	state     int        // 0: not evaluated, 1: being evaluated, 2: done
}

// Load reads the template at path — a SAM or CloudFormation template (YAML or JSON, cdk.out's
// *.template.json included) or a serverless.yml — and returns its WebSocket APIs as configs.
// Every problem, in the template and in what Switchboard makes of it, is reported at once as a
// config.Problems error citing the template's file:line:column and the resource's key path
// ("Resources.OnConnectFunction.Properties.Timeout").
func Load(path string, opts Options) (*Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load template: %w", err)
	}
	return Parse(path, data, opts)
}

// Parse is Load for a template already in memory; name is its path (its directory is where
// relative code paths start).
func Parse(name string, data []byte, opts Options) (*Result, error) {
	asJSON := bytes.HasPrefix(bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\uFEFF")), " \t\r\n"), []byte("{"))
	root, err := config.ReadTree(name, data, asJSON)
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(filepath.Dir(name))
	if err != nil {
		return nil, fmt.Errorf("load template: %w", err)
	}
	t := &tmpl{file: name, dir: dir, opts: opts, probs: &problems{}, root: root,
		resources: map[string]*resource{}, conditions: map[string]*yaml.Node{},
		apiIDs: map[string]string{}, notRun: map[string]string{}}
	root = deref(root)
	if root == nil || root.Kind != yaml.MappingNode {
		t.probs.add(name, root, "", "a template must be a mapping with Resources (SAM, CloudFormation) or service and functions (serverless.yml), got %s", kindName(root))
		return nil, t.probs.err()
	}
	t.env = t.readEnvVars()
	if get(root, "Resources") == nil && (get(root, "service") != nil || get(root, "functions") != nil) {
		return t.serverless()
	}
	return t.cloudFormation()
}

// topLevel are the sections of a CloudFormation template.
var topLevel = []string{"AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules",
	"Mappings", "Conditions", "Transform", "Resources", "Outputs", "Globals", "Hooks"}

// cloudFormation reads a SAM or CloudFormation template.
func (t *tmpl) cloudFormation() (*Result, error) {
	for _, e := range entries(t.root) {
		if !slices.Contains(topLevel, e.key.Value) {
			t.probs.add(t.file, e.key, "", "unknown template section %q%s", e.key.Value, hintFrom(e.key.Value, topLevel))
		}
	}
	t.transforms()
	t.ev = &evaluator{t: t, condVal: map[string]bool{}}
	t.pseudoParameters()
	t.parameters()
	t.mappings = get(t.root, "Mappings")
	for _, e := range entries(get(t.root, "Conditions")) {
		t.conditions[e.key.Value] = e.value
	}
	t.readGlobals()
	t.readResources()
	t.checkReferences()
	for name := range t.conditions {
		t.ev.condition(name, t.conditions[name], "Conditions."+name)
	}
	for _, id := range t.order {
		r := t.resources[id]
		if r.condition != "" {
			v, ok := t.ev.condition(r.condition, r.key, "Resources."+id+".Condition")
			r.active = ok && v
		}
	}
	for _, id := range t.order {
		if r := t.resources[id]; r.active {
			t.props(r)
		}
	}
	for _, e := range entries(get(t.root, "Outputs")) {
		if c := get(e.value, "Condition"); c != nil {
			if v, ok := t.ev.condition(c.Value, c, "Outputs."+e.key.Value); !ok || !v {
				continue
			}
		}
		t.ev.eval(get(e.value, "Value"), "Outputs."+e.key.Value+".Value")
	}
	apis := t.webSocketAPIs()
	var fns []string
	for _, id := range t.order {
		if r := t.resources[id]; r.typ == "AWS::Serverless::Function" || r.typ == "AWS::Lambda::Function" {
			fns = append(fns, id)
		}
	}
	t.checkEnvVarsUsed(fns)
	return t.finish(apis)
}

// transforms checks the Transform section: SAM's and AWS::LanguageExtensions are understood.
func (t *tmpl) transforms() {
	tr := get(t.root, "Transform")
	if tr == nil {
		return
	}
	items := []*yaml.Node{tr}
	if tr.Kind == yaml.SequenceNode {
		items = tr.Content
	}
	for _, it := range items {
		name, _ := text(deref(it))
		switch name {
		case "AWS::Serverless-2016-10-31", "AWS::LanguageExtensions":
		default:
			t.probs.add(t.file, it, "Transform", "transform %s is not supported: Switchboard understands AWS::Serverless-2016-10-31 (SAM) and AWS::LanguageExtensions; expand macros before running the template", kindName(deref(it)))
		}
	}
}

// pseudoParameters sets the pseudo parameters from the defaults and the overrides.
func (t *tmpl) pseudoParameters() {
	vals := pseudoDefaults()
	if name := cdkStackName(t.file); name != "" {
		vals["AWS::StackName"] = name
	}
	for k, v := range t.opts.Parameters {
		if _, ok := vals[k]; ok {
			vals[k] = v
		}
	}
	partition, urlSuffix := "aws", "amazonaws.com"
	switch r := vals["AWS::Region"]; {
	case strings.HasPrefix(r, "cn-"):
		partition, urlSuffix = "aws-cn", "amazonaws.com.cn"
	case strings.HasPrefix(r, "us-gov-"):
		partition = "aws-us-gov"
	}
	at := &yaml.Node{}
	t.ev.pseudo = map[string]*yaml.Node{
		"AWS::Region":           str(vals["AWS::Region"], at),
		"AWS::AccountId":        str(vals["AWS::AccountId"], at),
		"AWS::StackName":        str(vals["AWS::StackName"], at),
		"AWS::StackId":          str(fmt.Sprintf("arn:%s:cloudformation:%s:%s:stack/%s/%s", partition, vals["AWS::Region"], vals["AWS::AccountId"], vals["AWS::StackName"], uuidFrom(vals["AWS::StackName"])), at),
		"AWS::Partition":        str(partition, at),
		"AWS::URLSuffix":        str(urlSuffix, at),
		"AWS::NotificationARNs": seq(at),
	}
}

// parameters evaluates Parameters: the override when given, else the Default, checked against
// the parameter's Type, AllowedValues, AllowedPattern and lengths.
func (t *tmpl) parameters() {
	t.ev.params = map[string]*yaml.Node{}
	declared := map[string]bool{}
	for _, e := range entries(get(t.root, "Parameters")) {
		name := e.key.Value
		declared[name] = true
		key := "Parameters." + name
		def := deref(e.value)
		if def == nil || def.Kind != yaml.MappingNode {
			t.probs.add(t.file, e.key, key, "a parameter must be a mapping with Type, got %s", kindName(def))
			t.ev.params[name] = nil
			continue
		}
		typ, _ := text(get(def, "Type"))
		var raw string
		var at *yaml.Node
		if v, ok := t.opts.Parameters[name]; ok {
			raw, at = v, e.key
		} else if d := get(def, "Default"); d != nil {
			if s, ok := text(d); ok {
				raw, at = s, d
			} else if d.Kind == yaml.SequenceNode {
				var parts []string
				for _, it := range d.Content {
					s, _ := text(deref(it))
					parts = append(parts, s)
				}
				raw, at = strings.Join(parts, ","), d
			}
		} else {
			t.probs.add(t.file, e.key, key, "has no Default: give its value with --parameter-overrides %s=VALUE", name)
			t.ev.params[name] = nil
			continue
		}
		t.ev.params[name] = t.parameterValue(name, typ, raw, def, at, key)
	}
	for name := range t.opts.Parameters {
		if !declared[name] && !strings.HasPrefix(name, "AWS::") {
			t.probs.add(t.file, get(t.root, "Parameters"), "Parameters", "--parameter-overrides names %s, which the template does not declare%s", name, hintFrom(name, keysOf(declared)))
		}
	}
}

// parameterValue checks raw against the parameter's constraints and returns its value: a list for
// the list types, a string otherwise; nil when it breaks a constraint (reported).
func (t *tmpl) parameterValue(name, typ, raw string, def, at *yaml.Node, key string) *yaml.Node {
	bad := func(format string, args ...any) *yaml.Node {
		t.probs.add(t.file, at, key, "parameter %s: "+format, append([]any{name}, args...)...)
		return nil
	}
	var values []string
	list := typ == "CommaDelimitedList" || strings.HasPrefix(typ, "List<")
	if list {
		values = strings.Split(raw, ",")
		for i := range values {
			values[i] = strings.TrimSpace(values[i])
		}
	} else {
		values = []string{raw}
	}
	switch {
	case typ == "String" || typ == "CommaDelimitedList" || strings.HasPrefix(typ, "AWS::") || strings.HasPrefix(typ, "List<AWS::"):
		if strings.HasPrefix(typ, "AWS::SSM::Parameter::Value") {
			// The value is the name of an SSM parameter, whose value cannot be read locally.
			if _, overridden := t.opts.Parameters[name]; !overridden {
				return unresolved(at, fmt.Sprintf("parameter %s reads the SSM parameter %s, which cannot be read locally; give its value with --parameter-overrides %s=VALUE", name, raw, name))
			}
		}
	case typ == "Number" || typ == "List<Number>":
		for _, v := range values {
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				return bad("%q is not a number", v)
			}
		}
	case typ == "":
		return bad("needs a Type (String, Number, CommaDelimitedList, ...)")
	default:
		return bad("unknown Type %q", typ)
	}
	if allowed := get(def, "AllowedValues"); allowed != nil {
		var ok []string
		for _, a := range allowed.Content {
			s, _ := text(deref(a))
			ok = append(ok, s)
		}
		for _, v := range values {
			if !slices.Contains(ok, v) {
				return bad("%q is not one of AllowedValues %s", v, strings.Join(ok, ", "))
			}
		}
	}
	if p, has := text(get(def, "AllowedPattern")); has {
		if re, err := regexp.Compile("^(?:" + p + ")$"); err == nil {
			for _, v := range values {
				if !re.MatchString(v) {
					return bad("%q does not match AllowedPattern %s", v, p)
				}
			}
		}
	}
	for _, lim := range []struct {
		key  string
		fail func(n, limit int) bool
		what string
	}{
		{"MinLength", func(n, l int) bool { return n < l }, "shorter than MinLength"},
		{"MaxLength", func(n, l int) bool { return n > l }, "longer than MaxLength"},
	} {
		if s, has := text(get(def, lim.key)); has {
			if l, err := strconv.Atoi(s); err == nil {
				for _, v := range values {
					if lim.fail(len(v), l) {
						return bad("%q is %s %d", v, lim.what, l)
					}
				}
			}
		}
	}
	if list {
		out := seq(at)
		for _, v := range values {
			out.Content = append(out.Content, str(v, at))
		}
		return out
	}
	if typ == "Number" {
		n := str(raw, at)
		n.Tag = "!!int"
		if strings.ContainsAny(raw, ".eE") {
			n.Tag = "!!float"
		}
		return n
	}
	return str(raw, at)
}

// readGlobals reads SAM's Globals; Globals.Function is merged into every
// AWS::Serverless::Function.
func (t *tmpl) readGlobals() {
	g := get(t.root, "Globals")
	if g == nil {
		return
	}
	for _, e := range entries(g) {
		switch e.key.Value {
		case "Function":
			t.globals = deref(e.value)
			if t.globals.Kind != yaml.MappingNode {
				t.probs.add(t.file, e.key, "Globals.Function", "must be a mapping of function properties, got %s", kindName(t.globals))
				t.globals = nil
			}
		case "Api", "HttpApi", "SimpleTable", "StateMachine", "LayerVersion":
			t.note(e.key, "Globals."+e.key.Value, "applies to resources Switchboard does not run")
		default:
			t.probs.add(t.file, e.key, "Globals", "unknown Globals section %q (SAM has Function, Api, HttpApi, SimpleTable, StateMachine, LayerVersion)", e.key.Value)
		}
	}
}

// readResources indexes Resources.
func (t *tmpl) readResources() {
	res := get(t.root, "Resources")
	if res == nil || res.Kind != yaml.MappingNode {
		t.probs.add(t.file, t.root, "Resources", "the template has no Resources mapping")
		return
	}
	for _, e := range entries(res) {
		id := e.key.Value
		key := "Resources." + id
		if t.resources[id] != nil {
			t.probs.add(t.file, e.key, key, "duplicate logical id %s (first on line %d)", id, t.resources[id].key.Line)
			continue
		}
		if k, _ := lookup(get(t.root, "Parameters"), id); k != nil {
			t.probs.add(t.file, e.key, key, "%s is also the name of a parameter (line %d): logical ids and parameter names must differ", id, k.Line)
		}
		n := deref(e.value)
		r := &resource{id: id, key: e.key, node: n, active: true}
		if n == nil || n.Kind != yaml.MappingNode {
			t.probs.add(t.file, e.key, key, "a resource must be a mapping with Type and Properties, got %s", kindName(n))
			continue
		}
		if typ, ok := text(get(n, "Type")); ok {
			r.typ = typ
		} else {
			t.probs.add(t.file, e.key, key, "needs a Type")
			continue
		}
		if c := get(n, "Condition"); c != nil {
			r.condition, _ = text(c)
		}
		r.raw = get(n, "Properties")
		if r.typ == "AWS::Serverless::Function" && t.globals != nil {
			r.raw = mergeGlobals(t.globals, r.raw)
		}
		t.resources[id] = r
		t.order = append(t.order, id)
	}
}

// props returns the evaluated Properties of r (an empty mapping when it has none), evaluating
// them once. A resource reached again while its own properties are evaluated (a cycle, which
// checkReferences reports) gives an unresolved value.
func (t *tmpl) props(r *resource) *yaml.Node {
	switch r.state {
	case 1:
		return unresolved(r.key, "the resources "+r.id+" refers to form a cycle")
	case 2:
		return r.props
	}
	r.state = 1
	p := t.ev.eval(r.raw, "Resources."+r.id+".Properties")
	if p == nil || p.Kind != yaml.MappingNode {
		if p != nil && !isUnresolved(p) {
			t.probs.add(t.file, r.raw, "Resources."+r.id+".Properties", "must be a mapping, got %s", kindName(p))
		}
		p = mapping(r.key)
	}
	r.props, r.state = p, 2
	return p
}

// hint suggests the parameter or resource name closest to name.
func (t *tmpl) hint(name string, withParams bool) string {
	names := slices.Clone(t.order)
	if withParams {
		for p := range t.ev.params {
			names = append(names, p)
		}
		for p := range t.ev.pseudo {
			names = append(names, p)
		}
	}
	return hintFrom(name, names)
}

// note records a setting that has no local effect.
func (t *tmpl) note(at *yaml.Node, key, format string, args ...any) {
	p := config.Problem{File: t.file, Key: key, Message: fmt.Sprintf(format, args...)}
	if at != nil {
		p.Line, p.Column = at.Line, at.Column
	}
	if !slices.Contains(t.notes, p) {
		t.notes = append(t.notes, p)
	}
}
