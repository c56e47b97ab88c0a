// Package sigv4 verifies AWS Signature Version 4 on incoming requests the way Amazon API
// Gateway does for service execute-api: the Authorization-header form that SDKs use and the
// presigned query-string form that browsers must use for a WebSocket handshake.
//
// Use New with the API's region and a KeyLookup (access key id -> secret and optional session
// token), then Verify each request with its body and the current time. Verify returns a
// *Result naming the access key, or an *auth.Error carrying AWS's 403 answer ("Missing
// Authentication Token", "Signature expired: …", "The security token included in the request
// is invalid.", "The request signature we calculated does not match …") and one of the Err
// sentinels below as its cause for errors.Is. ParseAuthorization and ParseCredential expose
// the parsers on their own.
//
// Evidence for the messages is noted beside each; [OBS] messages were seen in answers from
// execute-api, [UNVERIFIED] ones are our best reconstruction.
package sigv4
