package runtimes

import (
	"context"
	"fmt"
)

// prepareNode prepares a Node handler. (Stub: being implemented.)
func prepareNode(ctx context.Context, spec Spec) (*Prepared, error) {
	return nil, fmt.Errorf("handler %q: Node runtime not implemented yet", spec.Handler)
}
