package runtimes_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/internal/integration/lambda/runtimes"
)

// prepareLayered prepares handler (under testdata/layers) with layers.
func prepareLayered(t *testing.T, runtime, handler, cache string, layers []string) (*runtimes.Prepared, error) {
	t.Helper()
	return runtimes.Prepare(context.Background(), runtimes.Spec{
		Root: filepath.Join("testdata", "layers"), Handler: handler, Runtime: runtime, CacheDir: cache,
		MemoryMB: 256, Layers: layers, Logger: interpLogger(t),
	})
}

// TestLayersResolveInNodeAndPython lays out a directory layer, a .zip layer and a second directory
// layer, in that order, and checks what Lambda gives handlers from /opt: packages in
// nodejs/node_modules and nodejs/node{major}/node_modules for require() and ES module imports,
// modules in python and python/lib/python3.X/site-packages, bin on PATH (a later layer's file
// replacing an earlier one's) and lib on LD_LIBRARY_PATH, all from a directory of the cache.
func TestLayersResolveInNodeAndPython(t *testing.T) {
	t.Parallel()
	needNode(t)
	needPython(t)
	cache := t.TempDir()
	nodeRuntime := machineNodeRuntime(t)
	major := strings.TrimSuffix(strings.TrimPrefix(nodeRuntime, "nodejs"), ".x")
	// The interpreter Prepare picks decides the site-packages directory's name.
	probe, err := prepareLayered(t, "", "handlers/py.handler", cache, nil)
	if err != nil {
		t.Fatal(err)
	}
	zipped := runtimes.WriteTestZip(t, map[string]runtimes.TestZipEntry{
		"nodejs/node" + major + "/node_modules/layer-zipped/index.js":          {Mode: 0o644, Content: `module.exports = { zipped: "from the zip" };`},
		"python/lib/python" + probe.Version + "/site-packages/layer_zipped.py": {Mode: 0o644, Content: `ZIPPED = "from the zip"`},
	})
	layers := []string{"shared", zipped, "own"}

	t.Run("nodejs", func(t *testing.T) {
		p, err := prepareLayered(t, nodeRuntime, "handlers/esm.handler", cache, layers)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(p.Opt, cache) {
			t.Errorf("layers laid out in %q, want a directory of the cache %s", p.Opt, cache)
		}
		var esm struct{ Greeting, Tool, NODE_PATH, LD_LIBRARY_PATH string }
		interpDecode(t, startInterpWorker(t, newInterpAPI(t), p, "handlers/esm.handler").invoke(t, map[string]any{}), &esm)
		if esm.Greeting != "hello from the shared layer" {
			t.Errorf("ES module import from a layer got %q", esm.Greeting)
		}
		if esm.Tool != "own" {
			t.Errorf("layer-tool printed %q, want the later layer's (own)", esm.Tool)
		}
		wantPath := []string{filepath.Join(p.Opt, "nodejs", "node"+major, "node_modules"), filepath.Join(p.Opt, "nodejs", "node_modules")}
		if got := strings.Split(esm.NODE_PATH, string(os.PathListSeparator)); len(got) < 2 || !slices.Equal(got[:2], wantPath) {
			t.Errorf("NODE_PATH = %q, want it to start with %q", esm.NODE_PATH, wantPath)
		}
		if !slices.Contains(strings.Split(esm.LD_LIBRARY_PATH, string(os.PathListSeparator)), filepath.Join(p.Opt, "lib")) {
			t.Errorf("LD_LIBRARY_PATH = %q lacks the layers' lib", esm.LD_LIBRARY_PATH)
		}

		p, err = prepareLayered(t, nodeRuntime, "handlers/cjs.handler", cache, layers)
		if err != nil {
			t.Fatal(err)
		}
		var cjs struct{ Greeting, Zipped string }
		interpDecode(t, startInterpWorker(t, newInterpAPI(t), p, "handlers/cjs.handler").invoke(t, map[string]any{}), &cjs)
		if cjs.Greeting != "hello from the shared layer" || cjs.Zipped != "from the zip" {
			t.Errorf("require() from layers got %+v", cjs)
		}
	})

	t.Run("python", func(t *testing.T) {
		p, err := prepareLayered(t, "", "handlers/py.handler", cache, layers)
		if err != nil {
			t.Fatal(err)
		}
		var py struct {
			Greeting, Zipped, Tool string
			Path                   []string
		}
		interpDecode(t, startInterpWorker(t, newInterpAPI(t), p, "handlers/py.handler").invoke(t, map[string]any{}), &py)
		if py.Greeting != "hello from the own layer" || py.Zipped != "from the zip" || py.Tool != "own" {
			t.Errorf("got %+v, want the own layer's greeting (the later layer wins), the zip's module and the own layer's tool", py)
		}
		site := filepath.Join(p.Opt, "python", "lib", "python"+p.Version, "site-packages")
		i, j := slices.Index(py.Path, site), slices.Index(py.Path, filepath.Join(p.Opt, "python"))
		if i < 1 || j != i+1 {
			t.Errorf("sys.path = %q, want the task root, then %s, then the layers' python directory (Lambda's order)", py.Path, site)
		}
	})
}

// TestLayersPathsAreAbsolute lays out layers in a cache given as a relative path: the paths the
// worker gets must not depend on its working directory (the task root).
func TestLayersPathsAreAbsolute(t *testing.T) {
	t.Parallel()
	needPython(t)
	p, err := prepareLayered(t, "", "handlers/py.handler", interpRelativeTempDir(t), []string{"shared"})
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(p.Opt) {
		t.Fatalf("layers laid out at %q, want an absolute path", p.Opt)
	}
	for _, kv := range p.Launch.Env {
		k, v, _ := strings.Cut(kv, "=")
		for _, part := range strings.Split(v, string(os.PathListSeparator)) {
			if strings.Contains(part, "layers") && !filepath.IsAbs(part) {
				t.Errorf("%s holds the relative path %q", k, part)
			}
		}
	}
}

func TestLayerErrors(t *testing.T) {
	t.Parallel()
	needPython(t)
	cases := []struct {
		name   string
		layers []string
		index  int
		want   string
	}{
		{"ARN", []string{"shared", "arn:aws:lambda:us-east-1:123456789012:layer:deps:3"}, 1, "is a layer ARN"},
		{"missing", []string{"no-such-layer"}, 0, "no-such-layer"},
		{"not a zip", []string{"handlers/py.py"}, 0, "neither a directory nor a .zip file"},
		{"too many", []string{"shared", "own", "shared/python", "own/python", "shared/bin", "own/bin"}, 5, "at most 5 layers"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := prepareLayered(t, "", "handlers/py.handler", t.TempDir(), tc.layers)
			var pe *runtimes.PropError
			if !errors.As(err, &pe) || pe.Prop != "layers" || pe.Index != tc.index || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v (%#v), want a layers[%d] error containing %q", err, pe, tc.index, tc.want)
			}
		})
	}
}
