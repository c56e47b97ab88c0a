package config

import "testing"

func TestSuggest(t *testing.T) {
	valid := []string{"name", "region", "routes", "routeSelectionExpression", "stage", "customDomain"}
	tests := []struct{ in, want string }{
		{"routs", "routes"},
		{"ROUTES", "routes"},
		{"regoin", "region"},
		{"routeSelectionExpresion", "routeSelectionExpression"},
		{"domain", "customDomain"},
		{"stageName", "stage.name"},
		{"zzz", ""},
		{"x", ""},
		{"environment", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.in, valid); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"routs", "routes", 1}, {"kitten", "sitting", 3},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
