package event

import "testing"

func TestMessageIDs(t *testing.T) {
	node := NodeIDFromString("node-a")
	ids := NewIDs(node)
	seen := map[string]bool{}
	for range 1000 {
		reqID, msgID := ids.MessageIDs()
		for id, want := range map[string]byte{reqID: KindRequest, msgID: KindMessage} {
			n, kind, ok := ParseID(id)
			if !ok || kind != want || n != node {
				t.Fatalf("%q: node %v kind %q ok %v; want node %v kind %q", id, n, kind, ok, node, want)
			}
			if seen[id] {
				t.Fatalf("%q minted twice", id)
			}
			seen[id] = true
		}
		if reqID[:8] == msgID[:8] {
			t.Fatalf("request and message ids share their random part: %q %q", reqID, msgID)
		}
	}
}

func BenchmarkMessageIDs(b *testing.B) {
	ids := NewIDs(NewNodeID())
	b.Run("MessageIDs", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = ids.MessageIDs()
		}
	})
	b.Run("RequestID+MessageID", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = ids.RequestID(), ids.MessageID()
		}
	})
}
