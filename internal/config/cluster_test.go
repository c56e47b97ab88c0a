package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestClusterKeys(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "node.creds"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "c.yaml")
	src := "cluster:\n  nats: [tls://n1.example.com:4222, tls://n2.example.com:4222]\n  credentials: node.creds\n" +
		"  caFile: ca.pem\n  subjectPrefix: acme.ws\n  leaseTtl: 5s\n  requestTimeout: 2 seconds\n  replicas: 3\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := Cluster{NATS: "tls://n1.example.com:4222,tls://n2.example.com:4222", Credentials: "node.creds", CAFile: "ca.pem",
		SubjectPrefix: "acme.ws", LeaseTTL: 5 * time.Second, RequestTimeout: 2 * time.Second, Replicas: 3}
	if c.Cluster != want {
		t.Fatalf("cluster %+v\nwant    %+v", c.Cluster, want)
	}
	if c, err := Parse("c.yaml", []byte("cluster: {nats: 'nats://127.0.0.1:4222'}\n")); err != nil || c.Cluster.NATS != "nats://127.0.0.1:4222" {
		t.Fatalf("one URL: %+v, %v", c, err)
	}
}

func TestClusterMistakes(t *testing.T) {
	for _, tt := range []struct{ name, src, want string }{
		{"scheme", "cluster:\n  nats: http://127.0.0.1:4222\n",
			`c.yaml:2:3: cluster.nats: must be NATS URLs like "nats://127.0.0.1:4222" or "tls://nats.example.com:4222", got "http://127.0.0.1:4222"`},
		{"credentials file", "cluster:\n  nats: nats://127.0.0.1:4222\n  credentials: /nonexistent/node.creds\n",
			`c.yaml:3:3: cluster.credentials: cannot read /nonexistent/node.creds: no such file or directory`},
		{"prefix", "cluster:\n  subjectPrefix: 'a.*'\n",
			`c.yaml:2:3: cluster.subjectPrefix: must be NATS subject tokens of letters, digits, - and _ separated by dots, like "switchboard" or "acme.ws", got "a.*"`},
		{"lease", "cluster:\n  leaseTtl: 1m\n", `c.yaml:2:3: cluster.leaseTtl: must be between 1s and 20s, got 1m0s`},
		{"timeout", "cluster:\n  requestTimeout: 30s\n", `c.yaml:2:3: cluster.requestTimeout: must be between 100ms and 10s, got 30s`},
		{"replicas", "cluster:\n  replicas: 0\n", `c.yaml:2:3: cluster.replicas: must be between 1 and 5 (JetStream's limit), got 0`},
		{"unknown key", "cluster:\n  natsUrl: nats://x:1\n", `c.yaml:2:3: cluster: unknown key "natsUrl" (valid keys: caFile, credentials, leaseTtl, nats, replicas, requestTimeout, subjectPrefix)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseProblems(t, tt.src).Error(); got != tt.want {
				t.Errorf("problems:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}
