// Package bench is `switchboard bench`, a load generator for WebSocket APIs, and the bare echo
// server it is compared against.
//
// Use Main to run the command: it parses the flags, opens -c connections to a ws:// or wss://
// URL at --connect-rate (from several 127.0.0.x source addresses when there are too many for one),
// sends {"action":…,"seq":…,"t":…,"data":…} messages padded to --size, closed loop or at a fixed
// --rate, for a --duration or a --count, and prints connects/s, messages/s, round-trip latency
// percentiles and errors by kind, as a table or (--json) one object shaped like Report. A live
// progress line goes to stderr. With --fanout the clients send nothing: instead, round after round,
// the load generator sends one message to every connection through the stage's management
// endpoint (one POST @broadcast, or a POST @connections/{id} per connection from --workers
// workers, the ids listed with GET @connections) and reports the broadcast's server time
// (Server-Timing), when the last answer came and when the last client had the frame
// (FanoutStats). Runs are bounded: --max-duration caps every run and the final
// close has its own bound; non-loopback targets are refused unless --allow-remote is given.
//
// Use EchoHandler to serve the baseline: a bare github.com/coder/websocket echo endpoint
// (bench/echo wraps it in a tiny main). Report documents the JSON field names.
//
// Inside, a runner owns one run: connectAll dials, readLoop (one goroutine per connection)
// matches replies to pending messages by seq, closedLoop/ratedLoop send, pace hands out permits
// at a fixed rate, sweepUntil expires replies that never come, fanOut runs the fan-out rounds
// (fanout.go; the read loops count each round's frames), closeAll ends the run with close
// code 1000. Latencies go into a lock-free log-linear histogram accurate to about 0.5%.
package bench
