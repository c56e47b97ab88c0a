package config

import "strings"

// Statement returns the IAM statement that p grants, as SST reads permissions: a service name
// ("s3") allows "s3:*" on every resource, an action ("dynamodb:GetItem") allows that action on
// every resource, "*" allows everything, an ARN allows every action on that resource, and a
// statement is taken as written. The function's local credentials and `switchboard synth`'s
// policies both come from it.
func (p Permission) Statement() (effect string, actions, resources []string) {
	switch s := p.String; {
	case s == "":
		return p.Effect, p.Actions, p.Resources
	case s == "*":
		return "Allow", []string{"*"}, []string{"*"}
	case strings.HasPrefix(s, "arn:"):
		return "Allow", []string{"*"}, []string{s}
	case strings.Contains(s, ":"):
		return "Allow", []string{s}, []string{"*"}
	default:
		return "Allow", []string{s + ":*"}, []string{"*"}
	}
}
