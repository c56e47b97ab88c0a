package registry

import (
	"fmt"
	"sort"
	"sync"
	"testing"
)

func TestAddGetRemove(t *testing.T) {
	r := New[int]()
	if !r.Add("a", 1) {
		t.Fatal("first Add of a reported existing")
	}
	if r.Add("a", 2) {
		t.Fatal("second Add of a reported new")
	}
	if v, ok := r.Get("a"); !ok || v != 1 {
		t.Fatalf("Get(a) = %v, %v; want 1, true", v, ok)
	}
	if _, ok := r.Get("b"); ok {
		t.Fatal("Get(b) found a value that was never added")
	}
	if !r.Remove("a") || r.Remove("a") {
		t.Fatal("Remove(a) should succeed once")
	}
	if r.Len() != 0 {
		t.Fatalf("Len = %d after removing everything", r.Len())
	}
}

func TestConcurrentUseAndSnapshot(t *testing.T) {
	r := New[string]()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				id := fmt.Sprintf("g%d-%d", g, i)
				r.Add(id, id)
				if i%2 == 1 {
					r.Remove(id)
				}
			}
		}()
	}
	wg.Wait()
	snap := r.Snapshot()
	if len(snap) != 8*250 || r.Len() != 8*250 {
		t.Fatalf("got %d entries (Len %d), want %d", len(snap), r.Len(), 8*250)
	}
	sort.Strings(snap)
	for _, id := range snap {
		var g, i int
		if _, err := fmt.Sscanf(id, "g%d-%d", &g, &i); err != nil || i%2 != 0 {
			t.Fatalf("unexpected survivor %q", id)
		}
	}
}
