package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/switchboardhq/switchboard"
)

// synth runs `switchboard synth`: write the SAM template that deploys a config's API to AWS.
func synth(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "config file (YAML or JSON); required")
	out := fs.String("out", "", "file to write the template to (default: standard output)")
	format := fs.String("format", "", "yaml or json (default: json when --out ends in .json, else yaml)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *configPath == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "switchboard synth: --config FILE is required and takes no arguments")
		return 2
	}
	asJSON := strings.HasSuffix(strings.ToLower(*out), ".json")
	switch *format {
	case "":
	case "yaml":
		asJSON = false
	case "json":
		asJSON = true
	default:
		fmt.Fprintf(stderr, "switchboard synth: --format must be yaml or json, not %q\n", *format)
		return 2
	}
	tpl, warnings, err := switchboard.Synth(*configPath, switchboard.SynthOptions{Out: *out, JSON: asJSON})
	for _, w := range warnings {
		fmt.Fprintln(stderr, "switchboard synth: warning:", w)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if *out == "" {
		_, err = stdout.Write(tpl)
	} else {
		err = os.WriteFile(*out, tpl, 0o644)
	}
	if err != nil {
		fmt.Fprintln(stderr, "switchboard synth:", err)
		return 1
	}
	return 0
}
