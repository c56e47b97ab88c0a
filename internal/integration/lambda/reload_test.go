package lambda

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// copyEchoModule copies the echo handler into a module of its own in a temporary directory, so a
// test can edit it. The module requires the aws-lambda-go this repository uses, with its go.sum.
func copyEchoModule(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	src, err := os.ReadFile("testdata/go/echo/main.go")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile("../../../go.sum")
	if err != nil {
		t.Fatal(err)
	}
	gomod := "module reloadtest\n\ngo 1.26\n\nrequire github.com/aws/aws-lambda-go v1.55.1\n"
	for name, data := range map[string][]byte{
		"go.mod":       []byte(gomod),
		"go.sum":       sum,
		"echo/main.go": src,
	} {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// editVersion rewrites the handler's version constant line.
func editVersion(t *testing.T, root, line string) {
	t.Helper()
	p := filepath.Join(root, "echo", "main.go")
	src, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "const version") {
			lines[i] = line
		}
	}
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// pollInvocations invokes f every 100 ms until check accepts an outcome, failing after a minute.
func pollInvocations(t *testing.T, f *Function, what string, check func(echoReply, error) bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		r, err := tryEcho(f, map[string]any{"echo": "reload"})
		if check(r, err) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; last outcome %+v, %v", what, r, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestLiveReload(t *testing.T) {
	root := copyEchoModule(t)
	f := newTestFunction(t, handlerCase{name: "reload", root: root, handler: "echo"}, nil)
	v1 := invokeEcho(t, f.Function, map[string]any{"echo": "1"})
	if v1.Version != "v1" {
		t.Fatalf("version %q, want v1", v1.Version)
	}

	editVersion(t, root, `const version = "v2"`)
	pollInvocations(t, f.Function, "the edited handler", func(r echoReply, err error) bool {
		return err == nil && r.Version == "v2"
	})
	if n := len(f.log.find("handler reloaded", "function", f.name)); n != 1 {
		t.Errorf("%d reloads logged, want 1", n)
	}

	// A broken edit fails invocations, as a broken deployment fails Lambda's init ...
	editVersion(t, root, `const version = `)
	pollInvocations(t, f.Function, "the build failure", func(r echoReply, err error) bool {
		var he *HandlerError
		return errors.As(err, &he) && he.Type == ErrorTypePrepare && he.Init && strings.Contains(he.Message, "go build")
	})
	if len(f.log.find("reload failed", "function", f.name)) == 0 {
		t.Error("the failed rebuild was not logged")
	}
	// ... until it is fixed.
	editVersion(t, root, `const version = "v3"`)
	pollInvocations(t, f.Function, "the fixed handler", func(r echoReply, err error) bool {
		return err == nil && r.Version == "v3"
	})
	eventually(t, 30*time.Second, "old workers to retire", func() bool { return f.workerCount() == 1 })
}

func TestUnchangedSourcesReuseTheBuild(t *testing.T) {
	a := newTestFunction(t, goEcho, nil)
	b := newTestFunction(t, goEcho, nil)
	if a.gen.prepared.Launch.Path != b.gen.prepared.Launch.Path {
		t.Errorf("two prepares of the same sources built %s and %s", a.gen.prepared.Launch.Path, b.gen.prepared.Launch.Path)
	}
	if len(b.log.find("building Go handler")) != 0 {
		t.Error("the second prepare rebuilt unchanged sources")
	}
}
