package runtimes

import "fmt"

// infer finds which runtime's files exist for spec.Handler. (Stub: being implemented.)
func infer(spec Spec) (Kind, error) {
	return "", fmt.Errorf("handler %q: runtime inference not implemented yet", spec.Handler)
}
