package wsserver

import (
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/internal/config"
)

// throttle is a stage's route throttling, as API Gateway's DefaultRouteSettings throttle: each
// route key has a token bucket of its own with the stage's limits (rate: tokens added per
// second; burst: the bucket's size), created full on the route's first request. A request takes
// a token or is throttled. [UNVERIFIED] whether AWS shares one bucket among a stage's routes; the
// settings are per route there, so each route gets its own here.
//
// In a cluster each node enforces its share (setShare): rate/n and burst/n (at least one token).
type throttle struct {
	rate  float64 // the stage's limits
	burst float64
	now   func() time.Time

	mu         sync.Mutex
	shareRate  float64 // this node's share of rate and burst
	shareBurst float64
	buckets    map[string]*bucket // by route key; bounded by the route table
}

type bucket struct {
	tokens float64
	last   time.Time
}

// newThrottle returns the throttle for t, or nil (no throttling) when t is zero.
func newThrottle(t config.Throttle, now func() time.Time) *throttle {
	if t.RateLimit == 0 && t.BurstLimit == 0 {
		return nil
	}
	return &throttle{rate: t.RateLimit, burst: float64(t.BurstLimit), shareRate: t.RateLimit,
		shareBurst: float64(t.BurstLimit), now: now, buckets: map[string]*bucket{}}
}

// setShare makes the throttle enforce 1/n of the stage's limits; buckets holding more tokens
// than the new burst are cut down to it. A nil throttle ignores it.
func (t *throttle) setShare(n int) {
	if t == nil {
		return
	}
	n = max(n, 1)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.shareRate = t.rate / float64(n)
	t.shareBurst = t.burst / float64(n)
	if t.burst > 0 {
		t.shareBurst = max(1, t.shareBurst)
	}
	for _, b := range t.buckets {
		b.tokens = min(b.tokens, t.shareBurst)
	}
}

// allow takes a token from route key's bucket; false means the request is throttled. A nil
// throttle allows everything.
func (t *throttle) allow(key string) bool {
	if t == nil {
		return true
	}
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buckets[key]
	if b == nil {
		b = &bucket{tokens: t.shareBurst, last: now}
		t.buckets[key] = b
	}
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(t.shareBurst, b.tokens+elapsed.Seconds()*t.shareRate)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
