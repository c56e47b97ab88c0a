package dashboard

import (
	"encoding/base64"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// budget bounds the memory every recorder of a Handler keeps, together.
type budget struct {
	maxBytes int64
	maxRings int64
	bytes    atomic.Int64 // frame data kept
	rings    atomic.Int64 // connections with a ring
}

// recorder keeps the latest frames of one API's connections: a ring per connection, from its
// first frame (or its opening) until linger after it closed. It is the API's Tap.
type recorder struct {
	opts   *Options
	budget *budget
	seed   maphash.Seed
	shards [16]recShard
	swept  atomic.Int64 // unix nanoseconds of the last sweep
}

type recShard struct {
	mu    sync.Mutex
	rings map[string]*ring
}

// ring is one connection's latest frames. Guarded by its shard's mutex.
type ring struct {
	frames   []Frame // at most Options.Frames; oldest at next once full
	next     int
	seq      uint64    // the last frame's sequence number
	closedAt time.Time // zero while open
}

// Frame is one recorded frame, as the JSON API and the event stream show it.
type Frame struct {
	// Seq numbers the connection's frames from 1.
	Seq     uint64    `json:"seq"`
	At      time.Time `json:"at"`
	Inbound bool      `json:"in"`
	Binary  bool      `json:"binary"`
	// Size is the frame's full length in bytes.
	Size int `json:"size"`
	// Data is the text (binary frames: base64) of at most Options.FrameBytes of the payload.
	Data string `json:"data"`
	// Truncated is set when Data holds less than the payload: cut at FrameBytes, or left out
	// because the dashboard's memory budget was spent.
	Truncated bool `json:"truncated,omitempty"`

	kept int // bytes of payload held, counted in the budget
}

var _ Tap = (*recorder)(nil)

func newRecorder(opts *Options, b *budget) *recorder {
	r := &recorder{opts: opts, budget: b, seed: maphash.MakeSeed()}
	for i := range r.shards {
		r.shards[i].rings = map[string]*ring{}
	}
	return r
}

func (r *recorder) shard(id string) *recShard {
	return &r.shards[maphash.String(r.seed, id)%uint64(len(r.shards))]
}

// Opened starts the connection's ring.
func (r *recorder) Opened(id string) {
	r.maybeSweep()
	s := r.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	r.ringLocked(s, id)
}

// Closed marks the connection's ring closed; it is forgotten Options.Linger later.
func (r *recorder) Closed(id string) {
	s := r.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.rings[id]; g != nil && g.closedAt.IsZero() {
		g.closedAt = r.opts.Now()
	}
}

// Frame copies at most Options.FrameBytes of the frame into the connection's ring.
func (r *recorder) Frame(id string, inbound, binary bool, data []byte, at time.Time) {
	f := Frame{At: at, Inbound: inbound, Binary: binary, Size: len(data)}
	keep := data
	if len(keep) > r.opts.FrameBytes {
		keep = keep[:r.opts.FrameBytes]
		if !binary {
			for len(keep) > 0 && !utf8.RuneStart(data[len(keep)]) {
				keep = keep[:len(keep)-1]
			}
		}
		f.Truncated = true
	}
	if r.budget.bytes.Add(int64(len(keep))) > r.budget.maxBytes {
		r.budget.bytes.Add(-int64(len(keep)))
		keep, f.Truncated = nil, len(data) > 0
	}
	f.kept = len(keep)
	if binary {
		f.Data = base64.StdEncoding.EncodeToString(keep)
	} else {
		f.Data = string(keep) // invalid UTF-8 becomes U+FFFD in the JSON
	}
	s := r.shard(id)
	s.mu.Lock()
	g := r.ringLocked(s, id)
	if g == nil {
		s.mu.Unlock()
		r.budget.bytes.Add(-int64(len(keep)))
		return
	}
	g.seq++
	f.Seq = g.seq
	if len(g.frames) < r.opts.Frames {
		g.frames = append(g.frames, f)
		s.mu.Unlock()
		return
	}
	old := g.frames[g.next]
	g.frames[g.next] = f
	g.next = (g.next + 1) % len(g.frames)
	s.mu.Unlock()
	r.budget.bytes.Add(-int64(old.kept))
}

// ringLocked returns the connection's ring, making it when the budget allows (nil otherwise).
func (r *recorder) ringLocked(s *recShard, id string) *ring {
	if g := s.rings[id]; g != nil {
		return g
	}
	if r.budget.rings.Add(1) > r.budget.maxRings {
		r.budget.rings.Add(-1)
		return nil
	}
	g := &ring{}
	s.rings[id] = g
	return g
}

// frames returns the connection's frames after seq, oldest first, and whether it has a ring.
func (r *recorder) frames(id string, after uint64) ([]Frame, bool) {
	s := r.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.rings[id]
	if g == nil {
		return nil, false
	}
	if g.seq <= after {
		return nil, true
	}
	var out []Frame
	for i := range g.frames {
		f := g.frames[(g.next+i)%len(g.frames)]
		if f.Seq > after {
			out = append(out, f)
		}
	}
	return out, true
}

// maybeSweep sweeps at most once a second.
func (r *recorder) maybeSweep() {
	now := r.opts.Now()
	last := r.swept.Load()
	if now.UnixNano()-last < int64(time.Second) || !r.swept.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	r.sweep(now)
}

// sweep forgets the rings of connections closed more than Options.Linger before now.
func (r *recorder) sweep(now time.Time) {
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.Lock()
		for id, g := range s.rings {
			if !g.closedAt.IsZero() && now.Sub(g.closedAt) >= r.opts.Linger {
				r.dropLocked(s, id, g)
			}
		}
		s.mu.Unlock()
	}
}

// reset forgets every ring.
func (r *recorder) reset() {
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.Lock()
		for id, g := range s.rings {
			r.dropLocked(s, id, g)
		}
		s.mu.Unlock()
	}
}

func (r *recorder) dropLocked(s *recShard, id string, g *ring) {
	n := 0
	for i := range g.frames {
		n += g.frames[i].kept
	}
	delete(s.rings, id)
	r.budget.bytes.Add(-int64(n))
	r.budget.rings.Add(-1)
}
