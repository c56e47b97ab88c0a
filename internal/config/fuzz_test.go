package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no input makes Parse panic, that every failure is a non-empty Problems,
// and that a config Parse accepts passes Validate again unchanged.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.*")
	more, _ := filepath.Glob("testdata/invalid/*.*")
	for _, file := range append(files, more...) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(filepath.Ext(file) == ".json", data)
	}
	f.Add(false, []byte("a: &a [*a]\nb: {<<: *a}\n"))
	f.Add(true, []byte(`{"routes": {"a": {"function": {"handler": "x", "timeout": 1e400}}}}`))
	f.Fuzz(func(t *testing.T, asJSON bool, data []byte) {
		name := "fuzz.yaml"
		if asJSON {
			name = "fuzz.json"
		}
		c, err := Parse(name, data)
		if err != nil {
			var probs Problems
			if !errors.As(err, &probs) || len(probs) == 0 {
				t.Fatalf("error %T %q is not a non-empty Problems", err, err)
			}
			return
		}
		if err := Validate(c); err != nil {
			t.Fatalf("Parse accepted a config that Validate rejects: %v", err)
		}
	})
}
