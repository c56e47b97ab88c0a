package bench

import (
	"sync"
	"time"

	"github.com/coder/websocket"
)

const (
	// closeBound bounds the graceful close of all connections at the end of a run; connections
	// still open after it are cut.
	closeBound = 5 * time.Second
	// closeWorkers is how many connections are closed in parallel at the end.
	closeWorkers = 256
)

// closeAll closes every connection with 1000 (normal closure), closeWorkers at a time, within
// closeBound; then it cuts whatever is left. It reports whether the graceful close finished.
func (r *runner) closeAll() bool {
	r.closing.Store(true)
	r.stopSending()
	jobs := make(chan *conn)
	var workers sync.WaitGroup
	for range min(closeWorkers, len(r.conns)) {
		workers.Go(func() {
			for c := range jobs {
				_ = c.ws.Close(websocket.StatusNormalClosure, "") // a failed close is cut below
			}
		})
	}
	go func() {
		for _, c := range r.conns {
			jobs <- c
		}
		close(jobs)
	}()
	graceful := waitBounded(&workers, closeBound)
	r.dialer.cutAll()
	if !graceful {
		waitBounded(&workers, closeBound)
	}
	waitBounded(&r.readers, closeBound)
	waitBounded(&r.senders, closeBound)
	return graceful
}

// waitBounded waits for wg for at most d and reports whether it finished.
func waitBounded(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}
