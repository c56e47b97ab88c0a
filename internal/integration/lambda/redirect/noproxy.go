package redirect

import (
	"net"
	"net/url"
	"strings"
)

// noProxy is a NO_PROXY list, matched as Go's net/http matches it (golang.org/x/net/http/httpproxy):
// comma-separated entries; "*" matches everything; an IP address or CIDR block matches addresses;
// a host name matches itself and its subdomains ("example.com" and ".example.com" both match
// "a.example.com", the latter not "example.com" itself); an entry with a port matches only that port.
type noProxy []string

func parseNoProxy(v string) noProxy {
	var out noProxy
	for _, e := range strings.Split(v, ",") {
		if e = strings.ToLower(strings.TrimSpace(e)); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// matchEntry reports whether one entry matches host (lower case) and port.
func matchEntry(entry, host, port string) bool {
	if entry == "*" {
		return true
	}
	if _, cidr, err := net.ParseCIDR(entry); err == nil {
		ip := net.ParseIP(host)
		return ip != nil && cidr.Contains(ip)
	}
	entryHost, entryPort := entry, ""
	if h, p, err := net.SplitHostPort(entry); err == nil {
		entryHost, entryPort = h, p
	}
	if entryPort != "" && entryPort != port {
		return false
	}
	if ip := net.ParseIP(entryHost); ip != nil {
		return ip.Equal(net.ParseIP(host))
	}
	if strings.HasPrefix(entryHost, "*.") {
		entryHost = entryHost[1:]
	}
	if strings.HasPrefix(entryHost, ".") {
		return strings.HasSuffix(host, entryHost)
	}
	return host == entryHost || strings.HasSuffix(host, "."+entryHost)
}

// match reports whether a connection to host:port bypasses the proxy.
func (n noProxy) match(host, port string) bool {
	host = normalize(host)
	for _, e := range n {
		if matchEntry(e, host, port) {
			return true
		}
	}
	return false
}

// without returns the entries that match none of hosts on port 443: what a worker's NO_PROXY may
// keep so that its requests to those hosts still go through the redirecting proxy.
func (n noProxy) without(hosts []string) noProxy {
	var out noProxy
	for _, e := range n {
		keep := true
		for _, h := range hosts {
			if matchEntry(e, normalize(h), Port) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, e)
		}
	}
	return out
}

func (n noProxy) String() string { return strings.Join(n, ",") }

// proxyFromEnv reads the proxy settings of a function's environment as Go's net/http reads its
// process's: HTTPS_PROXY (or https_proxy) and NO_PROXY (or no_proxy). A value without a scheme is
// an http:// proxy. nil when there is none.
func proxyFromEnv(env map[string]string) (*url.URL, noProxy) {
	np := parseNoProxy(firstSet(env, "NO_PROXY", "no_proxy"))
	raw := firstSet(env, "HTTPS_PROXY", "https_proxy")
	if raw == "" {
		return nil, np
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		if u2, err2 := url.Parse("http://" + raw); err2 == nil && u2.Host != "" {
			return u2, np
		}
		return nil, np
	}
	return u, np
}
