package app

import (
	"errors"
	"log/slog"

	"github.com/switchboardhq/switchboard/internal/config"
)

// newACMESource returns the ACME certificate source of a custom domain and the ALPN protocols
// its challenge needs.
func newACMESource(domain string, c *config.ACME, cacheDir string, log *slog.Logger) (acmeSource, []string, error) {
	return nil, nil, errors.New("ACME is not available in this build yet")
}
