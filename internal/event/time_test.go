package event

import (
	"fmt"
	"testing"
	"time"
)

func TestFormatRequestTimeMonths(t *testing.T) {
	months := []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	for i, name := range months {
		tm := time.Date(2024, time.Month(i+1), 9, 7, 5, 3, 999_000_000, time.UTC)
		want := fmt.Sprintf("09/%s/2024:07:05:03 +0000", name)
		if got := FormatRequestTime(tm); got != want {
			t.Errorf("month %d: got %q, want %q", i+1, got, want)
		}
	}
}

func TestFormatRequestTimeConvertsToUTC(t *testing.T) {
	kolkata := time.FixedZone("IST", 5*3600+1800)
	// 00:10 on 1 March in UTC+5:30 is 18:40 on 29 February (2024 is a leap year) in UTC.
	tm := time.Date(2024, time.March, 1, 0, 10, 0, 0, kolkata)
	if got, want := FormatRequestTime(tm), "29/Feb/2024:18:40:00 +0000"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// The recorded AWS events pair requestTimeEpoch with requestTime; both must agree with ours.
func TestFormatRequestTimeMatchesAWSSamples(t *testing.T) {
	samples := map[int64]string{
		1705751708326: "20/Jan/2024:11:55:08 +0000", // apigw-websocket-request-disconnect.json
		1705751700453: "20/Jan/2024:11:55:00 +0000", // apigw-websocket-request-send-message.json
		1731324924561: "11/Nov/2024:11:35:24 +0000", // reference §2.3
	}
	for epoch, want := range samples {
		if got := FormatRequestTime(time.UnixMilli(epoch)); got != want {
			t.Errorf("%d: got %q, want %q", epoch, got, want)
		}
	}
}

// The per-second cache must never hand out another second's text.
func TestFormatRequestTimeCacheAlternates(t *testing.T) {
	a := time.Date(2024, 1, 1, 0, 0, 1, 0, time.UTC)
	b := a.Add(time.Second)
	for range 3 {
		if got := FormatRequestTime(a); got != "01/Jan/2024:00:00:01 +0000" {
			t.Fatalf("a: got %q", got)
		}
		if got := FormatRequestTime(b); got != "01/Jan/2024:00:00:02 +0000" {
			t.Fatalf("b: got %q", got)
		}
		if got := FormatRequestTime(a.Add(999 * time.Millisecond)); got != "01/Jan/2024:00:00:01 +0000" {
			t.Fatalf("a+999ms: got %q", got)
		}
	}
}

func BenchmarkFormatRequestTime(b *testing.B) {
	b.Run("same-second", func(b *testing.B) {
		now := time.Now()
		b.ReportAllocs()
		for b.Loop() {
			_ = FormatRequestTime(now)
		}
	})
	b.Run("new-second", func(b *testing.B) {
		now := time.Now()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			_ = FormatRequestTime(now.Add(time.Duration(i) * time.Second))
		}
	})
}
