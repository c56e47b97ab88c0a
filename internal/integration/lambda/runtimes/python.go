package runtimes

import (
	"context"
	"fmt"
)

// preparePython prepares a Python handler. (Stub: being implemented.)
func preparePython(ctx context.Context, spec Spec) (*Prepared, error) {
	return nil, fmt.Errorf("handler %q: Python runtime not implemented yet", spec.Handler)
}
