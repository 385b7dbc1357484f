//go:build !race

package secrets

// raceEnabled is set when tests run under the race detector.
const raceEnabled = false
