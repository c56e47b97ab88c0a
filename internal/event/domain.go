package event

import (
	"net"
	"strings"
)

// DomainPrefix is $context.domainPrefix of a domain name as requestContext.domainName gives it
// (a Host header, possibly with a port): its first label, lower case, as API Gateway reports it
// for wildcard custom domains ("tenant1" for "tenant1.example.com"); "" for an IP address.
func DomainPrefix(domainName string) string {
	host := domainName
	if h, _, err := net.SplitHostPort(domainName); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "" || net.ParseIP(host) != nil {
		return ""
	}
	if i := strings.IndexByte(host, '.'); i >= 0 {
		host = host[:i]
	}
	return strings.ToLower(host)
}
