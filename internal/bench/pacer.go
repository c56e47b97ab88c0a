package bench

import (
	"math"
	"time"
)

// pacer spreads events evenly at a fixed rate from a start time. Time is a parameter so the
// arithmetic is testable without sleeping.
type pacer struct {
	start time.Time
	rate  float64 // events per second; > 0
}

// due returns how many events should have happened by now.
func (p pacer) due(now time.Time) int64 {
	el := now.Sub(p.start)
	if el <= 0 {
		return 0
	}
	return int64(el.Seconds() * p.rate)
}

// at returns when event n (counted from 0) is due: the first instant at which due exceeds n-1.
func (p pacer) at(n int64) time.Time {
	return p.start.Add(time.Duration(math.Ceil(float64(n) / p.rate * float64(time.Second))))
}
