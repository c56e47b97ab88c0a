package suite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// functionsConfig is the config `switchboard validate` checks to learn whether this build runs
// function routes: the same two functions bench/server adds with -functions.
const functionsConfig = `name: bench
stage: {name: bench}
routes:
  goecho:
    function: {handler: bench/functions/go/echo, runtime: go}
    returnResponse: true
  nodepost:
    function: {handler: bench/functions/node/handler.handler, runtime: nodejs20.x}
`

// functionRows runs the round trip through a warm Go function worker and the @connections echo
// of a Node.js function worker.
func (s *suite) functionRows(ctx context.Context) error {
	goSec := s.rep.section("Round trip: Go function worker",
		fmt.Sprintf("As the in-process rows, but the two-way route is a Go Lambda handler (aws-lambda-go, lambda.Start) run "+
			"by Switchboard's function workers over the Lambda Runtime API, reservedConcurrency %d; the load generator's "+
			"warmup starts the workers. Baseline: the bare echo server at the same C.", s.plan.functionLimit))
	nodeSec := s.rep.section("Node.js function worker: @connections echo",
		fmt.Sprintf("A Node.js Lambda handler (bench/functions/node/handler.js) on a one-way route echoes each message "+
			"with @aws-sdk/client-apigatewaymanagementapi's PostToConnection; Switchboard runs it in function workers "+
			"(reservedConcurrency %d). Baseline: serverless-offline (serverless %s, serverless-offline %s, default "+
			"settings but a 30 s function timeout) running the same file. Each side first gets the same unmeasured %s run at "+
			"the largest C, which starts its workers and lets V8 optimize the handler and the SDK. Memory is "+
			"the peak RSS of each side's whole process tree during the runs.", s.plan.functionLimit, slsVersion, slsOfflineVersion, s.plan.nodeWarmup))
	goRows := make(map[int]*Row)
	for _, c := range s.plan.loopConns {
		goRows[c] = goSec.add(&Row{Key: fmt.Sprintf("loop-gofunc-%d", c), Title: fmt.Sprintf("C = %s", thousands(c)), BaseName: "bare echo", Base: s.echoRuns[c]})
	}
	nodeRows := make(map[int]*Row)
	for _, c := range s.plan.nodeConns {
		nodeRows[c] = nodeSec.add(&Row{Key: fmt.Sprintf("node-%d", c), Title: fmt.Sprintf("C = %s", thousands(c)), BaseName: "serverless-offline"})
	}
	s.nodeRows = nodeRows

	if reason, ok := s.functionsAvailable(ctx); !ok {
		for _, r := range goRows {
			r.NotRun = reason
		}
		for _, r := range nodeRows {
			r.NotRun = reason
		}
		return nil
	}
	if err := s.goFunctionRows(ctx, goRows); err != nil {
		return err
	}
	if s.rep.Machine.Node == "" {
		for _, r := range nodeRows {
			r.NotRun = "Node.js is not installed"
		}
		return errorsOf(goSec)
	}
	if err := s.nodeFunctionRows(ctx, nodeRows); err != nil {
		return err
	}
	return errorsOf(goSec, nodeSec)
}

// goFunctionRows runs the Go function worker rows on a server of their own.
func (s *suite) goFunctionRows(ctx context.Context, rows map[int]*Row) error {
	s.progress("starting the benchmark server with function routes")
	sb, err := s.startSwitchboard(ctx, serveFunctions)
	if err != nil {
		return err
	}
	defer sb.stop()
	s.rep.Servers = append(s.rep.Servers, sb.command)
	for _, c := range s.plan.loopConns {
		s.progress("Go function worker, C = %d", c)
		row := rows[c]
		row.Sub, _, err = s.interleave(ctx, sb.URL, "", s.roundTripArgs(c, "goecho", ""))
		if fail(row, err) {
			return err
		}
	}
	return nil
}

// nodeFunctionRows runs the Node.js rows on a fresh server, so that its process tree holds the
// gateway and the Node.js workers only (the Go rows' workers would still be warm otherwise).
func (s *suite) nodeFunctionRows(ctx context.Context, rows map[int]*Row) error {
	s.progress("starting a fresh benchmark server for the Node.js rows")
	sb, err := s.startSwitchboard(ctx, serveFunctions)
	if err != nil {
		return err
	}
	defer sb.stop()
	s.progress("Node.js function worker: warming up")
	if err := s.nodeWarmup(ctx, sb.URL); err != nil {
		return err
	}
	for _, c := range s.plan.nodeConns {
		s.progress("Node.js function worker, C = %d", c)
		row := rows[c]
		use, err := measureUse(sb.pid(), func() error {
			var lerr error
			row.Sub, _, lerr = s.interleave(ctx, sb.URL, "", s.roundTripArgs(c, "nodepost", "post"))
			return lerr
		})
		if fail(row, err) {
			return err
		}
		row.Use = &rowUse{Sub: use, SubReplies: row.Sub.allReplies()}
	}
	return nil
}

// nodeWarmup is the unmeasured run that both sides of the Node.js rows get before them, at the
// largest C: it starts the workers and lets V8 optimize the handler and the SDK, which takes
// thousands of calls (a single process's SDK call costs about twice as much CPU in its first
// thousand calls as later).
func (s *suite) nodeWarmup(ctx context.Context, url string) error {
	if s.plan.nodeWarmup <= 0 {
		return nil
	}
	last := s.plan.nodeConns[len(s.plan.nodeConns)-1]
	_, err := s.runLoad(ctx, nil, url, "-c", fmt.Sprint(last), "--action", "nodepost", "--duration", s.plan.nodeWarmup.String(),
		"--timeout", s.plan.replyTimeout.String(), "--connect-rate", "0")
	return err
}

// functionsAvailable asks `switchboard validate` whether this build runs function routes; when
// it does not, it returns the reason.
func (s *suite) functionsAvailable(ctx context.Context) (string, bool) {
	path := filepath.Join(s.binDir, "functions.yaml")
	if err := os.WriteFile(path, []byte(functionsConfig), 0o644); err != nil {
		return "cannot write the probe config: " + err.Error(), false
	}
	cmd := exec.CommandContext(ctx, s.bin.switchboard, "validate", "--config", path)
	cmd.Dir = s.opts.Root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(out.String())
		if i := strings.IndexByte(msg, '\n'); i > 0 {
			msg = msg[:i]
		}
		return "function routes not available (`switchboard validate`: " + msg + ")", false
	}
	return "", true
}

// errorsOf names the failed rows of sections.
func errorsOf(secs ...*Section) error {
	errs := make([]error, 0, len(secs))
	for _, sec := range secs {
		errs = append(errs, sectionErr(sec))
	}
	return errors.Join(errs...)
}
