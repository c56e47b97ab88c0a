package config

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/event"
)

// echoInvoker is an in-process handler for Go-built configs.
type echoInvoker struct{}

func (echoInvoker) Invoke(context.Context, *event.Request) (*event.Response, error) {
	return &event.Response{StatusCode: 200}, nil
}

// goConfig is a valid config as the Go API would build it: no defaults applied.
func goConfig() *Config {
	return &Config{
		Name: "chat",
		Routes: map[string]Route{
			"$connect": {Target: Target{Kind: TargetGo, Go: echoInvoker{}}},
			"send":     {Target: Target{Kind: TargetURL, URL: "http://127.0.0.1:9000/send"}, ReturnResponse: true},
			"$default": {Target: Target{Kind: TargetFunction, Function: &Function{Handler: "src/default.main"}}},
		},
		Stage: Stage{AutoDeploy: true},
	}
}

func TestValidateGoConfig(t *testing.T) {
	c := goConfig()
	if err := Validate(c); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	// Validate applied the defaults in place and filled Routes[key].Key.
	if c.Region != DefaultRegion || c.APIID != event.APIIDFromName("chat") || c.Limits.IntegrationTimeout != DefaultIntegrationTimeout ||
		c.Stage.Name != DefaultStageName || c.Authorizer.Type != AuthorizerNone {
		t.Errorf("defaults not applied: %+v", c)
	}
	for key, r := range c.Routes {
		if r.Key != key {
			t.Errorf("Routes[%q].Key = %q", key, r.Key)
		}
	}
	if !c.Stage.AutoDeploy {
		t.Error("Validate changed AutoDeploy")
	}
}

func TestValidateKeepsAutoDeployFalse(t *testing.T) {
	c := goConfig()
	c.Stage.AutoDeploy = false
	if err := Validate(c); err != nil || c.Stage.AutoDeploy {
		t.Errorf("Validate = %v, AutoDeploy = %v; want nil and false", err, c.Stage.AutoDeploy)
	}
}

func TestValidateNil(t *testing.T) {
	var probs Problems
	if err := Validate(nil); !errors.As(err, &probs) || len(probs) != 1 {
		t.Errorf("Validate(nil) = %v, want one problem", err)
	}
}

// TestValidateGoConfigProblems checks that the checks shared with files name the same keys for
// configs built in Go, with no file position.
func TestValidateGoConfigProblems(t *testing.T) {
	tests := []struct {
		name   string
		modify func(c *Config)
		want   string
	}{
		{"go target without handler", func(c *Config) {
			c.Routes["$connect"] = Route{Target: Target{Kind: TargetGo}}
		}, "routes.$connect: is a Go target without a Go handler"},
		{"go handler on a url target", func(c *Config) {
			c.Routes["x"] = Route{Target: Target{Kind: TargetURL, URL: "http://127.0.0.1:1/", Go: echoInvoker{}}}
		}, "routes.x: has a Go handler but is not a Go target"},
		{"go target with a url", func(c *Config) {
			c.Routes["$connect"] = Route{Target: Target{Kind: TargetGo, Go: echoInvoker{}, URL: "http://127.0.0.1:1/"}}
		}, "routes.$connect: is a Go target and takes no function or url"},
		{"function target without function", func(c *Config) {
			c.Routes["x"] = Route{Target: Target{Kind: TargetFunction}}
		}, "routes.x.function: is required for a function target"},
		{"unknown kind", func(c *Config) {
			c.Routes["x"] = Route{Target: Target{Kind: TargetKind(9)}}
		}, "routes.x: has an unknown target kind 9"},
		{"key mismatch", func(c *Config) {
			c.Routes["x"] = Route{Key: "y", Target: Target{Kind: TargetURL, URL: "http://127.0.0.1:1/"}}
		}, `routes.x: has Key "y" but is stored under "x"`},
		{"negative timeout", func(c *Config) {
			c.Defaults.Function = &Function{Timeout: -time.Second}
		}, "defaults.function.timeout: must be more than 0 and at most 900 seconds (Lambda's maximum), got -1s"},
		{"negative reserved concurrency", func(c *Config) {
			c.Defaults.Function = &Function{ReservedConcurrency: -2}
		}, "defaults.function.reservedConcurrency: must be at least 1 (on Lambda, 0 stops every invocation; leave it out for no reservation), got -2"},
		{"permission string and statement", func(c *Config) {
			c.Defaults.Function = &Function{Permissions: []Permission{{String: "s3", Actions: []string{"s3:*"}}}}
		}, "defaults.function.permissions[0]: give either a permission string or a statement, not both"},
		{"empty permission action", func(c *Config) {
			c.Defaults.Function = &Function{Permissions: []Permission{{Actions: []string{" "}, Resources: []string{"*"}}}}
		}, "defaults.function.permissions[0].actions[0]: must not be empty"},
		{"empty layer", func(c *Config) {
			c.Defaults.Function = &Function{Layers: []string{""}}
		}, "defaults.function.layers[0]: must not be empty"},
		{"negative burst", func(c *Config) {
			c.Stage.Throttle = Throttle{RateLimit: 1, BurstLimit: -1}
		}, "stage.throttle.burstLimit: must be 0 or more"},
		{"rate without burst", func(c *Config) {
			c.Stage.Throttle = Throttle{BurstLimit: 5}
		}, "stage.throttle.rateLimit: must be more than 0 when burstLimit is set: the bucket would never refill"},
		{"too many stage variables", func(c *Config) {
			c.Stage.Variables = map[string]string{}
			for i := range 101 {
				c.Stage.Variables["v"+strings.Repeat("x", i%60)+string(rune('a'+i/60))] = "x"
			}
		}, "stage.variables: has 101 variables; AWS allows at most 100 per stage"},
		{"none authorizer with settings", func(c *Config) {
			c.Authorizer = Authorizer{Type: AuthorizerNone, Name: "a", CredentialsFile: "c.json"}
		}, "authorizer.name: only applies to type: lambda (this authorizer's type is none)"},
		{"authorizer type", func(c *Config) {
			c.Authorizer = Authorizer{Type: "cognito"}
		}, `authorizer.type: must be "none", "iam" or "lambda", got "cognito"`},
		{"lambda authorizer with go handler", func(c *Config) {
			c.Authorizer = Authorizer{Type: AuthorizerLambda, Target: Target{Kind: TargetGo}}
		}, "authorizer: is a Go target without a Go handler"},
		{"access log format", func(c *Config) {
			c.AccessLog = AccessLog{Enabled: true, Format: "$context.status"}
		}, "accessLog.format: must contain $context.requestId or $context.extendedRequestId (AWS's rule)"},
		{"blank access log destination", func(c *Config) {
			c.AccessLog = AccessLog{Enabled: true, Destination: " "}
		}, `accessLog.destination: must be "stdout", "stderr" or a file path`},
		{"wildcard hosted zone", func(c *Config) {
			c.CustomDomain = CustomDomain{DomainName: "*.example.com", HostedZone: "*.example.com"}
		}, `customDomain.hostedZone: must be a domain name like "example.com", got "*.example.com"`},
		{"key without certificate", func(c *Config) {
			c.CustomDomain = CustomDomain{DomainName: "api.example.com", KeyFile: "k.pem"}
		}, "customDomain.certificate: is required with key: give both PEM files or neither"},
		{"negative limit", func(c *Config) {
			c.Limits.MaxMessageBytes = -1
		}, "limits.maxMessageBytes: must be a positive number of bytes"},
		{"several problems in check order", func(c *Config) {
			c.Region = "mars"
			c.Limits.BinaryMessages = "text"
			c.Server.Listen = "nowhere"
		}, `region: must be an AWS region name such as "us-east-1", got "mars"` + "\n" +
			`limits.binaryMessages: must be "reject" or "base64", got "text"` + "\n" +
			`server.listen: must be host:port, like "127.0.0.1:3001" or ":3001", got "nowhere"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := goConfig()
			tt.modify(c)
			err := Validate(c)
			var probs Problems
			if !errors.As(err, &probs) {
				t.Fatalf("Validate = %v, want Problems", err)
			}
			for _, p := range probs {
				if p.File != "" || p.Line != 0 || p.Column != 0 {
					t.Errorf("problem %+v has a file position", p)
				}
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("problems:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestValidateLoadedConfigCitesTheFile checks that Validate on a config from a file (changed
// afterwards, as a reload might) reports file positions.
func TestValidateLoadedConfigCitesTheFile(t *testing.T) {
	c, err := Parse("c.yaml", []byte("name: chat\nstage:\n  name: prod\n"))
	if err != nil {
		t.Fatal(err)
	}
	c.Stage.Name = "bad name"
	want := `c.yaml:3:3: stage.name: may contain only letters, digits, - and _, at most 128 of them (AWS's rule), got "bad name"`
	if err := Validate(c); err == nil || err.Error() != want {
		t.Errorf("Validate = %v, want %s", err, want)
	}
}
