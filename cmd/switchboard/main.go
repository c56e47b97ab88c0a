// Command switchboard serves WebSocket APIs defined like Amazon API Gateway's.
//
//	switchboard serve --config FILE [--listen HOST:PORT] [--admin HOST:PORT]   serve the stage
//	switchboard serve --template FILE [--parameter-overrides K=V ...] [--env-vars FILE]
//	                                                       serve a SAM/CloudFormation/CDK/serverless.yml definition
//	switchboard validate --config FILE | --template FILE   check a config file or template
//	switchboard synth --config FILE [--out FILE] [--format yaml|json]
//	                                                       write a SAM template that deploys the API to AWS
//	switchboard bench [flags] URL                          load-test a WebSocket API
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/switchboardhq/switchboard/internal/bench"
)

const usage = `usage:
  switchboard serve [--config FILE ...] [--template FILE [--parameter-overrides Key=Value ...] [--env-vars FILE]]
                    [--listen HOST:PORT] [--admin HOST:PORT] [--log-level LEVEL] [--log-format text|json]
  switchboard validate [--config FILE ...] [--template FILE [--parameter-overrides Key=Value ...] [--env-vars FILE]]
  switchboard synth --config FILE [--out FILE] [--format yaml|json]
  switchboard bench [flags] URL      (switchboard bench -h for flags)
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		ctx, stop := signalContext()
		defer stop()
		return serve(ctx, args[1:], stdout, stderr)
	case "validate":
		return validate(args[1:], stdout, stderr)
	case "synth":
		return synth(args[1:], stdout, stderr)
	case "bench":
		ctx, stop := signalContext()
		defer stop()
		return bench.Main(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "switchboard: unknown command %q\n%s", args[0], usage)
		return 2
	}
}

// signalContext is cancelled by the first SIGINT or SIGTERM, which starts a graceful shutdown;
// a second signal exits at once.
func signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		select {
		case <-ch:
			cancel()
		case <-ctx.Done():
			return
		}
		<-ch
		fmt.Fprintln(os.Stderr, "switchboard: second signal, exiting now")
		os.Exit(1)
	}()
	return ctx, func() {
		signal.Stop(ch)
		cancel()
	}
}
