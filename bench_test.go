package switchboard_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/coder/websocket"

	"github.com/switchboardhq/switchboard"
)

// BenchmarkRoundTripInProcess measures one message round trip through the gateway: a real
// WebSocket client on loopback sends {"action":"echo",...}, route selection picks the two-way
// in-process route, its Lambda-style handler returns the body, and the client reads the reply.
// Sub-benchmarks spread b.N round trips over 1, 8 and 64 connections, each in closed loop.
//
//	go test -run '^$' -bench RoundTripInProcess -benchmem .
func BenchmarkRoundTripInProcess(b *testing.B) {
	echo := func(_ context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: req.Body}, nil
	}
	api, err := switchboard.New(switchboard.Props{Routes: map[string]switchboard.Route{
		"echo": {Handler: echo, ReturnResponse: true},
	}})
	if err != nil {
		b.Fatal(err)
	}
	if err := api.StartOn(context.Background(), "127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	defer api.Shutdown(context.Background())
	msg := []byte(`{"action":"echo","data":"0123456789012345678901234567890123456789012345678901234567890123456789"}`)

	for _, conns := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("conns=%d", conns), func(b *testing.B) { roundTrips(b, api.URL(), conns, msg) })
	}
}

// roundTrips dials conns clients to url, sends each one warm-up message, then spreads b.N round
// trips of msg over the clients, each in closed loop (send, read the reply, repeat), and reports
// the throughput as msgs/s.
func roundTrips(b *testing.B, url string, conns int, msg []byte) {
	ctx := context.Background()
	clients := make([]*websocket.Conn, conns)
	for i := range clients {
		c, _, err := websocket.Dial(ctx, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer c.CloseNow()
		clients[i] = c
	}
	roundTrip := func(c *websocket.Conn) error {
		if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
			return err
		}
		_, reply, err := c.Read(ctx)
		if err == nil && len(reply) == 0 {
			err = errors.New("empty reply")
		}
		return err
	}
	var wg sync.WaitGroup
	run := func(c *websocket.Conn, n int) {
		defer wg.Done()
		for ; n > 0; n-- {
			if err := roundTrip(c); err != nil {
				b.Error(err)
				return
			}
		}
	}
	for _, c := range clients { // warm up: a first message may cold-start a worker
		wg.Add(1)
		go run(c, 1)
	}
	wg.Wait()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i, c := range clients {
		n := b.N / conns
		if i < b.N%conns {
			n++
		}
		wg.Add(1)
		go run(c, n)
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
