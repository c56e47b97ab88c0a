package route

import (
	"maps"
	"slices"
)

// The reserved route keys (equal to keyConnect, RouteDisconnect and RouteDefault; kept
// here so that route stays a leaf package that imports nothing from Switchboard).
const (
	keyConnect    = "$connect"
	keyDisconnect = "$disconnect"
	keyDefault    = "$default"
)

// Table is an immutable route table: a route selection expression and the routes it selects
// from, keyed by route key ($connect, $disconnect, $default or a custom key). It is safe for
// concurrent use; to change the routes build a new table with With and swap it in atomically.
type Table[T any] struct {
	expr   *Expression
	routes map[string]entry[T]
	keys   []string
}

// entry keeps the map's own copy of the key so Select can return it without allocating.
type entry[T any] struct {
	key string
	v   T
}

// NewTable returns a table that selects among routes with expr. It copies routes, so later
// changes to the map do not affect the table. A nil expr sends every message to $default.
func NewTable[T any](expr *Expression, routes map[string]T) *Table[T] {
	t := &Table[T]{expr: expr, routes: make(map[string]entry[T], len(routes))}
	for k, v := range routes {
		t.routes[k] = entry[T]{key: k, v: v}
	}
	t.keys = slices.Sorted(maps.Keys(t.routes))
	return t
}

// With returns a new table with the same expression, holding t's routes plus routes (a key
// already in t is replaced). t itself is unchanged.
func (t *Table[T]) With(routes map[string]T) *Table[T] {
	n := &Table[T]{expr: t.expr, routes: make(map[string]entry[T], len(t.routes)+len(routes))}
	maps.Copy(n.routes, t.routes)
	for k, v := range routes {
		n.routes[k] = entry[T]{key: k, v: v}
	}
	n.keys = slices.Sorted(maps.Keys(n.routes))
	return n
}

// Select picks the route for a message body the way API Gateway does: it evaluates the
// expression; if the body is JSON and the key names a route, that route is used, except that
// $connect and $disconnect (and the empty key) are never selected by a message. Otherwise the
// $default route is used when there is one. With neither, ok is false and key is "" (the caller
// answers with the Forbidden error frame).
//
// Select does not allocate when the key is a JSON string without escapes, when a key built from
// several parts or escapes fits in 128 bytes, or when the message falls back to $default.
func (t *Table[T]) Select(body []byte) (key string, v T, ok bool) {
	var buf [128]byte
	if k, valid := t.expr.evalBytes(buf[:0], body); valid && selectable(k) {
		if e, found := t.routes[string(k)]; found {
			return e.key, e.v, true
		}
	}
	if e, found := t.routes[keyDefault]; found {
		return e.key, e.v, true
	}
	var zero T
	return "", zero, false
}

// selectable reports whether a key computed from a message may select a route.
func selectable(k []byte) bool {
	return len(k) > 0 && string(k) != keyConnect && string(k) != keyDisconnect
}

// Get returns the route with exactly this key, including $connect and $disconnect.
func (t *Table[T]) Get(key string) (T, bool) {
	e, ok := t.routes[key]
	return e.v, ok
}

// Keys returns the route keys in sorted order, as a new slice the caller may keep.
func (t *Table[T]) Keys() []string {
	return slices.Clone(t.keys)
}

// Len returns the number of routes.
func (t *Table[T]) Len() int {
	return len(t.routes)
}

// Expression returns the route selection expression the table selects with (nil if the table
// was built with a nil expression).
func (t *Table[T]) Expression() *Expression {
	return t.expr
}
