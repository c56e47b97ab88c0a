// Package lambdaauth runs Lambda REQUEST authorizers on $connect the way API Gateway does for
// WebSocket APIs (reference §7).
//
// Use New with an InvokeFunc (how to call the authorizer function: a function worker, an
// in-process Go handler or a URL) and the identity sources; Authorizer implements
// auth.ConnectAuthorizer. Per handshake it builds the REQUEST event (BuildEvent), answers 401
// without invoking when an identity source is missing, invokes the function, and evaluates its
// result (ParseResult, Result.Evaluate) against the methodArn: Allow grants the connection with
// requestContext.authorizer = {principalId, integrationLatency, ...context}; Deny or no match
// is 403; an "Unauthorized" error is 401; any other failure, a malformed or oversized result
// is 500. With Options.ResultsCacheTTL the parsed results are cached by identity source values.
package lambdaauth
