// Package config decodes, defaults and validates Switchboard's config: one WebSocket API and its
// stage, in the shape of SST's WebSocketApi props. docs/config.md is the user-facing reference.
//
// Use Load to read a YAML or JSON file (Parse for bytes already in memory): it reports every
// mistake at once as a Problems error, each Problem with its file:line:column, key path and
// message (unknown keys come with a "did you mean" suggestion). Use Validate for a Config built
// in Go: it applies the same defaults (ApplyDefaults) and runs the same checks, so problems name
// the same keys. A Config that passed is a snapshot; treat it as read-only.
//
// Use MergeFunction to combine defaults.function with a route's function, RouteKeys to walk the
// routes in order, Dir to resolve relative paths, and Unsupported to refuse, with their file
// positions, the features a build cannot run yet (Support). Position finds where a key was
// written, for later checks that want to cite the file.
package config
