// Package edge is the front of Switchboard's listener: one listener, many APIs. It matches each
// request to an API stage the way API Gateway does (a custom domain and its API mappings, the
// API's own execute-api host name, or the stage path) and chooses each TLS handshake's
// certificate by server name: files that are reloaded when they change, a certificate from the
// local CA, or one from an ACME CA.
//
// Use NewTable to check a set of Sites for clashing claims and build the matching table,
// NewRouter to serve it as an http.Handler, NewCerts for the listener's tls.Config,
// LoadFileCert for a custom domain's certificate files, and NewACME for a certificate from an
// ACME CA (the TLS-ALPN-01 challenge answered on the listener itself). The package knows
// nothing of what an API does: a Site's Target serves what it is given.
package edge
