// Command disconnect is the chat example's $disconnect function: the connection leaves its
// room. It is an ordinary Lambda handler built with aws-lambda-go.
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
	if err := store.Leave(req.RequestContext.ConnectionID); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	log.Printf("connection %s left (close code %d)", req.RequestContext.ConnectionID, req.RequestContext.DisconnectStatusCode)
	return events.APIGatewayProxyResponse{StatusCode: 200}, nil
}

func main() {
	var err error
	if store, err = rooms.Open(); err != nil {
		log.Fatal(err)
	}
	lambda.Start(handler)
}
