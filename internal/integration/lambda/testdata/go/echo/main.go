// Command echo is a WebSocket route handler written exactly as one deployed to AWS Lambda with
// aws-lambda-go. The JSON message body picks what it does, so one build serves every pool test:
//
//	{"echo": "hi"}              reply with "hi"
//	{"sleepMs": 500}            sleep first (ignoring the deadline, like a hung handler)
//	{"allocMb": 64}             allocate and touch that much memory first
//	{"fail": "Unauthorized"}    return an error
//	{"panic": "boom"}           panic
//	{"exit": 3}                 exit the process mid-invocation
//	{"print": "line"}           write the line to stdout and stderr
//	{"print": "l", "repeat": 9}  … that many times
//	{"env": ["AWS_REGION"]}     report those environment variables
//
// With ECHO_DROP_ON_SIGTERM set, SIGTERM makes it hang up its sockets and exit 300 ms later.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// version is what the reply reports; the live-reload test edits it.
const version = "v1"

type command struct {
	Echo    string   `json:"echo"`
	SleepMS int      `json:"sleepMs"`
	AllocMB int      `json:"allocMb"`
	Fail    string   `json:"fail"`
	Panic   string   `json:"panic"`
	Exit    int      `json:"exit"`
	Print   string   `json:"print"`
	Repeat  int      `json:"repeat"`
	Env     []string `json:"env"`
}

type reply struct {
	Version      string            `json:"version"`
	PID          int               `json:"pid"`
	Echo         string            `json:"echo"`
	RequestID    string            `json:"requestId"`
	FunctionARN  string            `json:"functionArn"`
	DeadlineInMS int64             `json:"deadlineInMs"`
	ConnectionID string            `json:"connectionId"`
	RouteKey     string            `json:"routeKey"`
	Env          map[string]string `json:"env,omitempty"`
	Cwd          string            `json:"cwd"`
}

// retained keeps allocated memory reachable until the process dies.
var retained [][]byte

func handler(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	var cmd command
	if req.Body != "" {
		if err := json.Unmarshal([]byte(req.Body), &cmd); err != nil {
			return events.APIGatewayProxyResponse{StatusCode: 400, Body: "bad command: " + err.Error()}, nil
		}
	}
	for i := 0; cmd.Print != "" && i < max(cmd.Repeat, 1); i++ {
		fmt.Println(cmd.Print)
		log.Print(cmd.Print)
	}
	for i := 0; i < cmd.AllocMB; i++ {
		b := make([]byte, 1<<20)
		for j := range b {
			b[j] = byte(j)
		}
		retained = append(retained, b)
	}
	if cmd.SleepMS > 0 {
		time.Sleep(time.Duration(cmd.SleepMS) * time.Millisecond)
	}
	if cmd.Exit != 0 {
		log.Printf("exiting with %d", cmd.Exit)
		os.Exit(cmd.Exit)
	}
	if cmd.Panic != "" {
		panic(cmd.Panic)
	}
	if cmd.Fail != "" {
		return events.APIGatewayProxyResponse{}, errors.New(cmd.Fail)
	}
	out := reply{
		Version:      version,
		PID:          os.Getpid(),
		Echo:         cmd.Echo,
		ConnectionID: req.RequestContext.ConnectionID,
		RouteKey:     req.RequestContext.RouteKey,
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		out.RequestID = lc.AwsRequestID
		out.FunctionARN = lc.InvokedFunctionArn
	}
	if d, ok := ctx.Deadline(); ok {
		out.DeadlineInMS = time.Until(d).Milliseconds()
	}
	if len(cmd.Env) > 0 {
		out.Env = map[string]string{}
		for _, k := range cmd.Env {
			if v, ok := os.LookupEnv(k); ok {
				out.Env[k] = v
			}
		}
	}
	out.Cwd, _ = os.Getwd()
	body, err := json.Marshal(out)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: string(body)}, nil
}

func main() {
	if os.Getenv("ECHO_DROP_ON_SIGTERM") != "" {
		go dropOnSIGTERM()
	}
	lambda.Start(handler)
}

// dropOnSIGTERM makes the process, once sent SIGTERM, hang up its sockets (the Runtime API
// connection with its pending request for the next event among them) and exit a little later,
// as a runtime that shuts down in steps does.
func dropOnSIGTERM() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	entries, _ := os.ReadDir("/proc/self/fd")
	for _, e := range entries {
		if target, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && strings.HasPrefix(target, "socket:") {
			if fd, err := strconv.Atoi(e.Name()); err == nil {
				_ = syscall.Shutdown(fd, syscall.SHUT_RDWR)
			}
		}
	}
	time.Sleep(300 * time.Millisecond)
	os.Exit(0)
}
