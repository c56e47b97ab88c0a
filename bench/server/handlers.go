package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"

	"github.com/switchboardhq/switchboard"
)

// handlers are the in-process route handlers. They need the API itself (post) and a management
// client pointed at it (sdkpost), which exist only once the API is started: attach provides them.
type handlers struct {
	api    atomic.Pointer[switchboard.API]
	client atomic.Pointer[apigatewaymanagementapi.Client]

	open     atomic.Int64 // connections past $connect and not yet past $disconnect
	connects atomic.Int64 // $connect invocations
}

var (
	errNotReady = errors.New("benchmark server: API not attached yet")
	ok          = events.APIGatewayProxyResponse{StatusCode: http.StatusOK}
)

// attach gives the handlers the running API and builds the @connections client for its
// management endpoint (http://host:port/stage): a real aws-sdk-go-v2 client with static credentials (the endpoint is
// loopback, which Switchboard accepts unsigned or signed) and enough idle keep-alive
// connections for every concurrent handler.
func (h *handlers) attach(api *switchboard.API, managementEndpoint string) {
	h.api.Store(api)
	h.client.Store(apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(managementEndpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("bench", "bench", ""),
		HTTPClient:   &http.Client{Transport: &http.Transport{MaxIdleConns: 4096, MaxIdleConnsPerHost: 4096}},
	}))
}

// routes returns the route table; functions, when set, is the directory holding the function
// handlers, and workers the reserved concurrency of each function (0 = default).
func (h *handlers) routes(functions string, workers int) (map[string]switchboard.Route, error) {
	routes := map[string]switchboard.Route{
		"$connect":    {Handler: h.connect},
		"$disconnect": {Handler: h.disconnect},
		"echo":        {Handler: echo, ReturnResponse: true},
		"post":        {Handler: h.post},
		"sdkpost":     {Handler: h.sdkPost},
	}
	if functions == "" {
		return routes, nil
	}
	goDir := filepath.Join(functions, "go", "echo")
	nodeFile := filepath.Join(functions, "node", "handler.js")
	for _, p := range []string{goDir, nodeFile} {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("-functions: %w", err)
		}
	}
	routes["goecho"] = switchboard.Route{
		Function:       &switchboard.FunctionProps{Handler: goDir, Runtime: "go", ReservedConcurrency: workers},
		ReturnResponse: true,
	}
	routes["nodepost"] = switchboard.Route{
		Function: &switchboard.FunctionProps{
			Handler:             filepath.Join(functions, "node", "handler.handler"),
			Runtime:             "nodejs20.x",
			ReservedConcurrency: workers,
		},
	}
	return routes, nil
}

func (h *handlers) connect(context.Context, events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	h.connects.Add(1)
	h.open.Add(1)
	return ok, nil
}

func (h *handlers) disconnect(context.Context, events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	h.open.Add(-1)
	return ok, nil
}

// echo is the two-way route: the response body is the message.
func echo(_ context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Body: req.Body}, nil
}

// post echoes through the Go API's PostToConnection: the @connections path without HTTP.
func (h *handlers) post(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	api := h.api.Load()
	if api == nil {
		return events.APIGatewayProxyResponse{}, errNotReady
	}
	if err := api.PostToConnection(ctx, req.RequestContext.ConnectionID, []byte(req.Body)); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return ok, nil
}

// sdkPost echoes through an HTTP POST to @connections, as a Lambda function behind API Gateway
// does with the AWS SDK.
func (h *handlers) sdkPost(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	client := h.client.Load()
	if client == nil {
		return events.APIGatewayProxyResponse{}, errNotReady
	}
	_, err := client.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{
		ConnectionId: aws.String(req.RequestContext.ConnectionID),
		Data:         []byte(req.Body),
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return ok, nil
}
