package app

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/internal/config"
)

// The customDomain.acme keys reach edge.NewACME: the source is for the domain, in the cache
// directory of the CA, asks for the acme-tls/1 protocol, and a bad caFile is named.
func TestNewACMESource(t *testing.T) {
	cache := filepath.Join(t.TempDir(), "acme")
	src, protos, err := newACMESource("api.example.com", &config.ACME{Email: "ops@example.com", Directory: "https://ca.example.com/dir"}, cache, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(protos) != 1 || protos[0] != "acme-tls/1" {
		t.Errorf("protos = %q, want [acme-tls/1]", protos)
	}
	p := src.(preparedACME)
	if p.Domain() != "api.example.com" || p.Dir() != filepath.Join(cache, "ca.example.com-dir") {
		t.Errorf("source for %s in %s, want api.example.com in %s", p.Domain(), p.Dir(), filepath.Join(cache, "ca.example.com-dir"))
	}
	missing := filepath.Join(t.TempDir(), "ca.pem")
	if _, _, err := newACMESource("api.example.com", &config.ACME{CAFile: missing}, cache, nil); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing caFile: error %v, want one naming %s", err, missing)
	}
}

// customDomain.acme.caFile is relative to the config file, like certificate and key.
func TestACMECAFileRelativeToTheConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := goConfig(t, make(chan [2]string, 1))
	cfg.File = filepath.Join(dir, "api.yaml")
	cfg.CustomDomain = config.CustomDomain{DomainName: "api.example.com", ACME: &config.ACME{CAFile: "pebble-ca.pem"}}
	a, err := New(cfg, Options{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewGateway([]*App{a}, nil)
	if want := "caFile " + filepath.Join(dir, "pebble-ca.pem"); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "customDomain.acme") {
		t.Errorf("NewGateway error = %v, want one naming customDomain.acme and %s", err, want)
	}
}
