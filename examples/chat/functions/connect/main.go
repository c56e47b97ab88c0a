// Command connect is the chat example's $connect function: it puts the new connection in the
// room named by the query string (?room=, default "lobby"). It is an ordinary Lambda handler
// built with aws-lambda-go.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/switchboardhq/switchboard/examples/chat/functions/rooms"
)

var store *rooms.Store

func handler(_ context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	room := req.QueryStringParameters["room"]
	if room == "" {
		room = "lobby"
	}
	if err := store.Join(req.RequestContext.ConnectionID, room); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	log.Printf("connection %s joined room %q", req.RequestContext.ConnectionID, room)
	return events.APIGatewayProxyResponse{StatusCode: 200}, nil
}

func main() {
	var err error
	if store, err = rooms.Open(); err != nil {
		log.Fatal(err)
	}
	lambda.Start(handler)
}
