// Package route evaluates API Gateway route selection expressions against message bodies and
// holds immutable route tables. (Stub: being implemented.)
package route

// Expression is a parsed route selection expression such as "$request.body.action".
type Expression struct{ src string }

// Parse parses a route selection expression.
func Parse(expr string) (*Expression, error) { return &Expression{src: expr}, nil }

// String returns the expression as written.
func (e *Expression) String() string { return e.src }
