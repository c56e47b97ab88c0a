package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/internal/config"
	"github.com/switchboardhq/switchboard/internal/event"
	"github.com/switchboardhq/switchboard/internal/integration"
	"github.com/switchboardhq/switchboard/internal/integration/lambda/redirect"
)

// Defaults of Options and of the function definition.
const (
	// DefaultTimeout is a function's timeout when the config sets none: SST's default (Lambda's
	// own is 3 s), since the config follows SST.
	DefaultTimeout = 10 * time.Second
	// DefaultMemoryMB is a function's memory size when the config sets none: SST's default.
	DefaultMemoryMB = 1024
	// DefaultMaxConcurrency is how many workers a function may run at once when neither Options
	// nor the config's reservedConcurrency says.
	DefaultMaxConcurrency = 10
	// DefaultIdleTimeout is how long a warm worker may sit idle before it is stopped.
	DefaultIdleTimeout = 5 * time.Minute
	// DefaultQueueTimeout is how long an invocation waits for a busy function to free a worker.
	DefaultQueueTimeout = time.Second
)

// maxDeliveryAttempts bounds the retries of an event whose worker exited before taking it.
const maxDeliveryAttempts = 3

// Options configure a Function.
type Options struct {
	// Name is the function name: AWS_LAMBDA_FUNCTION_NAME, the log group /aws/lambda/<Name> and
	// the function ARN. Required.
	Name string
	// Config is the function definition, already merged with defaults.function. Required, with
	// a Handler. Unset Timeout, MemoryMB and ReservedConcurrency take DefaultTimeout,
	// DefaultMemoryMB and MaxConcurrency.
	Config *config.Function
	// Root is the directory handler paths are relative to; it becomes LAMBDA_TASK_ROOT and the
	// workers' working directory. Default: the current directory.
	Root string
	// CacheDir holds build outputs across runs. Default: <user cache dir>/switchboard, or
	// <temp dir>/switchboard-cache when there is no user cache directory.
	CacheDir string
	// Region is AWS_REGION and AWS_DEFAULT_REGION and goes into the function ARN. Default
	// "us-east-1".
	Region string
	// AccountID goes into the function ARN. Default "000000000000".
	AccountID string
	// Env holds extra KEY=VALUE variables for every worker (the management endpoint, a CA
	// bundle, credentials). They override the function's environment but not Lambda's reserved
	// variables. Default none.
	Env []string
	// Redirect sends the workers' HTTPS connections to the management API's host names (the
	// API's execute-api host name, custom domains) to the gateway: in-process for Node.js and
	// Python workers, through a CONNECT proxy of the function's own for Go workers (package
	// redirect). Default: nothing is redirected.
	Redirect redirect.Rules
	// MaxConcurrency caps the workers (so the concurrent invocations) of the function, like
	// Lambda's reserved concurrency. Default: Config.ReservedConcurrency if set, else
	// DefaultMaxConcurrency.
	MaxConcurrency int
	// IdleTimeout stops a warm worker that has had no invocation for this long. Default
	// DefaultIdleTimeout.
	IdleTimeout time.Duration
	// QueueTimeout is how long an invocation waits for a worker when MaxConcurrency workers are
	// busy, before failing with an error wrapping integration.ErrThrottled. Default
	// DefaultQueueTimeout; negative fails at once, as Lambda does.
	QueueTimeout time.Duration
	// Logger receives the workers' output and the START, END and REPORT lines, each with the
	// attributes function and requestId, and the pool's own events. Default: discard.
	Logger *slog.Logger
	// Observer hears of invocations, cold starts and throttles, for metrics. Default: none.
	Observer Observer
}

// Observer hears of a function's invocations, for metrics. Its methods must be cheap and must
// not block.
type Observer interface {
	// Invoked reports an invocation that ran for d, from the hand-over of its event to its
	// result (Lambda's Duration); failed when it ended in an error, timedOut when it ran past
	// its deadline.
	Invoked(d time.Duration, failed, timedOut bool)
	// ColdStart reports a worker that finished initialising, init after it started.
	ColdStart(init time.Duration)
	// Throttled reports an invocation refused because every worker stayed busy.
	Throttled()
}

// noObserver is the Observer of a Function without one.
type noObserver struct{}

func (noObserver) Invoked(time.Duration, bool, bool) {}
func (noObserver) ColdStart(time.Duration)           {}
func (noObserver) Throttled()                        {}

// Function runs one Lambda function's handler in a pool of local worker processes. It is an
// integration.Invoker, Starter and Closer; all methods are safe for concurrent use.
type Function struct {
	name, handler, runtime string
	root, cacheDir         string
	region, arn            string
	timeout                time.Duration
	memoryMB               int
	maxConcurrency         int
	idleTimeout            time.Duration
	queueTimeout           time.Duration
	fnEnv                  map[string]string
	extraEnv               []string
	layers                 []string
	redirect               redirect.Rules
	log                    *slog.Logger
	obs                    Observer
	logs                   logRing // the workers' latest output lines (Status)

	ctx    context.Context // cancelled by Close: stops builds and the poller
	cancel context.CancelFunc

	proxyMu     sync.Mutex
	proxy       *redirect.Proxy // the Go workers' redirecting proxy, started with the first of them
	proxyClosed bool            // Close has stopped it: no new one starts
	bg          sync.WaitGroup  // the poller and the workers' wait goroutines
	prepMu      sync.Mutex      // one Prepare at a time

	mu        sync.Mutex
	allGone   *sync.Cond // signalled when the last worker exits
	gen       *generation
	closed    bool
	watching  bool
	total     int // workers alive or starting, plus slots granted to queued invocations
	finishing int // workers that have answered and are about to ask for their next event
	idle      []*worker
	waiters   []*waiter
	workers   map[*worker]struct{}
	seq       int
}

var (
	_ integration.Invoker    = (*Function)(nil)
	_ integration.Starter    = (*Function)(nil)
	_ integration.Closer     = (*Function)(nil)
	_ integration.RawInvoker = (*Function)(nil)
)

// New checks opts and returns a Function. It starts nothing: Start (or the first Invoke)
// prepares the handler, and workers start on demand.
func New(opts Options) (*Function, error) {
	if opts.Name == "" {
		return nil, errors.New("lambda function: no name")
	}
	if opts.Config == nil || opts.Config.Handler == "" {
		return nil, fmt.Errorf("lambda function %q: no handler", opts.Name)
	}
	c := opts.Config
	f := &Function{
		name:           opts.Name,
		handler:        c.Handler,
		runtime:        c.Runtime,
		root:           opts.Root,
		cacheDir:       opts.CacheDir,
		region:         orDefault(opts.Region, "us-east-1"),
		timeout:        c.Timeout,
		memoryMB:       c.MemoryMB,
		maxConcurrency: opts.MaxConcurrency,
		idleTimeout:    opts.IdleTimeout,
		queueTimeout:   opts.QueueTimeout,
		fnEnv:          c.Environment,
		extraEnv:       opts.Env,
		layers:         c.Layers,
		redirect:       opts.Redirect,
		log:            opts.Logger,
		obs:            opts.Observer,
		workers:        map[*worker]struct{}{},
	}
	if f.obs == nil {
		f.obs = noObserver{}
	}
	if f.timeout <= 0 {
		f.timeout = DefaultTimeout
	}
	if f.memoryMB <= 0 {
		f.memoryMB = DefaultMemoryMB
	}
	if f.maxConcurrency <= 0 {
		f.maxConcurrency = c.ReservedConcurrency
	}
	if f.maxConcurrency <= 0 {
		f.maxConcurrency = DefaultMaxConcurrency
	}
	if f.idleTimeout <= 0 {
		f.idleTimeout = DefaultIdleTimeout
	}
	if f.queueTimeout == 0 {
		f.queueTimeout = DefaultQueueTimeout
	}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	root, err := filepath.Abs(orDefault(f.root, "."))
	if err != nil {
		return nil, fmt.Errorf("lambda function %q: root: %w", opts.Name, err)
	}
	f.root = root
	if f.cacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		f.cacheDir = filepath.Join(base, "switchboard")
	}
	f.arn = fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", f.region, orDefault(opts.AccountID, "000000000000"), f.name)
	f.ctx, f.cancel = context.WithCancel(context.Background())
	return f, nil
}

// Name is the function name.
func (f *Function) Name() string { return f.name }

// ARN is the function's ARN, passed to handlers as Lambda-Runtime-Invoked-Function-Arn.
func (f *Function) ARN() string { return f.arn }

// Start prepares the handler (finds it, and builds it for Go) so that a broken handler stops the
// gateway from starting. Workers are not started: the first invocation cold-starts one.
func (f *Function) Start(ctx context.Context) error {
	g, err := f.currentGeneration(ctx)
	if err != nil {
		return fmt.Errorf("function %s: %w", f.name, err)
	}
	if g.err != nil {
		return fmt.Errorf("function %s: %w", f.name, g.err)
	}
	return nil
}

// Close stops every worker and the live-reload poller and waits for them. Invocations still
// running fail. Close is safe after a partial start and returns nil.
func (f *Function) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil
	}
	f.closed = true
	f.cancel()
	for _, wt := range f.waiters {
		f.total++
		wt.grant <- grant{} // the slot's cold start then sees the function is closed
	}
	f.waiters = nil
	for _, w := range f.idle {
		w.idleTimer.Stop()
	}
	f.idle = nil
	workers := make([]*worker, 0, len(f.workers))
	for w := range f.workers {
		if w.state != stateDead {
			w.state = stateStopping
		}
		workers = append(workers, w)
	}
	f.mu.Unlock()
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.stop()
		}()
	}
	wg.Wait()
	f.bg.Wait()
	f.proxyMu.Lock()
	f.proxyClosed = true
	if f.proxy != nil {
		_ = f.proxy.Close()
	}
	f.proxyMu.Unlock()
	return nil
}

// Invoke sends req to the handler as a Lambda event and decodes the result as a proxy response.
// Errors: a *HandlerError (errors.As) when the handler or its worker failed, wrapping
// context.DeadlineExceeded for timeouts; integration.ErrThrottled when every worker stayed busy;
// integration.ErrBadResponse when the result is not a proxy response.
func (f *Function) Invoke(ctx context.Context, req *event.Request) (*event.Response, error) {
	payload, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("function %s: encode event: %w", f.name, err)
	}
	out, requestID, err := f.invoke(ctx, payload)
	if err != nil {
		return nil, fmt.Errorf("function %s: %w", f.name, err)
	}
	resp, err := event.DecodeResponse(out)
	if err != nil {
		f.log.Error("invocation returned a malformed Lambda proxy response", "function", f.name,
			"requestId", requestID, "error", err, "result", truncate(string(out), 200))
		return nil, fmt.Errorf("function %s: request %s: %w: %w", f.name, requestID, integration.ErrBadResponse, err)
	}
	return resp, nil
}

// InvokeRaw sends a JSON event to the handler and returns its JSON result unchanged (an
// authorizer's policy, for instance). Errors are as for Invoke; a result that is not JSON wraps
// integration.ErrBadResponse.
func (f *Function) InvokeRaw(ctx context.Context, payload []byte) ([]byte, error) {
	if !json.Valid(payload) {
		return nil, fmt.Errorf("function %s: the event is not JSON", f.name)
	}
	out, _, err := f.invoke(ctx, payload)
	if err != nil {
		return nil, fmt.Errorf("function %s: %w", f.name, err)
	}
	return out, nil
}

// invoke runs one event through a worker. Its deadline is the earlier of ctx's and the
// function's timeout; past it the worker is killed and the error wraps DeadlineExceeded. If ctx
// is cancelled first, invoke returns at once and the invocation runs on to its end or deadline.
func (f *Function) invoke(ctx context.Context, payload []byte) (out []byte, requestID string, err error) {
	g, err := f.currentGeneration(ctx)
	if err != nil {
		return nil, "", err
	}
	f.startWatching()
	if g.err != nil {
		f.obs.Invoked(0, true, false) // a broken build fails the invocation, as a failed init does
		return nil, "", g.prepareError()
	}
	for attempt := 1; ; attempt++ {
		w, err := f.acquire(ctx)
		if err != nil {
			if he := (*HandlerError)(nil); errors.As(err, &he) && he.Init {
				f.obs.Invoked(0, true, he.Type == ErrorTypeTimeout) // the worker failed to initialise
			}
			return nil, "", err
		}
		if err := ctx.Err(); err != nil { // do not start what cannot finish
			f.mu.Lock()
			f.releaseLocked(w)
			f.mu.Unlock()
			return nil, "", err
		}
		now := time.Now()
		deadline := now.Add(f.timeout)
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		inv := newInvocation(payload, deadline, now)
		if !w.deliver(inv) {
			if attempt < maxDeliveryAttempts {
				continue
			}
			return nil, inv.id, exitError("", errors.New("workers exited before taking the event"), true)
		}
		select {
		case <-inv.done:
		case <-ctx.Done():
			return nil, inv.id, ctx.Err()
		}
		r := inv.result()
		if r.err != nil {
			return nil, inv.id, r.err
		}
		if !json.Valid(r.payload) {
			f.log.Error("invocation returned a result that is not JSON", "function", f.name, "requestId", inv.id,
				"result", truncate(string(r.payload), 200), "stderr", w.errTail.String())
			return nil, inv.id, fmt.Errorf("request %s: result is not JSON: %q: %w", inv.id, truncate(string(r.payload), 200), integration.ErrBadResponse)
		}
		return r.payload, inv.id, nil
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
