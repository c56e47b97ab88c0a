package switchboard

import "time"

// WithCertReloadInterval shortens how often custom domains' certificate files are checked, so
// tests need not wait the default ten seconds.
func WithCertReloadInterval(d time.Duration) Option {
	return func(o *options) { o.certReload = d }
}
