package wsserver

import (
	"context"

	"github.com/coder/websocket"

	"github.com/switchboardhq/switchboard/internal/apigw"
)

var _ apigw.Connections = (*Server)(nil)

// PostToConnection queues data as a text frame to a connection of this server.
func (s *Server) PostToConnection(_ context.Context, connectionID string, data []byte) error {
	c, ok := s.conns.Get(connectionID)
	if !ok {
		if len(data) > s.dep.Load().limits.MaxMessageBytes {
			return apigw.ErrPayloadTooLarge
		}
		return apigw.ErrGone
	}
	if len(data) > c.lim.MaxMessageBytes {
		return apigw.ErrPayloadTooLarge
	}
	if err := c.send(data, false); err != nil {
		return err
	}
	if s.obs != nil {
		s.obs.Sent("")
	}
	return nil
}

// GetConnection describes a connection of this server.
func (s *Server) GetConnection(_ context.Context, connectionID string) (apigw.ConnectionInfo, error) {
	c, ok := s.openConn(connectionID)
	if !ok {
		return apigw.ConnectionInfo{}, apigw.ErrGone
	}
	return c.info(), nil
}

// DeleteConnection closes a connection with 1000; its $disconnect reports 1000 "Connection
// Closed Normally", as AWS's does after DeleteConnection.
func (s *Server) DeleteConnection(_ context.Context, connectionID string) error {
	c, ok := s.conns.Get(connectionID)
	if !ok || c.closing.Load() {
		return apigw.ErrGone
	}
	c.closeWith(websocket.StatusNormalClosure, "")
	return nil
}
