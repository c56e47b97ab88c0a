package bench

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Ways of fanning one message out to every connection (--fanout).
const (
	fanoutBroadcast = "broadcast" // one POST /{stage}/@broadcast per round
	fanoutPosts     = "posts"     // a POST /{stage}/@connections/{id} per connection and round
)

// listPageSize is the maxResults of the list calls that collect the connection ids.
const listPageSize = 1000

// Error kinds of fan-out runs.
const (
	kindFanoutStatus      = "fanout_status_"     // + HTTP status of a broadcast or post other than 200
	kindFanoutFailed      = "fanout_failed"      // a management call that got no answer
	kindFanoutUndelivered = "fanout_undelivered" // a frame the server sent that no client received within --timeout
	kindUnexpectedFrame   = "unexpected_frame"   // a frame that is not one of the run's rounds
)

// FanoutStats describes a fan-out run (--fanout): every round sends one message, with its round
// number in the seq field, to every open connection through the management endpoint.
type FanoutStats struct {
	Via        string `json:"via"`        // "broadcast" or "posts"
	Management string `json:"management"` // the stage's management base URL
	Workers    int    `json:"workers"`    // concurrent posts (posts only)
	// Listed is how many connections the list endpoint (GET @connections, paged with
	// maxResults=1000) named before the first round, and ListMS how long listing them took.
	Listed int64         `json:"listed"`
	ListMS float64       `json:"list_ms"`
	Rounds []FanoutRound `json:"rounds"`
}

// FanoutRound is one round of a fan-out run. Times are from the start of the round's first request.
type FanoutRound struct {
	// ServerMS is the broadcast's server time, from its Server-Timing header (broadcast;dur=);
	// 0 for posts.
	ServerMS float64 `json:"server_ms"`
	// RequestMS is when the last answer arrived: the broadcast's response, or the last post's.
	RequestMS float64 `json:"request_ms"`
	// DeliveredMS is when the last client received the round's frame (0 when none did).
	DeliveredMS float64 `json:"delivered_ms"`
	Sent        int64   `json:"sent"`     // frames the server queued: the broadcast's sent, or posts answered 200
	Dropped     int64   `json:"dropped"`  // the broadcast's dropped (full send queues), or posts answered 429
	Gone        int64   `json:"gone"`     // posts answered 410 (the connection had closed)
	Received    int64   `json:"received"` // frames of this round the clients received within --timeout
}

// fanout is the state of a fan-out run: the management client and the rounds' receipt counters,
// which every read loop updates.
type fanout struct {
	via     string
	base    string // management base URL without a trailing slash
	client  *http.Client
	workers int
	rounds  []fanoutCounter // by round number - 1
	arrived chan struct{}   // a round may be complete (cap 1)
	current atomic.Int64    // the round under way (progress line)
}

// fanoutCounter counts the receipts of one round.
type fanoutCounter struct {
	received atomic.Int64
	want     atomic.Int64 // frames the server sent, once known; 0 before
	last     atomic.Int64 // Unix ns of the latest receipt
}

func newFanout(cfg *config) *fanout {
	return &fanout{
		via:     cfg.fanout,
		base:    strings.TrimSuffix(cfg.management.String(), "/"),
		workers: cfg.workers,
		rounds:  make([]fanoutCounter, cfg.rounds),
		arrived: make(chan struct{}, 1),
		client: &http.Client{
			Timeout: cfg.timeout,
			Transport: &http.Transport{
				MaxIdleConnsPerHost: cfg.workers,
				DisableCompression:  true,
				TLSClientConfig:     &tls.Config{InsecureSkipVerify: cfg.insecure}, //nolint:gosec // --insecure
			},
		},
	}
}

// receive counts a frame read at now; it reports false for a frame that is none of the rounds'.
func (f *fanout) receive(msg []byte, now time.Time) bool {
	round, ok := parseSeq(msg)
	if !ok || round == 0 || round > uint64(len(f.rounds)) {
		return false
	}
	c := &f.rounds[round-1]
	ns := now.UnixNano()
	for {
		last := c.last.Load()
		if ns <= last || c.last.CompareAndSwap(last, ns) {
			break
		}
	}
	if n := c.received.Add(1); n >= c.want.Load() && c.want.Load() > 0 {
		select {
		case f.arrived <- struct{}{}:
		default:
		}
	}
	return true
}

// fanOut lists the connections, then runs the rounds one after the other: each sends one frame
// to every connection and waits (bounded by --timeout) until the clients have received every
// frame the server sent. It returns the window of the rounds.
func (r *runner) fanOut(ctx context.Context) (start, end time.Time) {
	f := r.fan
	r.phase.Store(phaseMeasuring)
	defer f.client.CloseIdleConnections()
	listStart := time.Now()
	ids, err := f.list(ctx)
	r.fanStats.ListMS = msSince(listStart, time.Now())
	r.fanStats.Listed = int64(len(ids))
	if err != nil {
		r.errs.add(fanoutErrorKind(err))
		return listStart, time.Now()
	}
	start = time.Now()
	for i := range f.rounds {
		if ctx.Err() != nil || r.live.Load() == 0 {
			break
		}
		round := uint64(i + 1)
		f.current.Store(int64(round))
		frame := r.msg.appendMessage(nil, round, time.Now().UnixNano())
		begin := time.Now()
		res := FanoutRound{}
		if f.via == fanoutBroadcast {
			res, err = f.broadcast(ctx, frame)
			if err != nil {
				r.errs.add(fanoutErrorKind(err))
			}
		} else {
			res = f.postAll(ctx, ids, frame, &r.errs)
		}
		res.RequestMS = msSince(begin, time.Now())
		c := &f.rounds[i]
		c.want.Store(max(res.Sent, 1))
		r.awaitRound(ctx, c, res.Sent, time.Now().Add(r.cfg.timeout))
		res.Received = c.received.Load()
		if last := c.last.Load(); last > 0 {
			res.DeliveredMS = msSince(begin, time.Unix(0, last))
		}
		if missing := res.Sent - res.Received; missing > 0 {
			r.errs.addN(kindFanoutUndelivered, missing)
		}
		r.st.replies.Add(res.Received)
		r.fanStats.Rounds = append(r.fanStats.Rounds, res)
	}
	return start, time.Now()
}

// awaitRound waits until c has received want frames, the deadline passes, ctx ends or no
// connection is left.
func (r *runner) awaitRound(ctx context.Context, c *fanoutCounter, want int64, deadline time.Time) {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for c.received.Load() < want {
		select {
		case <-r.fan.arrived:
		case <-r.deaths:
			if r.live.Load() == 0 {
				return
			}
		case <-timer.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// list collects the ids of every open connection from GET @connections, a page of
// listPageSize at a time.
func (f *fanout) list(ctx context.Context) ([]string, error) {
	var ids []string
	token := ""
	for {
		q := url.Values{"maxResults": {strconv.Itoa(listPageSize)}}
		if token != "" {
			q.Set("nextToken", token)
		}
		var page struct {
			Items []struct {
				ConnectionID string `json:"connectionId"`
			} `json:"items"`
			NextToken string `json:"nextToken"`
		}
		body, _, err := f.call(ctx, http.MethodGet, f.base+"/@connections?"+q.Encode(), nil)
		if err != nil {
			return ids, fmt.Errorf("list connections: %w", err)
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return ids, fmt.Errorf("list connections: %w", err)
		}
		for _, it := range page.Items {
			ids = append(ids, it.ConnectionID)
		}
		if page.NextToken == "" {
			return ids, nil
		}
		token = page.NextToken
	}
}

// broadcast sends frame to every connection with one POST @broadcast.
func (f *fanout) broadcast(ctx context.Context, frame []byte) (FanoutRound, error) {
	var res FanoutRound
	body, err := json.Marshal(map[string]string{"data": string(frame)})
	if err != nil {
		return res, err
	}
	answer, h, err := f.call(ctx, http.MethodPost, f.base+"/@broadcast", body)
	if err != nil {
		return res, fmt.Errorf("broadcast: %w", err)
	}
	var out struct{ Sent, Dropped int64 }
	if err := json.Unmarshal(answer, &out); err != nil {
		return res, fmt.Errorf("broadcast: %w", err)
	}
	res.Sent, res.Dropped = out.Sent, out.Dropped
	res.ServerMS, _ = serverTiming(h.Get("Server-Timing"), "broadcast")
	return res, nil
}

// postAll posts frame to each connection in ids, f.workers posts at a time.
func (f *fanout) postAll(ctx context.Context, ids []string, frame []byte, errs *errorCounts) FanoutRound {
	var next, sent, dropped, gone atomic.Int64
	var wg sync.WaitGroup
	for range min(f.workers, len(ids)) {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(ids)) || ctx.Err() != nil {
					return
				}
				_, _, err := f.call(ctx, http.MethodPost, f.base+"/@connections/"+url.PathEscape(ids[i]), frame)
				var st statusError
				switch {
				case err == nil:
					sent.Add(1)
				case errors.As(err, &st) && st.code == http.StatusGone:
					gone.Add(1)
				case errors.As(err, &st) && st.code == http.StatusTooManyRequests:
					dropped.Add(1)
				default:
					errs.add(fanoutErrorKind(err))
				}
			}
		})
	}
	wg.Wait()
	return FanoutRound{Sent: sent.Load(), Dropped: dropped.Load(), Gone: gone.Load()}
}

// statusError is a management call answered with a status other than 200 or 204.
type statusError struct {
	code int
	body string
}

func (e statusError) Error() string { return fmt.Sprintf("status %d: %s", e.code, e.body) }

// call makes one management call and returns the body and headers of a 200 or 204 answer.
func (f *fanout) call(ctx context.Context, method, u string, body []byte) ([]byte, http.Header, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, nil, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		return nil, nil, statusError{resp.StatusCode, strings.TrimSpace(string(answer))}
	}
	return answer, resp.Header, nil
}

// fanoutErrorKind names the error kind of a failed management call.
func fanoutErrorKind(err error) string {
	var st statusError
	if errors.As(err, &st) {
		return kindFanoutStatus + strconv.Itoa(st.code)
	}
	return kindFanoutFailed
}

// serverTiming returns the dur of metric name in a Server-Timing header value
// ("broadcast;dur=3.214"), in milliseconds.
func serverTiming(header, name string) (float64, bool) {
	for metric := range strings.SplitSeq(header, ",") {
		params := strings.Split(metric, ";")
		if strings.TrimSpace(params[0]) != name {
			continue
		}
		for _, p := range params[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "dur") {
				d, err := strconv.ParseFloat(strings.Trim(v, `"`), 64)
				return d, err == nil
			}
		}
	}
	return 0, false
}

// msSince is b - a in milliseconds.
func msSince(a, b time.Time) float64 {
	return float64(b.Sub(a)) / float64(time.Millisecond)
}

// Spread is the median, 99th percentile (nearest rank) and maximum of a figure over the rounds.
type Spread struct {
	P50, P99, Max float64
}

// spreadOf returns the spread of vs (which it sorts); zero for none.
func spreadOf(vs []float64) Spread {
	if len(vs) == 0 {
		return Spread{}
	}
	slices.Sort(vs)
	rank := func(q float64) float64 { return vs[max(0, int(math.Ceil(q*float64(len(vs))))-1)] }
	return Spread{P50: rank(0.5), P99: rank(0.99), Max: vs[len(vs)-1]}
}

// FanoutSummary sums up a fan-out run's rounds.
type FanoutSummary struct {
	Rounds                        int
	Server, Request, Delivered    Spread // milliseconds
	Sent, Dropped, Gone, Received int64  // over all rounds
	MinSent                       int64  // the fewest frames one round sent
}

// Summary sums up the rounds.
func (s *FanoutStats) Summary() FanoutSummary {
	sum := FanoutSummary{Rounds: len(s.Rounds)}
	var server, request, delivered []float64
	for i, r := range s.Rounds {
		server, request, delivered = append(server, r.ServerMS), append(request, r.RequestMS), append(delivered, r.DeliveredMS)
		sum.Sent += r.Sent
		sum.Dropped += r.Dropped
		sum.Gone += r.Gone
		sum.Received += r.Received
		if i == 0 || r.Sent < sum.MinSent {
			sum.MinSent = r.Sent
		}
	}
	sum.Server, sum.Request, sum.Delivered = spreadOf(server), spreadOf(request), spreadOf(delivered)
	return sum
}

// writeRows adds the fan-out lines of the report's table.
func (s *FanoutStats) writeRows(row func(k, format string, a ...any)) {
	sum := s.Summary()
	row("listed", "%d connections in %s (GET @connections, %d a page)", s.Listed, fmtMS(s.ListMS), listPageSize)
	if s.Via == fanoutPosts {
		row("rounds", "%d, each a POST @connections/{id} per connection, %d at a time", sum.Rounds, s.Workers)
	} else {
		row("rounds", "%d, each one POST @broadcast", sum.Rounds)
		row("server time", "p50 %s  p99 %s  max %s (Server-Timing)", fmtMS(sum.Server.P50), fmtMS(sum.Server.P99), fmtMS(sum.Server.Max))
	}
	row("last answer", "p50 %s  p99 %s  max %s", fmtMS(sum.Request.P50), fmtMS(sum.Request.P99), fmtMS(sum.Request.Max))
	row("all delivered", "p50 %s  p99 %s  max %s", fmtMS(sum.Delivered.P50), fmtMS(sum.Delivered.P99), fmtMS(sum.Delivered.Max))
	row("frames", "%d sent, %d received, %d dropped, %d gone", sum.Sent, sum.Received, sum.Dropped, sum.Gone)
}
