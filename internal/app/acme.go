package app

import (
	"context"
	"log/slog"

	"github.com/switchboardhq/switchboard/internal/config"
	"github.com/switchboardhq/switchboard/internal/edge"
)

// newACMESource returns the ACME certificate source of a custom domain and the ALPN protocols
// its challenge needs.
func newACMESource(domain string, c *config.ACME, cacheDir string, log *slog.Logger) (acmeSource, []string, error) {
	a, err := edge.NewACME(edge.ACMEOptions{
		Domain:    domain,
		Email:     c.Email,
		Directory: c.Directory,
		CAFile:    c.CAFile,
		CacheDir:  cacheDir,
		Logger:    log,
	})
	if err != nil {
		return nil, nil, err
	}
	return preparedACME{a}, a.Protos(), nil
}

// preparedACME is an edge.ACME whose Prepare reports through the log alone.
type preparedACME struct{ *edge.ACME }

// Prepare obtains the certificate ahead of the first client. A failure is logged by edge.ACME,
// and the next handshake after its wait tries again.
func (p preparedACME) Prepare(ctx context.Context) { _ = p.ACME.Prepare(ctx) }
