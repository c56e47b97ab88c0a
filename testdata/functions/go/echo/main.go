// Command echo is a WebSocket API handler written exactly as one deployed to AWS Lambda with
// aws-lambda-go, for the end-to-end tests of function routes. What it does depends on the route
// and on the message's "do", or its "action" when it has no "do":
//
//	$connect                       200, or 403 when the query has deny=1
//	$disconnect                    appends the connection id to $DISCONNECT_LOG, if set
//	{"action":"echo","data":"x"}   replies x
//	{"action":"whoami"}            replies the connection id
//	{"action":"seq","n":3}         replies "3" after sleeping 3 ms less the more n grows, so
//	                               that concurrent handling would reorder the replies
//	{"action":"crash"}             writes a line to stderr and exits with status 2
//	{"action":"hang"}              sleeps a minute, past any test's function timeout
//	{"action":"notjson"}           returns a result that is not JSON
//	{"action":"env","keys":[...]}  replies a JSON object of those environment variables
//
// With FAIL_INIT set it fails its initialisation, as a handler whose configuration is missing
// does, and never calls lambda.Start.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type message struct {
	Action string   `json:"action"`
	Do     string   `json:"do"`
	Data   string   `json:"data"`
	N      int      `json:"n"`
	Keys   []string `json:"keys"`
}

func handler(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (any, error) {
	rc := req.RequestContext
	switch rc.RouteKey {
	case "$connect":
		if req.QueryStringParameters["deny"] == "1" {
			return events.APIGatewayProxyResponse{StatusCode: 403}, nil
		}
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	case "$disconnect":
		if path := os.Getenv("DISCONNECT_LOG"); path != "" {
			f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			if _, err := fmt.Fprintln(f, rc.ConnectionID); err != nil {
				return nil, err
			}
		}
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	}
	var m message
	if err := json.Unmarshal([]byte(req.Body), &m); err != nil {
		return nil, fmt.Errorf("message is not JSON: %w", err)
	}
	reply := func(body string) (any, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: body}, nil
	}
	op := m.Action
	if m.Do != "" {
		op = m.Do
	}
	switch op {
	case "echo":
		return reply(m.Data)
	case "whoami":
		return reply(rc.ConnectionID)
	case "seq":
		if d := 20 - m.N; d > 0 {
			time.Sleep(time.Duration(d) * time.Millisecond)
		}
		return reply(strconv.Itoa(m.N))
	case "crash":
		lc, _ := lambdacontext.FromContext(ctx)
		fmt.Fprintln(os.Stderr, "echo: crashing on purpose in invocation", lc.AwsRequestID)
		os.Exit(2)
	case "hang":
		time.Sleep(time.Minute)
		return reply("woke up")
	case "notjson":
		// aws-lambda-go passes an io.Reader result through unchanged.
		return strings.NewReader("this is not JSON"), nil
	case "env":
		out := map[string]string{}
		for _, k := range m.Keys {
			if v, ok := os.LookupEnv(k); ok {
				out[k] = v
			}
		}
		b, err := json.Marshal(out)
		if err != nil {
			return nil, err
		}
		return reply(string(b))
	}
	return nil, fmt.Errorf("unknown action %q", op)
}

func main() {
	if os.Getenv("FAIL_INIT") != "" {
		log.Fatal("echo: configuration missing: FAIL_INIT is set")
	}
	lambda.Start(handler)
}
