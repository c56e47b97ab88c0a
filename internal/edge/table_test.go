package edge

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

type namedTarget string

func (namedTarget) ServeEdge(http.ResponseWriter, *http.Request, Match) {}

func site(name, stage, apiID string, domains ...Mapping) Site {
	return Site{
		Name: name, Stage: stage, StageSource: name + ".yaml:3:3",
		ExecuteAPIHost: ExecuteAPIHost(apiID, "us-east-1"), ExecuteAPISource: name + ".yaml:1:1",
		Domains: domains, Target: namedTarget(name),
	}
}

func TestLookup(t *testing.T) {
	tbl, err := NewTable([]Site{
		site("chat", "local", "chat000001", Mapping{Domain: "api.example.com", Path: "chat"}),
		site("core", "prod", "core000001", Mapping{Domain: "API.example.com", Path: "core/v1"}),
		site("root", "root", "root000001", Mapping{Domain: "api.example.com"}),
		site("tenants", "t", "tenant0001", Mapping{Domain: "*.example.com"}),
		site("exact", "e", "exact00001", Mapping{Domain: "www.example.com", Path: "ws"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		host, path string
		site       string // "" for no match
		kind       Kind
		base       string
		rest       []string
	}{
		{"api.example.com", "/chat", "chat", ByCustomDomain, "chat", nil},
		{"api.example.com", "/chat/", "chat", ByCustomDomain, "chat", nil},
		{"api.example.com", "/chat/@connections/abc=", "chat", ByCustomDomain, "chat", []string{"@connections", "abc="}},
		{"api.example.com", "/core/v1", "core", ByCustomDomain, "core/v1", nil},
		// "core" alone is not a mapping key: the root mapping takes it, and the API answers 403
		// for a path it does not have.
		{"api.example.com", "/core", "root", ByCustomDomain, "", []string{"core"}},
		{"api.example.com", "/", "root", ByCustomDomain, "", nil},
		{"api.example.com", "/@connections/abc=", "root", ByCustomDomain, "", []string{"@connections", "abc="}},
		// The stage path is not served on a custom domain.
		{"api.example.com", "/local", "root", ByCustomDomain, "", []string{"local"}},
		// A wildcard covers one label, and an exact domain wins over it entirely.
		{"tenant1.example.com", "/", "tenants", ByCustomDomain, "", nil},
		{"a.b.example.com", "/", "", 0, "", nil},
		{"example.com", "/", "", 0, "", nil},
		{"www.example.com", "/ws", "exact", ByCustomDomain, "ws", nil},
		{"www.example.com", "/", "", 0, "", nil},
		// The API's AWS host name, then its stage.
		{"chat000001.execute-api.us-east-1.amazonaws.com", "/local", "chat", ByExecuteAPIHost, "local", nil},
		{"chat000001.execute-api.us-east-1.amazonaws.com", "/prod", "", 0, "", nil},
		{"other00001.execute-api.us-east-1.amazonaws.com", "/local", "", 0, "", nil},
		// Any other host: the stage path.
		{"127.0.0.1", "/local", "chat", ByStagePath, "local", nil},
		{"localhost", "/prod/@connections/x", "core", ByStagePath, "prod", []string{"@connections", "x"}},
		{"lb.internal", "/nope", "", 0, "", nil},
		{"127.0.0.1", "/", "", 0, "", nil},
	} {
		segs, ok := SplitEscapedPath(c.path)
		if !ok {
			t.Fatalf("split %q", c.path)
		}
		s, m, ok := tbl.Lookup(c.host, segs)
		if c.site == "" {
			if ok {
				t.Errorf("%s%s matched %s, want nothing", c.host, c.path, s.Name)
			}
			continue
		}
		if !ok {
			t.Errorf("%s%s matched nothing, want %s", c.host, c.path, c.site)
			continue
		}
		want := Match{Kind: c.kind, Host: c.host, Base: c.base, Rest: c.rest}
		if s.Name != c.site || !reflect.DeepEqual(m, want) {
			t.Errorf("%s%s = %s %+v, want %s %+v", c.host, c.path, s.Name, m, c.site, want)
		}
	}
}

func TestClashesNameBothClaims(t *testing.T) {
	_, err := NewTable([]Site{
		site("a", "local", "aaaaaaaaaa", Mapping{Domain: "api.example.com", Path: "chat", Source: "a.yaml:7:3"}),
		site("b", "local", "aaaaaaaaaa", Mapping{Domain: "Api.Example.com.", Path: "chat", Source: "b.yaml:9:3"}),
		site("c", "other", "cccccccccc", Mapping{Domain: "api.example.com", Path: "chat/v2", Source: "c.yaml:2:1"}),
	})
	var ce *ClashError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a ClashError", err)
	}
	want := []string{
		"b.yaml:3:3: b claims the stage path /local on the default endpoint, already claimed by a at a.yaml:3:3",
		"b.yaml:1:1: b claims the host name aaaaaaaaaa.execute-api.us-east-1.amazonaws.com (the same API id and region), already claimed by a at a.yaml:1:1",
		"b.yaml:9:3: b claims the mapping api.example.com/chat, already claimed by a at a.yaml:7:3",
	}
	if !reflect.DeepEqual(ce.Problems, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(ce.Problems, "\n"), strings.Join(want, "\n"))
	}
}

func TestNormalizeHost(t *testing.T) {
	for in, want := range map[string]string{
		"API.Example.com":                "api.example.com",
		"api.example.com:3001":           "api.example.com",
		"api.example.com.":               "api.example.com",
		"127.0.0.1:3001":                 "127.0.0.1",
		"[::1]:3001":                     "::1",
		"[::1]":                          "::1",
		"localhost":                      "localhost",
		"":                               "",
		"a b.com":                        "",
		"a/b":                            "",
		"a..b":                           "",
		"xn--bcher-kva.example":          "xn--bcher-kva.example",
		strings.Repeat("a", 64) + ".com": "",
	} {
		got, ok := NormalizeHost(in)
		if got != want || ok != (want != "") {
			t.Errorf("NormalizeHost(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func FuzzLookup(f *testing.F) {
	tbl, err := NewTable([]Site{
		site("chat", "local", "chat000001", Mapping{Domain: "api.example.com", Path: "chat"}),
		site("tenants", "t", "tenant0001", Mapping{Domain: "*.example.com"}),
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("api.example.com:443", "/chat/@connections/x%3D")
	f.Add("a.example.com", "/%zz")
	f.Add("[::1", "//")
	f.Fuzz(func(t *testing.T, hostport, path string) {
		host, ok := NormalizeHost(hostport)
		if !ok {
			return
		}
		segs, ok := SplitEscapedPath(path)
		if !ok {
			return
		}
		s, m, ok := tbl.Lookup(host, segs)
		if ok && (s == nil || m.Kind == 0) {
			t.Fatalf("match without a site or kind: %v %+v", s, m)
		}
	})
}
