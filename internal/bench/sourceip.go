package bench

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

const (
	// connsPerSource is how many connections one source address carries before automatic mode adds
	// another: Linux's default ephemeral port range (32768–60999) allows about 28,000 connections
	// per (source, destination) pair; this leaves headroom.
	connsPerSource = 20000
	// maxSourceIPs bounds a --source-ips list.
	maxSourceIPs = 1024
)

// parseSourceIPs parses a --source-ips value: a comma-separated list of addresses and inclusive
// ranges such as "127.0.0.1-127.0.0.20". All addresses must be of one family.
func parseSourceIPs(spec string) ([]netip.Addr, error) {
	var out []netip.Addr
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, errors.New("empty item in source address list")
		}
		first, last, isRange := strings.Cut(item, "-")
		lo, err := netip.ParseAddr(strings.TrimSpace(first))
		if err != nil {
			return nil, fmt.Errorf("source address %q: %w", first, err)
		}
		hi := lo
		if isRange {
			if hi, err = netip.ParseAddr(strings.TrimSpace(last)); err != nil {
				return nil, fmt.Errorf("source address %q: %w", last, err)
			}
		}
		lo, hi = lo.Unmap(), hi.Unmap()
		if lo.Is4() != hi.Is4() {
			return nil, fmt.Errorf("source range %q mixes IPv4 and IPv6", item)
		}
		if hi.Less(lo) {
			return nil, fmt.Errorf("source range %q ends before it starts", item)
		}
		for a := lo; ; a = a.Next() {
			if len(out) == maxSourceIPs {
				return nil, fmt.Errorf("more than %d source addresses", maxSourceIPs)
			}
			if len(out) > 0 && out[0].Is4() != a.Is4() {
				return nil, errors.New("source addresses mix IPv4 and IPv6")
			}
			out = append(out, a)
			if a == hi {
				break
			}
		}
	}
	return out, nil
}

// autoSourceIPs picks source addresses when none were given: nothing (the kernel chooses) unless
// the target is IPv4 loopback and conns needs more than one address's ports, in which case
// 127.0.0.1, 127.0.0.2, … are used, one per connsPerSource connections.
func autoSourceIPs(target netip.Addr, conns int) []netip.Addr {
	if !target.Is4() || !target.IsLoopback() || conns <= connsPerSource {
		return nil
	}
	n := min((conns+connsPerSource-1)/connsPerSource, 254)
	out := make([]netip.Addr, 0, n)
	for i := range n {
		out = append(out, netip.AddrFrom4([4]byte{127, 0, 0, byte(i + 1)}))
	}
	return out
}
