package config

import (
	"fmt"
	"regexp"
	"strings"
)

// stageVarRef matches a stage variable reference, ${stageVariables.name}, in a route's url.
var stageVarRef = regexp.MustCompile(`\$\{stageVariables\.([^}]*)\}`)

// ExpandStageVariables replaces each ${stageVariables.name} in s with the variable's value, as
// API Gateway does in integration URIs. A reference to a variable vars does not define is an
// error naming it.
func ExpandStageVariables(s string, vars map[string]string) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var missing []string
	out := stageVarRef.ReplaceAllStringFunc(s, func(ref string) string {
		name := stageVarRef.FindStringSubmatch(ref)[1]
		v, ok := vars[name]
		if !ok {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("stage variable %q is not defined in stage.variables", missing[0])
	}
	return out, nil
}
