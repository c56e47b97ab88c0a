package config

import "strings"

// position is where a key (or list item) was written in the config file.
type position struct {
	line, col int
	// zero records that the file gave a number that decoded to 0, which the Config cannot tell
	// apart from "not set" (and which ApplyDefaults may already have replaced).
	zero bool
}

// source is what Parse knows about a config that the Config struct has no field for: the file
// position of every key it decoded. A config built in Go has no source; every method works on a
// nil *source and then knows nothing.
type source struct {
	file string
	pos  map[string]position
}

// lookup returns the position of path, or of its nearest ancestor that has one (a missing
// "routes.x.function.handler" is cited at "routes.x.function").
func (s *source) lookup(path string) (position, bool) {
	if s == nil {
		return position{}, false
	}
	for p := path; p != ""; p = parentPath(p) {
		if at, ok := s.pos[p]; ok {
			return at, true
		}
	}
	return position{}, false
}

// written reports whether the file gave path itself.
func (s *source) written(path string) bool {
	if s == nil {
		return false
	}
	_, ok := s.pos[path]
	return ok
}

// wroteZero reports whether the file gave path as a number equal to 0.
func (s *source) wroteZero(path string) bool {
	return s != nil && s.pos[path].zero
}

// parentPath strips the last segment of a key path: "a.b[2]" -> "a.b" -> "a" -> "".
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// joinPath appends a key to a key path.
func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// attachSource records s as the source of c.
func attachSource(c *Config, s *source) { c.src = s }

// sourceOf returns the source of c, or nil for a config built in Go.
func sourceOf(c *Config) *source { return c.src }
