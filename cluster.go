package switchboard

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/switchboardhq/switchboard/internal/app"
	"github.com/switchboardhq/switchboard/internal/config"
)

// Cluster makes the API one of several nodes that act as one stage, on NATS (config `cluster`,
// docs/cluster.md): @connections calls on any node reach the node that holds the connection,
// and when a node dies another delivers its connections' $disconnect. Zero fields take the
// defaults stated; without NATS the API runs alone.
type Cluster struct {
	// NATS is the NATS server URL (nats://HOST:PORT, tls://HOST:PORT, or several separated by
	// commas). Default none: no cluster.
	NATS string
	// Credentials is a NATS .creds file or nkey seed file. Default none.
	Credentials string
	// CAFile is the PEM CA of the NATS servers' certificates, for tls:// URLs. Default: the
	// system's roots.
	CAFile string
	// SubjectPrefix starts every NATS subject. Default "switchboard".
	SubjectPrefix string
	// LeaseTTL is how long a dead node keeps its lease (1s to 20s); its connections get their
	// $disconnect after it. Default 15 seconds.
	LeaseTTL time.Duration
	// RequestTimeout bounds a call forwarded to another node (100ms to 10s). Default 5 seconds.
	RequestTimeout time.Duration
	// Replicas is the KV bucket's replica count on a clustered NATS. Default 1.
	Replicas int
	// NodeID names this node (config server.nodeId); it must differ between nodes. Default:
	// random at each start.
	NodeID string
}

func (c Cluster) toConfig() config.Cluster {
	return config.Cluster{NATS: c.NATS, Credentials: c.Credentials, CAFile: c.CAFile, SubjectPrefix: c.SubjectPrefix,
		LeaseTTL: c.LeaseTTL, RequestTimeout: c.RequestTimeout, Replicas: c.Replicas}
}

// WithNATS joins the cluster of the API on the NATS server at url (overriding cluster.nats), as
// `serve --nats URL` does.
func WithNATS(url string) Option { return func(o *options) { o.nats = url } }

// applyNATS puts WithNATS's URL into the config.
func applyNATS(cfg *config.Config, o *options) error {
	if o.nats == "" {
		return nil
	}
	if err := config.CheckNATSURLs(o.nats); err != nil {
		return fmt.Errorf("NATS URL: %w", err)
	}
	cfg.Cluster.NATS = o.nats
	return nil
}

// NATSServer is a NATS server with JetStream run inside this process, so that nodes on one
// host can form a cluster without another service (`serve --nats-embed`). Production points
// every node at an external NATS cluster instead.
type NATSServer struct {
	e *app.EmbeddedNATS
}

// StartNATS runs a NATS server with JetStream on addr (HOST:PORT; port 0 picks a free one),
// keeping its data in storeDir ("" for Switchboard's cache directory). Join it with
// WithNATS(s.URL()), and Shutdown it after the APIs that use it.
func StartNATS(addr, storeDir string, logger *slog.Logger) (*NATSServer, error) {
	e, err := app.EmbedNATS(addr, storeDir, logger)
	if err != nil {
		return nil, err
	}
	return &NATSServer{e: e}, nil
}

// URL is the server's client URL, nats://HOST:PORT.
func (s *NATSServer) URL() string { return s.e.URL() }

// Shutdown stops the server.
func (s *NATSServer) Shutdown() { s.e.Shutdown() }

// ClusterNodes is the number of live nodes of the API's cluster that this node sees, itself
// included; 1 without a cluster. The stage throttle of each node is its 1/ClusterNodes share.
func (a *API) ClusterNodes() int { return a.app.ClusterNodes() }
