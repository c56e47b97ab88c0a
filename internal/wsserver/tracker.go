package wsserver

import "github.com/switchboardhq/switchboard/internal/event"

// Tracker learns which connections the server holds, for a cluster that records them so that
// another node can deliver their $disconnect if this one dies (internal/cluster). Its methods
// are called on the handshake and read-loop goroutines and must not block.
type Tracker interface {
	// Opened is called once the connection can be reached through @connections (after
	// $connect allowed it), with the fields its DISCONNECT event needs. c changes afterwards
	// (a deployment's stage variables): a tracker copies what it keeps.
	Opened(c *event.Conn)
	// Closed is called when the connection ends, before its $disconnect is delivered.
	Closed(c *event.Conn)
}

// SetThrottleShare makes the stage's throttle enforce 1/n of its configured rate and burst (n
// nodes of a cluster share the stage's limits); n < 1 counts as 1. It has no effect without
// throttling.
func (s *Server) SetThrottleShare(n int) {
	s.throttleShare.Store(int64(n))
	s.dep.Load().throttle.setShare(n)
}
