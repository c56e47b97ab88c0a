package edge

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Kind says how a request reached an API stage.
type Kind int

// The ways in, in the order a request is matched.
const (
	// ByCustomDomain: the Host named a custom domain; the API is at the mapping's base path.
	ByCustomDomain Kind = iota + 1
	// ByExecuteAPIHost: the Host was the API's own AWS host name,
	// {apiId}.execute-api.{region}.amazonaws.com; the API is at /{stage}.
	ByExecuteAPIHost
	// ByStagePath: any other Host (localhost, an address, a load balancer's name); the API is at
	// /{stage}.
	ByStagePath
)

// Target is an API stage as the edge sees it: it serves what remains of a matched request.
type Target interface {
	// ServeEdge serves r, whose path matched m.
	ServeEdge(w http.ResponseWriter, r *http.Request, m Match)
}

// Match is how a request was matched to a Site.
type Match struct {
	Kind Kind
	// Host is the matched host name: lower case, without port or trailing dot.
	Host string
	// Base is the matched base path: the mapping key through a custom domain ("" for the
	// root), the stage name otherwise.
	Base string
	// Rest holds the unescaped path segments after Base: none for the WebSocket endpoint,
	// ["@connections", id] for the management API.
	Rest []string
}

// Site is one API stage and everything that routes to it.
type Site struct {
	// Name names the API in problems, e.g. "chat (a.yaml)".
	Name string
	// Stage is the stage name, the first path segment on the default endpoint.
	Stage string
	// StageSource says where the stage name was given ("a.yaml:4:9"), for clash problems.
	StageSource string
	// ExecuteAPIHost is the API's AWS host name, {apiId}.execute-api.{region}.amazonaws.com.
	ExecuteAPIHost string
	// ExecuteAPISource says where the API id (or the name it derives from) was given.
	ExecuteAPISource string
	// Domains are the site's custom-domain mappings.
	Domains []Mapping
	// Target serves the site's requests.
	Target Target
}

// Mapping is an API mapping of a custom domain, as API Gateway's ApiMapping.
type Mapping struct {
	// Domain is "api.example.com" or "*.example.com" (one label).
	Domain string
	// Path is the mapping key: "" for the domain root, else one or more levels "a/b".
	Path string
	// Source says where the mapping was given ("a.yaml:7:3"), for clash problems.
	Source string
}

// Table matches requests to sites. It is immutable; build a new one to change it.
type Table struct {
	sites []*Site
	// domains maps a custom domain (wildcards as written, "*.example.com") to its mappings,
	// longest path first.
	domains map[string][]mapped
	// hosts maps execute-api host names to their sites.
	hosts map[string]*Site
	// stages maps stage names to their sites.
	stages map[string]*Site
}

type mapped struct {
	segs []string // the mapping key's levels; none for the root
	site *Site
}

// ClashError lists the claims that two or more sites make on the same (host, path).
type ClashError struct {
	Problems []string
}

func (e *ClashError) Error() string { return strings.Join(e.Problems, "\n") }

// NewTable checks that no two sites answer the same (host, path) and builds the table. The
// error, a *ClashError, names both claims of every clash.
func NewTable(sites []Site) (*Table, error) {
	t := &Table{
		domains: map[string][]mapped{},
		hosts:   map[string]*Site{},
		stages:  map[string]*Site{},
	}
	var problems []string
	clash := func(what, src1, name1, src2, name2 string) {
		problems = append(problems, fmt.Sprintf("%s: %s claims %s, already claimed by %s at %s", orUnknown(src2), name2, what, name1, orUnknown(src1)))
	}
	type claim struct {
		site   *Site
		source string
	}
	mapClaims := map[string]claim{}
	for i := range sites {
		s := &sites[i]
		t.sites = append(t.sites, s)
		if prev, ok := t.stages[s.Stage]; ok {
			clash(fmt.Sprintf("the stage path /%s on the default endpoint", s.Stage), prev.StageSource, prev.Name, s.StageSource, s.Name)
		} else {
			t.stages[s.Stage] = s
		}
		if h := strings.ToLower(s.ExecuteAPIHost); h != "" {
			if prev, ok := t.hosts[h]; ok {
				clash("the host name "+h+" (the same API id and region)", prev.ExecuteAPISource, prev.Name, s.ExecuteAPISource, s.Name)
			} else {
				t.hosts[h] = s
			}
		}
		for _, m := range s.Domains {
			d := strings.ToLower(strings.TrimSuffix(m.Domain, "."))
			key := d + "/" + m.Path
			if prev, ok := mapClaims[key]; ok {
				clash("the mapping "+displayMapping(d, m.Path), prev.source, prev.site.Name, m.Source, s.Name)
				continue
			}
			mapClaims[key] = claim{s, m.Source}
			var segs []string
			if m.Path != "" {
				segs = strings.Split(m.Path, "/")
			}
			t.domains[d] = append(t.domains[d], mapped{segs: segs, site: s})
		}
	}
	for _, ms := range t.domains {
		sort.SliceStable(ms, func(i, j int) bool { return len(ms[i].segs) > len(ms[j].segs) })
	}
	if len(problems) > 0 {
		return nil, &ClashError{Problems: problems}
	}
	return t, nil
}

func displayMapping(domain, path string) string {
	if path == "" {
		return domain + " (the domain root)"
	}
	return domain + "/" + path
}

func orUnknown(s string) string {
	if s == "" {
		return "(Go API)"
	}
	return s
}

// Sites returns the table's sites in the order given to NewTable.
func (t *Table) Sites() []*Site { return t.sites }

// Domain reports whether host (lower case, no port) is a custom domain of the table, exactly
// or through a wildcard, and returns the domain as configured.
func (t *Table) Domain(host string) (string, bool) {
	if _, ok := t.domains[host]; ok {
		return host, true
	}
	if w, ok := wildcardOf(host); ok {
		if _, ok := t.domains[w]; ok {
			return w, true
		}
	}
	return "", false
}

// IsExecuteAPIHost reports whether host (lower case, no port) is the AWS host name of a site.
func (t *Table) IsExecuteAPIHost(host string) bool {
	_, ok := t.hosts[host]
	return ok
}

// Lookup matches a request's host (lower case, no port) and unescaped path segments (without
// the leading empty one) to a site: through a custom domain (an exact domain wins over a
// wildcard; the longest mapping key that prefixes the path wins), else an execute-api host name,
// else the stage path. ok is false when nothing claims the request: a custom domain's path
// that no mapping has, an execute-api host for another API, or an unknown stage.
func (t *Table) Lookup(host string, segs []string) (*Site, Match, bool) {
	if d, ok := t.Domain(host); ok {
		for _, m := range t.domains[d] {
			if hasPrefix(segs, m.segs) {
				return m.site, Match{Kind: ByCustomDomain, Host: host, Base: strings.Join(m.segs, "/"), Rest: trimEmpty(segs[len(m.segs):])}, true
			}
		}
		return nil, Match{}, false
	}
	if s, ok := t.hosts[host]; ok {
		if len(segs) == 0 || segs[0] != s.Stage {
			return nil, Match{}, false
		}
		return s, Match{Kind: ByExecuteAPIHost, Host: host, Base: s.Stage, Rest: trimEmpty(segs[1:])}, true
	}
	if isExecuteAPIName(host) {
		// Another API's AWS host name: never answer it with one of ours.
		return nil, Match{}, false
	}
	if len(segs) == 0 {
		return nil, Match{}, false
	}
	s, ok := t.stages[segs[0]]
	if !ok {
		return nil, Match{}, false
	}
	return s, Match{Kind: ByStagePath, Host: host, Base: s.Stage, Rest: trimEmpty(segs[1:])}, true
}

// hasPrefix reports whether segs starts with prefix.
func hasPrefix(segs, prefix []string) bool {
	if len(prefix) > len(segs) {
		return false
	}
	for i, p := range prefix {
		if segs[i] != p {
			return false
		}
	}
	return true
}

// trimEmpty drops one trailing empty segment (a path ending in "/"), so "/chat/" is "/chat".
func trimEmpty(segs []string) []string {
	if len(segs) > 0 && segs[len(segs)-1] == "" {
		segs = segs[:len(segs)-1]
	}
	if len(segs) == 0 {
		return nil
	}
	return segs
}
