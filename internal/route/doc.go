// Package route decides which route a WebSocket message goes to, the way Amazon API Gateway does
// (reference §4).
//
// Use Parse to turn a route selection expression such as "$request.body.action" or
// "${request.body.service}/${request.body.action}" into an *Expression; it reports a *ParseError
// with the column for anything outside the supported language. Use (*Expression).Eval to compute
// the route key of one message body.
//
// Use NewTable to build an immutable *Table from an expression and the routes keyed by route key,
// Table.Select to pick the route of a message (custom key, else $default, else none), Table.Get
// to fetch $connect and $disconnect, and Table.With to derive a table with routes added at run
// time while readers keep using the old one.
//
// Evaluation walks the JSON body in place after json.Valid accepts it; it never unmarshals the
// body, and Select does not allocate in the common case.
package route
