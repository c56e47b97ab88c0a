package natscluster

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// EmbedOptions configure Embed.
type EmbedOptions struct {
	// Addr is the HOST:PORT other nodes join at (port 0 picks a free one). Required.
	Addr string
	// StoreDir holds JetStream's data (the connection records survive a restart). Required.
	StoreDir string
	// Name is the server's name. Default "switchboard-" + the port.
	Name string
	// Logger receives the server's notices, warnings and errors. Default: discard.
	Logger *slog.Logger
}

// Embed runs a NATS server with JetStream in this process and waits until it accepts
// connections. Stop it with Shutdown and WaitForShutdown once the Clients on it are closed.
func Embed(o EmbedOptions) (*server.Server, error) {
	host, portText, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return nil, fmt.Errorf("--nats-embed %q: want HOST:PORT: %w", o.Addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 0 || port > 65535 {
		return nil, fmt.Errorf("--nats-embed %q: bad port", o.Addr)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	if o.Name == "" {
		o.Name = "switchboard-" + portText
	}
	ns, err := server.NewServer(&server.Options{
		ServerName: o.Name,
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   o.StoreDir,
		NoSigs:     true, // the process handles its signals
	})
	if err != nil {
		return nil, fmt.Errorf("embedded NATS server: %w", err)
	}
	if o.Logger != nil {
		ns.SetLoggerV2(serverLogger{o.Logger.With("component", "nats-server")}, false, false, false)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("embedded NATS server on %s did not start (is the port free?)", o.Addr)
	}
	return ns, nil
}

// serverLogger sends nats-server's log to slog.
type serverLogger struct{ log *slog.Logger }

func (l serverLogger) Noticef(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l serverLogger) Warnf(format string, v ...any)   { l.log.Warn(fmt.Sprintf(format, v...)) }
func (l serverLogger) Fatalf(format string, v ...any)  { l.log.Error(fmt.Sprintf(format, v...)) }
func (l serverLogger) Errorf(format string, v ...any)  { l.log.Error(fmt.Sprintf(format, v...)) }
func (l serverLogger) Debugf(format string, v ...any)  { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l serverLogger) Tracef(format string, v ...any)  { l.log.Debug(fmt.Sprintf(format, v...)) }
