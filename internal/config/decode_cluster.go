package config

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// cluster decodes `cluster`; `nats` is a URL, a comma-separated list or a list of URLs.
func (d *decoder) cluster(path string, v *yaml.Node, c *Cluster) {
	var urls []string
	d.mapping(path, v, fields{
		"nats":           d.stringList(&urls),
		"credentials":    d.str(&c.Credentials),
		"caFile":         d.str(&c.CAFile),
		"subjectPrefix":  d.str(&c.SubjectPrefix),
		"leaseTtl":       d.duration(&c.LeaseTTL),
		"requestTimeout": d.duration(&c.RequestTimeout),
		"replicas":       d.integer(&c.Replicas),
	})
	c.NATS = strings.Join(urls, ",")
}
