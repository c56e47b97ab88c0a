package suite

import (
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/internal/procstat"
)

// treeUse is what a server's process tree (the server and, for Switchboard, its function
// workers) used while a row ran: the highest RSS sampled and the CPU time spent.
type treeUse struct {
	RSS     int64         // highest RSS of the whole tree
	Procs   int           // processes in the tree at that sample
	SelfRSS int64         // highest RSS of the server process alone
	CPU     time.Duration // CPU time of the tree (of the processes alive at the start and end)
	SelfCPU time.Duration // CPU time of the server process alone
}

// sampleInterval is how often measureUse samples RSS.
const sampleInterval = 250 * time.Millisecond

// measureUse runs run while sampling the RSS of pid's process tree, and returns the peaks and
// the CPU time the tree used meanwhile.
func measureUse(pid int, run func() error) (treeUse, error) {
	var u treeUse
	var mu sync.Mutex
	sample := func() {
		tree, procs, err := procstat.TreeRSS(pid)
		if err != nil {
			return
		}
		self, _ := procstat.RSS(pid)
		mu.Lock()
		if tree > u.RSS {
			u.RSS, u.Procs = tree, procs
		}
		u.SelfRSS = max(u.SelfRSS, self)
		mu.Unlock()
	}
	cpu0, _ := procstat.TreeCPU(pid)
	self0, _ := procstat.CPU(pid)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(sampleInterval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				sample()
			}
		}
	})
	err := run()
	close(stop)
	wg.Wait()
	if cpu1, cerr := procstat.TreeCPU(pid); cerr == nil {
		u.CPU = cpu1 - cpu0
	}
	if self1, cerr := procstat.CPU(pid); cerr == nil {
		u.SelfCPU = self1 - self0
	}
	return u, err
}
