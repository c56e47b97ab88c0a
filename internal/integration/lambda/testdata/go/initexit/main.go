// Command initexit is a handler whose initialisation fails unless TABLE_NAME is set, as a
// deployed function does when its configuration is missing: it exits before asking for an event.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

var table string

func init() {
	table = os.Getenv("TABLE_NAME")
	if table == "" {
		log.Fatal("TABLE_NAME is not set")
	}
}

func handler(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: table}, nil
}

func main() {
	lambda.Start(handler)
}
