// Package iam authorizes SigV4-signed requests against IAM-style principals, the way API
// Gateway applies AWS_IAM authorization to $connect and execute-api:ManageConnections to the
// @connections API.
//
// Entry points:
//
//   - NewStore creates the set of principals for one API; LoadFile adds those of a
//     credentials file (format in docs/auth.md), ParseCredentials parses one without a store.
//   - AddPrincipal, Grant and RemovePrincipal change principals at run time: Grant with
//     ManagementAPIStatement is the equivalent of CDK's stage.grantManagementApiAccess, and
//     GenerateFunctionCredentials mints the credentials a function runs with.
//   - AuthorizeRequest verifies a request's signature and evaluates the signer's policy for an
//     action on a resource; it returns the identity fields AWS puts into events.
//     AuthorizeConnect does that for a $connect handshake (Store is an
//     auth.ConnectAuthorizer).
//   - EnvironmentPrincipal turns AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN into
//     a principal for `authorizer: iam` without a credentials file.
//   - ConnectARN, RouteARN, ManageConnectionsARN build the execute-api resource ARNs.
package iam
