package config

import (
	"maps"
	"path/filepath"
	"slices"
)

// RouteKeys returns the keys of c.Routes, sorted.
func (c *Config) RouteKeys() []string {
	return sortedKeys(c.Routes)
}

// Position returns the 1-based line and column at which the file gave keyPath (a dotted path
// such as "routes.$connect.function.timeout" or "authorizer.identitySource[0]"), or of its
// nearest ancestor that the file gave; 0, 0 for a config built in Go or a key not found.
func (c *Config) Position(keyPath string) (line, col int) {
	at, _ := sourceOf(c).lookup(keyPath)
	return at.line, at.col
}

// Dir is the directory that relative paths in the config (handlers, certificate and key files,
// credentialsFile, an access log file) are relative to: the config file's directory, or "." for
// a config built in Go.
func (c *Config) Dir() string {
	if c.File == "" {
		return "."
	}
	return filepath.Dir(c.File)
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
