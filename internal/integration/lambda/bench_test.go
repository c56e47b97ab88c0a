package lambda

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkWarmGoInvoke measures the per-invocation overhead of a warm Go worker: event
// encoding, the Runtime API round trip, the handler (which echoes), and response decoding.
func BenchmarkWarmGoInvoke(b *testing.B) {
	f := newTestFunction(b, goEcho, func(o *Options) { o.MaxConcurrency = 1 })
	req := messageEvent(`{"echo":"bench"}`)
	ctx := context.Background()
	if _, err := f.Invoke(ctx, req); err != nil { // cold start outside the timing
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.Invoke(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWarmGoThroughput measures invocations per second with 1, 2, 4 and 8 callers, each
// with a warm worker of its own.
func BenchmarkWarmGoThroughput(b *testing.B) {
	for _, n := range []int{1, 2, 4, 8} {
		b.Run(fmt.Sprintf("concurrency=%d", n), func(b *testing.B) {
			f := newTestFunction(b, goEcho, func(o *Options) {
				o.MaxConcurrency = n
				o.QueueTimeout = time.Minute
			})
			ctx := context.Background()
			// Warm n workers: n simultaneous slow invocations need n of them.
			var wg sync.WaitGroup
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := f.Invoke(ctx, messageEvent(`{"sleepMs":200}`)); err != nil {
						b.Error(err)
					}
				}()
			}
			wg.Wait()
			req := messageEvent(`{"echo":"bench"}`)
			var left atomic.Int64
			left.Store(int64(b.N))
			b.ResetTimer()
			start := time.Now()
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for left.Add(-1) >= 0 {
						if _, err := f.Invoke(ctx, req); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "invocations/s")
		})
	}
}
