package natscluster

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/switchboardhq/switchboard/internal/apigw"
	"github.com/switchboardhq/switchboard/internal/cluster"
)

// The operations every node answers on P.A.all.{op}: the list and the broadcast, which reach
// all the nodes of the API at once; each answers for its own connections.
const (
	opList      = "list"
	opBroadcast = "broadcast"
	// opTag and opUntag go to one node, as post does: P.A.node.N.{tag,untag}.{id}.
	opTag   = "tag"
	opUntag = "untag"
)

// listRequest and listReply are a list's request and one node's answer.
type listRequest struct {
	After string            `json:"after,omitempty"`
	Limit int               `json:"limit"`
	Tags  map[string]string `json:"tags,omitempty"`
}

type listReply struct {
	Items []connInfo `json:"items"`
	More  bool       `json:"more,omitempty"`
}

// broadcastRequest and broadcastReply are a broadcast's request and one node's answer.
type broadcastRequest struct {
	Data []byte            `json:"data"`
	Tags map[string]string `json:"tags,omitempty"`
}

type broadcastReply struct {
	Sent    int `json:"sent"`
	Dropped int `json:"dropped"`
}

// toWire and fromWire convert a connection's description for the wire.
func toWire(info apigw.ConnectionInfo) connInfo {
	return connInfo{ConnectionID: info.ConnectionID, ConnectedAt: info.ConnectedAt.UnixMilli(),
		LastActiveAt: info.LastActiveAt.UnixMilli(), SourceIP: info.SourceIP, UserAgent: info.UserAgent,
		PrincipalID: info.PrincipalID, Tags: info.Tags}
}

func fromWire(ci connInfo) apigw.ConnectionInfo {
	return apigw.ConnectionInfo{ConnectionID: ci.ConnectionID, ConnectedAt: time.UnixMilli(ci.ConnectedAt),
		LastActiveAt: time.UnixMilli(ci.LastActiveAt), SourceIP: ci.SourceIP, UserAgent: ci.UserAgent,
		PrincipalID: ci.PrincipalID, Tags: ci.Tags}
}

// serveAll answers a list or a broadcast from another node, for this node's connections.
func (m *Member) serveAll(msg *nats.Msg) {
	op := msg.Subject[min(len(msg.Subject), len(m.base)+len(".all.")):]
	ctx := context.Background()
	var (
		out any
		err error
	)
	switch op {
	case opList:
		var in listRequest
		if err = json.Unmarshal(msg.Data, &in); err == nil {
			var page apigw.ListOutput
			if page, err = m.opts.Host.ListConnections(ctx, apigw.ListInput{After: in.After, Limit: in.Limit, Tags: in.Tags}); err == nil {
				r := listReply{Items: make([]connInfo, len(page.Items)), More: page.More}
				for i, it := range page.Items {
					r.Items[i] = toWire(it)
				}
				out = r
			}
		}
	case opBroadcast:
		var in broadcastRequest
		if err = json.Unmarshal(msg.Data, &in); err == nil {
			var res apigw.BroadcastResult
			if res, err = m.opts.Host.Broadcast(ctx, in.Data, in.Tags); err == nil {
				out = broadcastReply(res)
			}
		}
	default:
		err = &apigw.Error{Status: http.StatusBadRequest, Type: "BadRequestException", Message: "Unknown operation"}
	}
	reply := nats.NewMsg(msg.Reply)
	if err == nil {
		reply.Data, err = json.Marshal(out)
	}
	if err != nil {
		setError(reply, err, m, op, "")
	}
	if msg.Reply == "" {
		return
	}
	if err := msg.RespondMsg(reply); err != nil {
		m.log.Debug("cluster reply not sent", "op", op, "err", err)
	}
}

// setError makes reply the answer of a failed call.
func setError(reply *nats.Msg, err error, m *Member, op, id string) {
	status, typ := apigw.ErrorStatus(err)
	var e *apigw.Error
	if errors.As(err, &e) {
		reply.Data = []byte(e.Message)
	} else {
		m.log.Error("cluster call failed", "op", op, "connectionId", id, "err", err)
		reply.Data = []byte("Internal server error")
	}
	reply.Header.Set(hdrStatus, strconv.Itoa(status))
	reply.Header.Set(hdrType, typ)
}

// replyError is the error a reply carries, if any.
func replyError(reply *nats.Msg) error {
	s := reply.Header.Get(hdrStatus)
	if s == "" {
		return nil
	}
	status, _ := strconv.Atoi(s)
	if status == http.StatusGone {
		return apigw.ErrGone
	}
	return &apigw.Error{Status: status, Type: reply.Header.Get(hdrType), Message: string(reply.Data)}
}

// gather sends op to every other node and calls each with their answers, until every live node
// it knows of has answered or the request timeout ends (a node that died within the lease's
// time is still counted: its part is missing, and the wait is logged).
func (m *Member) gather(ctx context.Context, op string, data []byte, each func(reply *nats.Msg) error) error {
	want := m.Nodes() - 1
	if want <= 0 {
		return nil
	}
	if !m.client.Connected() {
		return cluster.ErrUnavailable
	}
	nc := m.client.nc
	inbox := nc.NewRespInbox()
	sub, err := nc.SubscribeSync(inbox)
	if err != nil {
		return cluster.ErrUnavailable
	}
	defer func() { _ = sub.Unsubscribe() }()
	msg := nats.NewMsg(m.base + ".all." + op)
	msg.Reply, msg.Data = inbox, data
	if err := nc.PublishMsg(msg); err != nil {
		return cluster.ErrUnavailable
	}
	rctx, cancel := context.WithTimeout(ctx, m.opts.RequestTimeout)
	defer cancel()
	for got := 0; got < want; got++ {
		reply, err := sub.NextMsgWithContext(rctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			m.log.Warn("not every node answered in time; the answer covers those that did", "op", op,
				"answered", got, "nodes", want+1, "timeout", m.opts.RequestTimeout)
			return nil
		}
		if err := each(reply); err != nil {
			return err
		}
	}
	return nil
}

// ListConnections returns a page of the other nodes' connections, merged in id order.
func (m *Member) ListConnections(ctx context.Context, in apigw.ListInput) (apigw.ListOutput, error) {
	data, _ := json.Marshal(listRequest{After: in.After, Limit: in.Limit, Tags: in.Tags})
	var out apigw.ListOutput
	err := m.gather(ctx, opList, data, func(reply *nats.Msg) error {
		if err := replyError(reply); err != nil {
			return err
		}
		var r listReply
		if err := json.Unmarshal(reply.Data, &r); err != nil {
			m.log.Error("bad list reply from another node", "err", err)
			return cluster.ErrUnavailable
		}
		for _, it := range r.Items {
			out.Items = append(out.Items, fromWire(it))
		}
		out.More = out.More || r.More
		return nil
	})
	if err != nil {
		return apigw.ListOutput{}, err
	}
	return cluster.MergePages(in.Limit, out), nil
}

// Broadcast sends data to the other nodes' connections that carry tags.
func (m *Member) Broadcast(ctx context.Context, data []byte, tags map[string]string) (apigw.BroadcastResult, error) {
	if len(data) > m.opts.MaxMessageBytes {
		return apigw.BroadcastResult{}, apigw.ErrPayloadTooLarge
	}
	req, _ := json.Marshal(broadcastRequest{Data: data, Tags: tags})
	var res apigw.BroadcastResult
	err := m.gather(ctx, opBroadcast, req, func(reply *nats.Msg) error {
		if err := replyError(reply); err != nil {
			return err
		}
		var r broadcastReply
		if err := json.Unmarshal(reply.Data, &r); err != nil {
			m.log.Error("bad broadcast reply from another node", "err", err)
			return cluster.ErrUnavailable
		}
		res.Add(apigw.BroadcastResult(r))
		return nil
	})
	return res, err
}

// TagConnection merges tags into the tags of another node's connection.
func (m *Member) TagConnection(ctx context.Context, id string, tags map[string]string) error {
	data, _ := json.Marshal(tags)
	_, err := m.call(ctx, opTag, id, data)
	return err
}

// UntagConnection removes tags of another node's connection.
func (m *Member) UntagConnection(ctx context.Context, id string, keys ...string) error {
	data, _ := json.Marshal(keys)
	_, err := m.call(ctx, opUntag, id, data)
	return err
}
