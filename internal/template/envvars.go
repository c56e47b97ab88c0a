package template

import (
	"os"

	"gopkg.in/yaml.v3"

	"github.com/switchboardhq/switchboard/internal/config"
)

// SAM CLI's --env-vars file: {"FunctionLogicalId": {"VAR": "value"}, "Parameters": {"VAR":
// "value"}}. "Parameters" applies to every function, a function's own entry (by logical id or
// FunctionName) after it. Unlike SAM CLI, variables the template does not declare are added too.

// envSet is one entry of the --env-vars file.
type envSet struct {
	key  string     // "Parameters" or the function's name, for problems
	name string     // the JSON key
	vars *yaml.Node // a mapping of names to scalar values
}

// envFile is the parsed --env-vars file.
type envFile struct {
	sets []envSet
	used map[string]bool
	at   map[string]*yaml.Node // where each set's key was written
}

// readEnvVars parses the --env-vars file, reporting every problem with its line.
func (t *tmpl) readEnvVars() *envFile {
	f := &envFile{used: map[string]bool{}, at: map[string]*yaml.Node{}}
	name := t.opts.EnvVarsFile
	if name == "" {
		return f
	}
	data, err := os.ReadFile(name)
	if err != nil {
		t.probs.addProblem(config.Problem{File: name, Message: "cannot read the --env-vars file: " + err.Error()})
		return f
	}
	root, err := config.ReadTree(name, data, true)
	if err != nil {
		if ps, ok := err.(config.Problems); ok {
			for _, p := range ps {
				t.probs.addProblem(p)
			}
		}
		return f
	}
	if root == nil || root.Kind != yaml.MappingNode {
		t.probs.add(name, root, "", `an --env-vars file is a JSON object {"FunctionLogicalId": {"VAR": "value"}, "Parameters": {...}}, got %s`, kindName(root))
		return f
	}
	for _, e := range entries(root) {
		if !isMap(e.value) {
			t.probs.add(name, e.key, e.key.Value, "must be an object of variable names to values, got %s", kindName(e.value))
			continue
		}
		vars := mapping(e.value)
		for _, v := range entries(e.value) {
			if !isScalar(v.value) {
				t.probs.add(name, v.key, e.key.Value+"."+v.key.Value, "must be a string, number or boolean, got %s", kindName(v.value))
				continue
			}
			put(vars, v.key.Value, v.key, v.value)
		}
		f.sets = append(f.sets, envSet{key: e.key.Value, name: e.key.Value, vars: vars})
		f.at[e.key.Value] = e.key
	}
	return f
}

// envVarsFor returns the --env-vars entries that apply to the function with the given logical id
// and function name, in the order they apply.
func (t *tmpl) envVarsFor(ids ...string) []envSet {
	if t.env == nil {
		return nil
	}
	var out []envSet
	for _, want := range append([]string{"Parameters"}, ids...) {
		if want == "" {
			continue
		}
		for _, s := range t.env.sets {
			if s.name == want {
				t.env.used[s.name] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// checkEnvVarsUsed reports entries of the --env-vars file that name no function Switchboard runs.
func (t *tmpl) checkEnvVarsUsed(functions []string) {
	if t.env == nil {
		return
	}
	for _, s := range t.env.sets {
		if s.name == "Parameters" || t.env.used[s.name] {
			continue
		}
		t.probs.add(t.opts.EnvVarsFile, t.env.at[s.name], s.name, "names no function that a WebSocket route or authorizer of the template uses%s", hintFrom(s.name, functions))
	}
}
