package event

import (
	"encoding/base64"
	"regexp"
	"strings"
	"sync"
	"testing"
)

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{15}=$`)

func TestIDsFormatAndParse(t *testing.T) {
	node := NodeIDFromString("node-a")
	ids := NewIDs(node)
	if ids.Node() != node {
		t.Fatalf("Node() = %v, want %v", ids.Node(), node)
	}
	cases := []struct {
		name string
		mint func() string
		kind byte
	}{
		{"connection", ids.ConnectionID, KindConnection},
		{"request", ids.RequestID, KindRequest},
		{"message", ids.MessageID, KindMessage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := tc.mint()
			if !idPattern.MatchString(id) {
				t.Fatalf("id %q is not 15 URL-safe base64 characters and '='", id)
			}
			raw, err := base64.URLEncoding.DecodeString(id)
			if err != nil || len(raw) != 11 {
				t.Fatalf("id %q decodes to %d bytes, err %v; want 11 bytes", id, len(raw), err)
			}
			gotNode, kind, ok := ParseID(id)
			if !ok || gotNode != node || kind != tc.kind {
				t.Fatalf("ParseID(%q) = %v, %q, %v; want %v, %q, true", id, gotNode, kind, ok, node, tc.kind)
			}
			if raw[6] != tc.kind || [4]byte(raw[7:]) != node {
				t.Fatalf("layout of %q: bytes %x, want kind %q at 6 and node %x at 7–10", id, raw, tc.kind, node)
			}
		})
	}
}

// Ids of one node and kind share their trailing bytes (bytes 6–10), as AWS ids of one
// connection do; ids of different nodes differ there.
func TestIDsShareNodeSuffix(t *testing.T) {
	a, b := NewIDs(NodeIDFromString("a")), NewIDs(NodeIDFromString("b"))
	// Byte 6 starts at bit 48, the first bit of character 8, so characters 8–15 encode
	// exactly the kind and the node.
	suffix := func(id string) string { return id[8:] }
	if x, y := a.ConnectionID(), a.ConnectionID(); suffix(x) != suffix(y) {
		t.Errorf("same node: %q and %q have different suffixes", x, y)
	}
	if x, y := a.ConnectionID(), b.ConnectionID(); suffix(x) == suffix(y) {
		t.Errorf("different nodes: %q and %q share a suffix", x, y)
	}
}

func TestIDsUnique(t *testing.T) {
	ids := NewIDs(NewNodeID())
	const n = 100_000
	seen := make(map[string]struct{}, n)
	for i := range n {
		id := ids.ConnectionID()
		if _, dup := seen[id]; dup {
			// 48 random bits: a duplicate among 100k has probability about 1.8e-5.
			t.Fatalf("duplicate id %q after %d ids", id, i)
		}
		seen[id] = struct{}{}
	}
}

func TestIDsConcurrent(t *testing.T) {
	ids := NewIDs(NewNodeID())
	const workers, each = 8, 1000
	results := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range each {
				results[w] = append(results[w], ids.RequestID())
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, list := range results {
		for _, id := range list {
			if seen[id] {
				t.Fatalf("duplicate id %q across goroutines", id)
			}
			seen[id] = true
			if _, kind, ok := ParseID(id); !ok || kind != KindRequest {
				t.Fatalf("ParseID(%q) = kind %q, ok %v", id, kind, ok)
			}
		}
	}
}

func TestNodeID(t *testing.T) {
	// The first four bytes of SHA-256("node-1"): stable across releases, since ids in flight
	// and cluster routing depend on it.
	if got, want := NodeIDFromString("node-1").String(), "35971be6"; got != want {
		t.Errorf("NodeIDFromString(node-1) = %s, want %s", got, want)
	}
	if NodeIDFromString("x") != NodeIDFromString("x") {
		t.Error("NodeIDFromString is not stable")
	}
	if NodeIDFromString("x") == NodeIDFromString("y") {
		t.Error("NodeIDFromString(x) == NodeIDFromString(y)")
	}
	s := NewNodeID().String()
	if !regexp.MustCompile(`^[0-9a-f]{8}$`).MatchString(s) {
		t.Errorf("NodeID.String() = %q, want 8 lowercase hex digits", s)
	}
	if NewNodeID() == NewNodeID() {
		t.Error("two random NodeIDs are equal")
	}
}

func TestParseIDRejects(t *testing.T) {
	good := NewIDs(NodeIDFromString("n")).ConnectionID()
	// Re-encode the same bytes with the last character's two unused bits set: the standard
	// decoder accepts it, ours must not.
	idx := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", good[14])
	nonCanonical := good[:14] + string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[idx|1]) + "="
	unknownKind := base64.URLEncoding.EncodeToString([]byte{1, 2, 3, 4, 5, 6, 'x', 7, 8, 9, 10})
	bad := map[string]string{
		"empty":              "",
		"too short":          good[:15],
		"too long":           good + "A",
		"no padding":         good[:15] + "A",
		"padding inside":     good[:7] + "=" + good[8:],
		"std alphabet plus":  good[:3] + "+" + good[4:],
		"std alphabet slash": good[:3] + "/" + good[4:],
		"space":              good[:3] + " " + good[4:],
		"newline":            good[:3] + "\n" + good[4:],
		"non-canonical":      nonCanonical,
		"unknown kind":       unknownKind,
		"uuid":               "123e4567-e89b-12d3-a456-426614174000",
		"aws id":             "BFHPhfCWIAMCKlQ=", // a real AWS id: byte 6 is 0x20, no kind of ours
		"non-ascii":          "BFHPhfCWIAMCKl\u00e9",
	}
	for name, id := range bad {
		if node, kind, ok := ParseID(id); ok {
			t.Errorf("%s: ParseID(%q) = %v, %q, true; want rejection", name, id, node, kind)
		}
	}
	if nonCanonical == good {
		t.Fatal("test bug: non-canonical id equals the good one")
	}
	if _, err := base64.URLEncoding.DecodeString(nonCanonical); err != nil {
		t.Fatalf("test bug: %q should be accepted by the lenient decoder: %v", nonCanonical, err)
	}
}

func TestAPIIDFromName(t *testing.T) {
	pattern := regexp.MustCompile(`^[0-9a-z]{10}$`)
	for _, name := range []string{"", "switchboard", "chat-api", "Ünïcode name"} {
		id := APIIDFromName(name)
		if !pattern.MatchString(id) {
			t.Errorf("APIIDFromName(%q) = %q, want 10 lowercase alphanumerics", name, id)
		}
		if APIIDFromName(name) != id {
			t.Errorf("APIIDFromName(%q) is not stable", name)
		}
	}
	// Pinned: the default apiId of an API named "switchboard" must not change between releases.
	if got := APIIDFromName("switchboard"); got != "09j3k2a0ov" {
		t.Errorf("APIIDFromName(switchboard) = %q, want 09j3k2a0ov", got)
	}
	if APIIDFromName("a") == APIIDFromName("b") {
		t.Error("APIIDFromName(a) == APIIDFromName(b)")
	}
}

func FuzzParseID(f *testing.F) {
	ids := NewIDs(NodeIDFromString("fuzz"))
	f.Add(ids.ConnectionID())
	f.Add(ids.RequestID())
	f.Add(ids.MessageID())
	f.Add("BFHPhfCWIAMCKlQ=")
	f.Add("")
	f.Add("================")
	f.Fuzz(func(t *testing.T, id string) {
		node, kind, ok := ParseID(id)
		if !ok {
			if node != (NodeID{}) || kind != 0 {
				t.Fatalf("rejected %q but returned node %v kind %q", id, node, kind)
			}
			return
		}
		// Anything accepted is exactly the canonical encoding of 11 bytes with our layout.
		raw, err := base64.URLEncoding.DecodeString(id)
		if err != nil || len(raw) != 11 || base64.URLEncoding.EncodeToString(raw) != id {
			t.Fatalf("accepted %q, which is not a canonical 11-byte encoding", id)
		}
		if raw[6] != kind || [4]byte(raw[7:]) != node {
			t.Fatalf("accepted %q with node %v kind %q, bytes say %x", id, node, kind, raw)
		}
	})
}

func BenchmarkIDs(b *testing.B) {
	ids := NewIDs(NewNodeID())
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = ids.MessageID()
		}
	})
}

func BenchmarkParseID(b *testing.B) {
	id := NewIDs(NewNodeID()).ConnectionID()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, ok := ParseID(id); !ok {
			b.Fatal("rejected")
		}
	}
}
