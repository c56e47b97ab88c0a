// Package redirect sends a function worker's connections to the management API's host names to
// the gateway, without touching DNS or anything outside the worker processes.
//
// AWS code reaches the @connections API at https://{apiId}.execute-api.{region}.amazonaws.com/
// {stage}, or at a custom domain: names that lead to AWS, not to this machine. Rules lists those
// names and the gateway's address. Use Rules.BootstrapEnv for Node.js and Python workers, whose
// bootstraps redirect such connections in-process (Node.js: net.Socket's connect; Python:
// socket.getaddrinfo). Use Listen for Go workers: a CONNECT proxy, given to them as HTTPS_PROXY
// (which Go's net/http honours), that tunnels those names to the gateway and every other
// destination to where it would have gone (or to the function's own proxy). Either way TLS runs
// end to end: the client sends the host name as SNI and checks the gateway's certificate for it.
package redirect

import (
	"net"
	"strings"
)

// Port is the port that is redirected: HTTPS's, the only one AWS serves the API on.
const Port = "443"

// Environment variables the bootstraps read.
const (
	// HostsEnv lists the redirected host names, comma-separated.
	HostsEnv = "SWITCHBOARD_REDIRECT_HOSTS"
	// ToEnv is the address (host:port) their connections go to.
	ToEnv = "SWITCHBOARD_REDIRECT_TO"
)

// Rules say which host names a worker's HTTPS connections are redirected for, and where to.
// The zero value redirects nothing.
type Rules struct {
	// Hosts are the host names, e.g. "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"; a
	// wildcard "*.example.com" matches one more label ("a.example.com", not "a.b.example.com"),
	// as a wildcard custom domain does. Case does not matter; a trailing dot is ignored.
	Hosts []string
	// To is where their connections on port 443 go: the gateway's listener, "127.0.0.1:3001".
	To string
}

// Enabled reports whether r redirects anything.
func (r Rules) Enabled() bool { return r.To != "" && len(r.Hosts) > 0 }

// Match reports whether a connection to host:port is redirected.
func (r Rules) Match(host, port string) bool {
	if !r.Enabled() || port != Port {
		return false
	}
	host = normalize(host)
	for _, h := range r.Hosts {
		if matchHost(normalize(h), host) {
			return true
		}
	}
	return false
}

// matchHost reports whether host matches pattern: equal, or for "*.suffix" one label followed
// by ".suffix".
func matchHost(pattern, host string) bool {
	if suffix, ok := strings.CutPrefix(pattern, "*."); ok {
		label, rest, found := strings.Cut(host, ".")
		return found && label != "" && rest == suffix
	}
	return pattern == host
}

// MatchAddr is Match for a host:port address.
func (r Rules) MatchAddr(addr string) bool {
	host, port, err := net.SplitHostPort(addr)
	return err == nil && r.Match(host, port)
}

func normalize(host string) string { return strings.TrimSuffix(strings.ToLower(host), ".") }

// BootstrapEnv are the variables that make Switchboard's Node.js and Python bootstraps redirect
// connections by r, for a function whose own environment is fnEnv: when it configures a proxy
// (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, any case), r's hosts are added to its NO_PROXY (and
// no_proxy), so that clients that honour it connect to them, redirected, rather than ask that
// proxy. None when r redirects nothing.
func (r Rules) BootstrapEnv(fnEnv map[string]string) []string {
	if !r.Enabled() {
		return nil
	}
	hosts := make([]string, len(r.Hosts))
	for i, h := range r.Hosts {
		hosts[i] = normalize(h)
	}
	env := []string{HostsEnv + "=" + strings.Join(hosts, ","), ToEnv + "=" + r.To}
	for _, name := range []string{"HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"} {
		if fnEnv[name] != "" || fnEnv[strings.ToLower(name)] != "" {
			np := parseNoProxy(firstSet(fnEnv, "NO_PROXY", "no_proxy"))
			for _, h := range hosts {
				np = append(np, strings.TrimPrefix(h, "*")) // "*.example.com" as the suffix ".example.com"
			}
			env = append(env, "NO_PROXY="+np.String(), "no_proxy="+np.String())
			break
		}
	}
	return env
}

// ProxyEnv are the variables that send a Go worker's HTTPS requests through the redirecting proxy
// at proxyURL (see Listen), for a function whose own environment is fnEnv: HTTPS_PROXY and
// https_proxy, and, when the function sets NO_PROXY, that list less the entries that would let
// requests to r's hosts bypass the proxy. The proxy itself honours the function's own proxy
// settings for every other destination. None when r redirects nothing.
func (r Rules) ProxyEnv(proxyURL string, fnEnv map[string]string) []string {
	if !r.Enabled() {
		return nil
	}
	env := []string{"HTTPS_PROXY=" + proxyURL, "https_proxy=" + proxyURL}
	if v := firstSet(fnEnv, "NO_PROXY", "no_proxy"); v != "" {
		np := parseNoProxy(v).without(r.Hosts).String()
		env = append(env, "NO_PROXY="+np, "no_proxy="+np)
	}
	return env
}

// firstSet returns the first of names that env sets to a non-empty value.
func firstSet(env map[string]string, names ...string) string {
	for _, n := range names {
		if v := env[n]; v != "" {
			return v
		}
	}
	return ""
}
