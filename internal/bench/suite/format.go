package suite

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// thousands formats n with thin separators: 100000 → "100,000".
func thousands[T int | int64](n T) string {
	s := strconv.FormatInt(int64(n), 10)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// kib formats bytes in KiB with one decimal.
func kib[T int | int64 | float64](b T) string { return fmt.Sprintf("%.1f KiB", float64(b)/1024) }

// mib formats bytes in MiB.
func mib[T int | int64 | float64](b T) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func percent(r float64) string { return fmt.Sprintf("%.0f%%", r*100) }

func times(r float64) string {
	if r >= 10 {
		return fmt.Sprintf("%.0f×", r)
	}
	return fmt.Sprintf("%.2f×", r)
}

func msgsPerSec(v float64) string { return thousands(int64(math.Round(v))) + " msg/s" }

// millis formats milliseconds with three significant digits: "8.51 ms", "0.412 ms".
func millis(ms float64) string {
	switch {
	case ms >= 100:
		return fmt.Sprintf("%.0f ms", ms)
	case ms >= 10:
		return fmt.Sprintf("%.1f ms", ms)
	case ms >= 1:
		return fmt.Sprintf("%.2f ms", ms)
	default:
		return fmt.Sprintf("%.3f ms", ms)
	}
}

func seconds(d time.Duration) string { return d.Round(time.Second).String() }
