package bench

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"syscall"
	"testing"

	"github.com/coder/websocket"
)

func TestDialErrorKind(t *testing.T) {
	sysErr := func(e syscall.Errno) error {
		return fmt.Errorf("failed to WebSocket dial: %w", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", e)})
	}
	for _, tc := range []struct {
		err   error
		resp  *http.Response
		ended bool
		want  string
	}{
		{errors.New("expected 101"), &http.Response{StatusCode: 403}, false, "handshake_status_403"},
		{errors.New("bad accept key"), &http.Response{StatusCode: 101}, false, kindHandshakeFailed},
		{sysErr(syscall.ECONNREFUSED), nil, false, kindDialRefused},
		{sysErr(syscall.EADDRNOTAVAIL), nil, false, kindDialPorts},
		{sysErr(syscall.EMFILE), nil, false, kindDialFileLimit},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), nil, false, kindDialTimeout},
		{fmt.Errorf("x: %w", context.Canceled), nil, true, kindDialCanceled},
		{fmt.Errorf("x: %w", &tls.CertificateVerificationError{Err: errors.New("unknown authority")}), nil, false, kindDialTLS},
		{errors.New("something else"), nil, false, kindDialFailed},
	} {
		if got := dialErrorKind(tc.err, tc.resp, tc.ended); got != tc.want {
			t.Errorf("dialErrorKind(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestCloseErrorKindAndCounts(t *testing.T) {
	if got := closeErrorKind(fmt.Errorf("read: %w", websocket.CloseError{Code: 1011})); got != "closed_with_code_1011" {
		t.Errorf("got %q", got)
	}
	if got := closeErrorKind(errors.New("EOF")); got != kindClosedAbnormally {
		t.Errorf("got %q", got)
	}
	var e errorCounts
	if e.total() != 0 || len(e.snapshot()) != 0 {
		t.Error("fresh counts are not empty")
	}
	e.add("a")
	e.add("a")
	e.add("b")
	if s := e.snapshot(); s["a"] != 2 || s["b"] != 1 || e.total() != 3 {
		t.Errorf("counts %v total %d", s, e.total())
	}
	if got := errorsLine(e.snapshot()); got != "a: 2, b: 1" {
		t.Errorf("errorsLine = %q", got)
	}
	if got := errorsLine(map[string]int64{"closed_with_code_1009": 1}); got != "closed with code 1009: 1" {
		t.Errorf("errorsLine = %q", got)
	}
}
