package config

import (
	"gopkg.in/yaml.v3"
)

// config decodes the top-level mapping into c.
func (d *decoder) config(n *yaml.Node, c *Config) {
	c.Stage.AutoDeploy = true // SST's WebSocketApi deploys every change at once
	d.mapping("", n, fields{
		"name":                     d.str(&c.Name),
		"region":                   d.str(&c.Region),
		"accountId":                d.str(&c.AccountID),
		"apiId":                    d.str(&c.APIID),
		"routeSelectionExpression": d.str(&c.RouteSelectionExpression),
		"defaults": func(p string, v *yaml.Node) {
			d.mapping(p, v, fields{
				"function": func(p string, v *yaml.Node) { c.Defaults.Function = d.functionProps(p, v) },
			})
		},
		"routes":         func(p string, v *yaml.Node) { c.Routes = d.routes(p, v) },
		"authorizer":     func(p string, v *yaml.Node) { d.authorizer(p, v, &c.Authorizer) },
		"accessLog":      func(p string, v *yaml.Node) { d.accessLog(p, v, &c.AccessLog) },
		"customDomain":   func(p string, v *yaml.Node) { d.customDomain(p, v, &c.CustomDomain) },
		"stage":          func(p string, v *yaml.Node) { d.stage(p, v, &c.Stage) },
		"limits":         func(p string, v *yaml.Node) { d.limits(p, v, &c.Limits) },
		"server":         func(p string, v *yaml.Node) { d.server(p, v, &c.Server) },
		"cluster":        func(p string, v *yaml.Node) { d.cluster(p, v, &c.Cluster) },
		"connectionTags": d.stringMap(&c.ConnectionTags),
	})
}

// accessLog decodes `accessLog`: true/false, a format string, or a mapping (which turns logging
// on).
func (d *decoder) accessLog(path string, v *yaml.Node, a *AccessLog) {
	v = d.deref(v)
	switch {
	case isNull(v):
	case v.Kind == yaml.ScalarNode && v.ShortTag() == "!!bool":
		d.boolean(&a.Enabled)(path, v)
	case v.Kind == yaml.MappingNode:
		a.Enabled = true
		d.mapping(path, v, fields{
			"format":         d.str(&a.Format),
			"destination":    d.str(&a.Destination),
			"destinationArn": d.str(&a.DestinationARN),
			"retention":      d.str(&a.Retention),
		})
	default:
		s, ok := scalarText(v, false)
		if !ok {
			d.wrongType(path, v, "true, false, a format string, or a mapping with format, destination, destinationArn and retention")
			return
		}
		a.Enabled, a.Format = true, s
	}
}

// acme decodes `customDomain.acme`: true, false, or `{email, directory, caFile}`.
func (d *decoder) acme(path string, v *yaml.Node, dst **ACME) {
	v = d.deref(v)
	if isNull(v) {
		return
	}
	if v.Kind == yaml.MappingNode {
		a := &ACME{}
		d.mapping(path, v, fields{
			"email":     d.str(&a.Email),
			"directory": d.str(&a.Directory),
			"caFile":    d.str(&a.CAFile),
		})
		*dst = a
		return
	}
	var on bool
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" || v.Decode(&on) != nil {
		d.wrongType(path, v, "true, false, or a mapping with email, directory and caFile")
		return
	}
	if on {
		*dst = &ACME{}
	}
}

// customDomain decodes `customDomain`: a domain name or a mapping.
func (d *decoder) customDomain(path string, v *yaml.Node, cd *CustomDomain) {
	v = d.deref(v)
	switch {
	case isNull(v):
	case v.Kind == yaml.MappingNode:
		d.mapping(path, v, fields{
			"domainName":       d.str(&cd.DomainName),
			"hostedZone":       d.str(&cd.HostedZone),
			"path":             d.str(&cd.Path),
			"isExternalDomain": d.boolean(&cd.IsExternalDomain),
			"certificate":      d.str(&cd.CertificateFile),
			"key":              d.str(&cd.KeyFile),
			"securityPolicy":   d.str(&cd.SecurityPolicy),
			"acme":             func(p string, v *yaml.Node) { d.acme(p, v, &cd.ACME) },
			"certificateArn":   d.str(&cd.CertificateARN),
		})
	default:
		s, ok := scalarText(v, false)
		if !ok {
			d.wrongType(path, v, "a domain name or a mapping with domainName, path, certificate, key, securityPolicy, acme, certificateArn, hostedZone and isExternalDomain")
			return
		}
		cd.DomainName = s
	}
}

// stage decodes `stage`.
func (d *decoder) stage(path string, v *yaml.Node, s *Stage) {
	d.mapping(path, v, fields{
		"name":            d.str(&s.Name),
		"autoDeploy":      d.boolean(&s.AutoDeploy),
		"detailedMetrics": d.boolean(&s.DetailedMetrics),
		"throttle": func(p string, v *yaml.Node) {
			d.mapping(p, v, fields{
				"rateLimit":  d.number(&s.Throttle.RateLimit),
				"burstLimit": d.integer(&s.Throttle.BurstLimit),
			})
		},
		"variables":                d.stringMap(&s.Variables),
		"grantManagementApiAccess": d.stringList(&s.GrantManagementAPIAccess),
	})
}

// bytesWant describes what a byte-size key accepts.
const bytesWant = `a number of bytes or a string like "128 KB"`

// limits decodes `limits`.
func (d *decoder) limits(path string, v *yaml.Node, l *Limits) {
	var binary string
	d.mapping(path, v, fields{
		"maxMessageBytes":       d.size(&l.MaxMessageBytes, 1, bytesWant),
		"maxFrameBytes":         d.size(&l.MaxFrameBytes, 1, bytesWant),
		"idleTimeout":           d.duration(&l.IdleTimeout),
		"maxConnectionDuration": d.duration(&l.MaxConnectionDuration),
		"integrationTimeout":    d.duration(&l.IntegrationTimeout),
		"binaryMessages":        d.str(&binary),
		"sendQueueBytes":        d.size(&l.SendQueueBytes, 1, bytesWant),
		"writeTimeout":          d.duration(&l.WriteTimeout),
	})
	l.BinaryMessages = BinaryMode(binary)
}

// server decodes `server`.
func (d *decoder) server(path string, v *yaml.Node, s *Server) {
	d.mapping(path, v, fields{
		"listen":          d.str(&s.Listen),
		"shutdownTimeout": d.duration(&s.ShutdownTimeout),
		"nodeId":          d.str(&s.NodeID),
		"admin":           d.str(&s.Admin),
	})
}
