// Command authorizer is a Lambda REQUEST authorizer written exactly as for AWS: it allows the
// token "letmein" (query string), with a context, answers "Unauthorized" for any other token and
// denies "blocked".
package main

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handler(_ context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	effect := "Allow"
	switch req.QueryStringParameters["token"] {
	case "letmein":
	case "blocked":
		effect = "Deny"
	default:
		return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
	}
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: "worker-user",
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
			{Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: []string{req.MethodArn}},
		}},
		Context: map[string]interface{}{"plan": "pro"},
	}, nil
}

func main() { lambda.Start(handler) }
