package gofunc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/aws/aws-lambda-go/events"

	"github.com/switchboardhq/switchboard/internal/event"
	"github.com/switchboardhq/switchboard/internal/integration"
)

// AuthorizerHandler is the signature of a Go Lambda REQUEST authorizer, with aws-lambda-go's
// types; the same function can be passed to lambda.Start on AWS. Returning an error whose text
// is "Unauthorized" answers 401, as on AWS.
type AuthorizerHandler func(ctx context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error)

// Authorizer runs an AuthorizerHandler in the gateway's process through the JSON the gateway
// would send a Lambda authorizer, so the handler sees what it would see on AWS.
type Authorizer struct {
	h AuthorizerHandler
}

var (
	_ integration.RawInvoker = (*Authorizer)(nil)
	_ integration.Invoker    = (*Authorizer)(nil)
)

// NewAuthorizer wraps h.
func NewAuthorizer(h AuthorizerHandler) *Authorizer { return &Authorizer{h: h} }

// InvokeRaw decodes the authorizer event, calls the handler and encodes its result. A panic
// becomes a *PanicError.
func (a *Authorizer) InvokeRaw(ctx context.Context, payload []byte) (out []byte, err error) {
	if a.h == nil {
		return nil, errNilHandler
	}
	var req events.APIGatewayCustomAuthorizerRequestTypeRequest
	if err := json.Unmarshal(payload, &req); err != nil {
		return nil, fmt.Errorf("go authorizer: decoding event: %w", err)
	}
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	resp, err := a.h(ctx, req)
	if err != nil {
		return nil, err // kept as is: its text may be "Unauthorized"
	}
	return json.Marshal(resp)
}

// Invoke refuses: an authorizer answers $connect handshakes, it cannot handle a route.
func (a *Authorizer) Invoke(context.Context, *event.Request) (*event.Response, error) {
	return nil, errors.New("go authorizer: an authorizer cannot handle a route")
}
