//go:build !race

package wsserver

// raceEnabled reports whether the tests run under the race detector.
const raceEnabled = false
