// Package registry holds the connections this node owns, in a sharded map so that lookups from
// many goroutines (management calls, broadcasts, shutdown) do not contend on one lock.
//
// Use New to create one, Add/Remove as connections come and go, Get for lookups, and Range or
// Snapshot to visit them all (for example to drain at shutdown).
package registry

import "sync"

const shardCount = 64

// Registry maps connection ids to values of type T. The zero value is not usable; call New.
type Registry[T any] struct {
	shards [shardCount]shard[T]
}

type shard[T any] struct {
	mu sync.RWMutex
	m  map[string]T
}

// New returns an empty registry.
func New[T any]() *Registry[T] {
	r := &Registry[T]{}
	for i := range r.shards {
		r.shards[i].m = make(map[string]T)
	}
	return r
}

// shardOf picks a shard with FNV-1a over the id; ids are random, so any bytes spread well.
func (r *Registry[T]) shardOf(id string) *shard[T] {
	h := uint32(2166136261)
	for i := 0; i < len(id); i++ {
		h ^= uint32(id[i])
		h *= 16777619
	}
	return &r.shards[h%shardCount]
}

// Add stores v under id and reports whether id was new; an existing entry is left unchanged.
func (r *Registry[T]) Add(id string, v T) bool {
	s := r.shardOf(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[id]; ok {
		return false
	}
	s.m[id] = v
	return true
}

// Get returns the value stored under id.
func (r *Registry[T]) Get(id string) (T, bool) {
	s := r.shardOf(id)
	s.mu.RLock()
	v, ok := s.m[id]
	s.mu.RUnlock()
	return v, ok
}

// Remove deletes id and reports whether it was present.
func (r *Registry[T]) Remove(id string) bool {
	s := r.shardOf(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[id]; !ok {
		return false
	}
	delete(s.m, id)
	return true
}

// Len returns the number of entries. It is exact only while nothing is added or removed.
func (r *Registry[T]) Len() int {
	n := 0
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}

// Snapshot returns the values present at the time of the call, shard by shard. Callers may act
// on the values (close them, for example) without holding any registry lock.
func (r *Registry[T]) Snapshot() []T {
	out := make([]T, 0, r.Len())
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.RLock()
		for _, v := range s.m {
			out = append(out, v)
		}
		s.mu.RUnlock()
	}
	return out
}
