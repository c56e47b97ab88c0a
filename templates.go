package switchboard

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/switchboardhq/switchboard/internal/app"
	"github.com/switchboardhq/switchboard/internal/config"
	"github.com/switchboardhq/switchboard/internal/integration/lambda/runtimes"
	"github.com/switchboardhq/switchboard/internal/template"
)

// TemplateOptions configure NewFromTemplate and ValidateTemplate.
type TemplateOptions struct {
	// Parameters override the template's parameter defaults, as `--parameter-overrides
	// Key=Value` does; AWS::Region, AWS::AccountId and AWS::StackName set those pseudo
	// parameters. For a serverless.yml they are the ${opt:Key} options (stage, region, ...).
	Parameters map[string]string
	// EnvVarsFile is a SAM CLI --env-vars file ({"FunctionLogicalId": {"VAR": "value"},
	// "Parameters": {...}}); its variables are set on the functions, also those the template does
	// not declare. Default: none.
	EnvVarsFile string
}

// NewFromTemplate defines the WebSocket APIs of a SAM or CloudFormation template (YAML or JSON,
// such as cdk.out/*.template.json) or a serverless.yml: one API per WebSocket API of the template,
// on its first stage (docs/templates.md). Every problem is reported at once with the template's
// file:line and the resource's key. The resources it does not run and the settings without
// local effect are logged once, at Info level, with WithLogger's logger. WithHandler does not
// apply to templates.
func NewFromTemplate(path string, opts TemplateOptions, options ...Option) ([]*API, error) {
	o := collect(options)
	res, err := loadTemplate(path, opts)
	if err != nil {
		return nil, err
	}
	if l := o.logger; l != nil {
		logTemplate(l, res)
	}
	apis := make([]*API, 0, len(res.APIs))
	for _, cfg := range res.APIs {
		api, err := build(cfg, o)
		if err != nil {
			return nil, err
		}
		api.fromTemplate = true
		apis = append(apis, api)
	}
	return apis, nil
}

// ValidateTemplate checks a template without running it: syntax, intrinsic functions, references,
// resources, and the APIs made of it, as NewFromTemplate would. It returns nil when valid.
func ValidateTemplate(path string, opts TemplateOptions) error {
	return ValidateAll(nil, path, opts)
}

// ValidateAll checks config files and a template ("" for none) that are to be served together,
// as `switchboard validate` does: each file's problems, the template's, features this build
// cannot run yet, and that no two of their APIs answer the same host and path. It returns every
// problem at once, nil when all is valid.
func ValidateAll(configPaths []string, templatePath string, opts TemplateOptions) error {
	var errs []error
	var cfgs []*config.Config
	for _, p := range configPaths {
		cfg, err := config.Load(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cfgs = append(cfgs, cfg)
	}
	if templatePath != "" {
		res, err := loadTemplate(templatePath, opts)
		if err != nil {
			errs = append(errs, err)
		} else {
			cfgs = append(cfgs, res.APIs...)
		}
	}
	for _, cfg := range cfgs {
		if err := cfg.Unsupported(app.Supported); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		errs = append(errs, app.CheckClashes(cfgs))
	}
	return errors.Join(errs...)
}

// loadTemplate reads a template and refuses one without a WebSocket API.
func loadTemplate(path string, opts TemplateOptions) (*template.Result, error) {
	res, err := template.Load(path, template.Options{Parameters: opts.Parameters, EnvVarsFile: opts.EnvVarsFile})
	if err != nil {
		return nil, err
	}
	if len(res.APIs) == 0 {
		return nil, config.Problems{{File: path, Message: "the template defines no WebSocket API (AWS::ApiGatewayV2::Api with ProtocolType WEBSOCKET, or websocket events in a serverless.yml)"}}
	}
	return res, nil
}

// logTemplate lists, once, what of the template Switchboard does not run.
func logTemplate(l *slog.Logger, res *template.Result) {
	for _, r := range res.NotRun {
		l.Info("template resource not run", "resource", r.LogicalID, "type", r.Type, "at", fmt.Sprintf("%s:%d", r.File, r.Line), "why", r.Why)
	}
	for _, n := range res.Notes {
		l.Info("template setting without local effect", "at", n.String())
	}
}

// SynthOptions configure Synth.
type SynthOptions struct {
	// Out is the file the template will be written to; code paths in it are relative to its
	// directory. Default ("", standard output): relative to the config file's directory.
	Out string
	// JSON writes JSON instead of YAML.
	JSON bool
}

// Synth turns the config file at path into a SAM template that deploys the same API to AWS
// (`sam deploy`, `aws cloudformation deploy`); see docs/templates.md. What has no AWS equivalent
// is an error citing the config's line, or one of the returned warnings.
func Synth(path string, opts SynthOptions) (tpl []byte, warnings []string, err error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, nil, err
	}
	dir := ""
	if opts.Out != "" {
		dir = filepath.Dir(opts.Out)
	}
	return template.Synth(cfg, template.SynthOptions{
		Dir:  dir,
		JSON: opts.JSON,
		Runtime: func(root, handler, runtime string) (string, error) {
			k, err := runtimes.Infer(root, handler, runtime)
			return string(k), err
		},
	})
}
