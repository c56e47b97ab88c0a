package runtimes

import "testing"

func TestParsePythonHandler(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "index.handler", want: "index"},
		{in: "src/connect.main", want: "src.connect"},
		{in: "pkg.sub.mod.fn", want: "pkg.sub.mod"},
		{in: "src/ws_2/connect.main", want: "src.ws_2.connect"},
		{in: "handler", wantErr: true},
		{in: ".handler", wantErr: true},
		{in: "mod.", wantErr: true},
		{in: "../mod.fn", wantErr: true},
		{in: "my-mod.fn", wantErr: true},
		{in: "2mod.fn", wantErr: true},
		{in: "mod.fn-x", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parsePythonHandler(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parsePythonHandler(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
