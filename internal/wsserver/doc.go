// Package wsserver accepts WebSocket connections for one API stage and runs each connection
// through API Gateway's pipeline: authorize and invoke $connect before the 101 response, select a
// route for every message, invoke its integration, send route responses and error frames, enforce
// the limits, and deliver $disconnect exactly once per connection that completed $connect.
//
// Use New to build a Server, serve it as the http.Handler of the stage path, use SetRoutes to swap
// the route table at run time, use it as an apigw.Connections for the @connections API, and call
// Shutdown to close every connection with 1001 and wait for the $disconnect deliveries.
//
// Each connection costs one goroutine (its read loop, started after the handshake so the HTTP
// handler's goroutine and buffers are released). Messages of one connection are handled in order
// on that goroutine. Outbound frames go through a per-connection queue bounded in bytes; a writer
// goroutine exists only while the queue is non-empty.
package wsserver
