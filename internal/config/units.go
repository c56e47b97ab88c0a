package config

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// amountWithUnit matches SST-style amounts such as "20 seconds", "1.5 GB" or "128KB".
var amountWithUnit = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]+)$`)

// durationUnits are the units accepted after a number in a duration string.
var durationUnits = map[string]time.Duration{
	"ms": time.Millisecond, "millisecond": time.Millisecond, "milliseconds": time.Millisecond,
	"s": time.Second, "sec": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "min": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
}

// sizeUnits are the units accepted after a number in a size string. Like AWS's quotas ("128 KB"
// is 131072 bytes) and SST's memory sizes ("2 GB" is 2048 MB), they are powers of 1024.
var sizeUnits = map[string]float64{
	"b":  1,
	"kb": 1 << 10, "kib": 1 << 10,
	"mb": 1 << 20, "mib": 1 << 20,
	"gb": 1 << 30, "gib": 1 << 30,
}

// parseDuration parses Go's duration syntax ("29s", "1m30s", "500ms") or SST's
// "<number> <unit>" ("20 seconds", "1 minute", "2 days").
func parseDuration(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseDuration(s); err == nil {
		return d, true
	}
	n, unit, ok := parseAmount(s, durationUnits)
	if !ok {
		return 0, false
	}
	return scaleDuration(n, unit)
}

// scaleDuration returns n units, refusing values that are not finite or do not fit a Duration.
func scaleDuration(n float64, unit time.Duration) (time.Duration, bool) {
	v := n * float64(unit)
	if math.IsNaN(v) || math.IsInf(v, 0) || v >= math.MaxInt64 || v <= math.MinInt64 {
		return 0, false
	}
	return time.Duration(v), true
}

// parseSize parses "<number> <unit>" ("1024 MB", "2 GB", "128KB") into bytes.
func parseSize(s string) (int64, bool) {
	n, unit, ok := parseAmount(s, sizeUnits)
	if !ok {
		return 0, false
	}
	v := n * unit
	if v != math.Trunc(v) || v >= math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// parseAmount splits "<number> <unit>" into the number and the unit's value in units (unit
// names are case-insensitive).
func parseAmount[U any](s string, units map[string]U) (float64, U, bool) {
	var none U
	m := amountWithUnit.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, none, false
	}
	unit, ok := units[strings.ToLower(m[2])]
	if !ok {
		return 0, none, false
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, none, false
	}
	return n, unit, true
}
