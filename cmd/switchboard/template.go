package main

import (
	"flag"
	"fmt"
	"sort"
	"strings"

	"github.com/switchboardhq/switchboard"
)

// templateFlags are the flags that load a SAM, CloudFormation or Serverless Framework template:
// --template FILE, --parameter-overrides Key=Value ... and --env-vars FILE.
type templateFlags struct {
	path    string
	params  paramOverrides
	envVars string
}

// register adds the flags to fs.
func (tf *templateFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&tf.path, "template", "", "SAM/CloudFormation template (YAML or JSON, e.g. cdk.out/App.template.json) or serverless.yml")
	fs.Var(&tf.params, "parameter-overrides", "template parameters as Key=Value (repeatable; several in one argument separated by spaces; SAM CLI's ParameterKey=K,ParameterValue=V too)")
	fs.StringVar(&tf.envVars, "env-vars", "", "SAM CLI environment variables file (JSON) for the template's functions")
}

// options returns the template options the flags give.
func (tf *templateFlags) options() switchboard.TemplateOptions {
	return switchboard.TemplateOptions{Parameters: tf.params.values, EnvVarsFile: tf.envVars}
}

// paramOverrides collects --parameter-overrides values.
type paramOverrides struct{ values map[string]string }

func (p *paramOverrides) String() string {
	keys := make([]string, 0, len(p.values))
	for k := range p.values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+"="+p.values[k])
	}
	return strings.Join(parts, " ")
}

// Set takes "Key=Value", several of them separated by spaces, or SAM CLI's
// "ParameterKey=Key,ParameterValue=Value".
func (p *paramOverrides) Set(s string) error {
	if p.values == nil {
		p.values = map[string]string{}
	}
	for _, tok := range strings.Fields(s) {
		if rest, ok := strings.CutPrefix(tok, "ParameterKey="); ok {
			key, value, ok := strings.Cut(rest, ",ParameterValue=")
			if !ok || key == "" {
				return fmt.Errorf("%q: want ParameterKey=Key,ParameterValue=Value", tok)
			}
			p.values[key] = value
			continue
		}
		key, value, ok := strings.Cut(tok, "=")
		if !ok || key == "" {
			return fmt.Errorf("%q: want Key=Value", tok)
		}
		p.values[key] = value
	}
	return nil
}
