package natscluster

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ClientOptions configure Connect.
type ClientOptions struct {
	// URL is the NATS server (nats://HOST:PORT, tls://HOST:PORT), or several separated by
	// commas. Required unless Server is set.
	URL string
	// Server, when set, is an embedded server to connect to in-process instead of URL.
	Server *server.Server
	// Credentials is a NATS credentials file (.creds: a user JWT and its nkey seed) or an nkey
	// seed file. Default: none.
	Credentials string
	// CAFile is a PEM file of the CA that signed the server's certificate, for tls:// URLs.
	// Default: the system's roots.
	CAFile string
	// Name is the connection's name in the server's monitoring. Default "switchboard".
	Name string
	// ReconnectWait is the pause between reconnection attempts. Default 500ms.
	ReconnectWait time.Duration
	// Logger receives connection events. Default: discard.
	Logger *slog.Logger
}

// Client is a process's connection to NATS, shared by the Members of its APIs. It reconnects by
// itself, forever; while it is disconnected, requests fail at once instead of being buffered.
type Client struct {
	nc  *nats.Conn
	js  jetstream.JetStream
	log *slog.Logger

	mu      sync.Mutex
	since   time.Time     // when the current connection was made; zero while disconnected
	changed chan struct{} // closed and replaced at each connect or disconnect
}

// Connect opens the connection; it fails when the server cannot be reached or refuses the
// credentials, naming what was tried.
func Connect(o ClientOptions) (_ *Client, err error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Name == "" {
		o.Name = "switchboard"
	}
	if o.ReconnectWait == 0 {
		o.ReconnectWait = 500 * time.Millisecond
	}
	c := &Client{log: o.Logger, changed: make(chan struct{})}
	opts := []nats.Option{
		nats.Name(o.Name),
		// A node never needs its own messages, and the node-id clash check relies on not
		// hearing its own ping.
		nats.NoEcho(),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(o.ReconnectWait),
		nats.ReconnectJitter(100*time.Millisecond, time.Second),
		// No buffering while disconnected: a call fails at once (503) rather than waiting.
		nats.ReconnectBufSize(-1),
		nats.PingInterval(5 * time.Second),
		nats.MaxPingsOutstanding(2),
		nats.Timeout(5 * time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			c.setConnected(false)
			c.log.Warn("NATS connection lost; cross-node calls fail until it is back", "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			c.setConnected(true)
			c.log.Info("NATS connection restored", "server", nc.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subject := ""
			if sub != nil {
				subject = sub.Subject
			}
			c.log.Warn("NATS error", "subject", subject, "err", err)
		}),
	}
	servers := o.URL
	if o.Server != nil {
		opts = append(opts, nats.InProcessServer(o.Server))
		servers = ""
	} else if servers == "" {
		return nil, errors.New("connect to NATS: no URL")
	}
	if o.Credentials != "" {
		opt, err := credentialsOption(o.Credentials)
		if err != nil {
			return nil, err
		}
		opts = append(opts, opt)
	}
	if o.CAFile != "" {
		opts = append(opts, nats.RootCAs(o.CAFile))
	}
	nc, err := nats.Connect(servers, opts...)
	if err != nil {
		if o.Server != nil {
			return nil, fmt.Errorf("connect to the embedded NATS server: %w", err)
		}
		return nil, fmt.Errorf("connect to NATS at %s: %w", redact(servers), err)
	}
	c.nc = nc
	c.setConnected(true)
	c.js, err = jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("NATS JetStream: %w", err)
	}
	return c, nil
}

// credentialsOption reads a .creds file or an nkey seed file.
func credentialsOption(path string) (nats.Option, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("NATS credentials: %w", err)
	}
	if bytes.Contains(data, []byte("BEGIN NATS USER JWT")) {
		return nats.UserCredentials(path), nil
	}
	opt, err := nats.NkeyOptionFromSeed(path)
	if err != nil {
		return nil, fmt.Errorf("NATS credentials %s: neither a .creds file nor an nkey seed file: %w", path, err)
	}
	return opt, nil
}

// redact hides passwords in a list of URLs, for messages.
func redact(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		if u, err := url.Parse(strings.TrimSpace(p)); err == nil && u.User != nil {
			parts[i] = u.Redacted()
		}
	}
	return strings.Join(parts, ",")
}

func (c *Client) setConnected(up bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if up == !c.since.IsZero() {
		return
	}
	if up {
		c.since = time.Now()
	} else {
		c.since = time.Time{}
	}
	close(c.changed)
	c.changed = make(chan struct{})
}

// state returns when the current connection was made (zero while disconnected) and a channel
// closed at the next change.
func (c *Client) state() (since time.Time, changed <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.since, c.changed
}

// Connected reports whether the connection is up.
func (c *Client) Connected() bool {
	since, _ := c.state()
	return !since.IsZero()
}

// Close closes the connection (after the Members on it have left).
func (c *Client) Close() {
	c.nc.Close()
	c.setConnected(false)
}
