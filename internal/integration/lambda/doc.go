// Package lambda runs unmodified AWS Lambda handlers (Go with aws-lambda-go, Node.js, Python) as
// local worker processes that speak the Lambda Runtime API, so a route whose target is a function
// behaves as it does behind Amazon API Gateway.
//
// Entry points:
//
//   - New builds a Function (one per configured function) from Options: name, the merged
//     config.Function, the task root, cache directory, region, extra environment, the management
//     API's host names to redirect to the gateway (package redirect), concurrency limit, idle and
//     queue timeouts, and the logger.
//   - Function.Start prepares the handler (package runtimes finds it, picks the Node.js or Python
//     of its runtime, lays out its layers; Go handlers are built and cached), so a broken handler,
//     a runtime that cannot be had or a bad layer (*PropError) stops start-up. Workers start on
//     demand.
//   - Function.Invoke sends an event.Request and returns the decoded proxy response;
//     Function.InvokeRaw sends and returns raw JSON (authorizers).
//   - Function.Close stops every worker.
//   - Errors: *HandlerError for failures of the handler or its worker (errors.As; timeouts also
//     match context.DeadlineExceeded), integration.ErrThrottled when every worker stayed busy,
//     integration.ErrBadResponse for a result that is not a proxy response.
//
// How it works: each worker is one process with its own Runtime API server on 127.0.0.1:0
// (runtimeapi.go), given as AWS_LAMBDA_RUNTIME_API with the rest of Lambda's environment
// (env.go); the first Go worker of a function starts its redirecting proxy (HTTPS_PROXY). A worker runs one invocation at a time, as in classic Lambda; the pool (pool.go)
// reuses warm workers, cold-starts new ones up to the concurrency limit, queues beyond it, and
// stops idle ones. Each invocation (worker.go) has a deadline, the earlier of the caller's and
// the function timeout, past which the worker is killed; a worker over its memory size is killed
// too. Worker output and the START, END and REPORT lines go to the logger as CloudWatch would
// show them. The handler's sources are polled while the function is in use (reload.go): on a
// change it is prepared again and the old workers retire after their current invocation. If that
// Prepare fails (a Go build error, say), invocations fail with a Runtime.BuildError HandlerError
// until the sources change again, as a broken deployment fails Lambda's init: stale code never
// answers silently.
package lambda
