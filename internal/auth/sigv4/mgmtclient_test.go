package sigv4_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/smithy-go"

	"github.com/switchboardhq/switchboard/internal/auth/sigv4"
)

// mgmtClient is the real ApiGatewayManagementApi client with static credentials, pointed at
// the stage URL of s as AWS's docs tell users to configure it.
func mgmtClient(s *server, id, key, clientRegion string) *apigatewaymanagementapi.Client {
	return apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		Region:       clientRegion,
		Credentials:  credentials.NewStaticCredentialsProvider(id, key, ""),
		BaseEndpoint: aws.String(s.URL + "/local"),
		HTTPClient:   s.Client(),
		Retryer:      aws.NopRetryer{},
	})
}

// TestManagementAPIClient signs with the real SDK client, which (v1.38.0) sends the path
// /local/@connections/<id with "=" as %3D> and signs it encoded once more; the verifier must
// agree for all three operations. (The fully encoded /local/%40connections/… form other SDKs
// send is covered by TestHeaderSignedRequests.)
func TestManagementAPIClient(t *testing.T) {
	s := newServer(t, newVerifier(t, nil), time.Now)
	c := mgmtClient(s, akid, secret, region)
	ctx := context.Background()
	const id = "BFHPhfCWIAMCKlQ="

	if _, err := c.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: []byte(`{"msg":"hi"}`)}); err != nil {
		t.Fatalf("PostToConnection: %v", err)
	}
	_, verr, uri := s.outcome()
	if verr != nil {
		t.Fatal(verr)
	}
	if uri != "/local/@connections/BFHPhfCWIAMCKlQ%3D" {
		t.Fatalf("request URI = %q, want the SDK's form /local/@connections/BFHPhfCWIAMCKlQ%%3D", uri)
	}
	if _, err := c.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(id)}); err != nil {
		t.Fatalf("GetConnection: %v", err)
	}
	if _, err := c.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(id)}); err != nil {
		t.Fatalf("DeleteConnection: %v", err)
	}
}

func TestManagementAPIClientRejected(t *testing.T) {
	s := newServer(t, newVerifier(t, nil), time.Now)
	ctx := context.Background()
	tests := []struct {
		name, id, key, region string
		cause                 error
		code                  string
	}{
		{"wrong secret", akid, "wrong", region, sigv4.ErrSignatureMismatch, "InvalidSignatureException"},
		{"unknown key", "AKIAUNKNOWN000000000", secret, region, sigv4.ErrUnknownAccessKey, "UnrecognizedClientException"},
		{"wrong region", akid, secret, "eu-central-1", sigv4.ErrInvalidScope, "InvalidSignatureException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mgmtClient(s, tc.id, tc.key, tc.region)
			_, err := c.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String("abc="), Data: []byte("x")})
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tc.code {
				t.Fatalf("client error = %v, want API error %s", err, tc.code)
			}
			_, verr, _ := s.outcome()
			wantCause(t, verr, tc.cause, http.StatusForbidden)
		})
	}
}
