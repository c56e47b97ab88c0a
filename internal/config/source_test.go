package config

import (
	"testing"
)

func TestPosition(t *testing.T) {
	c, err := Parse("c.yaml", []byte("routes:\n  $connect:\n    function:\n      handler: a.main\n  send: b.main\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key       string
		line, col int
	}{
		{"routes", 1, 1},
		{"routes.$connect.function.handler", 4, 7},
		{"routes.$connect.function.timeout", 3, 5}, // not written: its parent
		{"routes.send.function.handler", 5, 9},     // the handler string
		{"stage.name", 0, 0},
	}
	for _, tt := range tests {
		if line, col := c.Position(tt.key); line != tt.line || col != tt.col {
			t.Errorf("Position(%q) = %d:%d, want %d:%d", tt.key, line, col, tt.line, tt.col)
		}
	}
	if line, col := goConfig().Position("routes"); line != 0 || col != 0 {
		t.Errorf("Position on a Go config = %d:%d, want 0:0", line, col)
	}
}

func TestDir(t *testing.T) {
	if got := (&Config{File: "deploy/switchboard.yaml"}).Dir(); got != "deploy" {
		t.Errorf("Dir = %q, want deploy", got)
	}
	if got := (&Config{}).Dir(); got != "." {
		t.Errorf("Dir of a Go config = %q, want .", got)
	}
}

func TestRouteKeysSorted(t *testing.T) {
	c := goConfig()
	got := c.RouteKeys()
	want := []string{"$connect", "$default", "send"}
	if len(got) != len(want) {
		t.Fatalf("RouteKeys = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("RouteKeys = %q, want %q", got, want)
		}
	}
}
