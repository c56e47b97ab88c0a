package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/switchboardhq/switchboard/internal/config"
	"github.com/switchboardhq/switchboard/internal/edge"
)

// acmeSource is a custom domain's certificate from an ACME CA.
type acmeSource interface {
	edge.CertSource
	// Prepare obtains the certificate ahead of the first client, once the listener serves;
	// it returns when done or when ctx ends.
	Prepare(ctx context.Context)
}

// site is how the edge sees the app: its stage path, its AWS host name and its custom domain.
func (a *App) site() edge.Site {
	c := a.cfg
	s := edge.Site{
		Name:             fmt.Sprintf("API %q", c.Name),
		Stage:            c.Stage.Name,
		StageSource:      where(c, "stage.name"),
		ExecuteAPIHost:   a.ExecuteAPIHost(),
		ExecuteAPISource: where(c, "apiId"),
		Target:           a,
	}
	if c.File != "" {
		s.Name += " (" + c.File + ")"
	}
	if line, _ := c.Position("apiId"); line == 0 {
		s.ExecuteAPISource = where(c, "name") // the id derives from the name
	}
	if d := c.CustomDomain; d.DomainName != "" {
		s.Domains = []edge.Mapping{{Domain: d.DomainName, Path: d.Path, Source: where(c, "customDomain")}}
	}
	return s
}

// where renders the position of a key as "file:line:col", or the file alone (or "") when the
// key was not written there.
func where(c *config.Config, key string) string {
	line, col := c.Position(key)
	if line == 0 {
		return c.File
	}
	return fmt.Sprintf("%s:%d:%d", c.File, line, col)
}

// ServeEdge serves a request the edge matched to this app: the WebSocket endpoint, or the
// management API under it (@connections, and Switchboard's list, tags and @broadcast). Anything else under the app's base path is 403, as on API Gateway.
func (a *App) ServeEdge(w http.ResponseWriter, r *http.Request, m edge.Match) {
	switch rest := m.Rest; {
	case len(rest) == 0:
		a.ws.ServeHTTP(w, r)
	case rest[0] != "@connections" && rest[0] != "@broadcast":
		edge.Forbidden(w)
	default:
		a.mgmt.Load().ServePath(w, r, rest)
	}
}

// ExecuteAPIHost is the API's AWS host name, {apiId}.execute-api.{region}.amazonaws.com: a
// request with it as Host reaches this API at /{stage}, as on AWS.
func (a *App) ExecuteAPIHost() string { return edge.ExecuteAPIHost(a.cfg.APIID, a.cfg.Region) }

// CustomDomainURL is the API's WebSocket URL through its custom domain,
// wss://{domainName}[:port][/{path}] (SST's customDomainUrl; the port is left out when it is
// 443); "" without a custom domain.
func (a *App) CustomDomainURL() string {
	if base := a.customDomainBase(); base != "" {
		return "wss://" + base
	}
	return ""
}

// CustomDomainManagementEndpoint is the @connections base URL through the custom domain,
// https://{domainName}[:port]/{path}, what AWS tells handlers behind a custom domain to use;
// "" without a custom domain.
func (a *App) CustomDomainManagementEndpoint() string {
	if base := a.customDomainBase(); base != "" {
		return "https://" + base
	}
	return ""
}

func (a *App) customDomainBase() string {
	d := a.cfg.CustomDomain
	if d.DomainName == "" {
		return ""
	}
	host := d.DomainName
	if _, port, err := net.SplitHostPort(a.hostPort()); err == nil && port != "443" {
		host = net.JoinHostPort(host, port)
	}
	if d.Path == "" {
		return host
	}
	return host + "/" + d.Path
}

// loadDomains gathers the TLS settings of every custom domain the apps name. Apps that share a
// domain share its certificate (the files one of them gives, or ACME that one of them asks
// for; naming different ones is an error) and the strictest security policy among them.
func (g *Gateway) loadDomains() error {
	type domain struct {
		tls       edge.DomainTLS
		certFile  string
		keyFile   string
		fileFrom  string // where the files were named
		acme      *config.ACME
		acmeFrom  string
		cacheDir  string
		appLogger *App
	}
	byName := map[string]*domain{}
	var order []string
	var problems []string
	for _, a := range g.apps {
		c := a.cfg
		cd := c.CustomDomain
		if cd.DomainName == "" {
			continue
		}
		name := strings.ToLower(cd.DomainName)
		d := byName[name]
		if d == nil {
			d = &domain{tls: edge.DomainTLS{Domain: name, MinVersion: tls.VersionTLS12}, cacheDir: a.cacheDir(), appLogger: a}
			byName[name] = d
			order = append(order, name)
		}
		if cd.SecurityPolicy == config.SecurityPolicyTLS13 {
			d.tls.MinVersion = tls.VersionTLS13
		}
		if cd.CertificateFile != "" {
			cert, key := resolvePath(c, cd.CertificateFile), resolvePath(c, cd.KeyFile)
			switch {
			case d.certFile == "":
				d.certFile, d.keyFile, d.fileFrom = cert, key, where(c, "customDomain.certificate")
			case d.certFile != cert || d.keyFile != key:
				problems = append(problems, fmt.Sprintf("%s: customDomain.certificate: %s names %s and %s, but %s names %s and %s for the same domain: give the same files, or give them in one config only",
					where(c, "customDomain.certificate"), cd.DomainName, cert, key, d.fileFrom, d.certFile, d.keyFile))
			}
		}
		if cd.ACME != nil && d.acme == nil {
			acme := *cd.ACME
			acme.CAFile = resolvePath(c, acme.CAFile)
			d.acme, d.acmeFrom = &acme, where(c, "customDomain.acme")
		}
		if d.acme != nil && d.certFile != "" {
			problems = append(problems, fmt.Sprintf("%s: customDomain.acme: %s also has certificate files (%s): give the files or let ACME obtain the certificate", d.acmeFrom, cd.DomainName, d.fileFrom))
		}
	}
	for _, name := range order {
		d := byName[name]
		switch {
		case d.certFile != "":
			f, err := edge.LoadFileCert(d.tls.Domain, d.certFile, d.keyFile, nil, g.log)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: customDomain.certificate: %v", d.fileFrom, err))
				continue
			}
			d.tls.Source = f
			g.files = append(g.files, f)
		case d.acme != nil:
			src, protos, err := newACMESource(d.tls.Domain, d.acme, filepath.Join(d.cacheDir, "acme"), g.log)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: customDomain.acme: %v", d.acmeFrom, err))
				continue
			}
			d.tls.Source, d.tls.Protos = src, protos
			g.acme = append(g.acme, src)
		}
		g.domain = append(g.domain, d.tls)
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}

// resolvePath makes a path from the config relative to the config's directory.
func resolvePath(c *config.Config, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Dir(), p)
}

// CheckClashes reports configs whose APIs would answer the same host and path, naming both
// files and lines, without building anything.
func CheckClashes(cfgs []*config.Config) error {
	sites := make([]edge.Site, len(cfgs))
	for i, c := range cfgs {
		sites[i] = (&App{cfg: c}).site()
	}
	_, err := edge.NewTable(sites)
	return err
}
