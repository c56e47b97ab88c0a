package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
)

// chat holds the rooms. On AWS this would be a DynamoDB table keyed by connection id; the
// handlers below are ordinary Lambda handlers and would run there unchanged with such a store.
type chat struct {
	log   *slog.Logger
	mu    sync.Mutex
	rooms map[string]map[string]bool // room -> connection ids
	room  map[string]string          // connection id -> room
}

func newChat(log *slog.Logger) *chat {
	return &chat{log: log, rooms: map[string]map[string]bool{}, room: map[string]string{}}
}

// connect joins the room named by ?room= (default "lobby").
func (c *chat) connect(_ context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	room := req.QueryStringParameters["room"]
	if room == "" {
		room = "lobby"
	}
	id := req.RequestContext.ConnectionID
	c.mu.Lock()
	if c.rooms[room] == nil {
		c.rooms[room] = map[string]bool{}
	}
	c.rooms[room][id] = true
	c.room[id] = room
	c.mu.Unlock()
	c.log.Info("joined", "room", room, "connectionId", id)
	return events.APIGatewayProxyResponse{StatusCode: 200}, nil
}

// disconnect leaves the room.
func (c *chat) disconnect(_ context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	id := req.RequestContext.ConnectionID
	c.mu.Lock()
	room := c.room[id]
	delete(c.rooms[room], id)
	delete(c.room, id)
	c.mu.Unlock()
	c.log.Info("left", "room", room, "connectionId", id, "code", req.RequestContext.DisconnectStatusCode)
	return events.APIGatewayProxyResponse{StatusCode: 200}, nil
}

// sendMessage broadcasts {"action":"sendMessage","data":"..."} to the sender's room through the
// @connections API, with the AWS SDK client built from the event exactly as AWS's samples do
// (http here: the stage is served over plain HTTP on loopback).
func (c *chat) sendMessage(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	var in struct {
		Data string `json:"data"`
	}
	if err := json.Unmarshal([]byte(req.Body), &in); err != nil {
		return events.APIGatewayProxyResponse{StatusCode: 400}, nil
	}
	sender := req.RequestContext.ConnectionID
	c.mu.Lock()
	room := c.room[sender]
	var members []string
	for id := range c.rooms[room] {
		members = append(members, id)
	}
	c.mu.Unlock()

	msg, _ := json.Marshal(map[string]string{"room": room, "from": sender, "data": in.Data})
	client := apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://" + req.RequestContext.DomainName + "/" + req.RequestContext.Stage),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	for _, id := range members {
		_, err := client.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{
			ConnectionId: aws.String(id), Data: msg,
		})
		var gone *types.GoneException
		if errors.As(err, &gone) {
			continue // left between our read of the room and the post, as happens on AWS
		}
		if err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
	}
	return events.APIGatewayProxyResponse{StatusCode: 200}, nil
}

// fallback answers anything that is not a known action (a two-way $default route).
func (c *chat) fallback(_ context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	body, _ := json.Marshal(map[string]string{
		"error": `unknown message; send {"action":"sendMessage","data":"hello"}`,
	})
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: string(body)}, nil
}
