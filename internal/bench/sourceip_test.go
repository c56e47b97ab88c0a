package bench

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestParseSourceIPs(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want []string // first, last, count as strings; nil for an error
		n    int
		err  string
	}{
		{spec: "127.0.0.1-127.0.0.20", want: []string{"127.0.0.1", "127.0.0.20"}, n: 20},
		{spec: "127.0.0.5", want: []string{"127.0.0.5", "127.0.0.5"}, n: 1},
		{spec: "127.0.0.1, 127.0.0.3", want: []string{"127.0.0.1", "127.0.0.3"}, n: 2},
		{spec: "127.0.0.250-127.0.1.4", want: []string{"127.0.0.250", "127.0.1.4"}, n: 11},
		{spec: "::1", want: []string{"::1", "::1"}, n: 1},
		{spec: "::ffff:127.0.0.1-127.0.0.2", want: []string{"127.0.0.1", "127.0.0.2"}, n: 2},
		{spec: "127.0.0.9-127.0.0.1", err: "ends before it starts"},
		{spec: "127.0.0.1-::1", err: "mixes IPv4 and IPv6"},
		{spec: "127.0.0.1,::1", err: "mix IPv4 and IPv6"},
		{spec: "127.0.0.x", err: "source address"},
		{spec: "127.0.0.1,", err: "empty item"},
		{spec: "127.0.0.0-127.0.255.255", err: "more than 1024"},
	} {
		got, err := parseSourceIPs(tc.spec)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want one containing %q", tc.spec, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.spec, err)
			continue
		}
		if len(got) != tc.n || got[0].String() != tc.want[0] || got[len(got)-1].String() != tc.want[1] {
			t.Errorf("%q = %v, want %d addresses %s…%s", tc.spec, got, tc.n, tc.want[0], tc.want[1])
		}
	}
}

func TestAutoSourceIPs(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	if got := autoSourceIPs(lo, connsPerSource); got != nil {
		t.Errorf("%d connections need no source addresses, got %v", connsPerSource, got)
	}
	got := autoSourceIPs(lo, 3*connsPerSource+1)
	want := []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.2"),
		netip.MustParseAddr("127.0.0.3"), netip.MustParseAddr("127.0.0.4")}
	if !slices.Equal(got, want) {
		t.Errorf("auto sources = %v, want %v", got, want)
	}
	if got := autoSourceIPs(netip.MustParseAddr("::1"), 100_000); got != nil {
		t.Errorf("IPv6 target got %v", got)
	}
	if got := autoSourceIPs(netip.MustParseAddr("192.0.2.1"), 100_000); got != nil {
		t.Errorf("remote target got %v", got)
	}
}

func FuzzParseSourceIPs(f *testing.F) {
	f.Add("127.0.0.1-127.0.0.20")
	f.Add("::1,::2-::5")
	f.Fuzz(func(t *testing.T, spec string) {
		got, err := parseSourceIPs(spec)
		if err == nil && (len(got) == 0 || len(got) > maxSourceIPs) {
			t.Errorf("%q: %d addresses without an error", spec, len(got))
		}
	})
}
