package switchboard_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

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
		b.Run(fmt.Sprintf("conns=%d", conns), func(b *testing.B) {
			ctx := context.Background()
			clients := make([]*websocket.Conn, conns)
			for i := range clients {
				c, _, err := websocket.Dial(ctx, api.URL(), nil)
				if err != nil {
					b.Fatal(err)
				}
				defer c.CloseNow()
				clients[i] = c
			}
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			b.ResetTimer()
			var wg sync.WaitGroup
			for i, c := range clients {
				n := b.N / conns
				if i < b.N%conns {
					n++
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for ; n > 0; n-- {
						if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
							b.Error(err)
							return
						}
						if _, _, err := c.Read(ctx); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
		})
	}
}
