package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// errRemote is wrapped by the error for a target that is not known to be loopback.
var errRemote = errors.New("refusing a target that is not loopback (127.0.0.0/8, ::1, localhost) without --allow-remote")

// target is where the benchmark connects: the URL as given (its host goes into the Host header and
// TLS server name) and the address actually dialled.
type target struct {
	url  *url.URL
	port uint16
	// addr is the address to dial; it is invalid for a remote host name, which is resolved once,
	// at the start of the run.
	addr netip.Addr
}

// parseTarget checks a ws:// or wss:// URL. Without allowRemote it accepts only loopback IP
// literals and localhost names, and it never touches the network: a refusal happens before any
// resolution or dial.
func parseTarget(raw string, allowRemote bool) (target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return target{}, fmt.Errorf("target URL: %w", err)
	}
	t := target{url: u}
	switch u.Scheme {
	case "ws":
		t.port = 80
	case "wss":
		t.port = 443
	default:
		return target{}, fmt.Errorf("target URL %q: scheme must be ws or wss", raw)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil || n == 0 {
			return target{}, fmt.Errorf("target URL %q: bad port %q", raw, p)
		}
		t.port = uint16(n)
	}
	host := u.Hostname()
	if host == "" {
		return target{}, fmt.Errorf("target URL %q has no host", raw)
	}
	if a, err := netip.ParseAddr(host); err == nil {
		t.addr = a.Unmap()
		if !allowRemote && !t.addr.IsLoopback() {
			return target{}, fmt.Errorf("target %s: %w", host, errRemote)
		}
		return t, nil
	}
	if isLocalhostName(host) {
		// RFC 6761: localhost names are loopback; choose IPv4 so 127.0.0.x source addresses work.
		t.addr = netip.AddrFrom4([4]byte{127, 0, 0, 1})
		return t, nil
	}
	if !allowRemote {
		return target{}, fmt.Errorf("target host %q: %w", host, errRemote)
	}
	return t, nil
}

func isLocalhostName(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return h == "localhost" || strings.HasSuffix(h, ".localhost")
}

// resolve returns the address to dial, looking a remote host name up once. With preferV4 it picks
// an IPv4 address when the name has one (source addresses given as IPv4 need an IPv4 target).
func (t target) resolve(ctx context.Context, preferV4 bool) (netip.AddrPort, error) {
	a := t.addr
	if !a.IsValid() {
		addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", t.url.Hostname())
		if err != nil {
			return netip.AddrPort{}, fmt.Errorf("resolve target: %w", err)
		}
		if len(addrs) == 0 {
			return netip.AddrPort{}, fmt.Errorf("resolve target: no addresses for %q", t.url.Hostname())
		}
		a = addrs[0].Unmap()
		for _, c := range addrs {
			if c.Unmap().Is4() == preferV4 {
				a = c.Unmap()
				break
			}
		}
	}
	return netip.AddrPortFrom(a, t.port), nil
}
