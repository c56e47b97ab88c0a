package switchboard_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/coder/websocket"

	"github.com/switchboardhq/switchboard"
)

// mgmtCall makes one call to the management API over HTTP, signed with creds when given (the
// real SigV4 signer, as the AWS SDKs sign), and returns the status, headers and body.
func mgmtCall(t *testing.T, method, u string, body any, creds *aws.Credentials) (int, http.Header, []byte) {
	t.Helper()
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if data != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if creds != nil {
		sum := sha256.Sum256(data)
		if err := v4.NewSigner().SignHTTP(context.Background(), *creds, req, hex.EncodeToString(sum[:]), "execute-api", region, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, out
}

// listBody is the connection list's JSON answer.
type listBody struct {
	Items []struct {
		ConnectionID string            `json:"connectionId"`
		ConnectedAt  string            `json:"connectedAt"`
		LastActiveAt string            `json:"lastActiveAt"`
		Identity     map[string]string `json:"identity"`
		PrincipalID  *string           `json:"principalId"`
		Tags         map[string]string `json:"tags"`
	} `json:"items"`
	NextToken string `json:"nextToken"`
}

func listConnections(t *testing.T, endpoint, query string, creds *aws.Credentials) listBody {
	t.Helper()
	status, _, body := mgmtCall(t, http.MethodGet, endpoint+"/@connections"+query, nil, creds)
	if status != http.StatusOK {
		t.Fatalf("list%s: %d %s", query, status, body)
	}
	var out listBody
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("list body %s: %v", body, err)
	}
	return out
}

// listAll pages through the connection list, pageSize at a time, and returns the ids.
func listAll(t *testing.T, endpoint string, pageSize int) []string {
	t.Helper()
	var ids []string
	q := fmt.Sprintf("?maxResults=%d", pageSize)
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("the list never ends")
		}
		out := listConnections(t, endpoint, q, nil)
		for _, it := range out.Items {
			ids = append(ids, it.ConnectionID)
		}
		if out.NextToken == "" {
			return ids
		}
		q = fmt.Sprintf("?maxResults=%d&nextToken=%s", pageSize, url.QueryEscape(out.NextToken))
	}
}

// tagsAPI starts an API whose connections are tagged by connectionTags (room from the query
// string, a literal app) and by the $connect handler's response header (user), and returns it
// with the channel of connection ids.
func tagsAPI(t *testing.T, props switchboard.Props) (*switchboard.API, *connIDs) {
	ids := newConnIDs()
	props.ConnectionTags = map[string]string{"room": "$request.querystring.room", "app": "chat"}
	props.Routes = map[string]switchboard.Route{
		"$connect": {Handler: func(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
			resp, err := ids.connect(ctx, req)
			if u := req.QueryStringParameters["user"]; u != "" {
				resp.Headers = map[string]string{"X-Switchboard-Connection-Tags": `{"user":"` + u + `"}`}
			}
			return resp, err
		}},
	}
	return startAPI(t, props), ids
}

// dialTagged opens a client with query string q and waits until it can be reached.
func dialTagged(t *testing.T, api *switchboard.API, ids *connIDs, q string) (*websocket.Conn, string) {
	t.Helper()
	c := dial(t, api.URL()+"?"+q)
	id := nextID(t, ids.connected)
	waitReady(t, api, id)
	return c, id
}

func TestListTagAndBroadcast(t *testing.T) {
	api, ids := tagsAPI(t, switchboard.Props{})
	ep := api.ManagementEndpoint()
	a1, idA1 := dialTagged(t, api, ids, "room=a&user=ann")
	a2, idA2 := dialTagged(t, api, ids, "room=a")
	b1, idB1 := dialTagged(t, api, ids, "room=b&user=bob")
	all := []string{idA1, idA2, idB1}
	slices.Sort(all)

	t.Run("list shows every connection with its tags, in id order", func(t *testing.T) {
		out := listConnections(t, ep, "", nil)
		if len(out.Items) != 3 || out.NextToken != "" {
			t.Fatalf("list = %+v", out)
		}
		for i, it := range out.Items {
			if it.ConnectionID != all[i] {
				t.Errorf("item %d is %s, want %s", i, it.ConnectionID, all[i])
			}
			if _, err := time.Parse("2006-01-02T15:04:05.000Z", it.ConnectedAt); err != nil {
				t.Errorf("connectedAt %q: %v", it.ConnectedAt, err)
			}
			if _, err := time.Parse("2006-01-02T15:04:05.000Z", it.LastActiveAt); err != nil {
				t.Errorf("lastActiveAt %q: %v", it.LastActiveAt, err)
			}
			if it.Identity["sourceIp"] != "127.0.0.1" || it.PrincipalID == nil {
				t.Errorf("item %+v", it)
			}
			if it.Tags["app"] != "chat" {
				t.Errorf("item %s tags %v: want app=chat from connectionTags", it.ConnectionID, it.Tags)
			}
			switch it.ConnectionID {
			case idA1:
				if it.Tags["room"] != "a" || it.Tags["user"] != "ann" {
					t.Errorf("A1 tags %v", it.Tags)
				}
			case idB1:
				if it.Tags["room"] != "b" || it.Tags["user"] != "bob" {
					t.Errorf("B1 tags %v", it.Tags)
				}
			case idA2:
				if _, ok := it.Tags["user"]; ok || it.Tags["room"] != "a" {
					t.Errorf("A2 tags %v", it.Tags)
				}
			}
		}
	})

	t.Run("pages with maxResults and nextToken", func(t *testing.T) {
		if got := listAll(t, ep, 1); !slices.Equal(got, all) {
			t.Fatalf("paged ids %v, want %v", got, all)
		}
	})

	t.Run("filters by tag", func(t *testing.T) {
		out := listConnections(t, ep, "?tag=room:a", nil)
		var got []string
		for _, it := range out.Items {
			got = append(got, it.ConnectionID)
		}
		want := []string{idA1, idA2}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("room:a = %v, want %v", got, want)
		}
		if out := listConnections(t, ep, "?tag=room:a&tag=user:ann", nil); len(out.Items) != 1 || out.Items[0].ConnectionID != idA1 {
			t.Fatalf("room:a user:ann = %+v", out)
		}
	})

	t.Run("a token of another filter and bad parameters are 400", func(t *testing.T) {
		out := listConnections(t, ep, "?maxResults=1", nil)
		for _, q := range []string{"?tag=room:a&nextToken=" + url.QueryEscape(out.NextToken), "?nextToken=garbage", "?maxResults=0", "?maxResults=x", "?tag=noseparator"} {
			status, h, body := mgmtCall(t, http.MethodGet, ep+"/@connections"+q, nil, nil)
			if status != http.StatusBadRequest || h.Get("x-amzn-ErrorType") != "BadRequestException" {
				t.Errorf("%s: %d %s %s", q, status, h.Get("x-amzn-ErrorType"), body)
			}
		}
	})

	t.Run("PUT merges tags and DELETE removes one", func(t *testing.T) {
		if status, _, body := mgmtCall(t, http.MethodPut, ep+"/@connections/"+url.PathEscape(idA2)+"/tags",
			map[string]any{"tags": map[string]string{"room": "c", "vip": "yes"}}, nil); status != http.StatusNoContent {
			t.Fatalf("PUT tags: %d %s", status, body)
		}
		if status, _, body := mgmtCall(t, http.MethodDelete, ep+"/@connections/"+url.PathEscape(idA2)+"/tags/vip", nil, nil); status != http.StatusNoContent {
			t.Fatalf("DELETE tag: %d %s", status, body)
		}
		out := listConnections(t, ep, "?tag=room:c", nil)
		if len(out.Items) != 1 || out.Items[0].ConnectionID != idA2 {
			t.Fatalf("room:c = %+v", out)
		}
		if tags := out.Items[0].Tags; tags["app"] != "chat" || tags["room"] != "c" || tags["vip"] != "" {
			t.Fatalf("tags after PUT and DELETE = %v", tags)
		}
		// Back to room a through the Go API.
		if err := api.TagConnection(context.Background(), idA2, map[string]string{"room": "a"}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("tags of an unknown connection are 410, bad bodies 400", func(t *testing.T) {
		gone := strings.Replace(idA1, idA1[:4], "AAAA", 1)
		if status, h, _ := mgmtCall(t, http.MethodPut, ep+"/@connections/"+url.PathEscape(gone)+"/tags",
			map[string]any{"tags": map[string]string{"a": "b"}}, nil); status != http.StatusGone || h.Get("x-amzn-ErrorType") != "GoneException" {
			t.Errorf("PUT tags of an unknown connection: %d", status)
		}
		if status, _, body := mgmtCall(t, http.MethodPut, ep+"/@connections/"+url.PathEscape(idA1)+"/tags", map[string]any{"nottags": 1}, nil); status != http.StatusBadRequest {
			t.Errorf("PUT without tags: %d %s", status, body)
		}
		if status, _, body := mgmtCall(t, http.MethodPut, ep+"/@connections/"+url.PathEscape(idA1)+"/tags",
			map[string]any{"tags": map[string]string{"": "x"}}, nil); status != http.StatusBadRequest {
			t.Errorf("PUT with an empty key: %d %s", status, body)
		}
	})

	t.Run("broadcast reaches exactly the matching connections", func(t *testing.T) {
		status, h, body := mgmtCall(t, http.MethodPost, ep+"/@broadcast", map[string]any{"data": "to room a", "tags": map[string]string{"room": "a"}}, nil)
		if status != http.StatusOK || string(body) != `{"sent":2,"dropped":0}` {
			t.Fatalf("broadcast: %d %s", status, body)
		}
		if st := h.Get("Server-Timing"); !strings.HasPrefix(st, "broadcast;dur=") {
			t.Errorf("Server-Timing = %q", st)
		}
		if got := readFrame(t, a1); got != "to room a" {
			t.Errorf("A1 got %q", got)
		}
		if got := readFrame(t, a2); got != "to room a" {
			t.Errorf("A2 got %q", got)
		}
		// Everyone, through the Go API: B1's first frame is this one, so room a's never reached it.
		res, err := api.Broadcast(context.Background(), []byte("to all"), nil)
		if err != nil || res.Sent != 3 || res.Dropped != 0 {
			t.Fatalf("Broadcast = %+v, %v", res, err)
		}
		if got := readFrame(t, b1); got != "to all" {
			t.Errorf("B1's first frame is %q, want %q", got, "to all")
		}
		for _, c := range []*websocket.Conn{a1, a2} {
			if got := readFrame(t, c); got != "to all" {
				t.Errorf("got %q", got)
			}
		}
	})

	t.Run("broadcast refuses bad bodies and oversize data", func(t *testing.T) {
		for _, body := range []any{map[string]any{"tags": map[string]string{}}, "not an object"} {
			if status, _, out := mgmtCall(t, http.MethodPost, ep+"/@broadcast", body, nil); status != http.StatusBadRequest {
				t.Errorf("%v: %d %s", body, status, out)
			}
		}
		big := strings.Repeat("x", 128*1024+1)
		if status, h, _ := mgmtCall(t, http.MethodPost, ep+"/@broadcast", map[string]any{"data": big}, nil); status != http.StatusRequestEntityTooLarge || h.Get("x-amzn-ErrorType") != "PayloadTooLargeException" {
			t.Errorf("oversize broadcast: %d", status)
		}
		if status, _, _ := mgmtCall(t, http.MethodGet, ep+"/@broadcast", nil, nil); status != http.StatusNotFound {
			t.Errorf("GET @broadcast: %d, want 404", status)
		}
	})

	t.Run("the Go API lists and pages", func(t *testing.T) {
		ctx := context.Background()
		page, err := api.ListConnections(ctx, switchboard.ListOptions{MaxResults: 2})
		if err != nil || len(page.Connections) != 2 || page.NextToken == "" {
			t.Fatalf("page 1 = %+v, %v", page, err)
		}
		rest, err := api.ListConnections(ctx, switchboard.ListOptions{MaxResults: 2, NextToken: page.NextToken})
		if err != nil || len(rest.Connections) != 1 || rest.NextToken != "" || rest.Connections[0].ConnectionID != all[2] {
			t.Fatalf("page 2 = %+v, %v", rest, err)
		}
		if _, err := api.ListConnections(ctx, switchboard.ListOptions{NextToken: page.NextToken, Tags: map[string]string{"room": "b"}}); !errors.Is(err, switchboard.ErrBadToken) {
			t.Fatalf("token of another filter: %v", err)
		}
		if err := api.UntagConnection(ctx, idB1, "user"); err != nil {
			t.Fatal(err)
		}
		c, err := api.GetConnection(ctx, idB1)
		if err != nil || c.Tags["user"] != "" || c.Tags["room"] != "b" {
			t.Fatalf("after UntagConnection: %+v, %v", c, err)
		}
	})

	t.Run("a closed connection leaves the list", func(t *testing.T) {
		_ = b1.Close(websocket.StatusNormalClosure, "")
		deadline := time.Now().Add(10 * time.Second)
		for {
			out := listConnections(t, ep, "", nil)
			if len(out.Items) == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("still listed after close: %+v", out)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// TestBroadcastSkipsASlowClient: a client that stops reading fills its send queue; broadcasts
// then count it as dropped and reach every other client, frame for frame.
func TestBroadcastSkipsASlowClient(t *testing.T) {
	api, ids := tagsAPI(t, switchboard.Props{Limits: switchboard.Limits{SendQueueBytes: 256 * 1024, WriteTimeout: time.Minute}})
	slow, slowID := dialTagged(t, api, ids, "room=a")
	_ = slow // never read from: its socket buffers and then its send queue fill up
	fast, _ := dialTagged(t, api, ids, "room=a")
	fast.SetReadLimit(1 << 20)
	ctx := context.Background()

	// Fill the slow client's path: post to it alone until its send queue has refused every post
	// for a while, so that its socket buffers are full and its writer waits (for up to the
	// write timeout, a minute here).
	chunk := bytes.Repeat([]byte("s"), 32*1024)
	refused := 0
	for i := 0; refused < 100; i++ {
		err := api.PostToConnection(ctx, slowID, chunk)
		switch {
		case err == nil:
			refused = 0
		case errors.Is(err, switchboard.ErrLimitExceeded):
			refused++
			time.Sleep(2 * time.Millisecond)
		default:
			t.Fatalf("post %d: %v", i, err)
		}
		if i > 100000 {
			t.Fatal("the slow client's send queue never stayed full")
		}
	}
	const rounds = 20
	for i := 0; i < rounds; i++ {
		res, err := api.Broadcast(ctx, bytes.Repeat([]byte("b"), 40*1024), nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Sent != 1 || res.Dropped != 1 {
			t.Fatalf("round %d: %+v, want the fast client sent and the slow one dropped", i, res)
		}
		if got := readFrame(t, fast); len(got) != 40*1024 {
			t.Fatalf("round %d: fast client got %d bytes", i, len(got))
		}
	}
}

// TestBroadcastAndListUnderIAM: with IAM on, the new endpoints want a SigV4 signature of a
// principal allowed execute-api:ManageConnections on their resources, as @connections does.
func TestBroadcastAndListUnderIAM(t *testing.T) {
	api, ids := tagsAPI(t, switchboard.Props{Region: region, AccountID: account,
		Authorizer: switchboard.Authorizer{Type: "iam", CredentialsFile: credentialsFile(t)}})
	c, status := dialStatus(t, presign(t, api.URL()+"?room=a", "AKIABROWSER000000001", "browser-secret", time.Now()), nil)
	if status != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %d", status)
	}
	id := nextID(t, ids.connected)
	waitReady(t, api, id)
	ep := api.ManagementEndpoint()
	backend := &aws.Credentials{AccessKeyID: "AKIABACKEND000000001", SecretAccessKey: "backend-secret"}
	poster := &aws.Credentials{AccessKeyID: "AKIAPOSTER0000000001", SecretAccessKey: "poster-secret"}
	wrong := &aws.Credentials{AccessKeyID: "AKIABACKEND000000001", SecretAccessKey: "wrong"}

	for _, tc := range []struct {
		name         string
		method, path string
		body         any
		creds        *aws.Credentials
		want         int
	}{
		{"unsigned list", http.MethodGet, "/@connections", nil, nil, http.StatusForbidden},
		{"unsigned broadcast", http.MethodPost, "/@broadcast", map[string]string{"data": "x"}, nil, http.StatusForbidden},
		{"bad signature", http.MethodGet, "/@connections", nil, wrong, http.StatusForbidden},
		{"list without the permission", http.MethodGet, "/@connections", nil, poster, http.StatusForbidden},
		{"tags without the permission", http.MethodPut, "/@connections/" + url.PathEscape(id) + "/tags", map[string]any{"tags": map[string]string{"a": "b"}}, poster, http.StatusForbidden},
		{"broadcast without the permission", http.MethodPost, "/@broadcast", map[string]string{"data": "x"}, poster, http.StatusForbidden},
		{"signed list", http.MethodGet, "/@connections?tag=room:a", nil, backend, http.StatusOK},
		{"signed tags", http.MethodPut, "/@connections/" + url.PathEscape(id) + "/tags", map[string]any{"tags": map[string]string{"a": "b"}}, backend, http.StatusNoContent},
		{"signed broadcast", http.MethodPost, "/@broadcast", map[string]any{"data": "signed", "tags": map[string]string{"a": "b"}}, backend, http.StatusOK},
	} {
		status, _, body := mgmtCall(t, tc.method, ep+tc.path, tc.body, tc.creds)
		if status != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, status, body, tc.want)
		}
	}
	if got := readFrame(t, c); got != "signed" {
		t.Fatalf("client got %q", got)
	}
}

// TestClusterListTagAndBroadcast: three nodes of one API on an embedded NATS server. Through
// node a's HTTP endpoints, the list pages over every node's connections, a tag set on node a
// reaches a connection of node c, and a broadcast reaches the matching clients of every node.
func TestClusterListTagAndBroadcast(t *testing.T) {
	ns := startNATS(t)
	ids := newConnIDs()
	node := func(name string) *switchboard.API {
		return startAPI(t, switchboard.Props{
			Name:           "chat",
			Stage:          switchboard.Stage{Name: "prod"},
			Cluster:        switchboard.Cluster{NATS: ns.URL(), NodeID: name, LeaseTTL: time.Second},
			ConnectionTags: map[string]string{"room": "$request.querystring.room"},
			Routes:         map[string]switchboard.Route{"$connect": {Handler: ids.connect}},
		})
	}
	nodes := []*switchboard.API{node("node-a"), node("node-b"), node("node-c")}
	for _, n := range nodes {
		deadline := time.Now().Add(20 * time.Second)
		for n.ClusterNodes() != 3 {
			if time.Now().After(deadline) {
				t.Fatalf("a node sees %d nodes, want 3", n.ClusterNodes())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// Two clients on each node: one in room r, one in room s.
	type client struct {
		c  *websocket.Conn
		id string
	}
	var clients []client
	for _, n := range nodes {
		for _, room := range []string{"r", "s"} {
			c := dial(t, n.URL()+"?room="+room)
			id := nextID(t, ids.connected)
			waitReady(t, n, id)
			clients = append(clients, client{c, id})
		}
	}
	var all []string
	for _, c := range clients {
		all = append(all, c.id)
	}
	slices.Sort(all)
	ep := nodes[0].ManagementEndpoint()

	if got := listAll(t, ep, 4); !slices.Equal(got, all) {
		t.Fatalf("listed through node a: %v, want every node's %v", got, all)
	}

	// Tag node c's room-s client into room r, through node a.
	moved := clients[5]
	if status, _, body := mgmtCall(t, http.MethodPut, ep+"/@connections/"+url.PathEscape(moved.id)+"/tags",
		map[string]any{"tags": map[string]string{"room": "r"}}, nil); status != http.StatusNoContent {
		t.Fatalf("PUT tags of node c's connection on node a: %d %s", status, body)
	}
	if out := listConnections(t, ep, "?tag=room:r", nil); len(out.Items) != 4 {
		t.Fatalf("room r after the move: %d connections, want 4", len(out.Items))
	}
	status, _, body := mgmtCall(t, http.MethodPost, ep+"/@broadcast", map[string]any{"data": "to room r", "tags": map[string]string{"room": "r"}}, nil)
	if status != http.StatusOK || string(body) != `{"sent":4,"dropped":0}` {
		t.Fatalf("broadcast through node a: %d %s", status, body)
	}
	for i, c := range clients {
		if i%2 == 1 && c.id != moved.id {
			continue // room s
		}
		if got := readFrame(t, c.c); got != "to room r" {
			t.Errorf("client %d got %q", i, got)
		}
	}
	// Everyone, from node b through the Go API; the room-s clients' first frame is this one.
	res, err := nodes[1].Broadcast(context.Background(), []byte("to all"), nil)
	if err != nil || res.Sent != 6 {
		t.Fatalf("Broadcast on node b = %+v, %v", res, err)
	}
	for i, c := range clients {
		if got := readFrame(t, c.c); got != "to all" {
			t.Errorf("client %d got %q, want %q", i, got, "to all")
		}
	}
}
