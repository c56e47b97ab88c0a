package mgmt

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/internal/apigw"
)

// listOutput is the connection list's JSON body.
type listOutput struct {
	Items     []listItem `json:"items"`
	NextToken string     `json:"nextToken,omitempty"`
}

// listItem is one connection of the list: GetConnection's members and the connection's id,
// principal and tags.
type listItem struct {
	ConnectionID string            `json:"connectionId"`
	ConnectedAt  string            `json:"connectedAt"`
	LastActiveAt string            `json:"lastActiveAt"`
	Identity     identity          `json:"identity"`
	PrincipalID  string            `json:"principalId"`
	Tags         map[string]string `json:"tags"`
}

// badRequest is a 400 BadRequestException with message.
func badRequest(format string, args ...any) error {
	return &apigw.Error{Status: http.StatusBadRequest, Type: "BadRequestException", Message: fmt.Sprintf(format, args...)}
}

// ParseTagFilter reads tag=KEY:VALUE query parameters (repeatable; all must match).
func ParseTagFilter(values []string) (map[string]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	tags := make(map[string]string, len(values))
	for _, v := range values {
		k, val, ok := strings.Cut(v, ":")
		if !ok || k == "" {
			return nil, badRequest("tag must be KEY:VALUE, got %s", quoteForMessage(v))
		}
		tags[k] = val
	}
	return tags, nil
}

// serveList answers GET @connections?maxResults=N&nextToken=T&tag=KEY:VALUE.
func (h *Handler) serveList(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.authorize(r, "@connections/", 0); err != nil {
		return err
	}
	if r.Method != http.MethodGet {
		return NoMethod(r, "@connections")
	}
	q := r.URL.Query()
	limit := apigw.DefaultListLimit
	if s := q.Get("maxResults"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > apigw.MaxListLimit {
			return badRequest("maxResults must be a whole number from 1 to %d, got %s", apigw.MaxListLimit, quoteForMessage(s))
		}
		limit = n
	}
	tags, err := ParseTagFilter(q["tag"])
	if err != nil {
		return err
	}
	after, err := apigw.DecodeListToken(q.Get("nextToken"), tags)
	if err != nil {
		return err
	}
	page, err := h.Dir.ListConnections(r.Context(), apigw.ListInput{After: after, Limit: limit, Tags: tags})
	if err != nil {
		return err
	}
	out := listOutput{Items: make([]listItem, len(page.Items))}
	for i, c := range page.Items {
		tags := c.Tags
		if tags == nil {
			tags = map[string]string{}
		}
		out.Items[i] = listItem{ConnectionID: c.ConnectionID, ConnectedAt: isoTime(c.ConnectedAt),
			LastActiveAt: isoTime(c.LastActiveAt), Identity: identity{SourceIP: c.SourceIP, UserAgent: c.UserAgent},
			PrincipalID: c.PrincipalID, Tags: tags}
	}
	if page.More && len(page.Items) > 0 {
		out.NextToken = apigw.EncodeListToken(page.Items[len(page.Items)-1].ConnectionID, tags)
	}
	return writeJSON(w, http.StatusOK, out)
}

// tagsInput is PUT @connections/{id}/tags's body.
type tagsInput struct {
	Tags map[string]string `json:"tags"`
}

// serveTags answers PUT @connections/{id}/tags (merge) and DELETE @connections/{id}/tags/{key}.
func (h *Handler) serveTags(w http.ResponseWriter, r *http.Request, id string, keys []string) error {
	resource := "@connections/" + id + "/tags"
	if len(keys) == 1 {
		resource += "/" + keys[0]
	}
	body, err := h.authorize(r, resource, h.MaxBytes)
	if err != nil {
		return err
	}
	ctx := r.Context()
	switch {
	case r.Method == http.MethodPut && len(keys) == 0:
		if err := h.checkID(id); err != nil {
			return err
		}
		var in tagsInput
		if err := json.Unmarshal(body, &in); err != nil || in.Tags == nil {
			return badRequest(`the body must be {"tags": {"KEY": "VALUE", ...}}`)
		}
		if err := h.Dir.TagConnection(ctx, id, in.Tags); err != nil {
			return err
		}
	case r.Method == http.MethodDelete && len(keys) == 1 && keys[0] != "":
		if err := h.checkID(id); err != nil {
			return err
		}
		if err := h.Dir.UntagConnection(ctx, id, keys[0]); err != nil {
			return err
		}
	default:
		return NoMethod(r, strings.Join(append([]string{"@connections", id, "tags"}, keys...), "/"))
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// broadcastInput is POST @broadcast's body.
type broadcastInput struct {
	Data *string           `json:"data"`
	Tags map[string]string `json:"tags"`
}

// broadcastOutput is POST @broadcast's answer.
type broadcastOutput struct {
	Sent    int `json:"sent"`
	Dropped int `json:"dropped"`
}

// serveBroadcast answers POST @broadcast: the data goes as one text frame to every connection
// with the tags. The Server-Timing header gives the fan-out's duration.
func (h *Handler) serveBroadcast(w http.ResponseWriter, r *http.Request) error {
	// JSON escaping can make the body several times the data: the data's own limit is checked
	// once decoded.
	body, err := h.authorize(r, "@broadcast", 6*h.MaxBytes+64<<10)
	if err != nil {
		return err
	}
	if r.Method != http.MethodPost {
		return NoMethod(r, "@broadcast")
	}
	var in broadcastInput
	if err := json.Unmarshal(body, &in); err != nil || in.Data == nil {
		return badRequest(`the body must be {"data": "...", "tags": {"KEY": "VALUE", ...}} (tags optional)`)
	}
	data := []byte(*in.Data)
	if len(data) > h.MaxBytes {
		return apigw.ErrPayloadTooLarge
	}
	start := time.Now()
	res, err := h.Dir.Broadcast(r.Context(), data, in.Tags)
	took := time.Since(start)
	if err != nil {
		return err
	}
	w.Header().Set("Server-Timing", fmt.Sprintf("broadcast;dur=%.3f", float64(took.Microseconds())/1000))
	return writeJSON(w, http.StatusOK, broadcastOutput{Sent: res.Sent, Dropped: res.Dropped})
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return nil
}
