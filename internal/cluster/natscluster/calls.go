package natscluster

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/nats-io/nats.go"

	"github.com/switchboardhq/switchboard/internal/apigw"
	"github.com/switchboardhq/switchboard/internal/cluster"
	"github.com/switchboardhq/switchboard/internal/event"
)

// The operations a node answers, the last-but-one token of a request's subject.
const (
	opPost   = "post"
	opGet    = "get"
	opDelete = "delete"
	opPing   = "ping"
)

// Reply headers of a failed call: the HTTP status and the AWS error type; the message is the
// body. A reply without them is a success.
const (
	hdrStatus = "Switchboard-Status"
	hdrType   = "Switchboard-Error-Type"
)

// connInfo is GetConnection's answer on the wire.
type connInfo struct {
	ConnectionID string            `json:"connectionId,omitempty"`
	ConnectedAt  int64             `json:"connectedAt"`  // Unix ms
	LastActiveAt int64             `json:"lastActiveAt"` // Unix ms
	SourceIP     string            `json:"sourceIp"`
	UserAgent    string            `json:"userAgent"`
	PrincipalID  string            `json:"principalId,omitempty"`
	Tags         map[string]string `json:"tags,omitempty"`
}

// serve answers a request from another node, for a connection this node holds. The
// management API's guard ran on the node that received the call; here the id must name this
// node and a connection it holds, and the local checks (payload size, closing connections)
// apply as they do to local calls. Requests are handled in arrival order.
func (m *Member) serve(msg *nats.Msg) {
	rest := msg.Subject[min(len(msg.Subject), len(m.nodeSubj)+1):]
	op, id, _ := cutDot(rest)
	reply := nats.NewMsg(msg.Reply)
	ctx := context.Background()
	var err error
	switch {
	case op == opPing && id == "":
		reply.Data = []byte(m.instance)
	case op != opPost && op != opGet && op != opDelete && op != opTag && op != opUntag:
		err = &apigw.Error{Status: http.StatusBadRequest, Type: "BadRequestException", Message: "Unknown operation"}
	case !m.holds(id):
		err = apigw.ErrGone
	case op == opPost:
		err = m.opts.Host.PostToConnection(ctx, id, msg.Data)
	case op == opDelete:
		err = m.opts.Host.DeleteConnection(ctx, id)
	case op == opTag:
		var tags map[string]string
		if err = json.Unmarshal(msg.Data, &tags); err == nil {
			err = m.opts.Host.TagConnection(ctx, id, tags)
		}
	case op == opUntag:
		var keys []string
		if err = json.Unmarshal(msg.Data, &keys); err == nil {
			err = m.opts.Host.UntagConnection(ctx, id, keys...)
		}
	default:
		var info apigw.ConnectionInfo
		if info, err = m.opts.Host.GetConnection(ctx, id); err == nil {
			reply.Data, err = json.Marshal(toWire(info))
		}
	}
	if err != nil {
		setError(reply, err, m, op, id)
	}
	if msg.Reply == "" {
		return
	}
	if err := msg.RespondMsg(reply); err != nil {
		m.log.Debug("cluster reply not sent", "op", op, "connectionId", id, "err", err)
	}
}

// cutDot splits s at its first '.'.
func cutDot(s string) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// holds reports whether id is a connection id minted by this node (the registry decides
// whether it is still open).
func (m *Member) holds(id string) bool {
	node, kind, ok := event.ParseID(id)
	return ok && kind == event.KindConnection && node == m.opts.Node
}

// call sends op for connection id to the node that minted it and returns the reply's body.
func (m *Member) call(ctx context.Context, op, id string, data []byte) ([]byte, error) {
	node, kind, ok := event.ParseID(id)
	if !ok || kind != event.KindConnection {
		return nil, apigw.ErrGone
	}
	if !m.client.Connected() {
		return nil, cluster.ErrUnavailable
	}
	rctx, cancel := context.WithTimeout(ctx, m.opts.RequestTimeout)
	defer cancel()
	reply, err := m.client.nc.RequestWithContext(rctx, m.base+".node."+node.String()+"."+op+"."+id, data)
	if err != nil {
		return nil, m.callError(ctx, op, id, err)
	}
	if err := replyError(reply); err != nil {
		return nil, err
	}
	return reply.Data, nil
}

// callError maps a failed request: nobody answers for the node (it is gone) -> 410 at once; the
// node did not answer in time -> 504; the caller gave up -> its context's error; NATS is away
// -> 503.
func (m *Member) callError(ctx context.Context, op, id string, err error) error {
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		return apigw.ErrGone
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout):
		m.log.Warn("the node holding a connection did not answer in time", "op", op, "connectionId", id,
			"timeout", m.opts.RequestTimeout)
		return cluster.ErrTimeout
	default:
		m.log.Debug("cluster call failed", "op", op, "connectionId", id, "err", err)
		return cluster.ErrUnavailable
	}
}

// PostToConnection queues data on a connection of another node.
func (m *Member) PostToConnection(ctx context.Context, id string, data []byte) error {
	if len(data) > m.opts.MaxMessageBytes {
		return apigw.ErrPayloadTooLarge
	}
	_, err := m.call(ctx, opPost, id, data)
	return err
}

// GetConnection describes a connection of another node.
func (m *Member) GetConnection(ctx context.Context, id string) (apigw.ConnectionInfo, error) {
	body, err := m.call(ctx, opGet, id, nil)
	if err != nil {
		return apigw.ConnectionInfo{}, err
	}
	var ci connInfo
	if err := json.Unmarshal(body, &ci); err != nil {
		m.log.Error("bad GetConnection reply from another node", "connectionId", id, "err", err)
		return apigw.ConnectionInfo{}, cluster.ErrUnavailable
	}
	return fromWire(ci), nil
}

// DeleteConnection closes a connection of another node.
func (m *Member) DeleteConnection(ctx context.Context, id string) error {
	_, err := m.call(ctx, opDelete, id, nil)
	return err
}

// ping asks node whether it is alive. alive with its instance when it answers; not alive when
// nobody answers for it (no responders); an error when that cannot be told (timeout, NATS away).
func (m *Member) ping(ctx context.Context, node string) (instance string, alive bool, err error) {
	rctx, cancel := context.WithTimeout(ctx, m.opts.RequestTimeout)
	defer cancel()
	reply, err := m.client.nc.RequestWithContext(rctx, m.base+".node."+node+"."+opPing, nil)
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		return "", false, nil
	case err != nil:
		return "", false, err
	}
	return string(reply.Data), true, nil
}
