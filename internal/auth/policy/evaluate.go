package policy

// Decision is the outcome of evaluating statements for one action on one resource.
type Decision int

// The three outcomes, as IAM names them.
const (
	// ImplicitDeny: no statement matched; access is denied by default.
	ImplicitDeny Decision = iota
	// Allowed: an Allow statement matched and no Deny did.
	Allowed
	// ExplicitDeny: a Deny statement matched; it wins over any Allow.
	ExplicitDeny
)

// String returns IAM's name for the decision: "Allow", "ExplicitDeny" or "ImplicitDeny".
func (d Decision) String() string {
	switch d {
	case Allowed:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	default:
		return "ImplicitDeny"
	}
}

// Evaluate decides whether statements allow action on resource: an explicit Deny wins, then
// any Allow, and otherwise access is implicitly denied. Statements are expected to be valid
// (parsed or Validated); an invalid one can only fail to match.
func Evaluate(statements []Statement, action, resource string) Decision {
	decision := ImplicitDeny
	for _, s := range statements {
		if !s.matches(action, resource) {
			continue
		}
		switch s.Effect {
		case Deny:
			return ExplicitDeny
		case Allow:
			decision = Allowed
		}
	}
	return decision
}

func (s Statement) matches(action, resource string) bool {
	return anyMatch(s.Action, action, MatchAction) && anyMatch(s.Resource, resource, MatchResource)
}

func anyMatch(patterns []string, value string, match func(pattern, value string) bool) bool {
	for _, p := range patterns {
		if match(p, value) {
			return true
		}
	}
	return false
}
