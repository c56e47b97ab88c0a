// Command rawresponse is a handler whose result is not JSON: aws-lambda-go passes an io.Reader
// result through unchanged.
package main

import (
	"context"
	"io"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handler(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (io.Reader, error) {
	return strings.NewReader("this is not JSON"), nil
}

func main() {
	lambda.Start(handler)
}
