// Command sendmessage is the chat example's sendMessage function: it broadcasts
// {"action":"sendMessage","data":"..."} to everyone in the sender's room through the
// @connections API. The client is built exactly as AWS's samples build it — the SDK's default
// configuration (credentials, region and CA bundle from the environment) and the endpoint
// https://{domainName}/{stage} from the event — so the same code runs on Lambda unchanged.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"

	"github.com/switchboardhq/switchboard/examples/chat/functions/rooms"
)

var (
	store  *rooms.Store
	awsCfg aws.Config
)

func handler(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	var in struct {
		Data string `json:"data"`
	}
	if err := json.Unmarshal([]byte(req.Body), &in); err != nil {
		return events.APIGatewayProxyResponse{StatusCode: 400}, nil
	}
	rc := req.RequestContext
	room, members, err := store.Room(rc.ConnectionID)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	msg, err := json.Marshal(map[string]string{"room": room, "from": rc.ConnectionID, "data": in.Data})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	client := apigatewaymanagementapi.NewFromConfig(awsCfg, func(o *apigatewaymanagementapi.Options) {
		o.BaseEndpoint = aws.String(fmt.Sprintf("https://%s/%s", rc.DomainName, rc.Stage))
	})
	for _, id := range members {
		_, err := client.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{
			ConnectionId: aws.String(id),
			Data:         msg,
		})
		var gone *types.GoneException
		if errors.As(err, &gone) {
			// The connection closed without its $disconnect reaching the store (a restart, say):
			// forget it, as AWS's samples delete stale connections.
			if err := store.Leave(id); err != nil {
				return events.APIGatewayProxyResponse{}, err
			}
			continue
		}
		if err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
	}
	return events.APIGatewayProxyResponse{StatusCode: 200}, nil
}

func main() {
	var err error
	if store, err = rooms.Open(); err != nil {
		log.Fatal(err)
	}
	if awsCfg, err = config.LoadDefaultConfig(context.Background()); err != nil {
		log.Fatal(err)
	}
	lambda.Start(handler)
}
