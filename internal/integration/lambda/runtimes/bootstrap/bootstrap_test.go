package bootstrap

import (
	"io/fs"
	"slices"
	"testing"
)

func TestEmbeddedFiles(t *testing.T) {
	tests := []struct {
		name string
		fsys fs.FS
		want []string
	}{
		{"Node", Node(), []string{"bootstrap.mjs", "resolve-hooks.mjs", "resolve-register.mjs"}},
		{"Python", Python(), []string{"bootstrap.py"}},
	}
	for _, tt := range tests {
		entries, err := fs.ReadDir(tt.fsys, ".")
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got []string
		for _, e := range entries {
			data, err := fs.ReadFile(tt.fsys, e.Name())
			if err != nil || len(data) == 0 {
				t.Errorf("%s: %s is unreadable or empty (%v)", tt.name, e.Name(), err)
			}
			got = append(got, e.Name())
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s() holds %q, want %q", tt.name, got, tt.want)
		}
	}
}
