package runtimes

import (
	"context"
	"fmt"
)

// prepareGo prepares a Go handler. (Stub: being implemented.)
func prepareGo(ctx context.Context, spec Spec) (*Prepared, error) {
	return nil, fmt.Errorf("handler %q: Go runtime not implemented yet", spec.Handler)
}
