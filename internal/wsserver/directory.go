package wsserver

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboardhq/switchboard/internal/apigw"
	"github.com/switchboardhq/switchboard/internal/config"
	"github.com/switchboardhq/switchboard/internal/event"
)

var _ apigw.Directory = (*Server)(nil)

// TagsHeader is the header a $connect handler's response may carry to tag its connection: a
// JSON object of tag names to string values, merged over the tags of `connectionTags`.
const TagsHeader = "X-Switchboard-Connection-Tags"

// Frame is one data frame in or out of a connection, as a FrameTap hears of it.
type Frame struct {
	ConnectionID string
	// Inbound is set for a frame from the client, clear for one to it.
	Inbound bool
	Binary  bool
	// Data is the payload; it is valid only during the Frame call: copy what you keep.
	Data []byte
	At   time.Time
}

// FrameTap hears every data frame in and out of the server's connections, and each
// connection's start and end (a dashboard keeps recent frames). Its methods run on the message
// path: they must be cheap and must not block.
type FrameTap interface {
	Frame(f *Frame)
	// Opened: the connection can be reached through @connections.
	Opened(connectionID string)
	// Closed: the connection has ended.
	Closed(connectionID string)
}

// tapBox holds a FrameTap in an atomic.Pointer.
type tapBox struct{ t FrameTap }

// SetTap makes t hear the server's frames from now on; nil stops tapping. Without a tap the
// message path pays one atomic load per frame.
func (s *Server) SetTap(t FrameTap) {
	if t == nil {
		s.tap.Store(nil)
		return
	}
	s.tap.Store(&tapBox{t})
}

// tapFrame reports a frame to the tap, if any.
func (c *Conn) tapFrame(inbound, binary bool, data []byte) {
	if b := c.srv.tap.Load(); b != nil {
		b.t.Frame(&Frame{ConnectionID: c.id, Inbound: inbound, Binary: binary, Data: data, At: c.srv.now()})
	}
}

// tapOpened and tapClosed report a connection's start and end to the tap, if any.
func (s *Server) tapOpened(id string) {
	if b := s.tap.Load(); b != nil {
		b.t.Opened(id)
	}
}

func (s *Server) tapClosed(id string) {
	if b := s.tap.Load(); b != nil {
		b.t.Closed(id)
	}
}

// tagRule is a compiled `connectionTags` entry.
type tagRule struct {
	key string
	val config.TagValue
}

// compileTags turns `connectionTags` into rules, in key order; invalid entries (the config
// check refuses them) are skipped.
func compileTags(tags map[string]string) []tagRule {
	var rules []tagRule
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		if v, err := config.ParseTagValue(tags[k]); err == nil {
			rules = append(rules, tagRule{key: k, val: v})
		}
	}
	return rules
}

// handshakeTags evaluates the deployment's tag rules for a handshake; nil when none applies.
func (d *deployed) handshakeTags(r *http.Request, c *event.Conn) map[string]string {
	var out map[string]string
	for _, rule := range d.tagRules {
		var v string
		var ok bool
		switch rule.val.Source {
		case config.TagLiteral:
			v, ok = rule.val.Name, true
		case config.TagQuery:
			q := r.URL.Query()
			if vs, found := q[rule.val.Name]; found && len(vs) > 0 {
				v, ok = vs[len(vs)-1], true // API Gateway's queryStringParameters keep the last
			}
		case config.TagHeader:
			if vs := r.Header.Values(rule.val.Name); len(vs) > 0 {
				v, ok = strings.Join(vs, ","), true
			}
		case config.TagAuthorizer:
			if a, found := c.Authorizer[rule.val.Name]; found {
				switch a := a.(type) {
				case string:
					v, ok = a, true
				case nil:
				default:
					if b, err := json.Marshal(a); err == nil {
						v, ok = string(b), true
					}
				}
			}
		case config.TagSourceIP:
			v, ok = c.Identity.SourceIP, true
		}
		if !ok || config.CheckTag(rule.key, v) != nil {
			continue
		}
		if out == nil {
			out = make(map[string]string, len(d.tagRules))
		}
		out[rule.key] = v
	}
	return out
}

// responseTags reads the tags a $connect response sets (TagsHeader) into tags, which it returns
// (made when nil). A malformed header is logged and ignored: the connection opens untagged by it.
func (s *Server) responseTags(resp *event.Response, c *Conn, tags map[string]string) map[string]string {
	h := responseHeader(resp, TagsHeader)
	if h == "" {
		return tags
	}
	var set map[string]string
	if err := json.Unmarshal([]byte(h), &set); err != nil {
		s.log.Warn("$connect response header "+TagsHeader+" is not a JSON object of strings; ignored",
			"connectionId", c.id, "err", err)
		return tags
	}
	merged, err := mergeTags(tags, set)
	if err != nil {
		s.log.Warn("$connect response header "+TagsHeader+" ignored", "connectionId", c.id, "err", err)
		return tags
	}
	return merged
}

// errBadTags is the answer to tags over the limits.
func errBadTags(err error) error {
	return &apigw.Error{Status: http.StatusBadRequest, Type: "BadRequestException", Message: err.Error()}
}

// mergeTags returns a new map of old with set over it, or an error when a tag breaks the limits.
func mergeTags(old, set map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(old)+len(set))
	maps.Copy(out, old)
	for k, v := range set {
		if err := config.CheckTag(k, v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	if len(out) > config.MaxTags {
		return nil, errTooManyTags
	}
	return out, nil
}

var errTooManyTags = fmt.Errorf("a connection may carry at most %d tags", config.MaxTags)

// tagMap returns the connection's tags; the map is never modified (tags are replaced whole).
func (c *Conn) tagMap() map[string]string {
	if p := c.tags.Load(); p != nil {
		return *p
	}
	return nil
}

// info describes the connection.
func (c *Conn) info() apigw.ConnectionInfo {
	info := apigw.ConnectionInfo{
		ConnectionID: c.id,
		ConnectedAt:  c.connected,
		LastActiveAt: time.Unix(0, c.lastActive.Load()),
		SourceIP:     c.ev.Identity.SourceIP,
		UserAgent:    c.ev.Identity.UserAgent,
	}
	if p, ok := c.ev.Authorizer["principalId"].(string); ok {
		info.PrincipalID = p
	}
	if t := c.tagMap(); len(t) > 0 {
		info.Tags = maps.Clone(t)
	}
	return info
}

// live returns the connection with id, if it is open.
func (s *Server) openConn(id string) (*Conn, bool) {
	c, ok := s.conns.Get(id)
	if !ok || c.closing.Load() {
		return nil, false
	}
	return c, true
}

// ListConnections returns a page of this server's open connections that carry in.Tags, in id
// order.
func (s *Server) ListConnections(_ context.Context, in apigw.ListInput) (apigw.ListOutput, error) {
	limit := in.Limit
	if limit < 1 {
		limit = apigw.DefaultListLimit
	}
	var match []*Conn
	for _, c := range s.conns.Snapshot() {
		if c.id > in.After && !c.closing.Load() && apigw.MatchTags(c.tagMap(), in.Tags) {
			match = append(match, c)
		}
	}
	slices.SortFunc(match, func(a, b *Conn) int { return strings.Compare(a.id, b.id) })
	out := apigw.ListOutput{More: len(match) > limit}
	match = match[:min(limit, len(match))]
	out.Items = make([]apigw.ConnectionInfo, len(match))
	for i, c := range match {
		out.Items[i] = c.info()
	}
	return out, nil
}

// TagConnection merges tags into the connection's tags.
func (s *Server) TagConnection(_ context.Context, id string, tags map[string]string) error {
	c, ok := s.openConn(id)
	if !ok {
		return apigw.ErrGone
	}
	for {
		old := c.tags.Load()
		var cur map[string]string
		if old != nil {
			cur = *old
		}
		merged, err := mergeTags(cur, tags)
		if err != nil {
			return errBadTags(err)
		}
		if c.tags.CompareAndSwap(old, &merged) {
			return nil
		}
	}
}

// UntagConnection removes the connection's tags with these keys.
func (s *Server) UntagConnection(_ context.Context, id string, keys ...string) error {
	c, ok := s.openConn(id)
	if !ok {
		return apigw.ErrGone
	}
	for {
		old := c.tags.Load()
		if old == nil {
			return nil
		}
		next := maps.Clone(*old)
		for _, k := range keys {
			delete(next, k)
		}
		if c.tags.CompareAndSwap(old, &next) {
			return nil
		}
	}
}

// Broadcast queues data as one text frame to every open connection that carries all of tags.
// The frame's bytes are shared by every queue; a full queue counts as dropped and a connection
// closing meanwhile counts as neither.
func (s *Server) Broadcast(_ context.Context, data []byte, tags map[string]string) (apigw.BroadcastResult, error) {
	var res apigw.BroadcastResult
	if len(data) > s.dep.Load().limits.MaxMessageBytes {
		return res, apigw.ErrPayloadTooLarge
	}
	var writers []*Conn
	for _, c := range s.conns.Snapshot() {
		if c.closing.Load() || !apigw.MatchTags(c.tagMap(), tags) || len(data) > c.lim.MaxMessageBytes {
			continue
		}
		start, err := c.queueOnly(outbound{typ: websocket.MessageText, data: data})
		switch err {
		case nil:
			res.Sent++
			if s.obs != nil {
				s.obs.Sent("")
			}
			if start {
				writers = append(writers, c)
			}
		case apigw.ErrLimitExceeded:
			res.Dropped++
		}
	}
	if len(writers) > 0 {
		// The writers start from one goroutine after the loop: started inside it, each new
		// writer could take the CPU from the loop, and the answer would wait for thousands of
		// frames to be written (docs/performance.md, Broadcast).
		go func() {
			for _, c := range writers {
				go c.drain()
			}
		}()
	}
	return res, nil
}
