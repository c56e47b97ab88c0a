package gofunc

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/switchboardhq/switchboard/internal/event"
	"github.com/switchboardhq/switchboard/internal/integration"
)

var now = time.UnixMilli(1705751708326)

func testConn() *event.Conn {
	return &event.Conn{
		ConnectionID:   "R1kmxc2VNjMCFIA=",
		ConnectedAt:    1705751697419,
		Identity:       event.Identity{SourceIP: "203.0.113.7", UserAgent: "agent/1", AccessKey: "AKIDEXAMPLE", AccountID: "123456789012", Caller: "c", User: "u", UserARN: "arn:aws:iam::123456789012:user/u"},
		DomainName:     "abc.execute-api.us-east-1.amazonaws.com",
		Stage:          "prod",
		APIID:          "abc",
		Authorizer:     map[string]any{"principalId": "user-1", "integrationLatency": 12, "count": int64(3), "ok": true, "nested": map[string]any{"n": 1}, "list": []int{1, 2}, "f32": float32(0.1)},
		StageVariables: map[string]string{"table": "chat"},
	}
}

func testEvents() map[string]*event.Request {
	c := testConn()
	h := http.Header{"Sec-Websocket-Key": {"k"}, "X-Multi": {"1", "2"}}
	q := url.Values{"a": {"1", "2"}, "b": {""}}
	plain := testConn()
	plain.Authorizer, plain.StageVariables = nil, nil
	return map[string]*event.Request{
		"connect":       c.Connect("R1koeHsUtjMFbRw=", now, h, q, "192.0.2.1"),
		"message":       c.Message("R1knPH17NjMFftw=", "R1knPc2ntjMCFIA=", now, "chat", `{"action":"chat"}`, false),
		"empty message": plain.Message("R1knPH17NjMFftw=", "R1knPc2ntjMCFIA=", now, "$default", "", false),
		"binary":        plain.Message("R1knPH17NjMFftw=", "R1knPc2ntjMCFIA=", now, "$default", "AAEC", true),
		"disconnect":    c.Disconnect("R1koeHsUtjMFbRw=", now, 1001, ""),
	}
}

// The field-by-field conversion must give exactly what aws-lambda-go decodes from the event's
// JSON on AWS Lambda.
func TestConversionMatchesJSON(t *testing.T) {
	for name, req := range testEvents() {
		t.Run(name, func(t *testing.T) {
			data, err := json.Marshal(req)
			if err != nil {
				t.Fatal(err)
			}
			var want events.APIGatewayWebsocketProxyRequest
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			got := toLambdaRequest(req)
			if !reflect.DeepEqual(got, want) {
				gotJSON, _ := json.Marshal(got)
				t.Errorf("conversion differs from JSON decoding\n got %s\nwant %s", gotJSON, data)
			}
		})
	}
}

func TestInvokeDeliversEventAndContext(t *testing.T) {
	req := testEvents()["message"]
	var (
		gotReq      events.APIGatewayWebsocketProxyRequest
		gotLC       *lambdacontext.LambdaContext
		gotDeadline time.Time
	)
	inv := New(func(ctx context.Context, r events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		gotReq = r
		gotLC, _ = lambdacontext.FromContext(ctx)
		gotDeadline, _ = ctx.Deadline()
		return events.APIGatewayProxyResponse{
			StatusCode:        200,
			Headers:           map[string]string{"Sec-WebSocket-Protocol": "chat"},
			MultiValueHeaders: map[string][]string{},
			Body:              "pong",
		}, nil
	})
	deadline := time.Now().Add(time.Hour)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	resp, err := inv.Invoke(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	want := &event.Response{StatusCode: 200, Headers: map[string]string{"Sec-WebSocket-Protocol": "chat"}, Body: "pong"}
	if !reflect.DeepEqual(resp, want) {
		t.Errorf("response = %#v, want %#v", resp, want)
	}
	if gotReq.RequestContext.RouteKey != "chat" || gotReq.Body != `{"action":"chat"}` || gotReq.RequestContext.MessageID != "R1knPc2ntjMCFIA=" {
		t.Errorf("handler got %+v", gotReq)
	}
	if gotLC == nil || gotLC.AwsRequestID != "R1knPH17NjMFftw=" {
		t.Errorf("lambdacontext = %+v, want AwsRequestID R1knPH17NjMFftw=", gotLC)
	}
	if !gotDeadline.Equal(deadline) {
		t.Errorf("handler deadline %v, want %v", gotDeadline, deadline)
	}
}

func TestInvokeWithoutDeadlineRunsInline(t *testing.T) {
	inv := New(func(ctx context.Context, r events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		if _, ok := lambdacontext.FromContext(ctx); !ok {
			t.Error("no LambdaContext")
		}
		return events.APIGatewayProxyResponse{StatusCode: 204}, nil
	})
	resp, err := inv.Invoke(context.Background(), testEvents()["disconnect"])
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("Invoke = %+v, %v", resp, err)
	}
}

func TestInvokeHandlerError(t *testing.T) {
	boom := errors.New("boom")
	inv := New(func(context.Context, events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200}, boom
	})
	resp, err := inv.Invoke(context.Background(), testEvents()["message"])
	if !errors.Is(err, boom) || resp != nil {
		t.Fatalf("Invoke = %v, %v; want nil, error wrapping boom", resp, err)
	}
}

func TestInvokeRecoversPanic(t *testing.T) {
	inv := New(func(context.Context, events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		var m map[string]int
		m["x"] = 1 // assignment to a nil map
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	})
	for _, ctx := range []context.Context{context.Background(), ctxWithTimeout(t, time.Hour)} {
		resp, err := inv.Invoke(ctx, testEvents()["message"])
		var pe *PanicError
		if !errors.As(err, &pe) || resp != nil {
			t.Fatalf("Invoke = %v, %v; want a *PanicError", resp, err)
		}
		if len(pe.Stack) == 0 || pe.Value == nil {
			t.Errorf("PanicError = %+v", pe)
		}
	}
}

func TestInvokeDeadline(t *testing.T) {
	release := make(chan struct{})
	finished := make(chan struct{})
	inv := New(func(ctx context.Context, r events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		defer close(finished)
		<-release // ignores ctx, like a handler stuck in a call without a context
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	resp, err := inv.Invoke(ctx, testEvents()["message"])
	if !errors.Is(err, context.DeadlineExceeded) || resp != nil {
		t.Fatalf("Invoke = %v, %v; want an error wrapping context.DeadlineExceeded", resp, err)
	}
	close(release)
	<-finished // the abandoned handler can still complete: its result channel is buffered
}

func TestInvokeCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	inv := New(func(ctx context.Context, r events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		cancel()
		<-ctx.Done()
		return events.APIGatewayProxyResponse{}, ctx.Err()
	})
	if _, err := inv.Invoke(ctx, testEvents()["message"]); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestInvokeBadStatus(t *testing.T) {
	inv := New(func(context.Context, events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{}, nil // StatusCode 0
	})
	resp, err := inv.Invoke(context.Background(), testEvents()["message"])
	if !errors.Is(err, integration.ErrBadResponse) || !errors.Is(err, event.ErrBadResponse) || resp != nil {
		t.Fatalf("Invoke = %v, %v; want ErrBadResponse", resp, err)
	}
}

// A Lambda handler owns its event: changing it must not change the gateway's request, whose
// maps are shared by every event of the connection.
func TestHandlerCannotModifyGatewayState(t *testing.T) {
	req := testEvents()["connect"]
	before, _ := json.Marshal(req)
	shared := map[string]string{"A": "1"}
	inv := New(func(ctx context.Context, r events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		r.Headers["Host"] = "evil"
		r.MultiValueHeaders["X-Multi"][0] = "evil"
		r.QueryStringParameters["a"] = "evil"
		r.MultiValueQueryStringParameters["a"][0] = "evil"
		r.StageVariables["table"] = "evil"
		r.RequestContext.Authorizer.(map[string]any)["principalId"] = "evil"
		return events.APIGatewayProxyResponse{StatusCode: 200, Headers: shared}, nil
	})
	resp, err := inv.Invoke(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if after, _ := json.Marshal(req); string(after) != string(before) {
		t.Errorf("the handler changed the request\nbefore %s\nafter  %s", before, after)
	}
	shared["A"] = "2"
	if resp.Headers["A"] != "1" {
		t.Error("the response aliases the handler's headers map")
	}
}

func TestNilHandler(t *testing.T) {
	inv := New(nil)
	if err := inv.Start(context.Background()); err == nil {
		t.Error("Start with a nil handler succeeded")
	}
	if resp, err := inv.Invoke(context.Background(), testEvents()["message"]); err == nil || resp != nil {
		t.Errorf("Invoke with a nil handler = %v, %v", resp, err)
	}
	if err := New(func(context.Context, events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{}, nil
	}).Start(context.Background()); err != nil {
		t.Errorf("Start: %v", err)
	}
}

func ctxWithTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func BenchmarkInvokeMessage(b *testing.B) {
	c := testConn()
	c.Authorizer, c.StageVariables = nil, nil
	req := c.Message("R1knPH17NjMFftw=", "R1knPc2ntjMCFIA=", now, "$default", `{"action":"chat","text":"hello"}`, false)
	inv := New(func(ctx context.Context, r events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: r.Body}, nil
	})
	b.Run("no-deadline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := inv.Invoke(context.Background(), req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("deadline", func(b *testing.B) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := inv.Invoke(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The alternative the conversion avoids: encoding the event and decoding it again.
	b.Run("json-round-trip", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			data, _ := json.Marshal(req)
			var ev events.APIGatewayWebsocketProxyRequest
			if err := json.Unmarshal(data, &ev); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("convert", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = toLambdaRequest(req)
		}
	})
}
