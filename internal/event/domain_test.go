package event

import "testing"

func TestDomainPrefix(t *testing.T) {
	for in, want := range map[string]string{
		"tenant1.example.com":                        "tenant1",
		"Tenant1.Example.com:3001":                   "tenant1",
		"abc123.execute-api.us-east-1.amazonaws.com": "abc123",
		"localhost:3001":                             "localhost",
		"127.0.0.1:3001":                             "",
		"[::1]:3001":                                 "",
		"::1":                                        "",
		"":                                           "",
	} {
		if got := DomainPrefix(in); got != want {
			t.Errorf("DomainPrefix(%q) = %q, want %q", in, got, want)
		}
	}
}
