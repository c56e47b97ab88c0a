package bench

import (
	"encoding/json"
	"testing"
)

func TestMessagesAreValidJSONOfTheRequestedSize(t *testing.T) {
	for _, tc := range []struct {
		action string
		size   int
		seq    uint64
	}{
		{"echo", 100, 1},
		{"echo", 100, 18446744073709551615},
		{`a "quoted" <action>`, 1000, 42},
		{"", 64, 7},
		{"émoji ✓", 4096, 123456},
	} {
		b := newMessageBuilder(tc.action, tc.size)
		msg := b.appendMessage([]byte("junk"), tc.seq, 1763712000123456789)[len("junk"):]
		if len(msg) != tc.size {
			t.Errorf("%q/%d: message is %d bytes", tc.action, tc.size, len(msg))
		}
		var m struct {
			Action string `json:"action"`
			Seq    uint64 `json:"seq"`
			T      int64  `json:"t"`
			Data   string `json:"data"`
		}
		if err := json.Unmarshal(msg, &m); err != nil {
			t.Fatalf("%q: %v: %s", tc.action, err, msg)
		}
		if m.Action != tc.action || m.Seq != tc.seq || m.T != 1763712000123456789 {
			t.Errorf("decoded %+v", m)
		}
		if seq, ok := parseSeq(msg); !ok || seq != tc.seq {
			t.Errorf("parseSeq = %d, %v; want %d", seq, ok, tc.seq)
		}
	}
}

func TestTooSmallSizeKeepsTheEnvelope(t *testing.T) {
	msg := newMessageBuilder("echo", 10).appendMessage(nil, 3, 99)
	if !json.Valid(msg) || len(msg) <= 10 {
		t.Errorf("message %s", msg)
	}
	var m map[string]any
	if err := json.Unmarshal(msg, &m); err != nil || m["data"] != "" {
		t.Errorf("data = %v, %v", m["data"], err)
	}
}

func TestParseSeq(t *testing.T) {
	for _, tc := range []struct {
		in   string
		seq  uint64
		want bool
	}{
		{`{"seq":12,"data":"x"}`, 12, true},
		{`{"action":"echo", "seq": 7}`, 7, true},
		{`{"seq":}`, 0, false},
		{`{"seq":"12"}`, 0, false},
		{`hello`, 0, false},
		{`{"seq":18446744073709551616}`, 0, false}, // overflows uint64
		{``, 0, false},
	} {
		seq, ok := parseSeq([]byte(tc.in))
		if seq != tc.seq || ok != tc.want {
			t.Errorf("parseSeq(%s) = %d, %v; want %d, %v", tc.in, seq, ok, tc.seq, tc.want)
		}
	}
}

func BenchmarkAppendMessage(b *testing.B) {
	mb := newMessageBuilder("echo", 100)
	var buf []byte
	for i := range b.N {
		buf = mb.appendMessage(buf[:0], uint64(i), 1763712000123456789)
	}
}

func FuzzParseSeq(f *testing.F) {
	f.Add([]byte(`{"action":"echo","seq":42,"t":1,"data":"x"}`), uint64(7))
	f.Add([]byte(`"seq":`), uint64(0))
	f.Fuzz(func(t *testing.T, reply []byte, seq uint64) {
		parseSeq(reply) // must not panic on arbitrary input
		msg := newMessageBuilder(string(reply), 200).appendMessage(nil, seq, 1)
		if got, ok := parseSeq(msg); !ok || got != seq {
			t.Errorf("action %q: parseSeq = %d, %v; want %d", reply, got, ok, seq)
		}
	})
}
