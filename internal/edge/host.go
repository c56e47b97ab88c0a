package edge

import (
	"net"
	"strings"
)

// executeAPISuffix ends every API Gateway default endpoint host name:
// {apiId}.execute-api.{region}.amazonaws.com.
const executeAPISuffix = ".amazonaws.com"

// ExecuteAPIHost is the AWS host name of an API: {apiID}.execute-api.{region}.amazonaws.com.
func ExecuteAPIHost(apiID, region string) string {
	return strings.ToLower(apiID + ".execute-api." + region + executeAPISuffix)
}

// isExecuteAPIName reports whether host has the shape of an API Gateway host name.
func isExecuteAPIName(host string) bool {
	labels := strings.Split(host, ".")
	return len(labels) == 5 && labels[1] == "execute-api" && strings.HasSuffix(host, executeAPISuffix)
}

// NormalizeHost turns a Host header or SNI value into the name requests are matched by: lower
// case, without port, brackets or a trailing dot. ok is false for a value that is not a host
// name or an IP address (empty, spaces, a path, ...).
func NormalizeHost(hostport string) (host string, ok bool) {
	host = hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	} else if strings.HasPrefix(hostport, "[") && strings.HasSuffix(hostport, "]") {
		host = hostport[1 : len(hostport)-1]
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" || len(host) > 253 {
		return "", false
	}
	if net.ParseIP(host) != nil {
		return host, true
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 {
			return "", false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "", false
			}
		}
	}
	return host, true
}

// wildcardOf returns the one-label wildcard that covers host: "a.example.com" ->
// "*.example.com". ok is false for a host of fewer than three labels or an IP address.
func wildcardOf(host string) (string, bool) {
	if net.ParseIP(host) != nil {
		return "", false
	}
	i := strings.IndexByte(host, '.')
	if i <= 0 || strings.Count(host[i+1:], ".") < 1 {
		return "", false
	}
	return "*" + host[i:], true
}

// isIP reports whether s is an IP address.
func isIP(s string) bool { return net.ParseIP(s) != nil }
