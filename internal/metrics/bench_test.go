package metrics

import (
	"testing"
	"time"
)

// BenchmarkMessagePath is what metrics cost a two-way message: its request (MessageCount and
// IntegrationLatency) and its response (MessageCount), from every core at once.
func BenchmarkMessagePath(b *testing.B) {
	for _, detailed := range []bool{false, true} {
		name := "stage"
		if detailed {
			name = "detailed"
		}
		b.Run(name, func(b *testing.B) {
			r := New(Options{API: "abcdef1234", Stage: "prod", Detailed: detailed})
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					r.Request(Request{Kind: KindMessage, Route: "echo", Latency: 40 * time.Microsecond})
					r.Sent("echo")
				}
			})
		})
	}
}
