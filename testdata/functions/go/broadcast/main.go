// Command broadcast is a chat-style WebSocket handler written as one deployed to AWS Lambda with
// aws-lambda-go and aws-sdk-go-v2, for the end-to-end tests of the management API's host names:
//
//	$connect                    appends the connection id to $CONNECTIONS_FILE (AWS's sample keeps
//	                            them in a DynamoDB table)
//	{"data":"x","via":"..."}    calls $SERVICE_URL (trusting $SERVICE_CA), then posts
//	                            "go: x (service: <its reply>)" to every connection in the file
//	                            with an ApiGatewayManagementApi client whose endpoint is, by via:
//	                            "execute-api" (default) https://{apiId}.execute-api.{AWS_REGION}.amazonaws.com/{stage},
//	                            "domain" https://{domainName}/{stage}, "env" none (the SDK reads
//	                            AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI), "custom"
//	                            $CUSTOM_DOMAIN_ENDPOINT (https://{custom domain}/{path})
//	{"do":"context"}            replies {"env": {...}, "context": {...}}: the environment and the
//	                            invocation context, as the handler sees them
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
)

var awsCfg aws.Config

func handler(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	rc := req.RequestContext
	if rc.RouteKey == "$connect" {
		f, err := os.OpenFile(os.Getenv("CONNECTIONS_FILE"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
		defer f.Close()
		_, err = fmt.Fprintln(f, rc.ConnectionID)
		return events.APIGatewayProxyResponse{StatusCode: 200}, err
	}
	if rc.RouteKey == "$disconnect" {
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	}
	var in struct {
		Do   string `json:"do"`
		Data string `json:"data"`
		Via  string `json:"via"`
	}
	if err := json.Unmarshal([]byte(req.Body), &in); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	if in.Do == "context" {
		return contextReply(ctx)
	}
	service, err := callService(ctx)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	var client *apigatewaymanagementapi.Client
	switch in.Via {
	case "", "execute-api":
		endpoint := fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com/%s", rc.APIID, os.Getenv("AWS_REGION"), rc.Stage)
		client = apigatewaymanagementapi.NewFromConfig(awsCfg, func(o *apigatewaymanagementapi.Options) { o.BaseEndpoint = aws.String(endpoint) })
	case "domain":
		endpoint := fmt.Sprintf("https://%s/%s", rc.DomainName, rc.Stage)
		client = apigatewaymanagementapi.NewFromConfig(awsCfg, func(o *apigatewaymanagementapi.Options) { o.BaseEndpoint = aws.String(endpoint) })
	case "env":
		client = apigatewaymanagementapi.NewFromConfig(awsCfg)
	case "custom":
		endpoint := os.Getenv("CUSTOM_DOMAIN_ENDPOINT")
		client = apigatewaymanagementapi.NewFromConfig(awsCfg, func(o *apigatewaymanagementapi.Options) { o.BaseEndpoint = aws.String(endpoint) })
	default:
		return events.APIGatewayProxyResponse{}, fmt.Errorf("unknown via %q", in.Via)
	}
	ids, err := os.ReadFile(os.Getenv("CONNECTIONS_FILE"))
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	msg := fmt.Sprintf("go: %s (service: %s)", in.Data, service)
	for _, id := range strings.Fields(string(ids)) {
		if _, err := client.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{
			ConnectionId: aws.String(id), Data: []byte(msg),
		}); err != nil {
			return events.APIGatewayProxyResponse{}, fmt.Errorf("post to %s: %w", id, err)
		}
	}
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: "Data sent."}, nil
}

// callService gets $SERVICE_URL with an HTTP client that trusts $SERVICE_CA, through the default
// transport's proxy settings (HTTPS_PROXY), as any Go handler's HTTP client does. "" when
// SERVICE_URL is not set.
func callService(ctx context.Context) (string, error) {
	url := os.Getenv("SERVICE_URL")
	if url == "" {
		return "", nil
	}
	pem, err := os.ReadFile(os.Getenv("SERVICE_CA"))
	if err != nil {
		return "", err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return string(body), err
}

// contextReply is the environment and the invocation context as the handler sees them.
func contextReply(ctx context.Context) (events.APIGatewayProxyResponse, error) {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	lc, _ := lambdacontext.FromContext(ctx)
	deadline, _ := ctx.Deadline()
	out := map[string]any{
		"env": env,
		"context": map[string]any{
			"functionName":          lambdacontext.FunctionName,
			"functionVersion":       lambdacontext.FunctionVersion,
			"memoryLimitInMB":       lambdacontext.MemoryLimitInMB,
			"logGroupName":          lambdacontext.LogGroupName,
			"logStreamName":         lambdacontext.LogStreamName,
			"awsRequestId":          lc.AwsRequestID,
			"invokedFunctionArn":    lc.InvokedFunctionArn,
			"remainingTimeInMillis": time.Until(deadline).Milliseconds(),
		},
	}
	b, err := json.Marshal(out)
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: string(b)}, err
}

func main() {
	var err error
	if awsCfg, err = config.LoadDefaultConfig(context.Background()); err != nil {
		log.Fatal(err)
	}
	lambda.Start(handler)
}
