package config

import (
	"maps"
	"slices"
	"strings"
)

// MergeFunction combines defaults.function with a route's function the way SST does:
// environment, permissions and layers are merged (the route wins when both set the same
// environment variable; lists are concatenated, defaults first, dropping later duplicates), and
// every other prop (handler, runtime, timeout, memory, reservedConcurrency, Root) is the route's when
// set, else the default's. Either argument may be nil; the result is nil only when both are. The
// result shares no maps or slices with the arguments.
func MergeFunction(defaults, route *Function) *Function {
	if defaults == nil && route == nil {
		return nil
	}
	var d, r Function
	if defaults != nil {
		d = *defaults
	}
	if route != nil {
		r = *route
	}
	return &Function{
		Handler:             either(r.Handler, d.Handler),
		Runtime:             either(r.Runtime, d.Runtime),
		Timeout:             either(r.Timeout, d.Timeout),
		MemoryMB:            either(r.MemoryMB, d.MemoryMB),
		ReservedConcurrency: either(r.ReservedConcurrency, d.ReservedConcurrency),
		Root:                either(r.Root, d.Root),
		Environment:         mergeEnvironment(d.Environment, r.Environment),
		Permissions:         clonePermissions(concatUnique(d.Permissions, r.Permissions, permissionIdentity)),
		Layers:              concatUnique(d.Layers, r.Layers, func(s string) string { return s }),
	}
}

// either returns v when it is set (non-zero), else def.
func either[T comparable](v, def T) T {
	var zero T
	if v != zero {
		return v
	}
	return def
}

// mergeEnvironment returns the variables of both maps, over's winning; nil when both are empty.
func mergeEnvironment(base, over map[string]string) map[string]string {
	if len(base)+len(over) == 0 {
		return nil
	}
	out := make(map[string]string, len(base)+len(over))
	maps.Copy(out, base)
	maps.Copy(out, over)
	return out
}

// concatUnique returns a followed by b, as a new slice, without the items whose identity was
// already seen; nil when both are empty.
func concatUnique[T any](a, b []T, identity func(T) string) []T {
	if len(a)+len(b) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(a)+len(b))
	out := make([]T, 0, len(a)+len(b))
	for _, list := range [][]T{a, b} {
		for _, item := range list {
			if id := identity(item); !seen[id] {
				seen[id] = true
				out = append(out, item)
			}
		}
	}
	return out
}

// permissionIdentity identifies a permission for de-duplication.
func permissionIdentity(p Permission) string {
	return strings.Join([]string{p.String, p.Effect, strings.Join(p.Actions, "\x1f"), strings.Join(p.Resources, "\x1f")}, "\x1e")
}

// clonePermissions gives each permission its own action and resource slices.
func clonePermissions(ps []Permission) []Permission {
	for i := range ps {
		ps[i].Actions = slices.Clone(ps[i].Actions)
		ps[i].Resources = slices.Clone(ps[i].Resources)
	}
	return ps
}
