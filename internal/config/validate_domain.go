package config

import (
	"net/url"
	"regexp"
	"strings"
)

var (
	// domainPattern is a DNS name of at least two labels, optionally a wildcard ("*.example.com").
	domainPattern = regexp.MustCompile(`^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
	// mappingPathPattern is AWS's rule for API mapping keys: letters, digits and $-_.+!*'(),
	// with / between the levels of a multi-level key.
	// certificateARNPattern is an ACM certificate's ARN.
	certificateARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[A-Za-z0-9-]+$`)
	mappingPathPattern    = regexp.MustCompile(`^[A-Za-z0-9$\-_.+!*'()]+(/[A-Za-z0-9$\-_.+!*'()]+)*$`)
)

// customDomain checks the custom domain: its name, hosted zone, mapping path and TLS files.
func (ck *checker) customDomain() {
	d := ck.c.CustomDomain
	if d == (CustomDomain{}) {
		return
	}
	if d.DomainName == "" {
		ck.add("customDomain.domainName", "is required when customDomain is set")
	} else if len(d.DomainName) > 253 || !domainPattern.MatchString(d.DomainName) {
		ck.add("customDomain.domainName", `must be a domain name like "api.example.com" or "*.example.com", got %q`, d.DomainName)
	}
	if d.HostedZone != "" {
		if len(d.HostedZone) > 253 || !domainPattern.MatchString(d.HostedZone) || d.HostedZone[0] == '*' {
			ck.add("customDomain.hostedZone", `must be a domain name like "example.com", got %q`, d.HostedZone)
		}
		if d.IsExternalDomain {
			ck.add("customDomain.hostedZone", "cannot be combined with isExternalDomain: hosted zones are for domains on Route 53 (SST's rule)")
		}
	}
	if d.Path != "" && (len(d.Path) > 300 || !mappingPathPattern.MatchString(d.Path)) {
		ck.add("customDomain.path", `may contain letters, digits, $-_.+!*'() and / between levels (not first or last), at most 300 characters (AWS's rule for API mapping keys), got %q`, d.Path)
	}
	switch d.SecurityPolicy {
	case "", SecurityPolicyTLS12, SecurityPolicyTLS13:
	default:
		ck.add("customDomain.securityPolicy", "must be %s or %s (API Gateway's security policies), got %q", SecurityPolicyTLS12, SecurityPolicyTLS13, d.SecurityPolicy)
	}
	if a := d.ACME; a != nil {
		if d.CertificateFile != "" || d.KeyFile != "" {
			ck.add("customDomain.acme", "cannot be combined with certificate and key: give the files or let ACME obtain the certificate")
		}
		if strings.HasPrefix(d.DomainName, "*.") {
			ck.add("customDomain.acme", "cannot obtain a certificate for the wildcard domain %q: the TLS-ALPN-01 challenge covers one name (give certificate and key files instead)", d.DomainName)
		}
		if a.Directory != "" {
			if u, err := url.Parse(a.Directory); err != nil || u.Scheme != "https" || u.Host == "" {
				ck.add("customDomain.acme.directory", "must be an https:// URL of an ACME directory, got %q", a.Directory)
			}
		}
	}
	if d.CertificateARN != "" && !certificateARNPattern.MatchString(d.CertificateARN) {
		ck.add("customDomain.certificateArn", `must be an ACM certificate ARN like "arn:aws:acm:us-east-1:123456789012:certificate/…", got %q`, d.CertificateARN)
	}
	if (d.CertificateFile == "") != (d.KeyFile == "") {
		if d.CertificateFile == "" {
			ck.addNear("customDomain.certificate", "customDomain.key", "is required with key: give both PEM files or neither")
		} else {
			ck.addNear("customDomain.key", "customDomain.certificate", "is required with certificate: give both PEM files or neither")
		}
	}
}
