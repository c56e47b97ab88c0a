// Package suite is Switchboard's benchmark suite: it builds the gateway, the benchmark server
// (bench/server) and the bare echo baseline (bench/echo), runs every row against them with
// `switchboard bench` as a separate load-generator process, and writes one Markdown report with
// each row's command line, figure, baseline, ratio and budget verdict.
//
// Use Run with Options (Smoke for the short CI version). The rows, in order:
//
//   - idle memory at 10k and 100k connections (Switchboard's RSS per connection, measured by the
//     benchmark server on itself: RSS with the connections open minus RSS before them, both after
//     a forced GC), with a heap profile of the larger run;
//   - connect rate with an in-process $connect handler (bare echo as the baseline);
//   - round trip through an in-process two-way Go route at C = 1, 100, 1000, next to the bare echo
//     server at the same C, with a CPU and a heap profile of the C = 100 run;
//   - the same through a warm Go function worker;
//   - @connections: an in-process handler that echoes with an HTTP POST to @connections through
//     aws-sdk-go-v2, and one that uses the Go API's PostToConnection;
//   - a Node.js function worker that echoes through @connections, next to serverless-offline
//     running the same handler file, with both sides' process-tree memory;
//   - function worker cold starts on cached runtimes (Go, Node.js, Python), from the lambda
//     package's BenchmarkColdStart run with `go test -bench`.
//
// Rows that cannot run (function routes not in this build, Node.js or npm missing, a file limit
// too low for 100k connections) are reported as "not run" with the reason; Run returns an error
// only for failures of the suite itself (a build error, a server that does not start, a row
// whose load generator fails).
//
// Budgets are judged in the report, never as test failures: timing on a shared machine is noisy.
package suite
