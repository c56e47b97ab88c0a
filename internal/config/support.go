package config

// Support says which optional features this build of Switchboard can run. Features that are
// false are validated like the rest of the config but refused at start-up by Unsupported.
type Support struct {
	// Functions: routes and authorizers whose target is a function handler (Lambda workers).
	Functions bool
	// IAM: `authorizer: iam` and per-route `auth: {iam: true}` (SigV4 on $connect).
	IAM bool
	// LambdaAuthorizer: `authorizer: {type: lambda, ...}`.
	LambdaAuthorizer bool
	// AccessLog: `accessLog` turned on.
	AccessLog bool
	// CustomDomain: `customDomain`.
	CustomDomain bool
	// Throttle: `stage.throttle` with a non-zero rate or burst.
	Throttle bool
}

// Unsupported returns a Problems error naming each use in c of a feature that s says this build
// cannot run, cited at its file position when c came from Load or Parse; nil when c uses only
// supported features.
func (c *Config) Unsupported(s Support) error {
	ck := &checker{c: c, src: sourceOf(c)}
	notYet := func(path, feature string) {
		ck.add(path, "%s not supported by this build yet", feature)
	}
	for _, key := range c.RouteKeys() {
		r := c.Routes[key]
		p := "routes." + key
		if !s.Functions && r.Target.Kind == TargetFunction {
			notYet(p+".function", "function handlers are")
		}
		if !s.IAM && r.IAM {
			notYet(p+".auth.iam", "IAM authorization is")
		}
	}
	a := c.Authorizer
	switch {
	case a.Type == AuthorizerIAM && !s.IAM:
		notYet(ck.authorizerTypeKey(), "IAM authorization is")
	case a.Type == AuthorizerLambda && !s.LambdaAuthorizer:
		notYet(ck.authorizerTypeKey(), "Lambda authorizers are")
	case a.Type == AuthorizerLambda && a.Target.Kind == TargetFunction && !s.Functions:
		notYet("authorizer.function", "function handlers are")
	}
	if !s.AccessLog && c.AccessLog.Enabled {
		notYet("accessLog", "access logging is")
	}
	if !s.CustomDomain && c.CustomDomain != (CustomDomain{}) {
		notYet("customDomain", "custom domains are")
	}
	if t := c.Stage.Throttle; !s.Throttle && (t.RateLimit != 0 || t.BurstLimit != 0) {
		notYet("stage.throttle", "throttling is")
	}
	return ck.probs.asError()
}
