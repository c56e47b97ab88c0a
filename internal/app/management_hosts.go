package app

import "strings"

// ManagementHosts are the host names under which AWS code addresses this stage's @connections
// API and which therefore lead to this App: {apiId}.execute-api.{region}.amazonaws.com, the
// name AWS's samples build from event.requestContext.apiId and AWS_REGION. Function workers'
// HTTPS connections to them on port 443 are redirected to the listener (package redirect), and
// the local CA's certificate covers them. Custom domains belong here too once the App serves them.
func (a *App) ManagementHosts() []string {
	return []string{strings.ToLower(a.cfg.APIID + ".execute-api." + a.cfg.Region + ".amazonaws.com")}
}
