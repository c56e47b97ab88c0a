package suite

import "time"

// plan holds the sizes of one kind of run.
type plan struct {
	idleConns     []int         // idle memory rows; the last one is the budget's (100k)
	idleHold      time.Duration // how long the idle connections stay open once all are up
	connectConns  int           // connections of the connect-rate rows
	loopConns     []int         // C of the in-process and Go function round-trip rows
	budgetConns   int           // the C of the in-process budget line
	postConns     int           // C of the @connections rows
	nodeConns     []int         // C of the Node.js rows; the last is the budget's (50)
	duration      time.Duration // measured part of each round-trip row, over all its rounds
	rounds        int           // a round-trip row's runs, each interleaved with its baseline's
	metricsRounds int           // the metrics-cost row's rounds (a small difference needs more)
	warmup        time.Duration // unmeasured start of each round-trip row
	profileFor    time.Duration // length of the CPU profile of the in-process budget run
	nodeWarmup    time.Duration // unmeasured run before the Node.js rows, on each side
	replyTimeout  time.Duration // the load generator's --timeout
	functionLimit int           // reserved concurrency of the function routes
	coldStarts    int           // cold starts per runtime of the cold-start rows
	// broadcastConns connections get broadcastRounds broadcasts, then postRounds rounds of a
	// POST per connection from postWorkers workers (the broadcast row and its baseline).
	broadcastConns, broadcastRounds, postRounds, postWorkers int
	// serverlessOffline is set from Options; Smoke never runs it.
	serverlessOffline bool
}

// fullPlan is `make bench`: about five minutes on two cores.
var fullPlan = plan{
	idleConns:     []int{10_000, 100_000},
	idleHold:      12 * time.Second,
	connectConns:  10_000,
	loopConns:     []int{1, 100, 1000},
	budgetConns:   100,
	postConns:     100,
	nodeConns:     []int{1, 50},
	duration:      12 * time.Second,
	rounds:        3,
	metricsRounds: 6,
	warmup:        time.Second,
	profileFor:    5 * time.Second,
	nodeWarmup:    20 * time.Second,
	replyTimeout:  30 * time.Second,
	functionLimit: 2,
	coldStarts:    20,

	broadcastConns:  10_000,
	broadcastRounds: 20,
	postRounds:      3,
	postWorkers:     64,
}

// smokePlan is `make bench-smoke`: every row kind once, small and short, well under a minute.
var smokePlan = plan{
	idleConns:     []int{1000},
	idleHold:      3 * time.Second,
	connectConns:  500,
	loopConns:     []int{1, 10},
	budgetConns:   10,
	postConns:     10,
	nodeConns:     []int{1},
	duration:      time.Second,
	rounds:        1,
	metricsRounds: 1,
	warmup:        200 * time.Millisecond,
	profileFor:    time.Second,
	replyTimeout:  30 * time.Second,
	functionLimit: 2,
	coldStarts:    3,

	broadcastConns:  500,
	broadcastRounds: 3,
	postRounds:      1,
	postWorkers:     64,
}
