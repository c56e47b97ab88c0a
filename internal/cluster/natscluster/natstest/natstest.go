// Package natstest runs a real nats-server with JetStream inside a test, on a random loopback
// port, for the tests of the cluster: Start it, use URL, Stop and Start it again to simulate an
// outage (same port, same store, so JetStream's data survives).
package natstest

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Server is a nats-server with JetStream on 127.0.0.1.
type Server struct {
	t    testing.TB
	ns   *server.Server
	opts server.Options
}

// Start runs a server on a free port, stopped when the test ends.
func Start(t testing.TB) *Server { return StartWith(t, &server.Options{}) }

// StartWith is Start with more options (TLS, users, operators); the address, JetStream and its
// store are set here.
func StartWith(t testing.TB, o *server.Options) *Server {
	t.Helper()
	s := &Server{t: t, opts: *o}
	s.opts.Host, s.opts.Port, s.opts.JetStream, s.opts.StoreDir = "127.0.0.1", -1, true, t.TempDir()
	s.opts.NoSigs, s.opts.NoLog = true, true
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start runs the server again after Stop, on the same port with the same store.
func (s *Server) Start() {
	s.t.Helper()
	o := s.opts
	ns, err := server.NewServer(&o)
	if err != nil {
		s.t.Fatal(err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		s.t.Fatal("nats-server did not start")
	}
	s.ns, s.opts.Port = ns, ns.Addr().(*net.TCPAddr).Port
}

// Stop shuts the server down; its clients see the connection drop.
func (s *Server) Stop() {
	if s.ns != nil {
		s.ns.Shutdown()
		s.ns.WaitForShutdown()
		s.ns = nil
	}
}

// URL is the server's client URL.
func (s *Server) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", s.opts.Port) }

// Port is the server's port.
func (s *Server) Port() int { return s.opts.Port }

// NumClients is the number of clients connected now (0 while stopped).
func (s *Server) NumClients() int {
	if s.ns == nil {
		return 0
	}
	return s.ns.NumClients()
}
