//go:build !race

package pii

// raceEnabled is set when tests run under the race detector.
const raceEnabled = false
