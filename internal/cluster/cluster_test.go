package cluster

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/internal/apigw"
	"github.com/switchboardhq/switchboard/internal/event"
)

// named answers every call with its own error, to see which side a call went to.
type named struct{ err error }

func (n named) PostToConnection(context.Context, string, []byte) error { return n.err }
func (n named) GetConnection(context.Context, string) (apigw.ConnectionInfo, error) {
	return apigw.ConnectionInfo{}, n.err
}
func (n named) DeleteConnection(context.Context, string) error { return n.err }

func TestConnectionsPicksTheHolder(t *testing.T) {
	self, other := event.NodeIDFromString("a"), event.NodeIDFromString("b")
	local, remote := errors.New("local"), errors.New("remote")
	c := &Connections{Self: self, Local: named{local}, Remote: named{remote}}
	ctx := context.Background()
	for _, tc := range []struct {
		name, id string
		want     error
	}{
		{"own connection", event.NewIDs(self).ConnectionID(), local},
		{"other node's connection", event.NewIDs(other).ConnectionID(), remote},
		{"other node's request id", event.NewIDs(other).RequestID(), local},
		{"not an id", "hello", local},
	} {
		if err := c.PostToConnection(ctx, tc.id, nil); err != tc.want {
			t.Errorf("%s: post went to %v, want %v", tc.name, err, tc.want)
		}
		if _, err := c.GetConnection(ctx, tc.id); err != tc.want {
			t.Errorf("%s: get went to %v, want %v", tc.name, err, tc.want)
		}
		if err := c.DeleteConnection(ctx, tc.id); err != tc.want {
			t.Errorf("%s: delete went to %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestStandaloneKnowsNoOtherNode(t *testing.T) {
	var m Member = Standalone{}
	ctx := context.Background()
	id := event.NewIDs(event.NewNodeID()).ConnectionID()
	if err := m.PostToConnection(ctx, id, []byte("x")); !errors.Is(err, apigw.ErrGone) {
		t.Errorf("post: %v", err)
	}
	if _, err := m.GetConnection(ctx, id); !errors.Is(err, apigw.ErrGone) {
		t.Errorf("get: %v", err)
	}
	if err := m.DeleteConnection(ctx, id); !errors.Is(err, apigw.ErrGone) {
		t.Errorf("delete: %v", err)
	}
	if m.Nodes() != 1 || m.Leave(ctx) != nil {
		t.Error("a standalone node is one node and leaves at once")
	}
	if s, typ := apigw.ErrorStatus(ErrTimeout); s != 504 || typ != "GatewayTimeoutException" {
		t.Errorf("timeout maps to %d %s", s, typ)
	}
	if s, typ := apigw.ErrorStatus(ErrUnavailable); s != 503 || typ != "ServiceUnavailableException" {
		t.Errorf("unavailable maps to %d %s", s, typ)
	}
}

// TestLayering keeps the cluster packages below the app: they import only the domain types
// (apigw, event) and, for natscluster, this package; never wsserver, mgmt or app.
func TestLayering(t *testing.T) {
	allowed := map[string]map[string]bool{
		".":                      {"internal/apigw": true, "internal/event": true},
		"./natscluster":          {"internal/apigw": true, "internal/event": true, "internal/cluster": true},
		"./natscluster/natstest": {},
	}
	for pkg, ok := range allowed {
		out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, pkg).Output()
		if err != nil {
			t.Skipf("go list: %v", err)
		}
		for _, imp := range strings.Fields(string(out)) {
			rel, ours := strings.CutPrefix(imp, "github.com/switchboardhq/switchboard/")
			if ours && !ok[rel] {
				t.Errorf("%s imports %s", pkg, imp)
			}
		}
	}
}
