package gofunc

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/switchboardhq/switchboard/internal/integration"
)

func TestInvokeInlineDeliversEventAndContext(t *testing.T) {
	deadline := time.Now().Add(time.Hour)
	var gotDeadline time.Time
	var gotID, gotBody string
	inv := New(func(ctx context.Context, r events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		gotDeadline, _ = ctx.Deadline()
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			gotID = lc.AwsRequestID
		}
		gotBody = r.Body
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "re: " + r.Body}, nil
	})
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	resp, err := inv.InvokeInline(ctx, testEvents()["message"])
	if err != nil || resp.StatusCode != 200 || resp.Body != `re: {"action":"chat"}` {
		t.Fatalf("InvokeInline = %+v, %v", resp, err)
	}
	if !gotDeadline.Equal(deadline) || gotID != "R1knPH17NjMFftw=" || gotBody != `{"action":"chat"}` {
		t.Errorf("handler saw deadline %v, request id %q, body %q", gotDeadline, gotID, gotBody)
	}
}

// TestInvokeInlineLateResult: InvokeInline waits for a handler that ignores ctx, then discards
// its result and reports the deadline, as Invoke would have at the deadline.
func TestInvokeInlineLateResult(t *testing.T) {
	inv := New(func(ctx context.Context, r events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		<-ctx.Done() // returns only after the deadline, with a result all the same
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "late"}, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	resp, err := inv.InvokeInline(ctx, testEvents()["message"])
	if !errors.Is(err, context.DeadlineExceeded) || resp != nil {
		t.Fatalf("InvokeInline = %v, %v; want an error wrapping context.DeadlineExceeded", resp, err)
	}
}

func TestInvokeInlineErrors(t *testing.T) {
	boom := errors.New("boom")
	cases := map[string]struct {
		h    Handler
		want func(error) bool
	}{
		"handler error": {func(context.Context, events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
			return events.APIGatewayProxyResponse{}, boom
		}, func(err error) bool { return errors.Is(err, boom) }},
		"panic": {func(context.Context, events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
			panic("oops")
		}, func(err error) bool { var pe *PanicError; return errors.As(err, &pe) && pe.Value == "oops" }},
		"bad status": {func(context.Context, events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
			return events.APIGatewayProxyResponse{StatusCode: 42}, nil
		}, func(err error) bool { return errors.Is(err, integration.ErrBadResponse) }},
		"nil handler": {nil, func(err error) bool { return errors.Is(err, errNilHandler) }},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resp, err := New(tc.h).InvokeInline(context.Background(), testEvents()["message"])
			if resp != nil || !tc.want(err) {
				t.Fatalf("InvokeInline = %v, %v", resp, err)
			}
		})
	}
}

// BenchmarkInvokeInline is BenchmarkInvokeMessage/deadline without the watching goroutine.
func BenchmarkInvokeInline(b *testing.B) {
	c := testConn()
	c.Authorizer, c.StageVariables = nil, nil
	req := c.Message("R1knPH17NjMFftw=", "R1knPc2ntjMCFIA=", now, "$default", `{"action":"chat","text":"hello"}`, false)
	inv := New(func(ctx context.Context, r events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: r.Body}, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := inv.InvokeInline(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
