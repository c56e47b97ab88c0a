package wsserver

import "time"

// Observer is told what the server does, for metrics. Its methods run on the connections'
// goroutines, on the message path: they must be cheap and must not block. Options.Observer nil
// observes nothing.
type Observer interface {
	// Request reports a handshake, a message from a client or a $disconnect delivery, and how
	// it ended.
	Request(r Request)
	// Sent reports a message sent to a client: a two-way route's response (route is its key) or
	// an @connections post (route "").
	Sent(route string)
	// Dropped reports a frame refused because the connection's send queue was full.
	Dropped()
}

// RequestKind is the kind of a request an Observer hears of.
type RequestKind uint8

// The kinds of request.
const (
	RequestConnect RequestKind = iota
	RequestMessage
	RequestDisconnect
)

// Outcome is how a request ended.
type Outcome uint8

// The outcomes.
const (
	// OutcomeOK: the integration answered with a status below 400, or there was none to call.
	OutcomeOK Outcome = iota
	// OutcomeClientError: refused with a 4xx before any integration ran: the authorizer's 401
	// or 403, a message no route took, or one its route's IAM auth forbids.
	OutcomeClientError
	// OutcomeThrottled: refused by the stage's throttle (429).
	OutcomeThrottled
	// OutcomeIntegrationError: the integration answered with a status of 400 or more.
	OutcomeIntegrationError
	// OutcomeExecutionError: the integration or the authorizer failed (an error, a crash, a
	// malformed response, a timeout).
	OutcomeExecutionError
)

// Request is one request as an Observer hears of it.
type Request struct {
	Kind  RequestKind
	Route string // the route key; "" when no route was selected
	// Reached is set for a handshake that got past throttling and authorization to $connect.
	Reached bool
	Outcome Outcome
	// Latency is the integration's latency; negative when none ran.
	Latency time.Duration
}

// observe reports r to the observer, if any.
func (s *Server) observe(r Request) {
	if s.obs != nil {
		s.obs.Request(r)
	}
}

// outcomeOf classifies an integration's answer.
func outcomeOf(status int, err error) Outcome {
	switch {
	case err != nil:
		return OutcomeExecutionError
	case status >= 400:
		return OutcomeIntegrationError
	}
	return OutcomeOK
}
