package iam

import "github.com/switchboardhq/switchboard/internal/auth/policy"

// EnvironmentPrincipal makes a principal of the credentials in the environment, for
// `authorizer: iam` without a credentialsFile: getenv (os.Getenv) supplies AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and optionally AWS_SESSION_TOKEN. The principal is
// arn:aws:iam::{account}:user/environment and may do anything on execute-api (execute-api:*
// on *), as the holder of those credentials could on their own account. ok is false when the
// key id or secret is unset.
func EnvironmentPrincipal(getenv func(string) string, account string) (p Principal, ok bool) {
	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return Principal{}, false
	}
	if account == "" {
		account = "000000000000"
	}
	return Principal{
		Name:            "environment",
		ARN:             "arn:aws:iam::" + account + ":user/environment",
		AccessKeyID:     id,
		SecretAccessKey: secret,
		SessionToken:    getenv("AWS_SESSION_TOKEN"),
		Statements:      []policy.Statement{{Effect: policy.Allow, Action: []string{"execute-api:*"}, Resource: []string{"*"}}},
	}, true
}
