// Package policy parses and evaluates IAM-style policy statements, the subset API Gateway uses:
// Effect, Action and Resource, with IAM's wildcard rules.
//
// Use ParseDocument for the policyDocument a Lambda authorizer returns, ParseStatement for one
// statement (the credentials file), Evaluate to decide an action on a resource (explicit Deny
// wins over Allow; no matching statement denies), and MatchAction / MatchResource for the
// wildcard rules on their own.
package policy
