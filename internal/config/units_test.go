package config

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"29s", 29 * time.Second, true},
		{"1m30s", 90 * time.Second, true},
		{"500ms", 500 * time.Millisecond, true},
		{"20 seconds", 20 * time.Second, true},
		{"1 second", time.Second, true},
		{"1 minute", time.Minute, true},
		{"1.5 hours", 90 * time.Minute, true},
		{"2 days", 48 * time.Hour, true},
		{"2d", 48 * time.Hour, true},
		{"10 Minutes", 10 * time.Minute, true},
		{" 3 s ", 3 * time.Second, true},
		{"20", 0, false},
		{"20 parsecs", 0, false},
		{"seconds", 0, false},
		{"", 0, false},
		{"1e300 days", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseDuration(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseDuration(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"128 KB", 128 << 10, true},
		{"128KB", 128 << 10, true},
		{"1024 MB", 1 << 30, true},
		{"2 GB", 2 << 30, true},
		{"1.5 GB", 3 << 29, true},
		{"64 kib", 64 << 10, true},
		{"100 B", 100, true},
		{"0.5 B", 0, false},
		{"2 TB", 0, false},
		{"1024", 0, false},
		{"MB", 0, false},
		{"1e30 GB", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseSize(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseSize(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNumbersOfSecondsAndMegabytes(t *testing.T) {
	src := "defaults:\n  function:\n    timeout: 2.5\n    memory: 1.5 GB\nlimits:\n  maxMessageBytes: 0x10000\n"
	c, err := Parse("c.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if f := c.Defaults.Function; f.Timeout != 2500*time.Millisecond || f.MemoryMB != 1536 {
		t.Errorf("function = %+v, want 2.5s and 1536 MB", f)
	}
	if c.Limits.MaxMessageBytes != 65536 {
		t.Errorf("maxMessageBytes = %d, want 65536", c.Limits.MaxMessageBytes)
	}
}
