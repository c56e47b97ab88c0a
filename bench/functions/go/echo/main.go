// Command echo is the Go Lambda handler of the benchmark's function-worker rows (route goecho):
// written exactly as for AWS Lambda with aws-lambda-go, it answers every message of a two-way
// route with the message itself.
package main

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handler(_ context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Body: req.Body}, nil
}

func main() {
	lambda.Start(handler)
}
