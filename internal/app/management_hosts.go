package app

// ManagementHosts are the host names under which AWS code addresses this stage's @connections
// API and which the listener routes to this App: the execute-api host name
// {apiId}.execute-api.{region}.amazonaws.com (what AWS's samples build from
// event.requestContext.apiId and AWS_REGION) and the custom domain, when there is one (a wildcard
// domain as "*.example.com"). Function workers' HTTPS connections to them on port 443 are
// redirected to the listener (package redirect), whose TLS layer (internal/edge) answers with a
// certificate for the name.
func (a *App) ManagementHosts() []string {
	hosts := []string{a.ExecuteAPIHost()}
	if d := a.cfg.CustomDomain.DomainName; d != "" {
		hosts = append(hosts, d)
	}
	return hosts
}
