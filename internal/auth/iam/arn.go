package iam

import (
	"strings"

	"github.com/switchboardhq/switchboard/internal/auth/policy"
)

// The execute-api actions API Gateway authorizes.
const (
	// ActionInvoke authorizes a $connect handshake (and, in Switchboard, a message route marked
	// auth.iam).
	ActionInvoke = "execute-api:Invoke"
	// ActionManageConnections authorizes @connections calls.
	ActionManageConnections = "execute-api:ManageConnections"
)

// RouteARN is the resource of a route: arn:aws:execute-api:{region}:{account}:{api}/{stage}/{routeKey}.
func RouteARN(region, account, apiID, stage, routeKey string) string {
	return "arn:aws:execute-api:" + region + ":" + account + ":" + apiID + "/" + stage + "/" + routeKey
}

// ConnectARN is the resource a $connect handshake is authorized against, the methodArn of
// Lambda authorizer events: arn:aws:execute-api:{region}:{account}:{api}/{stage}/$connect.
func ConnectARN(region, account, apiID, stage string) string {
	return RouteARN(region, account, apiID, stage, "$connect")
}

// ManageConnectionsARN is the resource of one @connections call:
// arn:aws:execute-api:{region}:{account}:{api}/{stage}/{VERB}/@connections/{connectionId}
// (reference §6). verb is upper-cased; the connection id goes in as is, not URL-encoded.
func ManageConnectionsARN(region, account, apiID, stage, verb, connectionID string) string {
	return "arn:aws:execute-api:" + region + ":" + account + ":" + apiID + "/" + stage + "/" +
		strings.ToUpper(verb) + "/@connections/" + connectionID
}

// ExecuteAPIARN is the resource of a management call on a stage's path below it:
// arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{VERB}/{resource}, resource being
// "@connections/{id}" for example.
func ExecuteAPIARN(region, account, apiID, stage, verb, resource string) string {
	return "arn:aws:execute-api:" + region + ":" + account + ":" + apiID + "/" + stage + "/" +
		strings.ToUpper(verb) + "/" + resource
}

// BroadcastARN is the resource of a call to Switchboard's broadcast endpoint,
// arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{VERB}/@broadcast (action
// ManageConnections, as for @connections).
func BroadcastARN(region, account, apiID, stage, verb string) string {
	return "arn:aws:execute-api:" + region + ":" + account + ":" + apiID + "/" + stage + "/" +
		strings.ToUpper(verb) + "/@broadcast"
}

// ManagementAPIStatement allows execute-api:ManageConnections on every connection of a stage
// with any verb, the statement CDK's stage.grantManagementApiAccess adds
// (…/{stage}/*/@connections/*, after aws/aws-cdk#18544 widened it from POST), and on
// Switchboard's broadcast endpoint (…/{stage}/*/@broadcast), which AWS does not have.
func ManagementAPIStatement(region, account, apiID, stage string) policy.Statement {
	return policy.Statement{
		Effect: policy.Allow,
		Action: []string{ActionManageConnections},
		Resource: []string{ManageConnectionsARN(region, account, apiID, stage, "*", "*"),
			BroadcastARN(region, account, apiID, stage, "*")},
	}
}
