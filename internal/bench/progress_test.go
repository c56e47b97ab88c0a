package bench

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestProgressWriterPlainAndTerminal(t *testing.T) {
	var plain bytes.Buffer
	pw := newProgressWriter(&plain)
	if pw.tty {
		t.Fatal("a buffer is not a terminal")
	}
	pw.update("first line")
	pw.update("second")
	pw.finish()
	if plain.String() != "first line\nsecond\n" {
		t.Errorf("plain output %q", plain.String())
	}

	var tty bytes.Buffer
	pw = &progressWriter{w: &tty, tty: true}
	pw.update("first line")
	pw.update("second")
	pw.finish()
	// The shorter line blanks the rest of the longer one it overwrites.
	if want := "\rfirst line\rsecond    \n"; tty.String() != want {
		t.Errorf("terminal output %q, want %q", tty.String(), want)
	}
}

func TestProgressLineShowsPhase(t *testing.T) {
	cfg := &config{conns: 10}
	r := &runner{cfg: cfg, rtt: newHistogram()}
	r.st.connOK.Store(4)
	r.st.connFailed.Store(1)
	line := r.progressLine(2*time.Second, histSnapshot{}, 0, 350)
	if !strings.Contains(line, "connecting: 4/10 ok, 1 failed, 350 conn/s") {
		t.Errorf("connecting line %q", line)
	}
	r.phase.Store(phaseMeasuring)
	r.st.sent.Store(500)
	r.st.received.Store(498)
	r.errs.add(kindReplyTimeout)
	h := newHistogram()
	h.record(2 * time.Millisecond)
	line = r.progressLine(3*time.Second, h.snapshot(), 41000, 0)
	for _, want := range []string{"3s", "measuring", "500 sent", "498 received", "41000 msg/s", "p50 2ms", "1 errors"} {
		if !strings.Contains(line, want) {
			t.Errorf("measuring line %q lacks %q", line, want)
		}
	}
}

func TestFmtDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                      "0s",
		999:                    "999ns",
		412_345:                "412µs",
		8_512_345:              "8.51ms",
		123_456_789:            "123ms",
		2*time.Second + 345678: "2s",
	} {
		if got := fmtDuration(d); got != want {
			t.Errorf("fmtDuration(%d) = %q, want %q", d, got, want)
		}
	}
}
