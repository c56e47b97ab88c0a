// Package auth is the seam between the gateway and the ways a WebSocket API is authorized, in
// the shapes Amazon API Gateway uses (see docs/auth.md).
//
// Entry points:
//
//   - ConnectAuthorizer decides whether a $connect handshake may become a connection. Two
//     implementations exist: iam.Store (SigV4 + IAM policies, AuthorizationType AWS_IAM) and
//     lambdaauth.Authorizer (Lambda REQUEST authorizers, AuthorizationType CUSTOM). Build a
//     ConnectRequest from the upgrade request and the CONNECT event, call AuthorizeConnect, and
//     either reject the handshake with the returned *Error or apply the Grant to the
//     requestContext of the CONNECT event and of every later event of the connection.
//   - Error is every authorization failure: the HTTP status, x-amzn-ErrorType and message the
//     client gets, plus the cause for logs. errors.As(err, **apigw.Error) also works, so the
//     @connections handler renders these failures like its own errors.
//   - Identity holds the requestContext.identity fields AWS fills for IAM callers.
//
// The sub-packages: sigv4 verifies AWS Signature Version 4 (header and presigned forms), policy
// parses and evaluates IAM-style statements, iam holds principals (credentials file, run-time
// grants, per-function credentials) and authorizes signed requests, lambdaauth runs Lambda
// REQUEST authorizers with an optional result cache.
package auth
