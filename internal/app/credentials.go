package app

import (
	"os"
	"path/filepath"

	"github.com/switchboardhq/switchboard/internal/auth/iam"
	"github.com/switchboardhq/switchboard/internal/auth/policy"
	"github.com/switchboardhq/switchboard/internal/config"
)

// newIAMStore creates the store of principals that may sign requests to this API: the
// credentials file of an IAM authorizer (when configured) and every function's generated
// credentials.
func newIAMStore(cfg *config.Config, opts Options) (*iam.Store, error) {
	s, err := iam.NewStore(iam.Options{Region: cfg.Region, AccountID: cfg.AccountID, Logger: opts.Logger})
	if err != nil {
		return nil, err
	}
	if f := cfg.Authorizer.CredentialsFile; f != "" {
		if !filepath.IsAbs(f) {
			f = filepath.Join(cfg.Dir(), f)
		}
		if err := s.LoadFile(f); err != nil {
			return nil, err
		}
	} else if cfg.Authorizer.Type == config.AuthorizerIAM {
		// authorizer: iam without a file trusts the credentials Switchboard itself runs with.
		if p, ok := iam.EnvironmentPrincipal(os.Getenv, cfg.AccountID); ok {
			if err := s.AddPrincipal(p); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// functionCredentials generates a function's own credentials, as Lambda hands a function its
// execution role's, and returns them as the environment variables the AWS SDKs read. The role
// may call the stage's @connections API — the permission every route has by default — plus
// whatever perms grant.
func (a *App) functionCredentials(name string, perms []config.Permission) ([]string, error) {
	statements := []policy.Statement{a.managementStatement()}
	statements = append(statements, permissionStatements(perms)...)
	p, err := a.iam.GenerateFunctionCredentials(name, statements)
	if err != nil {
		return nil, err
	}
	return []string{
		"AWS_ACCESS_KEY_ID=" + p.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + p.SecretAccessKey,
		"AWS_SESSION_TOKEN=" + p.SessionToken,
	}, nil
}

// managementStatement allows execute-api:ManageConnections on every connection of the stage.
func (a *App) managementStatement() policy.Statement {
	return iam.ManagementAPIStatement(a.cfg.Region, a.cfg.AccountID, a.cfg.APIID, a.cfg.Stage.Name)
}

// permissionStatements turns SST permissions into IAM statements (config.Permission.Statement).
func permissionStatements(perms []config.Permission) []policy.Statement {
	out := make([]policy.Statement, 0, len(perms))
	for _, p := range perms {
		effect, actions, resources := p.Statement()
		out = append(out, policy.Statement{Effect: policy.Effect(effect), Action: actions, Resource: resources})
	}
	return out
}
