package runtimes

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

func TestParseNodeHandler(t *testing.T) {
	tests := []struct {
		in      string
		want    nodeHandler
		wantErr bool
	}{
		{in: "index.handler", want: nodeHandler{moduleRoot: "", module: "index", export: "handler"}},
		{in: "src/connect.main", want: nodeHandler{moduleRoot: "src/", module: "connect", export: "main"}},
		{in: "src/ws/index.handlers.ws.connect", want: nodeHandler{moduleRoot: "src/ws/", module: "index", export: "handlers.ws.connect"}},
		{in: "a.b/a.b", want: nodeHandler{moduleRoot: "a.b/", module: "a", export: "b"}},
		{in: "src/connect.main/", want: nodeHandler{moduleRoot: "src/", module: "connect", export: "main"}},
		{in: "../src/connect.main", wantErr: true},
		{in: "src/connect", wantErr: true},
		{in: "src/.main", wantErr: true},
		{in: "src/connect.", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseNodeHandler(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseNodeHandler(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestReadMetafile(t *testing.T) {
	root := filepath.FromSlash("/project")
	meta := `{"inputs": {
		"src/connect.ts": {"imports": [
			{"path": "@aws-sdk/client-apigatewaymanagementapi", "external": true},
			{"path": "@aws-sdk/lib-dynamodb/dist-cjs/index.js", "external": true},
			{"path": "src/lib/db.ts", "external": false},
			{"path": "node:fs", "external": true}
		]},
		"src/lib/db.ts": {"imports": [
			{"path": "@aws-sdk/client-apigatewaymanagementapi", "external": true},
			{"path": "@aws-sdk/--evil", "external": true}
		]},
		"node_modules/left-pad/index.js": {"imports": [
			{"path": "@aws-sdk/client-s3", "external": true}
		]}
	}}`
	got, err := readMetafile(root, meta)
	if err != nil {
		t.Fatal(err)
	}
	wantInputs := []string{filepath.Join(root, "src", "connect.ts"), filepath.Join(root, "src", "lib", "db.ts")}
	if !slices.Equal(got.inputs, wantInputs) {
		t.Errorf("inputs = %q, want %q (node_modules excluded)", got.inputs, wantInputs)
	}
	wantSDK := []string{"@aws-sdk/client-apigatewaymanagementapi", "@aws-sdk/client-s3", "@aws-sdk/lib-dynamodb"}
	if !slices.Equal(got.sdkPackages, wantSDK) {
		t.Errorf("sdkPackages = %q, want %q", got.sdkPackages, wantSDK)
	}
	if _, err := readMetafile(root, "{not json"); err == nil {
		t.Error("readMetafile accepted malformed JSON")
	}
}

func TestFileURL(t *testing.T) {
	p := filepath.FromSlash("/tmp/cache dir/sdk-register.mjs")
	want := "file:///tmp/cache%20dir/sdk-register.mjs"
	if filepath.Separator == '\\' {
		t.Skip("path layout differs on Windows")
	}
	if got := fileURL(p); got != want {
		t.Errorf("fileURL(%q) = %q, want %q", p, got, want)
	}
}

func TestLockFileExcludes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test.lock")
	unlock, err := lockFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := lockFile(cancelled, path); err != context.Canceled {
		t.Fatalf("second lockFile while held = %v, want context.Canceled", err)
	}
	unlock()
	unlock2, err := lockFile(cancelled, path)
	if err != nil {
		t.Fatalf("lockFile after release = %v, want success", err)
	}
	unlock2()
}

func TestLockFileSerializes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test.lock")
	var inside, overlaps atomic.Int32
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock, err := lockFile(context.Background(), path)
			if err != nil {
				t.Error(err)
				return
			}
			if inside.Add(1) != 1 {
				overlaps.Add(1)
			}
			for range 1000 {
				if inside.Load() != 1 {
					overlaps.Add(1)
				}
			}
			inside.Add(-1)
			unlock()
		}()
	}
	wg.Wait()
	if n := overlaps.Load(); n != 0 {
		t.Errorf("%d times more than one holder was inside the lock", n)
	}
}

func TestNodeHeapArgsFollowMemory(t *testing.T) {
	for _, c := range []struct {
		memoryMB  int
		old, semi string
	}{
		{128, "--max-old-space-size=115", "--max-semi-space-size=1"},
		{1024, "--max-old-space-size=921", "--max-semi-space-size=4"},
		{3008, "--max-old-space-size=2707", "--max-semi-space-size=11"},
		{10240, "--max-old-space-size=9216", "--max-semi-space-size=16"},
	} {
		got := nodeHeapArgs(c.memoryMB)
		if len(got) != 2 || got[0] != c.old || got[1] != c.semi {
			t.Errorf("nodeHeapArgs(%d) = %q, want [%s %s]", c.memoryMB, got, c.old, c.semi)
		}
	}
}
