package natscluster

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/cluster/natscluster/natstest"
	"github.com/switchboardhq/switchboard/internal/event"
)

// BenchmarkCrossNodePost measures PostToConnection from one node to a connection of another
// over a real nats-server on loopback, with 1 and 100 concurrent callers: the NATS
// request/reply hop alone (the holder's host only counts the post). It reports the calls' p50
// and p99.
//
//	go test -run '^$' -bench CrossNodePost -benchtime 100000x ./internal/cluster/natscluster/
func BenchmarkCrossNodePost(b *testing.B) {
	for _, callers := range []int{1, 100} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) { benchCrossNodePost(b, callers) })
	}
}

func benchCrossNodePost(b *testing.B, callers int) {
	s := natstest.Start(b)
	a, err := joinNode(b, s, event.NodeIDFromString("a"), nil)
	if err != nil {
		b.Fatal(err)
	}
	holder, err := joinNode(b, s, event.NodeIDFromString("b"), nil)
	if err != nil {
		b.Fatal(err)
	}
	id := holder.open()
	holder.host.mu.Lock()
	holder.host.discard = true // the benchmark posts many times
	holder.host.mu.Unlock()
	data := make([]byte, 100)
	lat := make([][]time.Duration, callers)
	var wg sync.WaitGroup
	b.ResetTimer()
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := i; j < b.N; j += callers {
				start := time.Now()
				if err := a.m.PostToConnection(context.Background(), id, data); err != nil {
					b.Error(err)
					return
				}
				lat[i] = append(lat[i], time.Since(start))
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(len(all))/b.Elapsed().Seconds(), "posts/s")
}
