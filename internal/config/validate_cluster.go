package config

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// subjectPrefixPattern is a NATS subject of plain tokens (no wildcards).
var subjectPrefixPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)

// The bounds of the cluster's durations: a lease of at most 20s has a dead node's $disconnect
// events start within 30s; a forwarded call waits at most 10s.
const (
	MinClusterLeaseTTL       = time.Second
	MaxClusterLeaseTTL       = 20 * time.Second
	MinClusterRequestTimeout = 100 * time.Millisecond
	MaxClusterRequestTimeout = 10 * time.Second
)

// CheckNATSURLs checks a NATS server URL, or several separated by commas (cluster.nats, the
// --nats flag).
func CheckNATSURLs(urls string) error {
	for _, u := range strings.Split(urls, ",") {
		u = strings.TrimSpace(u)
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "nats" && p.Scheme != "tls") || p.Host == "" {
			return fmt.Errorf(`must be NATS URLs like "nats://127.0.0.1:4222" or "tls://nats.example.com:4222", got %q`, u)
		}
	}
	return nil
}

// cluster checks the `cluster` key.
func (ck *checker) cluster() {
	c := ck.c.Cluster
	if err := CheckNATSURLs(c.NATS); c.NATS != "" && err != nil {
		ck.add("cluster.nats", "%v", err)
	}
	ck.file("cluster.credentials", c.Credentials)
	ck.file("cluster.caFile", c.CAFile)
	if c.SubjectPrefix != "" && !subjectPrefixPattern.MatchString(c.SubjectPrefix) {
		ck.add("cluster.subjectPrefix", `must be NATS subject tokens of letters, digits, - and _ separated by dots, like "switchboard" or "acme.ws", got %q`, c.SubjectPrefix)
	}
	if v, set := isSet(ck, "cluster.leaseTtl", c.LeaseTTL); set && (v < MinClusterLeaseTTL || v > MaxClusterLeaseTTL) {
		ck.add("cluster.leaseTtl", "must be between %v and %v, got %v", MinClusterLeaseTTL, MaxClusterLeaseTTL, v)
	}
	if v, set := isSet(ck, "cluster.requestTimeout", c.RequestTimeout); set && (v < MinClusterRequestTimeout || v > MaxClusterRequestTimeout) {
		ck.add("cluster.requestTimeout", "must be between %v and %v, got %v", MinClusterRequestTimeout, MaxClusterRequestTimeout, v)
	}
	if v, set := isSet(ck, "cluster.replicas", c.Replicas); set && (v < 1 || v > 5) {
		ck.add("cluster.replicas", "must be between 1 and 5 (JetStream's limit), got %d", v)
	}
}

// file checks that a file named by the config (relative to its directory) can be read.
func (ck *checker) file(path, name string) {
	if name == "" {
		return
	}
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(ck.c.Dir(), p)
	}
	f, err := os.Open(p)
	if err != nil {
		ck.add(path, "cannot read %s: %v", name, unwrapPathError(err))
		return
	}
	f.Close()
}

// unwrapPathError drops the path an *os.PathError repeats.
func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
